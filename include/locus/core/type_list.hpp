#pragma once
// A compile-time list of types, used to turn run-time names into policy types.
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace locus {

template <class... Ts>
struct type_list {
  static constexpr std::size_t size = sizeof...(Ts);
};

namespace detail {
template <class T, class... Ts>
struct index_of_impl;
template <class T, class... Ts>
struct index_of_impl<T, T, Ts...> : std::integral_constant<std::size_t, 0> {};
template <class T, class U, class... Ts>
struct index_of_impl<T, U, Ts...> : std::integral_constant<std::size_t, 1 + index_of_impl<T, Ts...>::value> {};
}  // namespace detail

template <class List, class T>
struct index_of;
template <class T, class... Ts>
struct index_of<type_list<Ts...>, T> : detail::index_of_impl<T, Ts...> {};
template <class List, class T>
inline constexpr std::size_t index_of_v = index_of<List, T>::value;

template <class List, class T>
struct contains;
template <class T, class... Ts>
struct contains<type_list<Ts...>, T> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};

template <std::size_t I, class List>
struct type_at;
template <std::size_t I, class... Ts>
struct type_at<I, type_list<Ts...>> {
  using type = std::tuple_element_t<I, std::tuple<Ts...>>;
};
template <std::size_t I, class List>
using type_at_t = typename type_at<I, List>::type;

// Apply a template to every member: apply_t<type_list<A,B>, std::variant> = std::variant<A,B>.
template <class List, template <class...> class F>
struct apply;
template <class... Ts, template <class...> class F>
struct apply<type_list<Ts...>, F> {
  using type = F<Ts...>;
};
template <class List, template <class...> class F>
using apply_t = typename apply<List, F>::type;

// Call f.template operator()<T>() for every T in the list, in order.
template <class... Ts, class F>
constexpr void for_each_type(type_list<Ts...>, F&& f) {
  (f.template operator()<Ts>(), ...);
}

}  // namespace locus
