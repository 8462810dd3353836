// Fuzz harness: search spaces as JSON (tune/space.hpp, SearchSpace::load, what `locus tune
// --space` reads). A space that loads must also keep the documented promises: its to_json()
// loads back to the same space, it samples configurations inside itself, and
// check_moments_space (the tool's next step) either accepts it or throws ConfigError.
#include "harness.hpp"

#include <cstdlib>

#include <locus/core/rng.hpp>
#include <locus/tune/moments_objective.hpp>
#include <locus/tune/space.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tune = locus::tune;
  const auto path = locus_fuzz::write_input(data, size, "space.json");
  locus_fuzz::expect_rejection_or_success([&] {
    const auto space = tune::SearchSpace::load(path);
    const auto again = tune::SearchSpace::from_json(space.to_json(), "round trip");
    if (again.to_json() != space.to_json() || again.to_string() != space.to_string()) std::abort();
    locus::Rng rng(7);
    for (int k = 0; k < 4; ++k) {
      const auto c = space.sample(rng);
      const auto back = tune::Configuration::from_json(c.to_json());
      if (back.hash() != c.hash() || space.canonical(back).hash() != c.hash()) std::abort();
    }
    tune::check_moments_space(space);
  });
  return 0;
}
