#pragma once
// locus::bayes::LogProbability — what the samplers accept as a target density.
//
// Any callable taking the point as std::span<const double> and returning log π(x) up to an
// additive constant: a lambda, a function object such as PhotodTarget, a function pointer.
// −∞ marks points outside the support; NaN is an error the samplers report. The samplers
// are templates over the callable, so the call is inlined (no std::function).
#include <concepts>
#include <span>
#include <type_traits>

namespace locus::bayes {

template <class F>
concept LogProbability = std::invocable<F&, std::span<const double>> &&
    std::convertible_to<std::invoke_result_t<F&, std::span<const double>>, double>;

}  // namespace locus::bayes
