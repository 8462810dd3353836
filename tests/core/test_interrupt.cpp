#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <type_traits>

#include "locus/core/errors.hpp"
#include "locus/core/interrupt.hpp"

using namespace locus;

namespace {
struct Cleared {
  Cleared() { interrupt::clear(); }
  ~Cleared() { interrupt::clear(); }
};
}  // namespace

static_assert(std::is_base_of_v<Error, Interrupted>, "Interrupted is a locus::Error");
static_assert(std::is_base_of_v<std::runtime_error, Interrupted>);

TEST_CASE("interrupt: request, check and clear") {
  Cleared guard;
  CHECK_FALSE(interrupt::requested());
  CHECK(interrupt::signal() == 0);
  CHECK_NOTHROW(interrupt::check("idle loop"));

  interrupt::request();
  CHECK(interrupt::requested());
  CHECK(interrupt::signal() == SIGINT);  // the default is Ctrl-C's signal
  try {
    interrupt::check("posterior block 3");
    FAIL("check() did not throw after request()");
  } catch (const Interrupted& e) {
    CHECK(std::string(e.what()) == "posterior block 3: interrupted");
  }
  // the request stays until cleared: every loop that checks stops
  CHECK_THROWS_AS(interrupt::check("another loop"), Interrupted);
  // and it is caught as any locus error
  CHECK_THROWS_AS(interrupt::check("x"), Error);

  interrupt::clear();
  CHECK_FALSE(interrupt::requested());
  CHECK(interrupt::signal() == 0);
  CHECK_NOTHROW(interrupt::check("after clear"));

  interrupt::request(SIGTERM);
  CHECK(interrupt::signal() == SIGTERM);
  interrupt::request(SIGINT);  // the latest request's signal is remembered
  CHECK(interrupt::signal() == SIGINT);
}

TEST_CASE("interrupt: a request from another thread stops a checking loop") {
  Cleared guard;
  std::atomic<bool> started{false};
  std::thread stopper([&] {
    while (!started.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    interrupt::request(SIGTERM);
  });
  long iterations = 0;
  bool stopped = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  try {
    started = true;
    while (std::chrono::steady_clock::now() < deadline) {
      interrupt::check("worker");
      ++iterations;
    }
  } catch (const Interrupted&) {
    stopped = true;
  }
  stopper.join();
  CHECK(stopped);
  CHECK(iterations > 0);
  CHECK(interrupt::signal() == SIGTERM);
}
