#include <doctest/doctest.h>

#include <set>
#include <string>
#include <type_traits>

#include "locus/bayes/summary.hpp"
#include "locus/io/status.hpp"

using namespace locus;
using namespace locus::io;

// bayes::status is the same namespace as io::status (one definition of every bit), not a copy.
static_assert(std::is_same_v<bayes::status::Bits, io::status::Bits>);
static_assert(bayes::status::poor_fit == io::status::poor_fit && bayes::status::prior_zero == io::status::prior_zero);
static_assert(bayes::status::missing_value == io::status::missing_value && bayes::status::ok == io::status::ok);

TEST_CASE("status: the named bits are distinct single bits in their documented ranges") {
  std::set<status_t> bits;
  std::set<std::string> names;
  status_t previous = 0;
  for (const auto& [bit, name] : status_names) {
    INFO(name);
    CHECK(bit != 0);
    CHECK((bit & (bit - 1)) == 0);  // one bit
    CHECK(bit > previous);          // listed in bit order
    previous = bit;
    bits.insert(bit);
    names.insert(name);
    // shared vocabulary: bits 0..7 used (8..15 kept free); modules from bit 16
    CHECK((bit < (1u << 8) || bit >= status::first_module_bit));
    CHECK(bit < status::first_user_bit);
  }
  CHECK(bits.size() == std::size(status_names));
  CHECK(names.size() == std::size(status_names));
  // the bayes bits are the first two module bits
  CHECK(status::poor_fit == (1u << 16));
  CHECK(status::prior_zero == (1u << 17));
  CHECK(status::first_user_bit == (1u << 28));
  CHECK(status::ok == 0);
}

TEST_CASE("status: describe_status names every bit, in bit order") {
  CHECK(describe_status(status::ok) == "ok");
  for (const auto& [bit, name] : status_names) CHECK(describe_status(bit) == name);
  CHECK(describe_status(status::missing_value) == "missing_value");
  CHECK(describe_status(status::no_fit | status::missing_value) == "missing_value|no_fit");
  CHECK(describe_status(status::poor_fit | status::cut | status::bad_error) == "bad_error|cut|poor_fit");
  // bits without a name are shown by number
  CHECK(describe_status(1u << 20) == "bit20");
  CHECK(describe_status(status::first_user_bit | status::out_of_range) == "out_of_range|bit28");
  CHECK(describe_status(1u << 31) == "bit31");
  CHECK(describe_status(1u << 8) == "bit8");
  // all named bits together
  status_t all = 0;
  std::string expected;
  for (const auto& [bit, name] : status_names) {
    all |= bit;
    if (!expected.empty()) expected += '|';
    expected += name;
  }
  CHECK(describe_status(all) == expected);
  CHECK(describe_status(~status_t{0}).find("bit31") != std::string::npos);
}
