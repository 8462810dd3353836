#pragma once
// simulate_patch: a mock LSST sky patch with known truth, in the manner of paper 000's
// TRILEGAL-based catalogues and photo-D's makeSimPhotometry.
//
// For a patch of `area_deg2` around (l, b):
//  1. (component, Mr, distance) from GalaxyModel (Jurić et al. 2008) via LineOfSight, with
//     Poisson numbers per component and Mr + μ < r_max (extinction only makes stars fainter);
//  2. a position uniform in the patch, a circular cap of the given area around (l, b) (so
//     patches at the poles work); [Fe/H] from MetallicityModel (Ivezić et al. 2008) at the
//     star's height above the plane;
//  3. stars outside −2.5 ≤ [Fe/H] ≤ 0.5 are not kept (photo-D's cut; the locus covers only
//     that range), nor stars outside mr_min < Mr < mr_max;
//  4. dust-free colours from the LocusModel node nearest in (Mr, [Fe/H]) (photo-D's rule), of
//     PatchSpec::locus, or with an AgeMixture of the built-in table of an age drawn for the
//     star's component (the generating model then differs from the fitted one);
//  5. A_r = A_r,SFD(l, b) · DustLayer fraction at the star's distance; magnitudes
//     r = Mr + μ + A_r and the others from the reddened colours (Berry et al. 2012 ratios);
//  6. the paper's cuts on true magnitudes: r < 27.5 and u < 27;
//  7. LSST errors: Gaussian noise, errors recomputed from the noisy magnitudes (photo-D);
//     optionally SNR > 5 (σ < 0.198 mag) in all five bands.
//
// Work is cut into fixed chunks of 8192 generated stars, each with its own Rng::split stream,
// and the kept rows are concatenated in chunk order: the catalogue is bit-identical for a seed
// whatever the number of threads.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include <locus/bayes/extinction.hpp>
#include <locus/bayes/locus_model.hpp>
#include <locus/core/errors.hpp>
#include <locus/core/parallel_for.hpp>
#include <locus/core/progress.hpp>
#include <locus/core/rng.hpp>
#include <locus/io/catalog.hpp>
#include <locus/sim/age_mixture.hpp>
#include <locus/sim/dust_layer.hpp>
#include <locus/sim/galaxy_model.hpp>
#include <locus/sim/lsst_errors.hpp>
#include <locus/sim/luminosity_function.hpp>
#include <locus/sim/metallicity_model.hpp>

namespace locus::sim {

// PatchSpec: everything simulate_patch needs. The defaults give the 10 deg² patch of the
// docs (of the order of 440,000 stars, like paper 000's final data set).
struct PatchSpec {
  double l_deg = 35.0, b_deg = 30.0;  // patch centre, Galactic coordinates
  double area_deg2 = 10.0;            // a circular cap of this area around (l, b)
  double ar_sfd = 0.10;               // SFD A_r over the patch (used when ar_sfd_map is empty)
  // Optional SFD A_r at (l, b) in degrees, so the extinction can vary across the patch. It is
  // called from several threads at once, so it must be safe to call concurrently.
  std::function<double(double, double)> ar_sfd_map;

  double r_max = 27.5, u_max = 27.0;  // cuts on true (extincted) magnitudes
  bool require_snr5 = false;          // keep only stars with SNR > 5 in all of ugriz
  double mr_min = -2.0, mr_max = 16.0;
  double feh_min = -2.5, feh_max = 0.5;

  GalaxyParams galaxy = GalaxyParams::juric2008_biased();
  MetallicityParams metallicity;
  DustLayer dust;
  LsstErrors errors = LsstErrors::coadd();
  bayes::Extinction extinction = bayes::Extinction::berry2012();
  std::shared_ptr<const bayes::LocusModel> locus;  // null: bayes::LocusModel::builtin()
  AgeMixture ages;  // non-empty: colours from the built-in table of a drawn age, not from `locus`
  std::shared_ptr<const LuminosityFunction> luminosity_function;  // null: the embedded galfast LF

  std::size_t threads = 0;  // 0: locus::num_threads()
  Progress::Show progress = Progress::Show::never;
};

// How many generated stars each step removed.
struct PatchStats {
  std::uint64_t generated = 0;    // drawn from the Galaxy model
  std::uint64_t feh_range = 0;    // outside [feh_min, feh_max]
  std::uint64_t mag_cut = 0;      // r ≥ r_max or u ≥ u_max
  std::uint64_t snr_cut = 0;      // SNR ≤ 5 in some band (require_snr5 only)
  std::uint64_t kept = 0;
  std::array<double, 3> expected{};  // expected stars per component before the cuts
};

// Column names of the catalogue, in order. They follow the shipped Stripe 82 file where the two
// overlap (so pipeline::ColumnMap's defaults read both): Ar is the SFD extinction of the sight
// line, the observed quantity; the truth carries a _true suffix. Truth: l, b (deg), component
// (0 thin disk, 1 thick disk, 2 halo), distance (pc), DM, Mr_true, FeH_true, Mr_node and
// FeH_node (the locus node that gave the colours), Ar_true (along the sight line), the
// dust-free colours ug0 gr0 ri0 iz0 and the true magnitudes umag_true … zmag_true; age, the
// age (Gyr) of the table that coloured the star (10 for the built-in model, NaN for a model of
// unknown age passed in `locus`).
// Observations: Ar (SFD), umag … zmag, uErr … zErr, the colours ug gr ri iz and their errors
// ugErr … izErr (band errors added in quadrature).
inline const std::vector<std::string>& patch_columns() {
  static const std::vector<std::string> names{
      "l",         "b",         "component", "distance",  "DM",        "Mr_true",   "FeH_true",  "Mr_node",
      "FeH_node",  "Ar_true",   "Ar",        "ug0",       "gr0",       "ri0",       "iz0",       "umag_true",
      "gmag_true", "rmag_true", "imag_true", "zmag_true", "umag",      "gmag",      "rmag",      "imag",
      "zmag",      "uErr",      "gErr",      "rErr",      "iErr",      "zErr",      "ug",        "gr",
      "ri",        "iz",        "ugErr",     "grErr",     "riErr",     "izErr",     "age"};
  return names;
}

inline io::Catalog simulate_patch(const PatchSpec& spec, Rng& rng, PatchStats* stats = nullptr) {
  if (!(spec.area_deg2 > 0) || spec.area_deg2 > 400)
    throw ConfigError("simulate_patch: area must be in (0, 400] deg² (the patch is one line of sight)");
  if (!(spec.b_deg >= -90 && spec.b_deg <= 90)) throw ConfigError("simulate_patch: b must be in [-90, 90]");
  if (!(spec.ar_sfd >= 0)) throw ConfigError("simulate_patch: ar_sfd must be non-negative");
  if (!(spec.feh_max >= spec.feh_min) || !(spec.mr_max > spec.mr_min))
    throw ConfigError("simulate_patch: empty [Fe/H] or Mr range");

  const LuminosityFunction lf = spec.luminosity_function ? *spec.luminosity_function : LuminosityFunction();
  const GalaxyModel galaxy(spec.galaxy, lf);
  const MetallicityModel metallicity(spec.metallicity);
  const auto locus = spec.locus ? spec.locus : std::make_shared<const bayes::LocusModel>(bayes::LocusModel::builtin());
  if (locus->size() == 0) throw ConfigError("simulate_patch: empty locus model");
  locus->nearest_node(5.0, -0.5);  // builds the model's lookup index before threads share it
  spec.ages.validate();
  std::array<std::shared_ptr<const bayes::LocusModel>, bayes::builtin_locus_ages.size()> aged;  // by builtin_locus_ages index
  auto age_index = [](int age) {
    std::size_t k = 0;
    while (bayes::builtin_locus_ages[k] != age) ++k;
    return k;
  };
  for (const auto& component : spec.ages.ages)
    for (const auto& [age, w] : component)
      if (auto& m = aged[age_index(age)]; !m) {
        m = std::make_shared<const bayes::LocusModel>(bayes::builtin_locus(age));
        m->nearest_node(5.0, -0.5);
      }
  const double locus_age = spec.locus ? std::numeric_limits<double>::quiet_NaN() : 10.0;

  const LineOfSight los(galaxy, spec.l_deg, spec.b_deg, spec.area_deg2, spec.mr_min, spec.mr_max, spec.r_max);
  const auto counts = los.draw_counts(rng);
  const Rng base(rng());  // chunk streams depend on the caller's stream position
  const std::uint64_t n_total = counts[0] + counts[1] + counts[2];

  constexpr std::size_t ncol = 39;
  constexpr std::size_t grain = 8192;
  const std::size_t chunks = static_cast<std::size_t>((n_total + grain - 1) / grain);
  std::vector<std::vector<double>> rows(chunks);  // per chunk, ncol values per kept star
  std::vector<PatchStats> chunk_stats(chunks);
  Progress progress(static_cast<std::size_t>(n_total), "simulate_patch", spec.progress);

  // Cap of solid angle Ω = 2π (1 − cos θ_max) around the centre c; e_l, e_b span its tangent plane.
  const double cos_max = 1 - solid_angle(spec.area_deg2) / (2 * std::numbers::pi);
  const double l0 = spec.l_deg * deg2rad, b0 = spec.b_deg * deg2rad;
  const std::array<double, 3> centre{std::cos(b0) * std::cos(l0), std::cos(b0) * std::sin(l0), std::sin(b0)};
  const std::array<double, 3> e_l{-std::sin(l0), std::cos(l0), 0.0};
  const std::array<double, 3> e_b{-std::sin(b0) * std::cos(l0), -std::sin(b0) * std::sin(l0), std::cos(b0)};
  const auto& ext = spec.extinction;
  const double snr5_sigma = 2.5 * std::log10(1.2);  // σ at which SNR = 5

  parallel_for_static(chunks, spec.threads, [&](std::size_t, std::size_t c) {
    Rng r = base.split(c);
    const std::uint64_t begin = c * grain, end = std::min<std::uint64_t>(n_total, begin + grain);
    auto& out = rows[c];
    auto& st = chunk_stats[c];
    out.reserve(static_cast<std::size_t>(end - begin) * ncol / 2);
    for (std::uint64_t i = begin; i < end; ++i) {
      const Component comp = i < counts[0]               ? Component::thin_disk
                             : i < counts[0] + counts[1] ? Component::thick_disk
                                                         : Component::halo;
      ++st.generated;
      const ModelStar s = los.draw(comp, r);
      double l, b;
      {
        const double ct = 1 - r.uniform() * (1 - cos_max), st = std::sqrt(std::max(0.0, 1 - ct * ct));
        const double phi = 2 * std::numbers::pi * r.uniform(), cp = std::cos(phi), sp = std::sin(phi);
        std::array<double, 3> v;
        for (int k = 0; k < 3; ++k) v[k] = ct * centre[k] + st * (cp * e_l[k] + sp * e_b[k]);
        b = std::asin(std::clamp(v[2], -1.0, 1.0)) / deg2rad;
        l = std::atan2(v[1], v[0]) / deg2rad;
        if (l < 0) l += 360;
      }
      const double z = spec.galaxy.z_sun + s.distance * std::sin(b * deg2rad);
      const double feh = metallicity.sample(comp, z, r);
      // Noise for all five bands is drawn for every star, so a star's variates do not depend
      // on whether earlier stars passed the cuts.
      std::array<double, 5> gauss;
      for (auto& g : gauss) g = r.normal();
      // drawn for every star (as the noise), and only with a mixture: same-model patches keep
      // their streams
      const int age = spec.ages.empty() ? 0 : spec.ages.draw(comp, r.uniform());
      const bayes::LocusModel& model = age ? *aged[age_index(age)] : *locus;
      if (feh < spec.feh_min || feh > spec.feh_max || !(s.mr > spec.mr_min && s.mr < spec.mr_max)) {
        ++st.feh_range;
        continue;
      }
      const std::size_t node = model.nearest_node(s.mr, feh);
      const double dm = 5 * std::log10(s.distance / 10);
      const double ar_sfd = spec.ar_sfd_map ? spec.ar_sfd_map(l, b) : spec.ar_sfd;
      if (!(ar_sfd >= 0) || !std::isfinite(ar_sfd))
        throw InputError("simulate_patch: ar_sfd_map gave " + std::to_string(ar_sfd) + " at (l, b) = (" +
                         std::to_string(l) + ", " + std::to_string(b) + ")");
      const double ar = spec.dust.extinction(ar_sfd, b, s.distance);
      std::array<double, 4> c0;
      for (std::size_t k = 0; k < 4; ++k) c0[k] = model.colour(k, node);
      std::array<double, 5> m;  // true magnitudes u g r i z
      m[2] = s.mr + dm + ar;
      m[1] = m[2] + c0[1] + ext.colour_coefficient(1) * ar;
      m[0] = m[1] + c0[0] + ext.colour_coefficient(0) * ar;
      m[3] = m[2] - c0[2] - ext.colour_coefficient(2) * ar;
      m[4] = m[3] - c0[3] - ext.colour_coefficient(3) * ar;
      if (!(m[2] < spec.r_max && m[0] < spec.u_max)) {
        ++st.mag_cut;
        continue;
      }
      std::array<double, 5> obs, err;
      bool low_snr = false;
      for (std::size_t k = 0; k < 5; ++k) {
        const double noise = std::clamp(spec.errors.sigma(k, m[k]) * gauss[k], -spec.errors.noise_clip,
                                        spec.errors.noise_clip);
        obs[k] = m[k] + noise;
        err[k] = spec.errors.sigma(k, obs[k]);
        low_snr |= !(err[k] < snr5_sigma);
      }
      if (spec.require_snr5 && low_snr) {
        ++st.snr_cut;
        continue;
      }
      ++st.kept;
      const double row[ncol] = {l,
                                b,
                                static_cast<double>(static_cast<int>(comp)),
                                s.distance,
                                dm,
                                s.mr,
                                feh,
                                model.mr(node),
                                model.feh(node),
                                ar,
                                ar_sfd,
                                c0[0],
                                c0[1],
                                c0[2],
                                c0[3],
                                m[0],
                                m[1],
                                m[2],
                                m[3],
                                m[4],
                                obs[0],
                                obs[1],
                                obs[2],
                                obs[3],
                                obs[4],
                                err[0],
                                err[1],
                                err[2],
                                err[3],
                                err[4],
                                obs[0] - obs[1],
                                obs[1] - obs[2],
                                obs[2] - obs[3],
                                obs[3] - obs[4],
                                std::hypot(err[0], err[1]),
                                std::hypot(err[1], err[2]),
                                std::hypot(err[2], err[3]),
                                std::hypot(err[3], err[4]),
                                age ? static_cast<double>(age) : locus_age};
      out.insert(out.end(), row, row + ncol);
    }
    progress.advance(static_cast<std::size_t>(end - begin));
  });
  progress.finish();

  std::size_t n_rows = 0;
  for (const auto& v : rows) n_rows += v.size() / ncol;
  io::Catalog cat(n_rows);
  const auto& names = patch_columns();
  for (std::size_t j = 0; j < ncol; ++j) {
    std::vector<double> col(n_rows);
    std::size_t k = 0;
    for (const auto& v : rows)
      for (std::size_t i = j; i < v.size(); i += ncol) col[k++] = v[i];
    cat.add_column<double>(names[j], std::move(col));
  }
  if (stats) {
    PatchStats total;
    for (const auto& s : chunk_stats) {
      total.generated += s.generated;
      total.feh_range += s.feh_range;
      total.mag_cut += s.mag_cut;
      total.snr_cut += s.snr_cut;
      total.kept += s.kept;
    }
    for (auto c : all_components) total.expected[static_cast<int>(c)] = los.expected(c);
    *stats = total;
  }
  return cat;
}

}  // namespace locus::sim
