"""The examples (short versions) and the README's code run as written, offline."""

import re
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", ["quickstart.py", "layer_study.py", "sktime_benchmark.py"])
def test_example_runs(script, tmp_path, monkeypatch, capsys):
    """Each example's --quick mode, in this process (its models are loaded already)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [script, "--quick"])
    runpy.run_path(str(ROOT / "examples" / script), run_name="__main__")
    assert capsys.readouterr().out.strip()


def test_readme_code_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["median"].shape == (12,)
    assert namespace["bands"].shape == (12, 3)
    assert namespace["intervals"].shape == (12, 2)
    assert namespace["quantiles"].shape == (12, 2)  # the shipped head, zero-shot
