// locus predict: a trained model over a catalogue of any size, streaming.
#include <filesystem>
#include <memory>

#include <locus/nn/moments_model.hpp>
#include <locus/pipeline/catalog_source.hpp>
#include <locus/pipeline/hybrid_pipeline.hpp>
#include <locus/pipeline/streaming.hpp>

#include "common.hpp"
#include "mpi.hpp"

namespace locus_cli {

void add_predict(CLI::App& app, Selected& selected) {
  struct Options {
    Common common;
    std::string in, out, model;
    std::size_t block_rows = 1 << 16;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("predict", "Run a trained model over a catalogue (streamed: memory is bounded by --block-rows)");
  sub->add_option("input", o->in, "Input catalogue (.csv or .fits)")->required();
  sub->add_option("-o,--out", o->out, "Output catalogue (.csv or .fits)")->required();
  sub->add_option("-m,--model", o->model, "Model prefix (PREFIX.moments.model, PREFIX.sigma_b.model), as `locus train` writes it")->required();
  sub->add_option("--block-rows", o->block_rows, "Rows read, predicted and written at a time (under mpirun the unit dealt to ranks, default 4096 there)")->check(CLI::PositiveNumber)->capture_default_str();
  add_common(*sub, o->common, true);
  sub->callback([o, sub, &selected] {
    selected.common = &o->common;
    selected.splits = true;
    if (sub->count("--block-rows") == 0) o->block_rows = mpi::block_rows(o->block_rows);
    selected.run = [o] {
      const auto model = locus::pipeline::load_model(o->model);
      auto map = column_map(o->common);
      auto ro = read_options(o->common, map);
      const auto source = locus::pipeline::CatalogSource::file(o->in, ro);
      const auto res = mpi::split_stream(
          o->out, stream_options(o->common, map, o->block_rows, "locus predict: model " + o->model),
          [&](const locus::pipeline::StreamOptions& part) { return locus::pipeline::predict_catalog(source, model, o->out, part); });
      Outcome out;
      out.summary = stream_summary("predict", res, o->in, o->out);
      out.summary["model"] = o->model;
      out.text = format("locus predict: %zu rows, %zu predicted, in %.2f s (%.0f rows/s)\n", res.rows, res.fitted, res.seconds,
                        double(res.rows) / std::max(res.seconds, 1e-9)) +
                 flag_lines(res.flags, res.rows) + "  wrote " + o->out + "\n";
      return out;
    };
  });
}

}  // namespace locus_cli
