import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from llmiso.cli import main

TINY = ["--model", "tiny-random-llama", "--window-length", "6", "--quiet"]


@pytest.fixture
def monthly_csv(tmp_path):
    t = np.arange(48)
    frame = pd.DataFrame({
        "month": pd.date_range("2020-01-01", periods=48, freq="MS").strftime("%Y-%m-%d"),
        "sales": 100 + 2 * t + 10 * np.sin(2 * np.pi * t / 12),
        "returns": 20 + np.cos(t),
    })
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


def test_forecast_writes_quantiles_and_chart(monthly_csv, tmp_path):
    out, png = tmp_path / "f.csv", tmp_path / "f.png"
    main(["forecast", str(monthly_csv), "--horizon", "3", "--output", str(out), "--plot", str(png), *TINY])
    table = pd.read_csv(out)
    assert list(table.columns) == ["series", "time", "q0.1", "median", "q0.9"]
    assert len(table) == 6 and set(table["series"]) == {"sales", "returns"}
    assert (table["q0.1"] < table["median"]).all() and (table["median"] < table["q0.9"]).all()
    assert png.stat().st_size > 10_000


def test_forecast_series_encoding(monthly_csv, tmp_path, capsys):
    out = tmp_path / "f.csv"
    main(["forecast", str(monthly_csv), "--horizon", "2", "--encoding", "series",
          "--output", str(out), "--plot", "", "--model", "tiny-random-llama", "--window-length", "6"])
    table = pd.read_csv(out)
    assert len(table) == 4 and (table["q0.1"] < table["q0.9"]).all()
    assert "isotropy of the embeddings" in capsys.readouterr().out


def test_forecast_one_named_column(monthly_csv, tmp_path, capsys):
    out = tmp_path / "f.csv"
    main(["forecast", str(monthly_csv), "--horizon", "2", "--value-column", "sales",
          "--output", str(out), "--plot", "", "--model", "tiny-random-llama", "--window-length", "6"])
    table = pd.read_csv(out)
    assert list(table.columns) == ["time", "q0.1", "median", "q0.9"] and len(table) == 2
    assert table["time"].tolist() == ["2024-01", "2024-02"]
    printed = capsys.readouterr().out
    assert "isotropy of the embeddings" in printed


def test_isotropy_profile_command(monthly_csv, tmp_path, capsys):
    png = tmp_path / "p.png"
    main(["isotropy", str(monthly_csv), "--plot", str(png), "--model", "tiny-random-llama",
          "--window-length", "6"])
    assert "isoscore" in capsys.readouterr().out
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize(
    "content, args, message",
    [
        (None, [], "no such file"),
        ("month,sales\n2020-01-01,1\n", ["--value-column", "nope"], "no column(s) ['nope']"),
        ("month,sales\n2020-01-01,1\n", ["--time-column", "when"], "no column 'when'"),
        ("month,sales\n2020-01-01,1\n2020-01-03,2\n2020-02-11,3\n", [], "not evenly spaced"),
        ("month,sales\n2020-01-01,1\n2020-02-01,2\n2020-03-01,3\n", [], "at least 9 are needed"),
        ("month,sales\n2020-01-01,1\n2020-02-01,x\n2020-03-01,3\n", ["--value-column", "sales"], "non-numeric value 'x'"),
        ("month,sales\n2020-01-01,1\n2020-02-01,\n2020-03-01,3\n", [], "missing values"),
    ],
)
def test_clear_messages_for_bad_files(tmp_path, content, args, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    run = subprocess.run(
        [sys.executable, "-m", "llmiso.cli", "forecast", str(path), "--horizon", "3", *TINY, *args],
        capture_output=True, text=True,
    )
    assert run.returncode == 2
    assert message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_unavailable_model_is_a_clear_error(monthly_csv):
    run = subprocess.run(
        [sys.executable, "-m", "llmiso.cli", "forecast", str(monthly_csv), "--horizon", "2",
         "--model", "nobody/nothing", "--quiet"],
        capture_output=True, text=True,
    )
    assert run.returncode == 2 and "not available offline" in run.stderr


def test_demo_writes_its_tables_and_plots(tmp_path):
    from llmiso.demo import run_demo

    table, isotropy, profile = run_demo(tmp_path, quiet=True)
    assert list(table.index) == [
        "LLM, uncentered", "LLM, centered", "LLM, whitened", "seasonal naive", "Theta"
    ]
    assert table["MASE"].notna().all()
    np.testing.assert_allclose(
        table["MASE / seasonal naive"], table["MASE"] / table.loc["seasonal naive", "MASE"]
    )
    # Centering removes the common direction that dominates the raw states.
    assert isotropy.loc["LLM, uncentered", "average_cosine"] > 0.9
    assert abs(isotropy.loc["LLM, centered", "average_cosine"]) < 0.05
    assert list(profile.index) == list(range(31))
    for name in ("scores.csv", "isotropy.csv", "isotropy_profile.csv", "isotropy_profile.png", "forecast.png"):
        assert (tmp_path / name).stat().st_size > 0
