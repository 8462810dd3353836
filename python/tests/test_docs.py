"""docs/python.md's worked session runs as written: its ```python snippets, in order, as one
program (in a scratch directory, with DATA the repository's data folder)."""
import os
import re
from pathlib import Path

import pytest

from conftest import DATA, ROOT

pytest.importorskip("matplotlib")
pytest.importorskip("dask.distributed")


def test_worked_session(tmp_path, monkeypatch):
    text = (ROOT / "docs" / "python.md").read_text()
    snippets = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(snippets) >= 6
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOCUS_DATA", str(DATA))
    scope = {"__name__": "__docs__"}
    for k, code in enumerate(snippets):
        try:
            exec(compile(code, f"docs/python.md snippet {k + 1}", "exec"), scope)
        except Exception as e:  # say which snippet failed
            raise AssertionError(f"docs/python.md snippet {k + 1} failed: {e!r}\n{code}") from e
    assert (tmp_path / "s82_mr_feh.png").stat().st_size > 10000
    assert (tmp_path / "s82.moments.model").exists() and (tmp_path / "search.jsonl").exists()
    assert len(scope["nn"]) == 3981 and scope["result"]["best_loss"] > 0
    if os.environ.get("LOCUS_DOCS_FIGURES"):  # refresh the committed figure
        Path(os.environ["LOCUS_DOCS_FIGURES"]).write_bytes((tmp_path / "s82_mr_feh.png").read_bytes())
