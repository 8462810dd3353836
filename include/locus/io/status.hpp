#pragma once
// Status bits of a catalogue row: the one definition of every flag locus sets.
//
// A row is good when its status is 0 (`ok`). Rows are never dropped: bad input or a failed
// fit sets a bit and the row is written out. Bits 0..15 are the shared vocabulary (8..15 kept
// free for it); bits 16..31 belong to modules: bayes 16..19, sim 20..23, nn/pipeline 24..27,
// user code 28..31. Every bit locus uses is named here, so one list (docs/io.md) documents
// them all and describe_status() can name them.
#include <cstdint>
#include <string>
#include <utility>

namespace locus::io {

using status_t = std::uint32_t;

namespace status {
enum Bits : status_t {
  ok = 0,
  missing_value = 1u << 0,  // a field was empty, NaN or a sentinel (CSV/FITS read policy "flag")
  bad_value = 1u << 1,      // a field could not be parsed as a number (read policy "flag")
  bad_error = 1u << 2,      // a photometric error is not finite or not positive
  no_fit = 1u << 3,         // an estimator produced no result for this row
  out_of_range = 1u << 4,   // input lies outside the model's or the prior's domain
  not_converged = 1u << 5,  // an iterative estimator did not converge
  cut = 1u << 6,            // the row fails a selection cut (kept, flagged)
  first_module_bit = 1u << 16,
  // bayes (16..19)
  poor_fit = first_module_bit << 0,    // chi2_min above the posterior's chi2_max
  prior_zero = first_module_bit << 1,  // the prior is 0 on every model node
  unresolved = first_module_bit << 2,  // the grid posterior is narrower than its finest refinement resolves
  first_user_bit = 1u << 28,
};
}  // namespace status

// The name of each named bit, in bit order.
inline constexpr std::pair<status_t, const char*> status_names[] = {
    {status::missing_value, "missing_value"}, {status::bad_value, "bad_value"},
    {status::bad_error, "bad_error"},         {status::no_fit, "no_fit"},
    {status::out_of_range, "out_of_range"},   {status::not_converged, "not_converged"},
    {status::cut, "cut"},                     {status::poor_fit, "poor_fit"},
    {status::prior_zero, "prior_zero"},       {status::unresolved, "unresolved"}};

// Human-readable list of the bits set in `s`, joined by '|' ("ok" when none; bits without a
// name are shown as "bit20" etc.).
inline std::string describe_status(status_t s) {
  if (s == status::ok) return "ok";
  std::string out;
  for (int bit = 0; bit < 32; ++bit) {
    const status_t b = status_t{1} << bit;
    if (!(s & b)) continue;
    if (!out.empty()) out += '|';
    const char* name = nullptr;
    for (const auto& [v, n] : status_names)
      if (v == b) name = n;
    out += name ? std::string(name) : "bit" + std::to_string(bit);
  }
  return out;
}

}  // namespace locus::io
