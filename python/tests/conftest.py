"""Shared fixtures: the locus tool (LOCUS_TOOL), the data directory and small catalogues made by
the tool itself, so the Python results can be compared with the C++ ones on the same stars."""
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("LOCUS_DATA", ROOT / "data"))
S82 = DATA / "photod" / "s82" / "s82_calibstars.csv"
S82_PRIORS = DATA / "photod" / "s82" / "priors_s82_pix0.csv"


def read_csv(path):
    # round_trip: the exact doubles the C++ writer printed (its shortest exact text)
    return pd.read_csv(path, comment="#", float_precision="round_trip")


@pytest.fixture(scope="session")
def tool():
    path = os.environ.get("LOCUS_TOOL")
    if not path or not os.path.exists(path):
        pytest.skip("LOCUS_TOOL (the locus executable) is not set")

    def run(*args):
        r = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        assert r.returncode == 0, f"locus {' '.join(map(str, args))}: {r.stderr}"
        return r
    return run


@pytest.fixture(scope="session")
def mock_csv(tool, tmp_path_factory):
    """A 0.3 deg² mock patch written by `locus simulate` (about 13k stars)."""
    path = tmp_path_factory.mktemp("mock") / "mock.csv"
    tool("simulate", "--area", "0.3", "--seed", "7", "-o", path)
    return path
