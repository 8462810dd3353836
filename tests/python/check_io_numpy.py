#!/usr/bin/python3
"""Cross-check of locus's CSV and FITS files against independent readers and writers
(ctest python/io_numpy).

1. The helper io_peer writes a catalogue with awkward values (quoted ids, NaN, -0,
   subnormals, 1.8e308, -inf, status bit 31) as CSV and FITS, plus the exact values as hex
   floats. Python's csv module + float() must read the CSV back bit-exactly, and a small
   FITS reader written here with numpy (header cards, big-endian records, TZERO) must read
   the FITS table bit-exactly.
2. Python writes a CSV (csv.writer, repr floats, quoted ids, empty/NaN fields) and a FITS
   binary table by hand (D, E, J with TNULL, a 3E vector, I with TSCAL/TZERO, L, J with
   TZERO = 2^31 as status); io_peer reads them with locus and must return the same values.
Exits 77 (skipped) when numpy is missing.
"""
import csv
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIPPED: numpy is not installed for /usr/bin/python3")
    sys.exit(77)

tools = os.environ.get("LOCUS_TOOLS", ".")
helper = os.path.join(tools, "io_peer")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def bits(x):
    return struct.pack("<d", x)


def same(a, b):
    """Bit-identical doubles, any NaN equal to any NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return bits(a) == bits(b)


# ---------------------------------------------------------------- minimal FITS reader
def parse_header(data, pos):
    cards = {}
    while True:
        block = data[pos:pos + 2880]
        if len(block) != 2880:
            raise ValueError("truncated header")
        pos += 2880
        for k in range(36):
            card = block[80 * k:80 * k + 80].decode("ascii")
            key = card[:8].strip()
            if key == "END":
                return cards, pos
            if card[8:10] != "= ":
                continue
            val = card[10:].strip()
            if val.startswith("'"):
                out, i = "", 1
                while True:
                    j = val.index("'", i)
                    if j + 1 < len(val) and val[j + 1] == "'":
                        out += val[i:j] + "'"
                        i = j + 2
                        continue
                    out += val[i:j]
                    break
                cards[key] = out.rstrip()
            else:
                cards[key] = val.split("/")[0].strip()


def read_bintable(path):
    data = open(path, "rb").read()
    assert len(data) % 2880 == 0, "FITS size not a multiple of 2880"
    pos = 0
    while pos < len(data):
        cards, pos = parse_header(data, pos)
        naxis = int(cards["NAXIS"])
        dims = [int(cards[f"NAXIS{i}"]) for i in range(1, naxis + 1)]
        nbytes = abs(int(cards["BITPIX"])) // 8 * int(cards.get("GCOUNT", 1)) * (
            int(cards.get("PCOUNT", 0)) + (math.prod(dims) if dims else 0))
        if cards.get("XTENSION") == "BINTABLE":
            break
        pos += -(-nbytes // 2880) * 2880
    else:
        raise ValueError("no BINTABLE")
    width, nrows = dims
    codes = {"D": ">f8", "E": ">f4", "J": ">i4", "K": ">i8", "I": ">i2", "B": "u1", "L": "S1"}
    fields = []
    for k in range(1, int(cards["TFIELDS"]) + 1):
        form = cards[f"TFORM{k}"]
        rep = int(form[:-1] or 1)
        code = form[-1]
        dt = f"S{rep}" if code == "A" else (codes[code] if rep == 1 else (codes[code], (rep,)))
        fields.append((cards[f"TTYPE{k}"], dt))
    table = np.frombuffer(data[pos:pos + width * nrows], dtype=np.dtype(fields))
    assert table.dtype.itemsize == width
    out = {}
    for k, (name, _) in enumerate(fields, start=1):
        col = table[name]
        zero, scale = cards.get(f"TZERO{k}"), cards.get(f"TSCAL{k}")
        if zero is not None or scale is not None:
            col = col.astype(np.int64) if col.dtype.kind == "i" else col
            col = col * (float(scale) if scale else 1) + (int(float(zero)) if zero else 0)
        out[name] = col
    return out, cards


# ---------------------------------------------------------------- 1. locus writes
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([helper, "write", tmp], check=True)
    exp = json.load(open(os.path.join(tmp, "expected.json")))
    names, n = exp["names"], exp["rows"]
    values = {k: [float.fromhex(h) for h in v] for k, v in exp["columns"].items()}

    with open(os.path.join(tmp, "locus.csv"), newline="") as f:
        rows = [r for r in csv.reader(f)]
    check(rows[0] == ["name"] + names + ["status"], f"CSV header {rows[0]}")
    check(len(rows) == n + 1, f"CSV rows {len(rows)}")
    bad = 0
    for i, r in enumerate(rows[1:]):
        if r[0] != exp["ids"][i] or int(r[-1]) != exp["status"][i]:
            bad += 1
        for j, name in enumerate(names):
            # float columns are written as the shortest text of the float: read it as float32
            text = r[j + 1]
            v = float(np.float32(text)) if exp["types"][name] == "float" else float(text)
            if not same(v, values[name][i]):
                bad += 1
    check(bad == 0, f"CSV read by Python's csv module: {bad} mismatches")

    if exp["fits"]:
        cols, cards = read_bintable(os.path.join(tmp, "locus.fits"))
        check(cards.get("EXTNAME") == "CATALOG", "EXTNAME")
        ids = [s.decode().rstrip(" ") for s in cols["name"]]
        # trailing blanks are padding in FITS strings, so " padded " comes back as " padded"
        check(ids == [s.rstrip(" ") for s in exp["ids"]], "FITS ids")
        check([int(s) for s in cols["status"]] == exp["status"], "FITS status (J + TZERO 2^31)")
        for name in names:
            got = [float(x) for x in cols[name]]
            mism = sum(not same(a, b) for a, b in zip(got, values[name]))
            check(mism == 0, f"FITS column {name}: {mism} mismatches")
        check(cols["ug"].dtype == np.dtype(">f4") and cols["rmag"].dtype == np.dtype(">f8"), "FITS column types")
    else:
        print("note: locus built without cfitsio; FITS part skipped")

    # ------------------------------------------------------------ 2. Python writes
    rng = np.random.default_rng(7)
    m = 200
    ids = [f"obj{i}" for i in range(m)]
    ids[0], ids[1], ids[2] = "a,b", 'say "hi"', "two\nlines"
    rmag = list(14 + 13 * rng.random(m))
    ug = [float(np.float32(x)) for x in rng.normal(size=m)]
    fields_text = [[repr(x) for x in rmag], [repr(x) for x in ug]]
    fields_text[0][5] = ""
    fields_text[1][6] = "nan"
    p = os.path.join(tmp, "peer.csv")
    with open(p, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        f.write("# written by Python's csv module\r\n")
        w.writerow(["id", "rmag", "ug"])
        for i in range(m):
            w.writerow([ids[i], fields_text[0][i], fields_text[1][i]])
    got = json.loads(subprocess.run([helper, "read", p], check=True, capture_output=True, text=True).stdout)
    check(got["ids"] == ids, "locus reading Python CSV: ids")
    check(got["names"] == ["rmag", "ug"], f"locus reading Python CSV: names {got['names']}")
    er = [float(t) if t else math.nan for t in fields_text[0]]
    eu = [float(t) for t in fields_text[1]]
    mism = sum(not same(float.fromhex(h), v) for h, v in zip(got["columns"]["rmag"], er))
    mism += sum(not same(float.fromhex(h), v) for h, v in zip(got["columns"]["ug"], eu))
    check(mism == 0, f"locus reading Python CSV: {mism} value mismatches")

    # A FITS binary table written byte by byte.
    def card(key, value=None, comment=""):
        if value is None:
            return f"{key:<80}"
        if isinstance(value, bool):
            v = f"{'T' if value else 'F':>20}"
        elif isinstance(value, str):
            v = f"'{value.replace(chr(39), chr(39) * 2):<8}'"
            v = f"{v:<20}"
        else:
            v = f"{value:>20}"
        s = f"{key:<8}= {v}"
        return f"{s + (' / ' + comment if comment else ''):<80}"

    def header(cards):
        text = "".join(cards) + f"{'END':<80}"
        text += " " * (-len(text) % 2880)
        return text.encode("ascii")

    k = 50
    rec = np.dtype([("ID", "S10"), ("RMAG", ">f8"), ("UG", ">f4"), ("NOBS", ">i4"), ("PSF", ">f4", (3,)),
                    ("SCALED", ">i2"), ("FLAG", "S1"), ("status", ">i4")])
    t = np.zeros(k, dtype=rec)
    fid = [f"P{i:04d}" for i in range(k)]
    t["ID"] = [s.encode() for s in fid]
    t["RMAG"] = 15 + 10 * rng.random(k)
    t["RMAG"][3] = np.nan
    t["UG"] = rng.normal(size=k).astype(np.float32)
    t["NOBS"] = rng.integers(1, 50, size=k)
    t["NOBS"][4] = -999
    t["PSF"] = (20 + rng.random((k, 3))).astype(np.float32)
    t["SCALED"] = rng.integers(-3000, 3000, size=k)
    t["FLAG"] = [b"T" if i % 2 else b"F" for i in range(k)]
    status = rng.integers(0, 2**32, size=k, dtype=np.uint64)
    t["status"] = (status.astype(np.int64) - 2**31).astype(np.int32)
    forms = {"ID": "10A", "RMAG": "1D", "UG": "1E", "NOBS": "1J", "PSF": "3E", "SCALED": "1I", "FLAG": "1L",
             "status": "1J"}
    cards = [card("XTENSION", "BINTABLE"), card("BITPIX", 8), card("NAXIS", 2), card("NAXIS1", rec.itemsize),
             card("NAXIS2", k), card("PCOUNT", 0), card("GCOUNT", 1), card("TFIELDS", len(forms))]
    for i, name in enumerate(rec.names, start=1):
        cards += [card(f"TTYPE{i}", name), card(f"TFORM{i}", forms[name])]
    cards += [card("TNULL4", -999), card("TSCAL6", 0.01), card("TZERO6", 20.0), card("TZERO8", 2147483648),
              card("EXTNAME", "PEER")]
    primary = header([card("SIMPLE", True), card("BITPIX", 8), card("NAXIS", 0), card("EXTEND", True)])
    body = t.tobytes()
    body += b"\0" * (-len(body) % 2880)
    pf = os.path.join(tmp, "peer.fits")
    with open(pf, "wb") as f:
        f.write(primary + header(cards) + body)
    if exp["fits"]:
        got = json.loads(subprocess.run([helper, "read", pf, "ID"], check=True, capture_output=True,
                                        text=True).stdout)
        check(got["ids"] == fid, "locus reading numpy FITS: ids")
        check(got["names"] == ["RMAG", "UG", "NOBS", "PSF_0", "PSF_1", "PSF_2", "SCALED"],
              f"locus reading numpy FITS: names {got['names']}")
        check(got["types"]["UG"] == "float" and got["types"]["PSF_1"] == "float" and got["types"]["RMAG"] == "double",
              "locus reading numpy FITS: types")
        check(got["status"] == [int(s) for s in status], "locus reading numpy FITS: status (TZERO 2^31)")
        expect = {"RMAG": [float(x) for x in t["RMAG"]], "UG": [float(x) for x in t["UG"]],
                  "NOBS": [float(x) if x != -999 else math.nan for x in t["NOBS"]]}
        for e in range(3):
            expect[f"PSF_{e}"] = [float(x) for x in t["PSF"][:, e]]
        for name, vals in expect.items():
            mism = sum(not same(float.fromhex(h), v) for h, v in zip(got["columns"][name], vals))
            check(mism == 0, f"locus reading numpy FITS: {name} {mism} mismatches")
        scaled = [float.fromhex(h) for h in got["columns"]["SCALED"]]
        want = [float(s) * 0.01 + 20.0 for s in t["SCALED"]]
        check(all(abs(a - b) <= 1e-13 * abs(b) for a, b in zip(scaled, want)), "locus reading numpy FITS: TSCAL/TZERO")

if failures:
    print("FAILED:")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print("locus CSV/FITS agree with Python's csv module and a numpy FITS reader/writer")
