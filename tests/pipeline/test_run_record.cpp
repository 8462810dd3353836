#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "locus/pipeline/run_record.hpp"
#include "../support/files.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::mentions;
using locus::test::message_of;
using locus::test::TempDir;
namespace fs = std::filesystem;
using json = nlohmann::json;

TEST_CASE("run_record: fingerprint is FNV-1a 64 of the compact JSON text, as 16 hex digits") {
  // reference values computed independently (Python) from the same texts
  CHECK(fingerprint(json::parse(R"({"b":[true,"x"],"a":1})")) == "01c1db64604872c9");  // text {"a":1,"b":[true,"x"]}
  CHECK(fingerprint(json("foobar")) == "6477f76a9c2fba7e");                           // text "foobar" with quotes
  // stable: key order does not matter (objects are sorted), equal values give equal prints
  const json a{{"train", 300}, {"seed", 7}, {"sampling", "random"}};
  json b;
  b["sampling"] = "random";
  b["seed"] = 7;
  b["train"] = 300;
  CHECK(fingerprint(a) == fingerprint(b));
  CHECK(fingerprint(a).size() == 16);
  // sensitive: any change of a value, a key or a nesting changes it
  json c = a;
  c["seed"] = 8;
  CHECK(fingerprint(c) != fingerprint(a));
  c = a;
  c["train"] = 301;
  CHECK(fingerprint(c) != fingerprint(a));
  c = a;
  c["extra"] = nullptr;
  CHECK(fingerprint(c) != fingerprint(a));
  CHECK(fingerprint(json{{"previous", fingerprint(a)}}) != fingerprint(json{{"previous", fingerprint(c)}}));
}

TEST_CASE("run_record: file_identity changes with the file and names a missing one") {
  TempDir dir("run_record");
  const auto p = dir.file("in.csv", "a,b\n1,2\n");
  const std::string id = file_identity(p);
  CHECK(mentions(id, fs::absolute(p).lexically_normal().string()));
  CHECK(file_identity(p) == id);
  // a relative spelling of the same file gives the same identity
  CHECK(file_identity(p.parent_path() / "." / "in.csv") == id);
  dir.file("in.csv", "a,b\n1,2\n3,4\n");  // another size
  CHECK(file_identity(p) != id);
  const std::string msg = message_of<InputError>([&] { file_identity(dir / "gone.csv", "prior file"); });
  CHECK(mentions(msg, "prior file"));
  CHECK(mentions(msg, "gone.csv"));
}

TEST_CASE("run_record: a stage is done only with a sound marker, the same fingerprint and every listed file") {
  TempDir dir("run_record");
  const fs::path rd = dir / "run";
  RunRecord rec(rd);
  CHECK(fs::is_directory(rd));
  CHECK(rec.dir() == rd);
  CHECK(rec.file("model") == rd / "model");
  CHECK(rec.done("1-sample", "abc").is_null());  // no marker

  const auto data = rec.file("sample.csv");
  std::ofstream(data) << "row\n1\n";
  rec.mark_done("1-sample", "abc", 1.5, json{{"rows", 10}, {"files", {data.string()}}});
  const json j = rec.done("1-sample", "abc");
  REQUIRE(j.is_object());
  CHECK(j.at("rows") == 10);
  CHECK(j.at("stage") == "1-sample");
  CHECK(j.at("fingerprint") == "abc");
  CHECK(j.at("seconds") == 1.5);
  CHECK(test::temp_files_in(rd).empty());

  CHECK(rec.done("1-sample", "abd").is_null());  // another fingerprint
  CHECK(rec.done("2-posterior", "abc").is_null());
  // a fresh RunRecord on the same directory sees the same
  CHECK(RunRecord(rd).done("1-sample", "abc").is_object());

  SUBCASE("a missing listed file") {
    fs::remove(data);
    CHECK(rec.done("1-sample", "abc").is_null());
  }
  SUBCASE("a damaged marker") {
    std::ofstream(rd / "1-sample.json") << "{\"fingerprint\": \"abc\", \"files\": [";
    CHECK(rec.done("1-sample", "abc").is_null());
  }
  SUBCASE("a marker that is not an object, or lists a non-string file") {
    std::ofstream(rd / "1-sample.json") << "[\"abc\"]";
    CHECK(rec.done("1-sample", "abc").is_null());
    std::ofstream(rd / "1-sample.json") << R"({"fingerprint": "abc", "files": [3]})";
    CHECK(rec.done("1-sample", "abc").is_null());
    std::ofstream(rd / "1-sample.json") << R"({"fingerprint": "abc"})";
    CHECK(rec.done("1-sample", "abc").is_object());  // no files listed: nothing to check
    // mistyped fields are damage too, not a JSON exception (found by fuzz_run_record)
    std::ofstream(rd / "1-sample.json") << R"({"fingerprint": 0.25})";
    CHECK(rec.done("1-sample", "abc").is_null());
    std::ofstream(rd / "1-sample.json") << R"({"fingerprint": "abc", "seconds": "1.5"})";
    CHECK(rec.done("1-sample", "abc").is_null());
  }
  SUBCASE("an empty marker") {
    std::ofstream(rd / "1-sample.json").close();
    CHECK(rec.done("1-sample", "abc").is_null());
  }
  SUBCASE("forget") {
    rec.forget("1-sample");
    CHECK(rec.done("1-sample", "abc").is_null());
    CHECK_FALSE(fs::exists(rd / "1-sample.json"));
    CHECK(fs::exists(data));  // the data files stay
    rec.forget("never-done");  // forgetting nothing is fine
  }
  SUBCASE("marking again replaces the record") {
    rec.mark_done("1-sample", "xyz", 2.0);
    CHECK(rec.done("1-sample", "abc").is_null());
    CHECK(rec.done("1-sample", "xyz").at("seconds") == 2.0);
  }
}

TEST_CASE("run_record: opening removes temporary files of interrupted writers, and nothing else") {
  TempDir dir("run_record");
  const fs::path rd = dir / "run";
  fs::create_directory(rd);
  std::ofstream(rd / ".posterior.csv.tmp.1234.5.0") << "half a file";
  std::ofstream(rd / ".2-posterior.json.tmp.99.1.2") << "{";
  std::ofstream(rd / "keep.tmp.1") << "not a temp of ours (no leading dot)";
  std::ofstream(rd / ".hidden") << "no .tmp. in the name";
  std::ofstream(rd / "1-sample.json") << "{}";
  RunRecord rec(rd);
  CHECK(dir.entries() == std::vector<std::string>{"run"});
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(rd)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>{".hidden", "1-sample.json", "keep.tmp.1"});
}

TEST_CASE("run_record: mark_done is atomic, and a record needs its parent directory") {
  TempDir dir("run_record");
  SUBCASE("a missing parent is an OutputError and nothing is created") {
    const std::string msg = message_of<OutputError>([&] { RunRecord rec(dir / "a" / "b"); });
    CHECK(mentions(msg, "does not exist"));
    CHECK(dir.entries().empty());
  }
  SUBCASE("a file in the way is an OutputError") {
    dir.file("run", "a file");
    CHECK_THROWS_AS(RunRecord(dir / "run"), OutputError);
  }
  SUBCASE("a marker that cannot be renamed into place: an error, no temporary left, the old state kept") {
    RunRecord rec(dir / "run");
    rec.mark_done("1-sample", "abc", 1.0);
    // a non-empty directory where the next marker goes: the final rename must fail
    fs::create_directories(dir / "run" / "2-posterior.json" / "x");
    CHECK_THROWS_AS(rec.mark_done("2-posterior", "def", 1.0), Error);
    CHECK(test::temp_files_in(dir / "run").empty());
    CHECK(rec.done("1-sample", "abc").is_object());
    CHECK(rec.done("2-posterior", "def").is_null());
  }
}
