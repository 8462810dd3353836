#include <doctest/doctest.h>
#include <string>
#include <variant>
#include <locus/core/type_list.hpp>

TEST_CASE("type_list: size, index, membership, apply, for_each") {
  using L = locus::type_list<int, double, char>;
  static_assert(L::size == 3);
  static_assert(locus::index_of_v<L, double> == 1);
  static_assert(locus::contains<L, char>::value);
  static_assert(!locus::contains<L, float>::value);
  static_assert(std::is_same_v<locus::type_at_t<2, L>, char>);
  static_assert(std::is_same_v<locus::apply_t<L, std::variant>, std::variant<int, double, char>>);
  std::string seen;
  locus::for_each_type(L{}, [&]<class T>() { seen += std::to_string(sizeof(T)); });
  CHECK(seen == "481");
}
