"""The gallery's examples (on a tiny random model) and the README's code run as
written, offline."""

import re
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("plot_*.py"))


def test_the_gallery_has_its_examples():
    assert len(EXAMPLES) >= 6
    for name in EXAMPLES:  # narrative documents, not command-line scripts
        assert "argparse" not in (ROOT / "examples" / name).read_text(), name


@pytest.mark.parametrize("script", EXAMPLES)
def test_example_runs(script, tmp_path, monkeypatch, capsys):
    """Each gallery example, in this process, on the tiny random model (the site runs
    them on the default model): it prints its tables and leaves a figure."""
    from matplotlib.figure import Figure

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLMISO_EXAMPLE_MODEL", "tiny-random-llama")
    monkeypatch.setattr(sys, "argv", [script])
    found = runpy.run_path(str(ROOT / "examples" / script), run_name="__main__")
    assert capsys.readouterr().out.strip()
    assert any(isinstance(value, Figure) for value in found.values())


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
