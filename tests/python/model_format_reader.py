"""A reader of locus model files (format version 1), written from docs/model-format.md alone.

Pure Python + numpy. It exists to show that the document is enough to run a locus network
elsewhere, and is kept as a test (test_model_format.py).

    model = load("run.moments.model")      # checks trailer, CRC, layout and the self-test
    y = model.predict(x)                   # input scaler / imputer, network, target de-scaling
    report = self_test("run.moments.model")  # max errors of the recomputed self-test vector

Arithmetic follows the file's dtype: a float32 network is evaluated in float32, rounding after
every operation as locus does (doc section 6); transcendental functions are evaluated in double
and rounded to float32, which is at least as accurate as locus's SIMD versions.
"""
from __future__ import annotations

import json
import math
import re
import zlib

import numpy as np

FORMAT_VERSION = 1
MAGIC = b"locus-model "
# doc section 6: |y - y_ref| <= tol * (1 + |y_ref|)
SELF_TEST_TOL = {"float32": 1e-4, "float64": 1e-10}
_TRAILER = re.compile(rb"checksum crc32 ([0-9a-f]{8}) bytes (0|[1-9][0-9]*)")


class FormatError(Exception):
    """The file is not a valid locus model file (or not one this reader can run)."""


# ---------------------------------------------------------------- container (doc section 1)

def _unseal(data: bytes, where: str) -> str:
    """Checks header, trailer, length, CRC and version; returns the JSON text."""
    if not data.startswith(MAGIC):
        raise FormatError(f"{where}: not a locus model file (it does not start with \"locus-model\")")
    eol = data.find(b"\n")
    if eol < 0:
        raise FormatError(f"{where}: truncated: the file ends inside its first line")
    if len(data) < 2 or not data.endswith(b"\n"):
        raise FormatError(f"{where}: truncated or corrupt: the checksum trailer at the end of the file is missing")
    start = data.rfind(b"\n", 0, len(data) - 1) + 1
    trailer = data[start:-1]
    m = _TRAILER.fullmatch(trailer)
    if start <= eol or m is None:
        raise FormatError(f"{where}: truncated or corrupt: the checksum trailer is missing or damaged")
    stored, length = int(m.group(1), 16), int(m.group(2))
    if length != start:
        raise FormatError(f"{where}: truncated or corrupt: the trailer records {length} bytes of content "
                          f"but the file has {start}")
    computed = zlib.crc32(data[:start]) & 0xFFFFFFFF
    if computed != stored:
        raise FormatError(f"{where}: corrupt: CRC-32 mismatch (file records {stored:08x}, content gives "
                          f"{computed:08x})")
    vtext = data[len(MAGIC):eol].decode("ascii", "replace")
    if not re.fullmatch(r"[0-9]+", vtext):
        raise FormatError(f"{where}: bad format version \"{vtext}\"")
    if int(vtext) != FORMAT_VERSION:
        raise FormatError(f"{where}: format version {int(vtext)} is not supported; this reader reads "
                          f"version {FORMAT_VERSION}")
    try:
        return data[eol + 1:start - 1].decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"{where}: the model description is not valid UTF-8 ({e})") from None


def _reject_constant(name):
    # NaN / Infinity are not JSON; locus writes null for non-finite values
    raise ValueError(f"{name} is not a JSON value")


def read_description(path: str) -> dict:
    """The JSON description of a model file, after the container checks."""
    with open(path, "rb") as f:
        data = f.read()
    text = _unseal(data, path)
    try:
        j = json.loads(text, parse_constant=_reject_constant)
    except ValueError as e:
        raise FormatError(f"{path}: the model description is not valid JSON ({e})") from None
    if not isinstance(j, dict):
        raise FormatError(f"{path}: the model description is incomplete or has wrong types (not an object)")
    if j.get("format") != "locus-model" or j.get("version") != FORMAT_VERSION or isinstance(j.get("version"), bool):
        raise FormatError(f"{path}: header and description disagree about format or version")
    return j


# ---------------------------------------------------------------- typed access

class _Where:
    """Error context: the file and the key path, for messages."""

    def __init__(self, path):
        self.path = path

    def types(self, what):
        return FormatError(f"{self.path}: the model description is incomplete or has wrong types ({what})")


def _get(obj, key, kind, where, ctx):
    if not isinstance(obj, dict) or key not in obj:
        raise where.types(f"{ctx}: missing \"{key}\"")
    v = obj[key]
    ok = {
        "int": isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "num": isinstance(v, (int, float)) and not isinstance(v, bool),
        "str": isinstance(v, str),
        "list": isinstance(v, list),
        "dict": isinstance(v, dict),
    }[kind]
    if not ok:
        raise where.types(f"{ctx}: \"{key}\" is not a{'n' if kind == 'int' else ''} {kind}")
    return v


def _numbers(v, where, ctx):
    if not isinstance(v, list) or not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in v):
        raise where.types(f"{ctx} is not an array of numbers")
    return np.array(v, dtype=np.float64)


# ---------------------------------------------------------------- arithmetic in the dtype

class _Arith:
    """Operations rounded to the network's dtype."""

    def __init__(self, dtype):
        self.t = np.dtype(dtype)

    def c(self, v):  # a constant or array rounded to the dtype
        return np.asarray(v, dtype=np.float64).astype(self.t)

    def fn(self, f, x):  # a transcendental function: in double, rounded once
        return f(x.astype(np.float64)).astype(self.t)

    def fma(self, a, b, c):
        # a*b of two float32 values is exact in double, so one rounding to float32 after the sum
        # reproduces a fused multiply-add (up to rare double-rounding ties)
        if self.t == np.float32:
            return (a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)).astype(np.float32)
        return a * b + c


_erfc = np.frompyfunc(math.erfc, 1, 1)


def _erfc64(x):
    return _erfc(x).astype(np.float64)


def _bounded(ar, x):
    return np.minimum(np.maximum(x, ar.c(-1e4)), ar.c(1e4))


def _sigmoid(ar, x):
    e = ar.fn(np.exp, -_bounded(ar, x))
    return ar.c(1) / (ar.c(1) + e)


def _activation(name, slope, ar):
    """The activation `name` as a function of a [n, w] array in the dtype (doc section 3)."""
    one, zero = ar.c(1), ar.c(0)
    if name == "elu":
        return lambda x: np.where(x > 0, x, ar.fn(np.expm1, np.minimum(_bounded(ar, x), zero)))
    if name == "gelu":
        def gelu(x):
            e = ar.fn(_erfc64, _bounded(ar, x) * ar.c(-0.70710678118654752440))
            return np.where(x < ar.c(-40), zero, ar.c(0.5) * x * e)
        return gelu
    if name == "hard_sigmoid":
        return lambda x: np.minimum(np.maximum(x * ar.c(1.0 / 6.0) + ar.c(0.5), zero), one)
    if name == "linear":
        return lambda x: x
    if name == "relu":
        return lambda x: np.maximum(x, zero)
    if name == "selu":
        lam, alpha = ar.c(1.0507009873554805), ar.c(1.6732632423543772)
        return lambda x: lam * np.where(x > 0, x, alpha * ar.fn(np.expm1, np.minimum(_bounded(ar, x), zero)))
    if name == "sigmoid":
        return lambda x: _sigmoid(ar, x)
    if name == "softmax":
        def softmax(x):
            e = ar.fn(np.exp, x - x.max(axis=1, keepdims=True))
            s = np.zeros(x.shape[0], dtype=ar.t)
            for f in range(x.shape[1]):  # summed over features in order, in the dtype
                s = s + e[:, f]
            return e * (one / s)[:, None]
        return softmax
    if name == "softplus":
        return lambda x: np.maximum(x, zero) + ar.fn(np.log1p, ar.fn(np.exp, -np.abs(_bounded(ar, x))))
    if name == "softsign":
        def softsign(x):
            c = np.minimum(np.maximum(x, ar.c(-1e30)), ar.c(1e30))
            return c / (one + np.abs(c))
        return softsign
    if name == "swish":
        return lambda x: np.where(x < ar.c(-1e4), zero, x * _sigmoid(ar, x))
    if name == "tanh":
        return lambda x: ar.fn(np.tanh, _bounded(ar, x))
    if name == "leaky_relu":
        s = ar.c(slope)
        return lambda x: np.where(x > 0, x, s * x)
    raise FormatError(f"unknown activation \"{name}\"")


ACTIVATIONS = ("elu", "gelu", "hard_sigmoid", "linear", "relu", "selu", "sigmoid", "softmax", "softplus",
               "softsign", "swish", "tanh", "leaky_relu")


# ---------------------------------------------------------------- layers (doc sections 3 and 4)

class _Blocks:
    """Hands out the weight (or state) blocks in order, checking their sizes."""

    def __init__(self, blocks, what, where):
        self.blocks, self.what, self.where, self.next = blocks, what, where, 0

    def take(self, size, ar):
        if self.next >= len(self.blocks):
            raise FormatError(f"{self.where.path}: too few {self.what} blocks for the architecture "
                              f"(block {self.next} is missing)")
        b = self.next
        v = _numbers(self.blocks[b], self.where, f"{self.what} block {b}")
        if v.size != size:
            raise FormatError(f"{self.where.path}: {self.what} block {b} has {v.size} values, the architecture "
                              f"needs {size}")
        self.next += 1
        return v

    def finish(self):
        if self.next != len(self.blocks):
            raise FormatError(f"{self.where.path}: {len(self.blocks)} {self.what} blocks for a network with "
                              f"{self.next}")


class Dense:
    def __init__(self, w, b, act, ar):
        self.w, self.b, self.act, self.ar = w, b, act, ar
        self.inputs, self.outputs = w.shape

    def __call__(self, x):
        ar = self.ar
        z = np.broadcast_to(self.b, (x.shape[0], self.outputs)).copy()
        for i in range(self.inputs):  # z <- fma(W[i, o], x_i, z), inputs in order (doc section 6)
            z = ar.fma(x[:, i:i + 1], self.w[i][None, :], z)
        return self.act(z)


class Activation:
    def __init__(self, width, act):
        self.inputs = self.outputs = width
        self.act = act

    def __call__(self, x):
        return self.act(x)


class LayerNorm:
    def __init__(self, gamma, beta, eps, ar):
        self.gamma, self.beta, self.ar = gamma, beta, ar
        self.eps = ar.c(eps)
        self.inputs = self.outputs = gamma.size

    def __call__(self, x):
        ar, w = self.ar, self.outputs
        inv_w = ar.c(1) / ar.c(w)
        m = np.zeros(x.shape[0], dtype=ar.t)
        for q in range(w):
            m = m + x[:, q]
        m = m * inv_w
        v = np.zeros(x.shape[0], dtype=ar.t)
        for q in range(w):
            d = x[:, q] - m
            v = v + d * d
        s = ar.c(1) / np.sqrt(v * inv_w + self.eps)
        h = (x - m[:, None]) * s[:, None]
        return ar.fma(h, self.gamma[None, :], np.broadcast_to(self.beta, h.shape))


class BatchNorm:
    def __init__(self, gamma, beta, mean, var, eps, ar):
        self.ar = ar
        self.inputs = self.outputs = gamma.size
        # folded in double, each rounded to the dtype (doc section 3)
        g, b, m, v = (a.astype(np.float64) for a in (gamma, beta, mean, var))
        self.s = (g / np.sqrt(v + eps)).astype(ar.t)
        self.c = (b - m * self.s.astype(np.float64)).astype(ar.t)

    def __call__(self, x):
        return self.ar.fma(x, self.s[None, :], np.broadcast_to(self.c, x.shape))


class Identity:  # dropout at inference
    def __init__(self, width):
        self.inputs = self.outputs = width

    def __call__(self, x):
        return x


class Chain:
    def __init__(self, layers):
        self.layers = layers
        self.inputs, self.outputs = layers[0].inputs, layers[-1].outputs

    def __call__(self, x):
        for l in self.layers:
            x = l(x)
        return x


class Residual:
    def __init__(self, body, projection):
        self.body, self.projection = body, projection
        self.inputs, self.outputs = body.inputs, body.outputs

    def __call__(self, x):
        s = x if self.projection is None else self.projection(x)
        return self.body(x) + s


class Heads:
    def __init__(self, heads):
        self.heads = heads
        self.inputs = heads[0].inputs
        self.outputs = sum(h.outputs for h in heads)

    def __call__(self, x):
        return np.concatenate([h(x) for h in self.heads], axis=1)


def _positive(v, where, ctx):
    if v == 0:
        raise FormatError(f"{where.path}: {ctx} has 0 units")
    return v


def _act_of(spec, where, ctx, ar):
    name = _get(spec, "activation", "str", where, ctx)
    if name not in ACTIVATIONS:
        raise FormatError(f"{where.path}: {ctx}: unknown activation \"{name}\"; this reader knows "
                          + ", ".join(ACTIVATIONS))
    if "slope" in spec and name != "leaky_relu":
        raise FormatError(f"{where.path}: {ctx}: a slope on activation {name} (only leaky_relu has one)")
    slope = _get(spec, "slope", "num", where, ctx) if "slope" in spec else 0.01
    return _activation(name, slope, ar)


def _build(spec, width, wb, sb, where, ctx, ar):
    """One layer reading `width` features; takes its blocks from wb (weights) and sb (state)."""
    if not isinstance(spec, dict):
        raise where.types(f"{ctx} is not an object")
    kind = _get(spec, "kind", "str", where, ctx) if "kind" in spec else "dense"
    units = _positive(_get(spec, "units", "int", where, ctx), where, ctx)
    same = kind in ("activation", "layer_norm", "batch_norm", "dropout")
    if same and units != width:
        raise FormatError(f"{where.path}: {ctx}: a {kind} layer of {units} units reads {width} features")
    if kind == "dense":
        act = _act_of(spec, where, ctx, ar)
        w = ar.c(wb.take(width * units, ar).reshape(width, units))  # row-major [in x out]
        b = ar.c(wb.take(units, ar))
        layer = Dense(w, b, act, ar)
    elif kind == "dense_variational":
        act = _act_of(spec, where, ctx, ar)
        _get(spec, "kl_weight", "num", where, ctx)
        _get(spec, "prior_sigma", "num", where, ctx)
        mu_w = ar.c(wb.take(width * units, ar).reshape(width, units))
        wb.take(width * units, ar)  # rho_W: sampling only
        mu_b = ar.c(wb.take(units, ar))
        wb.take(units, ar)  # rho_b
        layer = Dense(mu_w, mu_b, act, ar)  # inference uses the posterior means
    elif kind == "activation":
        layer = Activation(width, _act_of(spec, where, ctx, ar))
    elif kind == "layer_norm":
        eps = _get(spec, "eps", "num", where, ctx)
        layer = LayerNorm(ar.c(wb.take(width, ar)), ar.c(wb.take(width, ar)), eps, ar)
    elif kind == "batch_norm":
        _get(spec, "momentum", "num", where, ctx)
        eps = _get(spec, "eps", "num", where, ctx)
        g, b = ar.c(wb.take(width, ar)), ar.c(wb.take(width, ar))
        m, v = ar.c(sb.take(width, ar)), ar.c(sb.take(width, ar))
        layer = BatchNorm(g, b, m, v, eps, ar)
    elif kind == "dropout":
        _get(spec, "rate", "num", where, ctx)
        layer = Identity(width)
    elif kind in ("chain", "residual"):
        items = _get(spec, "layers", "list", where, ctx)
        if not items:
            raise FormatError(f"{where.path}: {ctx}: a {kind} without layers")
        layers, w = [], width
        for k, s in enumerate(items):
            layers.append(_build(s, w, wb, sb, where, f"{ctx}.layers[{k}]", ar))
            w = layers[-1].outputs
        layer = Chain(layers)
        if kind == "residual":
            proj = None
            if layer.inputs != layer.outputs:  # projection shortcut: LayerNorm(eps 1e-5) + linear Dense
                norm = LayerNorm(ar.c(wb.take(width, ar)), ar.c(wb.take(width, ar)), 1e-5, ar)
                pw = ar.c(wb.take(width * w, ar).reshape(width, w))
                pb = ar.c(wb.take(w, ar))
                proj = Chain([norm, Dense(pw, pb, lambda x: x, ar)])
            layer = Residual(layer, proj)
    elif kind == "heads":
        items = _get(spec, "heads", "list", where, ctx)
        if not items:
            raise FormatError(f"{where.path}: {ctx}: heads without a head")
        layer = Heads([_build(s, width, wb, sb, where, f"{ctx}.heads[{k}]", ar) for k, s in enumerate(items)])
    else:
        raise FormatError(f"{where.path}: {ctx}: unknown layer kind \"{kind}\" (this reader knows dense, "
                          "activation, layer_norm, batch_norm, dropout, dense_variational, chain, residual, heads)")
    if layer.outputs != units:
        raise FormatError(f"{where.path}: {ctx}: \"units\" is {units} but the layer gives {layer.outputs}")
    return layer


# ---------------------------------------------------------------- scalers (doc section 5)

class Scaler:
    def __init__(self, j, where, ctx):
        self.kind = _get(j, "kind", "str", where, ctx)
        self.center = _numbers(_get(j, "center", "list", where, ctx), where, f"{ctx}.center")
        self.scale = _numbers(_get(j, "scale", "list", where, ctx), where, f"{ctx}.scale")
        if self.center.size != self.scale.size:
            raise FormatError(f"{where.path}: {ctx}: center and scale differ in length")
        if not np.all(np.isfinite(self.scale) & (self.scale > 0)):
            raise FormatError(f"{where.path}: {ctx}: scales must be finite and positive")

    @property
    def columns(self):
        return self.center.size

    def transform(self, x, dtype):
        return ((x.astype(np.float64) - self.center) / self.scale).astype(dtype)

    def inverse(self, y, dtype):
        k = self.columns
        y64 = y.astype(np.float64)
        if y.shape[1] == k:
            return (y64 * self.scale + self.center).astype(dtype)
        if y.shape[1] == 2 * k:  # moments [mu..., sigma...]: sigma has no offset
            return np.concatenate([y64[:, :k] * self.scale + self.center, np.abs(y64[:, k:]) * self.scale],
                                  axis=1).astype(dtype)
        raise ValueError(f"the target scaler has {k} columns, the network {y.shape[1]} outputs")


# ---------------------------------------------------------------- the model

class Model:
    """A loaded model file: run the bare network with .network(x), the whole chain with .predict(x)."""

    def __init__(self, path, j):
        where = _Where(path)
        self.path = path
        dtype = _get(j, "dtype", "str", where, "description")
        if dtype not in SELF_TEST_TOL:
            raise FormatError(f"{path}: dtype \"{dtype}\" is not float32 or float64")
        self.dtype = np.dtype(dtype)
        self._ar = ar = _Arith(self.dtype)
        self.inputs = _get(j, "inputs", "int", where, "description")
        specs = _get(j, "layers", "list", where, "description")
        weights = _get(j, "weights", "list", where, "description")
        state = _get(j, "state", "list", where, "description") if "state" in j else []
        if self.inputs == 0 or not specs:
            raise FormatError(f"{path}: the file describes an empty network")
        wb, sb = _Blocks(weights, "weight", where), _Blocks(state, "state", where)
        self.layers, w = [], self.inputs
        for k, s in enumerate(specs):
            self.layers.append(_build(s, w, wb, sb, where, f"layers[{k}]", ar))
            w = self.layers[-1].outputs
        self.outputs = w
        wb.finish()
        sb.finish()
        st = _get(j, "self_test", "dict", where, "description")
        xin = _get(st, "input", "list", where, "self_test")
        yout = _get(st, "output", "list", where, "self_test")
        self.self_test_input = self._matrix(xin, self.inputs, where, "self-test input")
        self.self_test_output = self._matrix(yout, self.outputs, where, "self-test output")
        if len(xin) != len(yout):
            raise FormatError(f"{path}: the self-test has {len(xin)} input rows but {len(yout)} output rows")
        self.input_scaler = Scaler(j["input_scaler"], where, "input_scaler") if "input_scaler" in j else None
        self.target_scaler = Scaler(j["target_scaler"], where, "target_scaler") if "target_scaler" in j else None
        self.imputer = None
        if "imputer" in j:
            self.imputer = _numbers(_get(j["imputer"], "fill", "list", where, "imputer"), where, "imputer.fill")
        self.training = _get(j, "training", "dict", where, "description") if "training" in j else {}

    @staticmethod
    def _matrix(rows, cols, where, what):
        out = np.zeros((len(rows), cols))
        for r, row in enumerate(rows):
            v = _numbers(row, where, f"{what} row {r}")
            if v.size != cols:
                raise FormatError(f"{where.path}: {what} row {r} has the wrong length")
            out[r] = v
        return out

    def network(self, x):
        """The bare network on x [n, inputs]: rows rounded to the dtype, result in the dtype."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.inputs:
            raise ValueError(f"the network takes [n, {self.inputs}] inputs, got {x.shape}")
        y = x.astype(self.dtype)
        for l in self.layers:
            y = l(y)
        return y

    def predict(self, x):
        """Input scaler, imputer, network, target de-scaling (doc section 5); result in the dtype."""
        x = np.asarray(x, dtype=np.float64).astype(self.dtype)
        if x.ndim != 2:
            raise ValueError("predict takes a 2-d array [n, columns]")
        if self.input_scaler is not None:
            if x.shape[1] != self.input_scaler.columns:
                raise ValueError(f"the input scaler takes {self.input_scaler.columns} columns, got {x.shape[1]}")
            x = self.input_scaler.transform(x, self.dtype)
        if self.imputer is not None:
            if x.shape[1] != self.imputer.size:
                raise ValueError(f"the imputer takes {self.imputer.size} columns, got {x.shape[1]}")
            missing = np.isnan(x)
            x = np.concatenate([np.where(missing, self.imputer.astype(self.dtype), x),
                                missing.astype(self.dtype)], axis=1)
        y = self.network(x)
        if self.target_scaler is not None:
            y = self.target_scaler.inverse(y, self.dtype)
        return y

    def self_test_errors(self):
        """Recomputes the self-test vector; returns the error summary (see self_test)."""
        ref = self.self_test_output
        y = self.network(self.self_test_input).astype(np.float64)
        d = np.abs(y - ref)
        tol = SELF_TEST_TOL[self.dtype.name]
        nz = ref != 0
        return {
            "rows": ref.shape[0],
            "max_abs": float(d.max(initial=0.0)),
            "max_rel": float((d[nz] / np.abs(ref[nz])).max(initial=0.0)),
            "max_scaled": float((d / (1 + np.abs(ref))).max(initial=0.0)),  # the acceptance measure
            "tol": tol,
            "passed": bool(np.all(d <= tol * (1 + np.abs(ref)))),  # NaN fails
        }


def load(path, check=True):
    """Reads and checks a model file; with check, a failing self-test is a FormatError (as in locus)."""
    m = Model(path, read_description(path))
    if check:
        e = m.self_test_errors()
        if not e["passed"]:
            raise FormatError(f"{path}: self-test failed: max |y - y_ref| / (1 + |y_ref|) = {e['max_scaled']:.3g} "
                              f"> {e['tol']:g}; the weights do not reproduce the saved network")
    return m


def self_test(path):
    """Recomputes the stored self-test vector of a file.

    Returns {"rows", "max_abs", "max_rel", "max_scaled", "tol", "passed"}: max_abs = max |y - y_ref|,
    max_rel = max |y - y_ref| / |y_ref| over y_ref != 0, max_scaled = max |y - y_ref| / (1 + |y_ref|)
    (what the format's tolerance bounds).
    """
    return load(path, check=False).self_test_errors()


# ---------------------------------------------------------------- moments models (doc section 7)

def load_moments(prefix):
    """PREFIX.moments.model and, if present, PREFIX.sigma_b.model."""
    import os
    primary = load(prefix + ".moments.model")
    if primary.input_scaler is None:
        raise FormatError(f"{primary.path}: the model file has no input scaler")
    secondary = None
    if os.path.exists(prefix + ".sigma_b.model"):
        secondary = load(prefix + ".sigma_b.model")
        if secondary.outputs * 2 != primary.outputs or secondary.inputs != primary.inputs:
            raise FormatError(f"{secondary.path}: the secondary network does not match the primary's shape")
    return primary, secondary


def predict_moments(primary, secondary, x):
    """mu, sigma_nn, sigma_b, sigma_total [n, K] (float32) for raw inputs x [n, 10]."""
    x = np.asarray(x, dtype=np.float64).astype(primary.dtype)
    xs = primary.input_scaler.transform(x, primary.dtype)  # the primary's scaler serves both networks
    p = primary.network(xs).astype(np.float64)
    k = primary.outputs // 2
    snn = np.abs(p[:, k:])
    sb = np.abs(secondary.network(xs).astype(np.float64)) if secondary is not None else np.zeros_like(snn)
    f = primary.dtype
    return {"mu": p[:, :k].astype(f), "sigma_nn": snn.astype(f), "sigma_b": sb.astype(f),
            "sigma_total": np.sqrt(snn * snn + sb * sb).astype(f)}
