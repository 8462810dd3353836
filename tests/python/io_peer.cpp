// Helper for tests/python/check_io_numpy.py (ctest python/io_numpy).
//
//   io_peer write DIR          writes DIR/locus.csv (and DIR/locus.fits with cfitsio) from a
//                              catalogue with awkward values, and DIR/expected.json with the
//                              exact values (doubles as C99 hex floats)
//   io_peer read FILE [IDCOL]  reads a CSV or FITS file with locus and prints it as JSON
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "locus/core/rng.hpp"
#include "locus/io/csv.hpp"
#include "locus/io/fits.hpp"

using namespace locus;
using json = nlohmann::json;

namespace {

std::string hex(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

json dump(const io::Catalog& c) {
  json j;
  j["names"] = c.names();
  j["rows"] = c.rows();
  j["ids"] = c.has_ids() ? json(std::vector<std::string>(c.ids().begin(), c.ids().end())) : json(nullptr);
  j["status"] = std::vector<std::uint32_t>(c.status().begin(), c.status().end());
  json cols = json::object(), types = json::object();
  for (std::size_t k = 0; k < c.columns(); ++k) {
    std::vector<std::string> v(c.rows());
    for (std::size_t i = 0; i < c.rows(); ++i) v[i] = hex(c.value(k, i));
    cols[c.name(k)] = v;
    types[c.name(k)] = io::to_string(c.type(k));
  }
  j["columns"] = cols;
  j["types"] = types;
  return j;
}

io::Catalog sample() {
  const std::size_t n = 500;
  Rng rng(2024);
  io::Catalog c(n);
  auto r = c.add_column<double>("rmag");
  auto e = c.add_column<double>("extreme");
  auto ug = c.add_column<float>("ug");
  std::vector<std::string> ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = 14.0 + 13.0 * rng.uniform();
    e[i] = std::ldexp(rng.normal(), static_cast<int>(rng.uniform_index(2000)) - 1000);
    ug[i] = static_cast<float>(rng.normal());
    ids[i] = "S82-" + std::to_string(1000 + i);
    c.status(i) = static_cast<io::status_t>(rng.uniform_index(4)) << 30 | static_cast<io::status_t>(i % 3);
  }
  r[1] = std::numeric_limits<double>::quiet_NaN();
  ug[2] = std::numeric_limits<float>::quiet_NaN();
  e[3] = -0.0;
  e[4] = std::numeric_limits<double>::denorm_min();
  e[5] = std::numeric_limits<double>::max();
  e[6] = -std::numeric_limits<double>::infinity();
  ug[7] = std::numeric_limits<float>::denorm_min();
  ids[0] = "comma,inside";
  ids[1] = "quote\"inside";
  ids[2] = " padded ";
  ids[3] = "#not a comment";
  c.set_ids(std::move(ids), "name");
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "write" && argc == 3) {
    const std::string dir = argv[2];
    const io::Catalog c = sample();
    io::write_csv(c, dir + "/locus.csv");
    if constexpr (io::fits_available) io::write_fits(c, dir + "/locus.fits");
    json j = dump(c);
    j["fits"] = io::fits_available;
    std::FILE* f = std::fopen((dir + "/expected.json").c_str(), "w");
    std::fputs(j.dump().c_str(), f);
    std::fclose(f);
    return 0;
  }
  if (mode == "read" && (argc == 3 || argc == 4)) {
    const std::string path = argv[2];
    const std::string id = argc == 4 ? argv[3] : "id";
    io::Catalog c;
    if (path.size() > 5 && path.substr(path.size() - 5) == ".fits") {
      io::FitsReadOptions o;
      o.id_column = id;
      o.defaults.missing = io::Missing::ignore;
      c = io::read_fits(path, o);
    } else {
      io::CsvReadOptions o;
      o.id_column = id;
      o.defaults.missing = io::Missing::ignore;
      c = io::read_csv(path, o);
    }
    std::cout << dump(c).dump() << "\n";
    return 0;
  }
  std::cerr << "usage: io_peer write DIR | io_peer read FILE [IDCOL]\n";
  return 2;
}
