// locus simulate: a mock LSST patch with known truth, written as CSV or FITS.
#include <chrono>
#include <memory>

#include <locus/core/interrupt.hpp>
#include <locus/core/rng.hpp>
#include <locus/io/catalog_file.hpp>
#include <locus/sim/mock_patch.hpp>

#include "common.hpp"
#include "patch_options.hpp"

namespace locus_cli {

void add_simulate(CLI::App& app, Selected& selected) {
  struct Options {
    Common common;
    PatchOptions patch;
    std::string out;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("simulate", "Write a mock LSST patch (truth included) to CSV or FITS");
  sub->add_option("-o,--out", o->out, "Output catalogue (.csv or .fits)")->required();
  o->patch.add_to(*sub);
  add_common(*sub, o->common, false);
  sub->callback([o, &selected] {
    selected.common = &o->common;
    selected.run = [o] {
      const auto t0 = std::chrono::steady_clock::now();
      locus::io::CatalogWriter writer(o->out, write_options(o->common, {"locus simulate: " + o->patch.to_json().dump()}));
      auto spec = o->patch.spec(o->common.threads);
      spec.progress = progress(o->common);
      locus::Rng rng(o->patch.seed);
      locus::sim::PatchStats st;
      const auto cat = locus::sim::simulate_patch(spec, rng, &st);
      locus::interrupt::check("simulate");
      writer.write(cat);
      locus::interrupt::check("simulate");
      writer.commit();
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      Outcome out;
      out.summary = {{"command", "simulate"},   {"output", o->out},        {"rows", cat.rows()},
                     {"patch", o->patch.to_json()}, {"generated", st.generated}, {"removed_feh_mr", st.feh_range},
                     {"removed_mag_cut", st.mag_cut}, {"removed_snr", st.snr_cut}, {"seconds", secs}};
      out.text = format("locus simulate: %zu stars in %.3g deg² at (l, b) = (%.1f, %.1f), seed %llu\n"
                        "  generated %llu; removed by [Fe/H]/Mr range %llu, r/u cut %llu, SNR cut %llu\n"
                        "  wrote %s in %.1f s\n",
                        cat.rows(), o->patch.area, o->patch.l, o->patch.b, static_cast<unsigned long long>(o->patch.seed),
                        static_cast<unsigned long long>(st.generated), static_cast<unsigned long long>(st.feh_range),
                        static_cast<unsigned long long>(st.mag_cut), static_cast<unsigned long long>(st.snr_cut),
                        o->out.c_str(), secs);
      return out;
    };
  });
}

}  // namespace locus_cli
