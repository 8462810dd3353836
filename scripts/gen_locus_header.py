#!/usr/bin/env python3
"""Writes include/locus/bayes/data/sdss_dsed_locus_<age>gyr.hpp from photo-D's
data/photod/locus/SDSSDSEDlocus_<age>Gyr.txt: every 10th tLoc (plus the last) and every [Fe/H]
track, the numbers copied as they appear in the file.

    scripts/gen_locus_header.py 1 2 5 10
"""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
T_STEP = 10


def header(age):
    path = os.path.join(ROOT, "data", "photod", "locus", f"SDSSDSEDlocus_{age}Gyr.txt")
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts and not line.startswith("#") and parts[0] != "tLoc":
                rows.append(parts)
    ts = sorted({r[0] for r in rows}, key=float)
    fehs = sorted({r[2] for r in rows}, key=float)
    keep = list(range(0, len(ts), T_STEP))
    if keep[-1] != len(ts) - 1:
        keep.append(len(ts) - 1)
    t_keep = [ts[i] for i in keep]
    by = {(r[0], r[2]): r for r in rows}
    fn = "LocusModel::builtin() and builtin_locus(10)" if age == 10 else f"builtin_locus({age})"
    lines = [
        "#pragma once",
        f"// Built-in stellar-locus table for locus::bayes::{fn}.",
        "//",
        "// Source: photo-D (github.com/labastro-rbi/photoD, commit 01d6d4e307a4a010f9f21412741b75d46e061e48),",
        f"// file SDSSDSEDlocus_{age}Gyr.txt: the SDSS stellar locus of Ivezic et al. (2008) augmented with",
        f"// Dartmouth (DSED) {age} Gyr isochrones for the bright, evolved part (Palaversa et al. 2025).",
        "// Copyright (c) the photo-D authors, BSD-3-Clause: see LICENSE.photoD in this directory.",
        "//",
        f"// Selection: every 10th tLoc counted from the first ({t_keep[0]}, {t_keep[1]}, ..., {t_keep[-2]}) plus the last ({t_keep[-1]}),",
        f"// and all {len(fehs)} [Fe/H] tracks ({fehs[0]} ... +{fehs[-1]}), i.e. exactly what photo-D's thinning (and",
        "// LocusModel::load(file, {.t_step = 10})) gives. The numbers are copied verbatim from the file.",
        "// Rows: [Fe/H]-major, tLoc fastest; columns Mr, u-g, g-r, r-i, i-z.",
        "#include <array>",
        "#include <cstddef>",
        "",
        f"namespace locus::bayes::data::sdss_dsed_{age}gyr {{",
        "",
        f"inline constexpr std::array<double, {len(t_keep)}> t{{{', '.join(t_keep)}}};",
        f"inline constexpr std::array<double, {len(fehs)}> feh{{{', '.join(fehs)}}};",
        f"inline constexpr std::size_t n_nodes = {len(t_keep) * len(fehs)};",
        "inline constexpr double nodes[n_nodes][5] = {",
    ]
    for fe in fehs:
        for t in t_keep:
            r = by[(t, fe)]
            lines.append("    {" + ", ".join([r[1]] + r[3:7]) + "},")
    lines += ["};", f"}}  // namespace locus::bayes::data::sdss_dsed_{age}gyr", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    for a in sys.argv[1:] or ["1", "2", "5", "10"]:
        out = os.path.join(ROOT, "include", "locus", "bayes", "data", f"sdss_dsed_locus_{a}gyr.hpp")
        with open(out, "w") as f:
            f.write(header(int(a)))
        print("wrote", out)
