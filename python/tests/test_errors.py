"""Bad input raises the exception a Python user expects, with the C++ error's message, and
writes nothing."""
import numpy as np
import pytest

import locus
from conftest import S82, S82_PRIORS, read_csv


@pytest.fixture(scope="module")
def stars():
    df = read_csv(S82).head(20)
    return {c: df[c].to_numpy() for c in df.columns if df[c].dtype.kind == "f"}


def test_missing_column(stars):
    d = dict(stars)
    del d["gr"]
    with pytest.raises(ValueError, match=r"missing column 'gr' \(the data has: "):
        locus.posterior(d, priors="flat")


def test_wrong_dtype_and_type(stars):
    with pytest.raises(TypeError, match="column 'ug' has dtype <U3"):
        locus.posterior(dict(stars, ug=np.array(["abc"] * 20)), priors="flat")
    with pytest.raises(TypeError, match="column 'ug' has dtype complex128"):
        locus.posterior(dict(stars, ug=stars["ug"].astype(complex)), priors="flat")
    with pytest.raises(TypeError, match="DataFrame or a dict of arrays, not list"):
        locus.posterior([1, 2, 3], priors="flat")
    with pytest.raises(TypeError, match="option 'walkers' has type str"):
        locus.posterior(stars, priors="flat", engine="mcmc", walkers="many")
    with pytest.raises(TypeError, match="columns must be a dict"):
        locus.posterior(stars, priors="flat", columns=["r"])


def test_wrong_shape(stars):
    with pytest.raises(ValueError, match="column 'rmag' has 2 dimensions"):
        locus.posterior(dict(stars, rmag=np.zeros((20, 2))), priors="flat")
    with pytest.raises(ValueError, match="column 'ug' has 19 rows but column 'rmag' has 20"):
        locus.posterior(dict(stars, ug=stars["ug"][:19]), priors="flat")


def test_bad_options(stars):
    with pytest.raises(ValueError, match="unknown option 'engin'"):
        locus.posterior(stars, priors="flat", engin="mcmc")
    with pytest.raises(ValueError, match="'engine' = 'hmc' is not one of 'grid', 'mcmc'"):
        locus.posterior(stars, priors="flat", engine="hmc")
    with pytest.raises(ValueError, match="burn_in must be smaller than steps"):
        locus.posterior(stars, priors="flat", engine="mcmc", steps=10, burn_in=10)
    with pytest.raises(ValueError, match="'jump' = 2.0+ is outside"):
        locus.posterior(stars, priors="flat", engine="mcmc", jump=2.0)
    with pytest.raises(ValueError, match="refine needs engine='grid'"):
        locus.posterior(stars, priors="flat", engine="mcmc", refine=True)
    with pytest.raises(ValueError, match="unknown column key 'rr'"):
        locus.posterior(stars, priors="flat", columns={"rr": "rmag"})
    with pytest.raises(TypeError):
        locus.posterior(stars)  # priors is required
    with pytest.raises(ValueError, match="area"):
        locus.simulate_patch(area=1000)
    with pytest.raises(ValueError, match="prior must be 'uniform' or 'binormal'"):
        locus.toy_ug(10, prior="gauss")


def test_nan_where_not_allowed(stars):
    d = dict(stars, ug=stars["ug"].copy())
    d["ug"][4] = np.nan
    with pytest.raises(ValueError, match="column 'ug', row 4: missing value"):
        locus.posterior(d, priors="flat", on_missing="error")


def test_files(stars, tmp_path):
    with pytest.raises(FileNotFoundError, match="prior file '.*nope.csv' does not exist"):
        locus.posterior(stars, priors=str(tmp_path / "nope.csv"))
    bad = tmp_path / "bad_priors.csv"
    bad.write_text("rmag,FeH,Mr,density\n14,abc,3,1\n")
    with pytest.raises(OSError) as e:
        locus.posterior(stars, priors=str(bad))
    assert "bad_priors.csv" in str(e.value)
    with pytest.raises(ValueError, match="KDE priors need the true Mr and \\[Fe/H\\]"):
        locus.posterior(stars, priors="kde")
    with pytest.raises(FileNotFoundError):
        locus.posterior(stars, priors="flat", locus=str(tmp_path / "no_locus.txt"))
    # a KDE prior file into a directory that does not exist: an error, and no file appears
    with pytest.raises(OSError):
        locus.write_kde_priors(locus.simulate_patch(area=0.05), tmp_path / "no" / "p.csv")
    assert not (tmp_path / "no").exists()
