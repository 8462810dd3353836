// Fuzz harness: model files (nn/serialization.hpp). The text goes through load_from_string,
// what load(path) runs after reading the file, into the default DynamicStack (any saved
// architecture) with its ModelInfo (scalers, imputer), and into a static double Stack with a
// LeakyRelu layer (its slope is read from the file), which must refuse other architectures.
// Random bytes rarely keep the CRC-32 right, and a file with a valid checksum but hostile
// content is what a damaged writer or another tool can produce, so each input is also sealed
// afresh (detail::seal) around its description: the part between the first line and the
// trailer of a model file, or the whole input otherwise.
#include "harness.hpp"

#include <locus/nn/serialization.hpp>

namespace {

template <class Net>
void load_into(const std::string& text, bool with_info) {
  locus_fuzz::expect_rejection_or_success([&] {
    Net net;
    locus::nn::ModelInfo info;
    locus::nn::load_from_string(text, net, with_info ? &info : nullptr, "fuzz.model");
  });
}

std::string description(const std::string& text) {
  if (text.rfind("locus-model ", 0) != 0) return text;
  const std::size_t first = text.find('\n');
  if (first == std::string::npos) return text;
  const std::size_t trailer = text.rfind("\nchecksum crc32 ");
  return text.substr(first + 1, trailer == std::string::npos || trailer < first ? std::string::npos : trailer - first - 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace nn = locus::nn;
  using Dynamic = nn::DynamicStack<nn::paper_activations, float>;
  using Static = nn::Stack<nn::Dense<nn::Gelu, double>, nn::Dense<nn::LeakyRelu, double>, nn::Dense<nn::Linear, double>>;
  const std::string text = locus_fuzz::as_string(data, size);
  const std::string sealed = nn::detail::seal(nn::model_format_version, description(text));
  for (const std::string* t : {&text, &sealed}) {
    load_into<Dynamic>(*t, true);
    load_into<Static>(*t, false);
  }
  return 0;
}
