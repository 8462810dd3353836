// Fuzz harness: the physics tables a user can point locus at, each a small text reader:
// photo-D prior maps (bayes/prior.hpp, PriorMaps::parse_csv, `--priors FILE`), locus colour
// tables (bayes/locus_model.hpp, LocusModel::parse, `--locus FILE`) and luminosity-function
// tables (sim/luminosity_function.hpp, LuminosityFunction::from_file). Every input goes
// through all three; the seeds are the shipped files, trimmed.
#include "harness.hpp"

#include <sstream>

#include <locus/bayes/locus_model.hpp>
#include <locus/bayes/prior.hpp>
#include <locus/sim/luminosity_function.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = locus_fuzz::as_string(data, size);
  locus_fuzz::expect_rejection_or_success([&] {
    std::istringstream in(text);
    locus::bayes::PriorMaps::parse_csv(in, "fuzz_priors.csv");
  });
  locus_fuzz::expect_rejection_or_success([&] {
    std::istringstream in(text);
    locus::bayes::LocusModel::parse(in, "fuzz_locus.txt");
  });
  locus_fuzz::expect_rejection_or_success([&] {
    std::istringstream in(text);
    locus::bayes::LocusModel::parse(in, "fuzz_locus.txt", {.t_step = 3, .feh_step = 2});
  });
  locus_fuzz::expect_rejection_or_success([&] {
    const auto path = locus_fuzz::write_input(data, size, "lf.txt");
    locus::sim::LuminosityFunction::from_file(path.string());
  });
  return 0;
}
