#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "locus/io/catalog_file.hpp"
#include "locus/pipeline/prior_source.hpp"
#include "../support/files.hpp"
#include "../support/pipeline.hpp"
#include "../support/s82.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::mentions;
using locus::test::message_of;
using locus::test::TempDir;

TEST_CASE("prior_source: parse") {
  const auto f = PriorSource::parse("flat");
  CHECK(f.kind == PriorSource::Kind::flat);
  CHECK_FALSE(f.needs_r());
  const auto k = PriorSource::parse("kde");
  CHECK(k.kind == PriorSource::Kind::kde);
  CHECK(k.needs_r());
  const auto p = PriorSource::parse("data/priors_pix0.csv");
  CHECK(p.kind == PriorSource::Kind::file);
  CHECK(p.path == "data/priors_pix0.csv");
  CHECK(p.needs_r());
  CHECK(PriorSource::parse("Flat").kind == PriorSource::Kind::file);  // names are exact; anything else is a path
  CHECK(PriorSource{}.kind == PriorSource::Kind::kde);
  CHECK(std::string(to_string(PriorSource::Kind::file)) == "file");
  CHECK(std::string(to_string(PriorSource::Kind::kde)) == "kde");
  CHECK(std::string(to_string(PriorSource::Kind::flat)) == "flat");
}

TEST_CASE("prior_source: to_json identifies the priors") {
  const auto s82 = test::data_path("photod/s82/priors_s82_pix0.csv");
  const auto jf = to_json(PriorSource::parse(s82));
  CHECK(jf.at("kind") == "file");
  CHECK(jf.at("file") == file_identity(s82, "prior file"));
  const std::string msg = message_of<InputError>([] { to_json(PriorSource::parse("/no/such/priors.csv")); });
  CHECK(mentions(msg, "prior file"));
  CHECK(mentions(msg, "/no/such/priors.csv"));
  auto k = PriorSource::parse("kde");
  const auto jk = to_json(k);
  CHECK(jk.at("kind") == "kde");
  CHECK(jk.at("kde").at("method") == "binned");
  k.kde.seed = 5;
  CHECK(to_json(k) != jk);
  // the map grid is part of it: other axes give other maps
  k = PriorSource::parse("kde");
  k.kde.mr.step = 0.1;
  CHECK(to_json(k) != jk);
  k = PriorSource::parse("kde");
  k.kde.feh.n = 31;
  CHECK(to_json(k) != jk);
  k = PriorSource::parse("kde");
  k.kde.method = bayes::KdeMethod::exact;
  CHECK(to_json(k) != jk);
  k.kde.max_rows = 1000;
  CHECK(to_json(k).at("kde").at("max_rows") == 1000);
  k = PriorSource::parse("kde");
  k.kde.threads = 7;  // threads do not change the maps, nor the identity
  CHECK(to_json(k) == jk);
  CHECK(to_json(PriorSource::parse("flat")) == nlohmann::json{{"kind", "flat"}});
}

TEST_CASE("prior_source: a file and flat priors") {
  const auto path = test::data_path("photod/s82/priors_s82_pix0.csv");
  const auto p = load_priors(PriorSource::parse(path));
  CHECK(p.depends_on_r());
  CHECK(p.to_csv() == test::s82_priors().to_csv());
  CHECK_THROWS_AS(load_priors(PriorSource::parse("/no/such/priors.csv")), InputError);
  const auto f = load_priors(PriorSource::parse("flat"));
  CHECK_FALSE(f.depends_on_r());
  const auto model = bayes::LocusModel::builtin();
  std::size_t not_one = 0;
  for (double v : f.on_nodes(model)) not_one += v != 1.0;
  CHECK(not_one == 0);
}

TEST_CASE("prior_source: kde priors are the KDE of the catalogue's true Mr and [Fe/H]") {
  test::TempDir dir("prior_source");
  const auto cat = test::small_patch(0.05);
  REQUIRE(cat->rows() > 1000);
  // the reference: from_catalog on the columns read directly
  const auto r = cat->to_double("rmag"), mr = cat->to_double("Mr_true"), feh = cat->to_double("FeH_true");
  const auto want = bayes::PriorMaps::from_catalog(r, mr, feh, bayes::KdeOptions{}).to_csv();
  const auto mem = CatalogSource::memory(cat, "mock");
  const auto kde = PriorSource::parse("kde");
  CHECK(load_priors(kde, &mem).to_csv() == want);
  CHECK(load_priors(kde, &mem, ColumnMap{}, 97, 2).to_csv() == want);  // blocks and threads change nothing
  io::write_catalog(*cat, dir / "mock.csv");
  const auto file = CatalogSource::file(dir / "mock.csv");
  CHECK(load_priors(kde, &file, ColumnMap{}, 500, 1).to_csv() == want);
  // other truth columns through the map
  io::Catalog renamed = *cat;
  renamed.rename_column("Mr_true", "M_r");
  ColumnMap m;
  m.truth[0] = "M_r";
  const auto src = CatalogSource::memory(std::make_shared<io::Catalog>(renamed), "renamed");
  CHECK(load_priors(kde, &src, m).to_csv() == want);
}

TEST_CASE("prior_source: kde priors without the truth columns say what to do instead") {
  CHECK_THROWS_AS(load_priors(PriorSource::parse("kde")), ConfigError);  // no catalogue at all
  const auto s82 = CatalogSource::file(test::data_path("photod/s82/s82_calibstars.csv"));
  const std::string msg = message_of<InputError>([&] { load_priors(PriorSource::parse("kde"), &s82); });
  CHECK(mentions(msg, "'Mr_true'"));
  CHECK(mentions(msg, "'FeH_true'"));
  CHECK(mentions(msg, "s82_calibstars.csv"));
  CHECK(mentions(msg, "prior file"));
  CHECK(mentions(msg, "flat"));
  // one truth column is not enough
  io::Catalog only_mr = *test::small_patch(0.02);
  only_mr.remove_column("FeH_true");
  const auto src = CatalogSource::memory(std::make_shared<io::Catalog>(only_mr), "mock without FeH_true");
  CHECK(mentions(message_of<InputError>([&] { load_priors(PriorSource::parse("kde"), &src); }), "mock without FeH_true"));
}
