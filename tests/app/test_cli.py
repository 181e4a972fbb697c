import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from llmiso.app.cli import main

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


def _fails(argv, capsys):
    """Run the command in this process: it must exit with status 2 (any other
    exception propagates and fails the test, as a traceback would)."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    return captured.out, captured.err


def _long_csv(tmp_path, n_series=4):
    """Series at levels 100, 1000, 10000, ... of different lengths, all ending in 2020-12,
    the rows shuffled."""
    rows = []
    for k in range(n_series):
        months = pd.period_range(end="2020-12", periods=30 + 4 * k, freq="M")
        for i, month in enumerate(months):
            rows.append((f"store{k}", str(month), 10 ** (k + 2) * (1 + 0.05 * np.sin(i / 2))))
    path = tmp_path / "long.csv"
    pd.DataFrame(rows, columns=["store", "month", "sales"]).sample(frac=1, random_state=0).to_csv(
        path, index=False)
    return path


LONG = ["--id", "store", "--time-column", "month", "--value-column", "sales"]


def test_forecast_writes_quantiles_and_chart(monthly_csv, tmp_path):
    out, png = tmp_path / "f.csv", tmp_path / "f.png"
    main(
        [
            "forecast",
            str(monthly_csv),
            "--horizon",
            "3",
            "--output",
            str(out),
            "--plot",
            str(png),
            *TINY,
        ]
    )
    table = pd.read_csv(out)
    assert list(table.columns) == ["series", "time", "q0.1", "q0.25", "median", "q0.75", "q0.9"]
    assert len(table) == 6 and set(table["series"]) == {"sales", "returns"}
    assert (table["q0.1"] < table["median"]).all() and (table["median"] < table["q0.9"]).all()
    assert png.stat().st_size > 10_000


def test_forecast_series_encoding(monthly_csv, tmp_path, capsys):
    out = tmp_path / "f.csv"
    main(
        [
            "forecast",
            str(monthly_csv),
            "--horizon",
            "2",
            "--encoding",
            "series",
            "--output",
            str(out),
            "--plot",
            "",
            "--model",
            "tiny-random-llama",
            "--window-length",
            "6",
        ]
    )
    table = pd.read_csv(out)
    assert len(table) == 4 and (table["q0.1"] < table["q0.9"]).all()
    assert "isotropy of the embeddings" in capsys.readouterr().out


def test_forecast_one_named_column(monthly_csv, tmp_path, capsys):
    out = tmp_path / "f.csv"
    main(
        [
            "forecast",
            str(monthly_csv),
            "--horizon",
            "2",
            "--value-column",
            "sales",
            "--output",
            str(out),
            "--plot",
            "",
            "--model",
            "tiny-random-llama",
            "--window-length",
            "6",
        ]
    )
    table = pd.read_csv(out)
    assert list(table.columns) == ["time", "q0.1", "q0.25", "median", "q0.75", "q0.9"]
    assert len(table) == 2
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
        (
            "month,sales\n" + "".join(f"2020-{m:02d}-0{1 + m % 3},1\n" for m in range(1, 11)),
            [],
            "not evenly spaced",
        ),
        (
            "month,sales\n2020-01-01,1\n2020-02-01,2\n2020-03-01,3\n",
            [],
            "at least 9 are needed (a window of 6 plus a horizon of 3)",
        ),
        (
            "month,sales\n2020-01-01,1\n2020-02-01,x\n2020-03-01,3\n",
            ["--value-column", "sales"],
            "non-numeric value 'x'",
        ),
        ("month,sales\n2020-01-01,1\n2020-02-01,\n2020-03-01,3\n", [], "missing values"),
        ("", [], "not a readable CSV file"),
        ("month,sales\n", [], "has no rows"),
        ("month,name\n2020-01-01,a\n2020-02-01,b\n", [], "no numeric value column"),
        ("month,sales\n2020-02-01,1\n2020-01-01,2\n2020-03-01,3\n", [], "must increase strictly"),
        ("month,sales\n2020-01-01,1\n2020-01-01,2\n2020-02-01,3\n", [], "must increase strictly"),
        ("month,sales\nsoon,1\nlater,2\n", ["--time-column", "month"], "cannot read the dates"),
        ("month,sales\n2020-01-01,1\n2020-02-01,inf\n2020-03-01,3\n", [], "infinite value"),
        (
            "month,sales\n2020-01-01,1\n2020-02-01,x\n2020-03-01,3\n2020-04-01,4\n",
            [],
            "non-numeric value 'x' on data row 2",
        ),
        (None, ["--horizon", "0"], "0 is not positive"),
        (None, ["--horizon", "-2"], "-2 is not positive"),
        (None, ["--window-length", "-3"], "-3 is not positive"),
        (None, ["--horizon", "two"], "'two' is not a whole number"),
    ],
)
def test_clear_messages_for_bad_files(tmp_path, capsys, content, args, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    elif "--horizon" in args or "--window-length" in args:  # a good file, a bad option
        path.write_text("month,sales\n" + "".join(f"2020-{m:02d}-01,{m}\n" for m in range(1, 13)))
    horizon = [] if "--horizon" in args else ["--horizon", "3"]
    stdout, stderr = _fails(["forecast", str(path), *horizon, *TINY, *args], capsys)
    assert message in stderr, stderr
    assert "forecasting" not in stdout  # nothing announced before the error


@pytest.mark.parametrize(
    "content, args, message",
    [
        (None, [], "no such file"),
        ("month,sales\n2020-01-01,1\n2020-02-01,2\n", [], "(two windows of 24)"),
        ("month,sales\n2020-01-01,1\n", ["--value-column", "nope"], "no column(s) ['nope']"),
        ("month,sales\n2020-01-01,1\n2020-01-03,2\n2020-02-11,3\n", ["--window-length", "2"],
         "not evenly spaced"),
        (None, ["--window-length", "0"], "0 is not positive"),
    ],
)
def test_isotropy_command_errors(tmp_path, capsys, content, args, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    elif "--window-length" in args:
        path.write_text("month,sales\n" + "".join(f"2020-{m:02d}-01,{m}\n" for m in range(1, 13)))
    _, stderr = _fails(["isotropy", str(path), "--model", "tiny-random-llama", "--quiet", *args],
                       capsys)
    assert message in stderr and "horizon" not in stderr, stderr


def test_semicolon_file_works(tmp_path):
    path, out = tmp_path / "semi.csv", tmp_path / "f.csv"
    path.write_text("month;sales\n" + "".join(f"2020-{m:02d}-01;{100 + m}\n" for m in range(1, 13)))
    main(["forecast", str(path), "--horizon", "2", "--output", str(out), "--plot", "", *TINY])
    assert pd.read_csv(out)["median"].between(100, 120).all()


def test_constant_series_works(tmp_path, capsys):
    path, out = tmp_path / "flat.csv", tmp_path / "f.csv"
    path.write_text("month,sales\n" + "".join(f"2020-{m:02d}-01,5\n" for m in range(1, 13)))
    main(["forecast", str(path), "--horizon", "2", "--output", str(out), "--plot", "",
          "--model", "tiny-random-llama", "--window-length", "6"])
    np.testing.assert_allclose(pd.read_csv(out)["median"], 5.0, rtol=1e-3)
    assert "isotropy: undefined" in capsys.readouterr().out


def test_anisotropy_note_goes_to_stderr(monthly_csv, tmp_path, capsys):
    """SmolLM2's uncentered states share one direction: the note fires, on stderr only,
    and claims no more than the held-out evidence (docs/benchmarks.md) supports."""
    main(["forecast", str(monthly_csv), "--horizon", "2", "--centering", "none",
          "--window-length", "12", "--value-column", "sales", "--output", str(tmp_path / "f.csv"),
          "--plot", "", "--quiet"])
    out, err = capsys.readouterr()
    assert "anisotropic beyond sampling noise by uncentered_isoscore" in err
    assert "--backtest" in err and "anisotropic" not in out


def test_isotropy_of_a_constant_series_is_undefined_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "flat.csv"
    path.write_text("month,sales\n" + "".join(f"2020-{m:02d}-01,5\n" for m in range(1, 13)))
    status = main(["isotropy", str(path), "--model", "tiny-random-llama", "--window-length", "6",
                    "--plot", str(tmp_path / "p.png")])
    assert status == 0
    assert "isotropy: undefined at every layer" in capsys.readouterr().out


def test_a_bad_file_through_the_installed_command(tmp_path):
    """The real entry point: exit status 2, one line on stderr, no traceback."""
    path = tmp_path / "bad.csv"
    path.write_text("month,sales\n2020-01-01,1\n2020-02-01,inf\n2020-03-01,3\n")
    run = subprocess.run(
        [sys.executable, "-m", "llmiso.app.cli", "forecast", str(path), "--horizon", "3", *TINY],
        capture_output=True, text=True,
    )
    assert run.returncode == 2 and "infinite value" in run.stderr
    assert "Traceback" not in run.stderr


def test_unavailable_model_is_a_clear_error(monthly_csv):
    run = subprocess.run(
        [sys.executable, "-m", "llmiso.app.cli", "forecast", str(monthly_csv), "--horizon", "2",
         "--model", "nobody/nothing", "--quiet"],
        capture_output=True, text=True,
    )
    assert run.returncode == 2 and "not available offline" in run.stderr


def test_forecast_backtests_the_llm_against_the_same_head_without_it(monthly_csv, tmp_path, capsys):
    main(["forecast", str(monthly_csv), "--horizon", "3", "--backtest", "2", "--output",
          str(tmp_path / "f.csv"), "--plot", "", "--model", "tiny-random-llama",
          "--window-length", "6", "--value-column", "sales"])
    out = capsys.readouterr().out
    table = out[out.index("backtest, 2 origins"):out.index("On these folds")]
    for row in ("LLM", "same forecaster, no LLM", "seasonal naive", "AutoETS", "AutoTheta"):
        assert f"\n{row} " in table
    assert "On these folds the LLM" in out and "isotropy of the LLM head" in out
    assert len(pd.read_csv(tmp_path / "f.csv")) == 3  # and then it forecasts


def test_long_file_forecasts_each_series_at_its_own_level(tmp_path):
    path, out = _long_csv(tmp_path), tmp_path / "f.csv"
    main(["forecast", str(path), "--horizon", "2", "--output", str(out), "--plot", "",
          *LONG, *TINY])
    table = pd.read_csv(out, index_col=["series", "time"])
    assert list(table.index.get_level_values("time").unique()) == ["2021-01", "2021-02"]
    for k in range(4):
        level = table.loc[f"store{k}", "median"]
        assert (abs(level / 10 ** (k + 2) - 1) < 0.2).all(), (k, level)


@pytest.mark.parametrize("rows, message", [
    ([("a", "2020-01", 1.0), ("a", "2020-01", 2.0)], "two values at"),
    ([("a", "2020-01", 1.0), ("a", "2020-02", "x")], "finite number"),
    ([("a", "2020-01", 1.0), ("a", "2020-03", 2.0), ("b", "2020-01", 1.0),
      ("b", "2020-02", 1.0), ("b", "2020-03", 1.0)], "gaps"),
])
def test_long_file_errors(tmp_path, capsys, rows, message):
    path = tmp_path / "bad.csv"
    pd.DataFrame(rows, columns=["store", "month", "sales"]).to_csv(path, index=False)
    _, stderr = _fails(["forecast", str(path), "--horizon", "1", *LONG, *TINY,
                        "--window-length", "1"], capsys)
    assert message in stderr


def test_series_that_end_at_different_times_are_forecast_from_their_own_ends(tmp_path,
                                                                             capsys):
    """As statsforecast does: each series' forecast starts after its own last value. A
    backtest cuts every series at the same origins, so there it is a clear error."""
    rows = pd.read_csv(_long_csv(tmp_path))
    late = (rows["store"] == "store1") & (rows["month"] >= "2020-10")
    path = tmp_path / "ragged.csv"
    rows[~late].to_csv(path, index=False)  # store1 ends in 2020-09, the others in 2020-12
    out = tmp_path / "f.csv"
    main(["forecast", str(path), "--horizon", "2", "--output", str(out), "--plot",
          str(tmp_path / "f.png"), *LONG, *TINY])
    table = pd.read_csv(out, index_col=["series", "time"])
    assert list(table.loc["store1"].index) == ["2020-10", "2020-11"]
    assert list(table.loc["store0"].index) == ["2021-01", "2021-02"]
    assert (abs(table.loc["store1", "median"] / 1000 - 1) < 0.2).all()
    _, stderr = _fails(["forecast", str(path), "--horizon", "2", "--backtest", "1", *LONG,
                        *TINY], capsys)
    assert "store1" in stderr and "ends at" in stderr and "own end" in stderr


def test_long_file_needs_its_columns(tmp_path, capsys):
    _, stderr = _fails(["forecast", str(_long_csv(tmp_path)), "--horizon", "1", "--id", "store",
                        *TINY], capsys)
    assert "--time-column and one --value-column" in stderr


def test_workers_and_a_scheduler_give_the_same_forecast_as_one_process(tmp_path, dask_client,
                                                                      monkeypatch):
    """--scheduler: the session's cluster; --workers: a local cluster the command starts
    (in threads here, so the test does not start a second set of processes)."""
    import functools

    import distributed

    monkeypatch.setattr(distributed, "LocalCluster",
                        functools.partial(distributed.LocalCluster, processes=False))
    path = _long_csv(tmp_path)
    outs = []
    for extra in ([], ["--workers", "2"], ["--scheduler", dask_client.scheduler.address]):
        out = tmp_path / f"f{len(outs)}.csv"
        main(["forecast", str(path), "--horizon", "2", "--output", str(out), "--plot", "",
              *LONG, *TINY, *extra])
        outs.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(outs[0], outs[1])
    pd.testing.assert_frame_equal(outs[0], outs[2])


def test_an_unreachable_scheduler_is_a_clear_error_in_seconds(tmp_path, capsys):
    pytest.importorskip("distributed")
    import time

    start = time.perf_counter()
    _, stderr = _fails(["forecast", str(_long_csv(tmp_path)), "--horizon", "1", *LONG, *TINY,
                        "--scheduler", "tcp://127.0.0.1:9"], capsys)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in stderr
    assert time.perf_counter() - start < 30


def test_pretrain_then_forecast_zero_shot_from_the_command(monthly_csv, tmp_path):
    """`llmiso pretrain` writes a head; `llmiso forecast --head` forecasts with it, no head
    fitted; a head for another window is refused in one line."""
    head = tmp_path / "head"
    main(["pretrain", "--output", str(head), "--synthetic", "20", "--model",
          "tiny-random-llama", "--window-length", "6", "--horizon", "3", "--quiet"])
    assert head.with_suffix(".npz").is_file() and head.with_suffix(".json").is_file()
    from llmiso.forecasting import PretrainedHead

    everything = PretrainedHead.load(head.with_suffix(".npz")).config["rows"]
    few = tmp_path / "few"
    main(["pretrain", "--output", str(few), "--synthetic", "20", "--max-origins", "5",
          "--model", "tiny-random-llama", "--window-length", "6", "--horizon", "3", "--quiet"])
    assert PretrainedHead.load(few.with_suffix(".npz")).config["rows"] <= 100 < everything
    out = tmp_path / "zero.csv"
    main(["forecast", str(monthly_csv), "--horizon", "2", "--output", str(out), "--plot", "",
          "--head", str(head.with_suffix(".npz")), *TINY])
    table = pd.read_csv(out)
    assert len(table) == 4 and (table["q0.1"] < table["median"]).all()  # 2 series x 2 steps
    with pytest.raises(SystemExit):
        main(["forecast", str(monthly_csv), "--horizon", "2", "--output", str(out), "--plot", "",
              "--head", str(head.with_suffix(".npz")), "--model", "tiny-random-llama",
              "--window-length", "8", "--quiet"])
