#pragma once
// Error types. Every error a user can cause derives from locus::Error, and its message
// names what is wrong and where (file, row, column) so it can be acted on.
#include <stdexcept>
#include <string>

namespace locus {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Bad values in user data: NaN targets, wrong shapes, negative errors.
struct InputError : Error {
  using Error::Error;
};
// A file that cannot be parsed: truncated, corrupt, wrong version or architecture.
struct FormatError : Error {
  using Error::Error;
};
// Inconsistent configuration: unknown activation name, empty network, bad option.
struct ConfigError : Error {
  using Error::Error;
};
// An output that cannot be written: a missing directory, a full disk, no permission. Outputs
// are atomic, so after this error the target is as it was before.
struct OutputError : Error {
  using Error::Error;
};

}  // namespace locus
