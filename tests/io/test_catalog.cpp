#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "locus/io/catalog.hpp"

using namespace locus;
using namespace locus::io;

TEST_CASE("Catalog: columns keep their order, type and values") {
  Catalog c(4);
  CHECK(c.rows() == 4);
  CHECK(c.columns() == 0);
  auto r = c.add_column<double>("r");
  auto ug = c.add_column<float>("ug", 0.5f);
  CHECK(r.size() == 4);
  CHECK(std::isnan(r[2]));  // default fill is NaN
  CHECK(ug[3] == 0.5f);
  for (std::size_t i = 0; i < 4; ++i) r[i] = 14.0 + static_cast<double>(i);
  c.add_column<double>("gr", std::vector<double>{0.1, 0.2, 0.3, 0.4});

  CHECK(c.names() == std::vector<std::string>{"r", "ug", "gr"});
  CHECK(c.has_column("ug"));
  CHECK_FALSE(c.has_column("u"));
  CHECK(c.type("ug") == ColumnType::f32);
  CHECK(c.type("r") == ColumnType::f64);
  CHECK(c.index_of("gr") == 2);
  CHECK(c.column<double>("r")[3] == 17.0);
  CHECK(c.value("gr", 1) == 0.2);
  CHECK(c.value(1, 0) == 0.5);
  CHECK(c.to_double("ug") == std::vector<double>(4, 0.5));
}

TEST_CASE("Catalog: spans stay valid while other columns are added and the catalogue moves") {
  Catalog c(3);
  auto a = c.add_column<double>("a", 1.0);
  for (int k = 0; k < 50; ++k) c.add_column<float>(std::string("f").append(std::to_string(k)));
  Catalog moved = std::move(c);
  a[1] = 7.0;
  CHECK(moved.column<double>("a")[1] == 7.0);
  CHECK(moved.column<double>("a").data() == a.data());
}

TEST_CASE("Catalog: misuse throws errors naming the column") {
  Catalog c(2);
  c.add_column<double>("r");
  CHECK_THROWS_AS(c.add_column<double>("r"), ConfigError);
  CHECK_THROWS_AS(c.add_column<double>(""), ConfigError);
  CHECK_THROWS_AS(c.add_column<double>("g", std::vector<double>{1, 2, 3}), InputError);
  CHECK_THROWS_WITH_AS(c.column<double>("nope"), doctest::Contains("'nope'"), ConfigError);
  CHECK_THROWS_WITH_AS(c.column<float>("r"), doctest::Contains("holds double"), ConfigError);
  CHECK_THROWS_AS(c.ids(), ConfigError);
  CHECK_THROWS_AS(c.set_ids({"a"}), InputError);
  CHECK_THROWS_AS(c.set_ids({"a", "b"}, "r"), ConfigError);  // name clash with a numeric column
}

TEST_CASE("Catalog: remove and rename keep the lookup consistent") {
  Catalog c(2);
  c.add_column<double>("a", 1.0);
  c.add_column<double>("b", 2.0);
  c.add_column<double>("c", 3.0);
  c.remove_column("a");
  CHECK(c.names() == std::vector<std::string>{"b", "c"});
  CHECK(c.column<double>("c")[0] == 3.0);
  c.rename_column("b", "bb");
  CHECK(c.column<double>("bb")[1] == 2.0);
  CHECK_FALSE(c.has_column("b"));
  CHECK_THROWS_AS(c.rename_column("bb", "c"), ConfigError);
  CHECK(c.rows() == 2);  // row count never changes
}

TEST_CASE("Catalog: release_column hands over the values without a copy") {
  Catalog c(3);
  c.add_column<double>("a", std::vector<double>{1, 2, 3});
  auto f = c.add_column<float>("b", 4.0f);
  const float* where = f.data();
  auto out = c.release_column("b");
  REQUIRE(std::holds_alternative<std::vector<float>>(out));
  const auto& v = std::get<std::vector<float>>(out);
  CHECK(v.data() == where);  // the same buffer
  CHECK(v == std::vector<float>{4, 4, 4});
  CHECK(c.names() == std::vector<std::string>{"a"});
  CHECK(c.column<double>("a")[2] == 3.0);
  CHECK_THROWS_AS(c.release_column("b"), ConfigError);
}

TEST_CASE("Catalog: ids and status flags") {
  Catalog c(3);
  c.set_ids({"s1", "s2", "s3"}, "name");
  CHECK(c.has_ids());
  CHECK(c.id_name() == "name");
  CHECK(c.id(2) == "s3");
  CHECK(c.count(status::ok) == 3);
  c.flag(1, status::missing_value);
  c.flag(1, status::no_fit);
  c.status(2) |= status::first_module_bit << 3;
  CHECK(c.status(1) == (status::missing_value | status::no_fit));
  CHECK(c.ok(0));
  CHECK_FALSE(c.ok(1));
  CHECK(c.count(status::ok) == 1);
  CHECK(c.count(status::no_fit) == 1);
  CHECK(c.count(status::no_fit | (status::first_module_bit << 3)) == 2);
  CHECK(describe_status(c.status(1)) == "missing_value|no_fit");
  CHECK(describe_status(c.status(2)) == "bit19");
  CHECK(describe_status(0) == "ok");
}
