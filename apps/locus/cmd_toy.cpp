// locus toy: placeholder until the toy command lands.
#include "common.hpp"

namespace locus_cli {
void add_toy(CLI::App&, Selected&) {}
}  // namespace locus_cli
