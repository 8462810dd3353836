// locus posterior: the photo-D posterior (grid or MCMC) of every star of a catalogue.
#include <memory>

#include <locus/bayes/locus_model.hpp>
#include <locus/pipeline/catalog_source.hpp>
#include <locus/pipeline/posterior_engine.hpp>
#include <locus/pipeline/prior_source.hpp>
#include <locus/pipeline/streaming.hpp>

#include "common.hpp"
#include "fit_options.hpp"
#include "mpi.hpp"

namespace locus_cli {

void add_posterior(CLI::App& app, Selected& selected) {
  struct Options {
    Common common;
    PosteriorFlags post;
    std::string in, out, locus = "builtin";
    std::size_t t_step = 10, block_rows = 1 << 16;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("posterior", "The photo-D posterior of every star of a catalogue: input columns + summaries + status");
  sub->add_option("input", o->in, "Input catalogue (.csv or .fits)")->required();
  sub->add_option("-o,--out", o->out, "Output catalogue (.csv or .fits)")->required();
  o->post.add_to(*sub, "");
  sub->add_option("--locus", o->locus, "Model colour tracks: 'builtin' (photo-D's 10 Gyr table, every 10th tLoc) or a photo-D locus file")->capture_default_str();
  sub->add_option("--t-step", o->t_step, "With a locus file: keep every t-step-th tLoc (photo-D: 10)")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--block-rows", o->block_rows, "Rows read, fitted and written at a time (memory, not results; under mpirun the unit dealt to ranks, default 4096 there)")->check(CLI::PositiveNumber)->capture_default_str();
  add_common(*sub, o->common, true);
  sub->callback([o, sub, &selected] {
    selected.common = &o->common;
    selected.splits = true;
    if (sub->count("--block-rows") == 0) o->block_rows = mpi::block_rows(o->block_rows);
    selected.run = [o] {
      if (o->post.priors.empty())
        throw locus::ConfigError("--priors is required: a photo-D prior file, 'kde' (mock catalogues) or 'flat'");
      const auto options = o->post.options();  // bad option combinations fail before any input is read
      const auto map = column_map(o->common);
      const auto source = locus::pipeline::CatalogSource::file(o->in, read_options(o->common, map));
      auto model = o->locus == "builtin" ? locus::bayes::LocusModel::builtin()
                                         : locus::bayes::LocusModel::load(o->locus, {.t_step = o->t_step});
      auto priors = locus::pipeline::load_priors(o->post.prior_source(), &source, map, o->block_rows, o->common.threads,
                                                 progress(o->common));
      const locus::pipeline::PosteriorEngine engine(std::move(model), std::move(priors), options);
      const auto so = stream_options(o->common, map, o->block_rows,
                                     "locus posterior: " + locus::pipeline::to_json(engine.options()).dump());
      const auto res = mpi::split_stream(o->out, so, [&](const locus::pipeline::StreamOptions& part) {
        return locus::pipeline::posterior_catalog(source, engine, o->out, part);
      });
      Outcome out;
      out.summary = stream_summary("posterior", res, o->in, o->out);
      out.summary["options"] = locus::pipeline::to_json(engine.options());
      out.summary["priors"] = o->post.priors;
      out.summary["us_per_star"] = res.seconds / double(std::max<std::size_t>(res.rows, 1)) * 1e6;
      out.text = format("locus posterior (%s, priors %s): %zu stars, %zu fitted, in %.2f s (%.1f µs/star)\n",
                        locus::pipeline::to_string(engine.options().engine), o->post.priors.c_str(), res.rows, res.fitted,
                        res.seconds, res.seconds / double(std::max<std::size_t>(res.rows, 1)) * 1e6) +
                 flag_lines(res.flags, res.rows) + "  wrote " + o->out + "\n";
      return out;
    };
  });
}

}  // namespace locus_cli
