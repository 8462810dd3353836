// Simulates a mock LSST sky patch with known truth (locus::sim::simulate_patch) and writes it
// as CSV or FITS (by the output's extension), with a progress bar on stderr.
//
//   simulate_patch [--out patch.csv|patch.fits] [--l 35] [--b 30] [--area 10] [--ar 0.10]
//                  [--seed 1] [--errors coadd|single_visit|sdss_like] [--galaxy biased|corrected]
//                  [--snr5] [--threads N] [--progress] [--locus builtin|PATH]
//
// The defaults are the docs' 10 deg² patch (of the order of 440,000 stars). Colours come from
// the nearest node of a locus table: by default the full-resolution photo-D 10 Gyr table shipped
// in the repository's data/ (as photo-D's own simulation uses), otherwise the library's
// built-in (every 10th node) table; --locus chooses explicitly.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <locus/io/csv.hpp>
#include <locus/io/fits.hpp>
#include <locus/sim/mock_patch.hpp>

using namespace locus;

int main(int argc, char** argv) {
  try {
    sim::PatchSpec spec;
    spec.progress = Progress::Show::automatic;
    std::string out = "patch.csv";
    std::uint64_t seed = 1;
    std::string locus_path = LOCUS_DATA_DIR "/photod/locus/SDSSDSEDlocus_10Gyr.txt";
    if (!std::filesystem::exists(locus_path)) locus_path = "builtin";
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw ConfigError("simulate_patch: " + a + " needs a value");
        return argv[++i];
      };
      if (a == "--out") out = next();
      else if (a == "--l") spec.l_deg = std::stod(next());
      else if (a == "--b") spec.b_deg = std::stod(next());
      else if (a == "--area") spec.area_deg2 = std::stod(next());
      else if (a == "--ar") spec.ar_sfd = std::stod(next());
      else if (a == "--seed") seed = std::stoull(next());
      else if (a == "--errors") spec.errors = sim::LsstErrors::named(next());
      else if (a == "--galaxy") {
        const std::string g = next();
        if (g == "biased") spec.galaxy = sim::GalaxyParams::juric2008_biased();
        else if (g == "corrected") spec.galaxy = sim::GalaxyParams::juric2008_corrected();
        else throw ConfigError("simulate_patch: --galaxy must be biased or corrected");
      } else if (a == "--snr5") spec.require_snr5 = true;
      else if (a == "--threads") spec.threads = std::stoull(next());
      else if (a == "--progress") spec.progress = Progress::Show::always;
      else if (a == "--locus") locus_path = next();
      else throw ConfigError("simulate_patch: unknown option " + a);
    }

    if (locus_path != "builtin")
      spec.locus = std::make_shared<const bayes::LocusModel>(bayes::LocusModel::load(locus_path));
    Rng rng(seed);
    sim::PatchStats st;
    const auto t0 = std::chrono::steady_clock::now();
    const io::Catalog cat = sim::simulate_patch(spec, rng, &st);
    const auto t1 = std::chrono::steady_clock::now();
    const bool fits = out.size() > 5 && (out.substr(out.size() - 5) == ".fits" || out.substr(out.size() - 4) == ".fit");
    if (fits) {
      io::write_fits(cat, out);
    } else {
      io::CsvWriteOptions opt;
      opt.significant_digits = 7;
      opt.comments = {"locus mock LSST patch: l=" + std::to_string(spec.l_deg) + " b=" + std::to_string(spec.b_deg) +
                      " area=" + std::to_string(spec.area_deg2) + " deg2 seed=" + std::to_string(seed)};
      io::write_csv(cat, out, opt);
    }
    const auto t2 = std::chrono::steady_clock::now();
    const double sim_s = std::chrono::duration<double>(t1 - t0).count();
    const double write_s = std::chrono::duration<double>(t2 - t1).count();

    std::printf("patch (l, b) = (%.2f, %.2f), %.3g deg2, SFD A_r = %.3f; locus: %s\n", spec.l_deg, spec.b_deg,
                spec.area_deg2, spec.ar_sfd, locus_path.c_str());
    std::printf("expected before cuts: thin %.0f, thick %.0f, halo %.0f\n", st.expected[0], st.expected[1],
                st.expected[2]);
    std::printf("generated %llu; removed: [Fe/H]/Mr range %llu, r/u cut %llu, SNR %llu; kept %llu\n",
                static_cast<unsigned long long>(st.generated), static_cast<unsigned long long>(st.feh_range),
                static_cast<unsigned long long>(st.mag_cut), static_cast<unsigned long long>(st.snr_cut),
                static_cast<unsigned long long>(st.kept));
    std::printf("simulate_patch: %.2f s on %zu threads (%.0f stars/s); writing %s: %.2f s\n", sim_s,
                threads_for(1000, spec.threads), double(st.kept) / sim_s, out.c_str(), write_s);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
