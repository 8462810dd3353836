"""docs/model-format.md is enough to read locus model files: a reader written from it alone
(model_format_reader.py) reproduces the files' self-test vectors and `locus predict`.

Model files come from
  LOCUS_TOOL=/path/to/locus       the test generates a tiny model with `locus simulate`,
                                  `locus posterior`, `locus train` and `locus pipeline`, and
                                  compares the reader with `locus predict`;
  LOCUS_MODEL_DIR=/some/dir       every *.model file below it (any network, any layer kind);
  LOCUS_TOOLS=build/tests         the check programs' directory: its model_kinds writes files
                                  with every layer kind (ctest sets it).
Without either, the tests that need model files are skipped; the error-handling tests on files
built here still run.

    LOCUS_TOOL=build/apps/locus/locus /usr/bin/python3 -m pytest tests/python -rA

Tolerance: the format's own acceptance rule (doc section 6), |y - y_ref| <= tol * (1 + |y_ref|)
with tol = 1e-4 for float32 and 1e-10 for float64. It allows for another implementation of
exp/erfc/tanh (a few float32 ulps per activation, amplified through the layers) and another
summation order, and is far tighter than any layout error (a transposed matrix or a shifted
block gives errors of order 1). The errors actually found are printed (-rA or -s shows them).
"""
from __future__ import annotations

import csv
import glob
import json
import os
import subprocess
import tempfile
import zlib

import numpy as np
import pytest

import model_format_reader as reader

TOOL = os.environ.get("LOCUS_TOOL", "")
MODEL_DIR = os.environ.get("LOCUS_MODEL_DIR", "")
# the ten network inputs of the moments models, in the network's column order (doc section 7)
INPUT_COLUMNS = ["rmag", "ug", "gr", "ri", "iz", "rErr", "ugErr", "grErr", "riErr", "izErr"]
PARAMS = ["Mr", "Ar", "FeH"]
TOL32 = reader.SELF_TEST_TOL["float32"]


# ---------------------------------------------------------------- helpers

def run_tool(*args, check=True):
    p = subprocess.run([TOOL, *map(str, args)], capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"locus {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
    return p


def read_csv(path):
    """Columns of a locus CSV (comment lines start with '#') as float arrays."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    header, body = rows[0], rows[1:]
    out = {}
    for k, name in enumerate(header):
        try:
            out[name] = np.array([float(r[k]) if r[k] != "" else np.nan for r in body])
        except ValueError:
            pass  # a text column
    return out


def write_csv(path, columns):
    names = list(columns)
    n = len(columns[names[0]])
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for i in range(n):
            w.writerow([repr(float(columns[c][i])) for c in names])


def random_inputs(n, seed):
    """Plausible photometry plus some far-out rows that drive the activations into saturation."""
    g = np.random.default_rng(seed)
    cols = {
        "rmag": g.uniform(14, 24, n), "ug": g.uniform(0.5, 3.0, n), "gr": g.uniform(-0.1, 1.6, n),
        "ri": g.uniform(-0.1, 1.5, n), "iz": g.uniform(-0.1, 0.8, n),
        "rErr": np.exp(g.uniform(np.log(1e-3), np.log(0.2), n)),
    }
    for c in ("ug", "gr", "ri", "iz"):
        cols[c + "Err"] = np.exp(g.uniform(np.log(1e-3), np.log(0.5), n))
    wild = slice(0, n // 10)
    for c in ("rmag", "ug", "gr", "ri", "iz"):
        cols[c][wild] = g.uniform(-50, 50, n // 10)
    cols["Ar"] = np.full(n, 0.1)
    return cols


def scaled_error(y, ref):
    y, ref = np.asarray(y, np.float64), np.asarray(ref, np.float64)
    return float(np.max(np.abs(y - ref) / (1 + np.abs(ref)), initial=0.0))


def seal(json_text, version=1):
    """A model file around a JSON text, as doc section 1 describes."""
    content = f"locus-model {version}\n{json_text}\n".encode()
    return content + f"checksum crc32 {zlib.crc32(content):08x} bytes {len(content)}\n".encode()


def unseal_json(data: bytes):
    eol = data.index(b"\n")
    start = data.rindex(b"\n", 0, len(data) - 1) + 1
    return json.loads(data[eol + 1:start - 1])


# ---------------------------------------------------------------- model files

@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """A tiny trained moments model from `locus train` and one from `locus pipeline` (LOCUS_TOOL)."""
    if not TOOL:
        return None
    if not (os.path.isfile(TOOL) and os.access(TOOL, os.X_OK)):
        pytest.fail(f"LOCUS_TOOL={TOOL!r} is not an executable file")
    d = tmp_path_factory.mktemp("locus_models")
    sim, bayes = d / "sim.csv", d / "bayes.csv"
    run_tool("simulate", "--area", "0.05", "--seed", "3", "-o", sim, "-q")
    run_tool("posterior", sim, "--priors", "flat", "-o", bayes, "-q")
    run_tool("train", bayes, "-m", d / "train", "--epochs", "5", "--sigma-epochs", "5", "--runs", "1", "-q")
    run_tool("pipeline", "--area", "0.05", "--bayes-stars", "600", "--check-stars", "100", "--epochs", "3",
             "--sigma-epochs", "3", "--runs", "1", "--priors", "flat", "--run-dir", d / "run", "-o",
             d / "pipeline.csv", "-q")
    return {"dir": d, "prefixes": [str(d / "train"), str(d / "run" / "model")], "pipeline_out": d / "pipeline.csv"}


@pytest.fixture(scope="session")
def model_files(generated):
    files = []
    if generated:
        files += sorted(glob.glob(str(generated["dir"] / "**" / "*.model"), recursive=True))
    kinds = os.path.join(os.environ.get("LOCUS_TOOLS", ""), "model_kinds")
    if os.environ.get("LOCUS_TOOLS") and os.access(kinds, os.X_OK):
        d = tempfile.mkdtemp(prefix="locus-kinds-")
        subprocess.run([kinds, d], check=True)
        files += sorted(glob.glob(os.path.join(d, "*.model")))
    if MODEL_DIR:
        if not os.path.isdir(MODEL_DIR):
            pytest.fail(f"LOCUS_MODEL_DIR={MODEL_DIR!r} is not a directory")
        files += sorted(glob.glob(os.path.join(MODEL_DIR, "**", "*.model"), recursive=True))
    if not files:
        pytest.skip("no model files: set LOCUS_TOOL to the locus binary (files are generated) "
                    "or LOCUS_MODEL_DIR to a directory of *.model files")
    return files


@pytest.fixture(scope="session")
def moments_prefixes(generated):
    """PREFIX of every PREFIX.moments.model we have (generated, or in LOCUS_MODEL_DIR)."""
    prefixes = list(generated["prefixes"]) if generated else []
    if MODEL_DIR and os.path.isdir(MODEL_DIR):
        prefixes += [p[:-len(".moments.model")] for p in
                     sorted(glob.glob(os.path.join(MODEL_DIR, "**", "*.moments.model"), recursive=True))]
    return prefixes


def test_self_test_vectors_are_reproduced(model_files):
    lines, failed = [], []
    for path in model_files:
        e = reader.self_test(path)
        lines.append(f"{e['max_abs']:10.3g} {e['max_rel']:10.3g} {e['max_scaled']:10.3g} {e['tol']:8g}  {path}")
        if not e["passed"] or e["rows"] == 0:  # an empty self-test would check nothing
            failed.append(path)
        reader.load(path)  # the full load (which also runs the self-test) succeeds
    print("\nself-test      max_abs    max_rel max_scaled      tol  file\n" + "\n".join(lines))
    assert not failed, f"self-test not reproduced: {failed}"


def test_moments_files_are_as_documented(moments_prefixes):
    if not moments_prefixes:
        pytest.skip("no PREFIX.moments.model files (set LOCUS_TOOL or LOCUS_MODEL_DIR)")
    for prefix in moments_prefixes:
        primary, secondary = reader.load_moments(prefix)
        assert primary.dtype == np.float32 and primary.inputs == 10 and primary.outputs == 6
        assert primary.input_scaler is not None and primary.input_scaler.columns == 10
        assert primary.target_scaler is None and primary.imputer is None
        assert primary.training.get("role") == "primary" and primary.training["loss"]["name"] == "moments"
        assert [type(l).__name__ for l in primary.layers] == ["Dense"] * len(primary.layers)
        if secondary is not None:
            assert secondary.outputs == 3 and secondary.inputs == 10
            assert secondary.training.get("role") == "secondary" and secondary.training["loss"]["name"] == "mse"
            # doc: the two files carry the same input scaler
            assert np.array_equal(secondary.input_scaler.center, primary.input_scaler.center)
            assert np.array_equal(secondary.input_scaler.scale, primary.input_scaler.scale)


def compare_with_locus_columns(prefix, cols, out, what):
    """The reader's moments prediction on `cols` against locus's nn_* columns in `out`."""
    primary, secondary = reader.load_moments(prefix)
    x = np.column_stack([cols[c] for c in INPUT_COLUMNS])
    ok = np.all(np.isfinite(x), axis=1)
    p = reader.predict_moments(primary, secondary, x[ok])
    worst = 0.0
    for k, name in enumerate(PARAMS):
        for suffix, key in (("", "mu"), ("_sigma", "sigma_total"), ("_sigma_nn", "sigma_nn"), ("_sigma_b", "sigma_b")):
            ref = out[f"nn_{name}{suffix}"][ok].astype(np.float32)  # locus writes float32 columns
            err = scaled_error(p[key][:, k], ref)
            worst = max(worst, err)
            assert err <= TOL32, f"{what}: nn_{name}{suffix} differs by {err:.3g} (scaled) from the reader"
    print(f"\n{what}: {ok.sum()} rows, max |reader - locus| / (1 + |locus|) = {worst:.3g}")


def test_predictions_agree_with_locus_predict(generated, moments_prefixes, tmp_path):
    if not TOOL:
        pytest.skip("LOCUS_TOOL is not set: no `locus predict` to compare with")
    cols = random_inputs(500, seed=11)
    src = tmp_path / "random.csv"
    write_csv(src, cols)
    for i, prefix in enumerate(moments_prefixes):
        out = tmp_path / f"pred{i}.csv"
        run_tool("predict", src, "-m", prefix, "-o", out, "-q")
        compare_with_locus_columns(prefix, cols, read_csv(out), f"locus predict -m {prefix}")
    # the pipeline's own predictions on its simulated catalogue
    pout = read_csv(generated["pipeline_out"])
    compare_with_locus_columns(generated["prefixes"][1], pout, pout, "locus pipeline -o")


# ---------------------------------------------------------------- errors (doc section 8)

def tiny_model():
    """A valid file built from the document: 2 inputs -> 1 linear unit, float32."""
    w, b = [0.5, -0.25], [0.125]
    x = [[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0], [3.0, -4.0]]
    y = [[w[0] * r[0] + w[1] * r[1] + b[0]] for r in x]  # exact in float32
    j = {"format": "locus-model", "version": 1, "dtype": "float32", "inputs": 2,
         "layers": [{"units": 1, "activation": "linear"}], "weights": [w, b],
         "self_test": {"input": x, "output": y}, "training": {}}
    return j


def expect_error(tmp_path, data: bytes, fragment: str):
    p = tmp_path / "bad.model"
    p.write_bytes(data)
    with pytest.raises(reader.FormatError, match=fragment):
        reader.load(str(p))
    return p


def test_reader_raises_the_documented_errors(tmp_path):
    good = seal(json.dumps(tiny_model(), indent=1))
    p = tmp_path / "good.model"
    p.write_bytes(good)
    assert reader.load(str(p)).network(np.array([[2.0, 4.0]]))[0, 0] == np.float32(0.125)

    expect_error(tmp_path, b"hello" + good, "not a locus model file")
    expect_error(tmp_path, good[:-1], "trailer")
    expect_error(tmp_path, good[:40] + good[41:], "truncated or corrupt")
    flipped = bytearray(good)
    flipped[30] ^= 0x04
    expect_error(tmp_path, bytes(flipped), "CRC-32 mismatch")
    # the trailer must be exactly as written: a leading zero in the length damages it
    expect_error(tmp_path, good.replace(b" bytes ", b" bytes 0"), "trailer")
    expect_error(tmp_path, seal(json.dumps(tiny_model()), version=2), "version 2 is not supported")
    expect_error(tmp_path, seal("{not json"), "not valid JSON")

    def variant(change, fragment):
        j = tiny_model()
        change(j)
        expect_error(tmp_path, seal(json.dumps(j)), fragment)

    variant(lambda j: j.update(version=3), "disagree")
    variant(lambda j: j.pop("weights"), "incomplete or has wrong types")
    variant(lambda j: j["weights"][0].__setitem__(0, None), "wrong types")
    variant(lambda j: j.update(layers=[]), "empty network")
    variant(lambda j: j["layers"][0].update(kind="convolution"), "unknown layer kind")
    variant(lambda j: j["layers"][0].update(activation="mish"), "unknown activation")
    variant(lambda j: j["layers"][0].update(slope=0.2), "slope")
    variant(lambda j: j["weights"].append([1.0]), "weight blocks")
    variant(lambda j: j["weights"][0].append(1.0), "weight block 0 has 3 values")
    variant(lambda j: j.update(state=[[1.0]]), "state blocks")
    variant(lambda j: j["self_test"]["output"].pop(), "input rows but")
    variant(lambda j: j["self_test"]["input"][0].append(1.0), "wrong length")
    variant(lambda j: j["weights"][0].__setitem__(0, 0.5 + 1e-3), "self-test failed")
    variant(lambda j: j.update(input_scaler={"kind": "standard", "center": [0, 0], "scale": [1, 0]}), "positive")


def test_locus_rejects_what_the_reader_rejects(generated, tmp_path):
    """The same damage to a real file: locus (`predict`, exit code 3) and the reader both refuse it."""
    if not TOOL:
        pytest.skip("LOCUS_TOOL is not set")
    prefix = generated["prefixes"][0]
    data = open(prefix + ".moments.model", "rb").read()
    j = unseal_json(data)
    cols = random_inputs(20, seed=5)
    src = tmp_path / "in.csv"
    write_csv(src, cols)

    def edited(change):
        k = json.loads(json.dumps(j))
        change(k)
        return seal(json.dumps(k, indent=1))

    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    cases = {
        "crc": (bytes(flipped), "CRC-32 mismatch"),
        "version": (seal(json.dumps(j), version=2), "not supported"),
        "weight": (edited(lambda k: k["weights"][0].__setitem__(0, k["weights"][0][0] + 0.5)), "self-test failed"),
        "kind": (edited(lambda k: k["layers"][0].update(kind="convolution")), "convolution"),
        "block": (edited(lambda k: k["weights"][1].pop()), "weight block 1"),
    }
    for name, (bad, fragment) in cases.items():
        d = tmp_path / name
        d.mkdir()
        (d / "m.moments.model").write_bytes(bad)  # no sigma_b file: optional for locus predict
        with pytest.raises(reader.FormatError, match=fragment):
            reader.load(str(d / "m.moments.model"))
        p = run_tool("predict", src, "-m", d / "m", "-o", d / "out.csv", "-q", check=False)
        assert p.returncode == 3, f"{name}: locus predict exited {p.returncode}: {p.stderr}"
