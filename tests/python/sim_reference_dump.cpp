// Prints, as JSON on stdout, quantities of locus::sim that tests/python/check_sim_scipy.py
// recomputes independently with scipy.integrate: expected star counts of GalaxyModel, the
// DustLayer fraction, and the exact expected medians of the toy u−g model.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <locus/sim/dust_layer.hpp>
#include <locus/sim/galaxy_model.hpp>
#include <locus/sim/toy_ug.hpp>

using namespace locus::sim;

int main() {
  nlohmann::json out;
  const GalaxyModel biased, corrected(GalaxyParams::juric2008_corrected());
  struct Q {
    double l, b, area, d_lo, d_hi, mr_lo, mr_hi, m_lim;
  };
  const Q queries[] = {{90, 60, 10, 100, 20000, 3, 8, 23},
                       {200, -25, 2, 50, 5000, 3, 8, 21},
                       {35, 30, 10, 1000, 100000, 3.5, 6, 27.5}};
  for (const auto* model : {&biased, &corrected})
    for (const auto& q : queries)
      for (auto c : all_components)
        out["counts"].push_back({{"model", model == &biased ? "biased" : "corrected"},
                                 {"component", static_cast<int>(c)},
                                 {"l", q.l},
                                 {"b", q.b},
                                 {"area", q.area},
                                 {"d_lo", q.d_lo},
                                 {"d_hi", q.d_hi},
                                 {"mr_lo", q.mr_lo},
                                 {"mr_hi", q.mr_hi},
                                 {"m_lim", q.m_lim},
                                 {"value", model->expected_count(c, q.l, q.b, q.area, q.d_lo, q.d_hi, q.mr_lo,
                                                                 q.mr_hi, q.m_lim)}});
  const DustLayer dust;
  for (double b : {40.0, -40.0, -3.0})
    for (double d : {50.0, 400.0, 2500.0}) out["dust"].push_back({{"b", b}, {"d", d}, {"value", dust.fraction(b, d)}});
  for (auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal})
    for (double sigma_ug : {0.05, 0.15})
      for (double ug : {0.86, 0.99, 1.12}) {
        ToyUgModel m;
        m.prior = prior;
        m.sigma_ug = sigma_ug;
        out["toy"].push_back({{"prior", prior == ToyFehPrior::uniform ? "uniform" : "binormal"},
                              {"sigma_feh", m.sigma_feh},
                              {"sigma_ug", sigma_ug},
                              {"lo", ug - 0.015},
                              {"hi", ug + 0.015},
                              {"bin", toy_ug_expected_median(m, ug - 0.015, ug + 0.015)},
                              {"at", toy_ug_expected_median_at(m, ug)},
                              {"ug", ug}});
      }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
