"""The package as a user installs it: an sdist, a wheel built from that sdist, installed
where no source tree is on the path, run from another folder.

A file missing from the sdist or the wheel (a module, a shipped pretrained head, the
command's entry point) fails here, where the editable install of the suite would
still find it in the repository.
"""

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _build(hook, source, out):
    """Run a PEP 517 hook of setuptools (what pip and `python -m build` call) in ``source``."""
    code = (f"import sys; from setuptools import build_meta; "
            f"print(build_meta.{hook}(sys.argv[1]))")
    found = subprocess.run([sys.executable, "-c", code, str(out)], cwd=source,
                           capture_output=True, text=True)
    assert found.returncode == 0, found.stderr[-3000:]
    return out / found.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(site folder with the wheel installed, a folder outside the repository, the wheel)."""
    tmp = tmp_path_factory.mktemp("wheel")
    # The files a clean clone has: a build in the working tree would reuse the
    # egg-info that the editable install left there, whatever the configuration says.
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if tracked.returncode:
        pytest.skip("not a git checkout: the files of a clean clone are unknown")
    clone = tmp / "clone"
    for name in tracked.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    sdist = _build("build_sdist", clone, tmp)
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp / "unpacked", filter="data")
    (source,) = (tmp / "unpacked").iterdir()
    wheel = _build("build_wheel", source, tmp)  # from the sdist, as pip builds one
    site = tmp / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--no-compile", "--target", str(site), str(wheel)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return site, elsewhere, wheel


def _run(installed, *command):
    site, elsewhere, _ = installed
    env = {**os.environ, "PYTHONPATH": str(site)}
    found = subprocess.run(command, cwd=elsewhere, env=env, capture_output=True, text=True)
    assert found.returncode == 0, found.stderr[-3000:]
    return found.stdout


def test_the_wheel_ships_the_pretrained_heads_and_the_command(installed):
    _, _, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    for head in ("smollm2-135m", "no-llm"):
        for suffix in (".npz", ".json"):
            assert f"llmiso/forecasting/pretrained/{head}{suffix}" in names
    assert any(name.endswith("entry_points.txt") for name in names)
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)


def test_the_installed_package_forecasts_zero_shot_with_its_shipped_head(installed):
    site, _, _ = installed
    code = (
        "import llmiso, sys; from pathlib import Path; "
        "assert Path(llmiso.__file__).is_relative_to(sys.argv[1]), llmiso.__file__; "
        "from sktime.datasets import load_airline; "
        "from llmiso.forecasting import LLMForecaster; "
        "f = LLMForecaster(head='pretrained', combine=None).fit(load_airline(), fh=[1, 2, 3]); "
        "assert f.pretrained_head_ is not None; print(f.predict().round().tolist())"
    )
    forecast = eval(_run(installed, sys.executable, "-c", code, str(site)))
    assert len(forecast) == 3 and all(350 < v < 550 for v in forecast)  # 1960 ended at 432


def test_the_installed_command_forecasts_and_scores_isotropy_on_a_csv(installed):
    site, elsewhere, _ = installed
    t = np.arange(48)
    pd.DataFrame({
        "month": pd.date_range("2020-01-01", periods=48, freq="MS").strftime("%Y-%m-%d"),
        "sales": 100 + 2 * t + 10 * np.sin(2 * np.pi * t / 12),
    }).to_csv(elsewhere / "data.csv", index=False)
    command = str(site / "bin" / "llmiso")  # the wheel's own entry point
    tiny = ["--model", "tiny-random-llama", "--window-length", "6", "--quiet"]
    _run(installed, command, "forecast", "data.csv", "--horizon", "3", "--output", "f.csv",
         "--plot", "f.png", *tiny)
    assert len(pd.read_csv(elsewhere / "f.csv")) == 3
    assert (elsewhere / "f.png").stat().st_size > 0
    _run(installed, command, "isotropy", "data.csv", "--plot", "iso.png", *tiny)
    assert (elsewhere / "iso.png").stat().st_size > 0
