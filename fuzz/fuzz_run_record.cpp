// Fuzz harness: the pipeline's stage records (pipeline/run_record.hpp), the "<stage>.json"
// markers a rerun reads to decide what to resume. The bytes are written as the marker of stage
// "train" in a run directory and RunRecord::done is asked about it with the fingerprint the
// seed records carry; a record it accepts is used as HybridPipeline::stage uses it (its
// "seconds"). done() must answer "not done" (null) for a damaged marker, never throw.
#include "harness.hpp"

#include <cstdlib>

#include <locus/pipeline/run_record.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace lp = locus::pipeline;
  const auto dir = locus_fuzz::scratch_dir() / "run";
  static const lp::RunRecord record(dir);  // opening it again would only sweep temporary files
  locus_fuzz::write_input(data, size, "run/train.json");
  try {
    const auto j = record.done("train", "0123456789abcdef");
    if (!j.is_null()) {
      if (!j.is_object()) std::abort();
      (void)j.value("seconds", 0.0);
    }
  } catch (const locus::Error&) {
    std::abort();  // documented as "not done", not as an error
  }
  return 0;
}
