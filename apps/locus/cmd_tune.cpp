// locus tune: placeholder until the tuning command lands.
#include "common.hpp"

namespace locus_cli {
void add_tune(CLI::App&, Selected&) {}
}  // namespace locus_cli
