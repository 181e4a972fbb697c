"""Smoke test: every benchmark script runs in its --quick mode and prints its numbers."""

import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Measured in a process of their own (peak memory), or changing module settings for
# the run (the series per task).
FRESH_PROCESS = {"bench_memory.py", "bench_scale_out.py", "bench_many_series.py"}


@pytest.mark.parametrize(
    "script, expect",
    [
        ("bench_embedder.py", "speed-up"),
        ("bench_metrics.py", "isoscore"),
        ("bench_softmax_head.py", "same coefficients as n_jobs=1: True"),
        ("bench_gridsearch.py", "same scores with and without the cache: True"),
        ("bench_accuracy.py", "MASE fold by fold"),
        ("bench_memory.py", "peak RSS"),
        ("bench_series.py", "one pass, stride 24"),
        ("bench_recipe.py", "same head, no LLM"),
        ("bench_isotropy_null.py", "20x16"),
        ("bench_isotropy_error.py", "leave-one-dataset-out"),
        ("bench_competitions.py", "protocol check"),
        ("bench_scale_out.py", "identical embeddings: True"),
        ("bench_many_series.py", "pass / floor"),
        ("bench_levers.py", "Paired MASE ratios"),
        ("bench_per_series.py", "One forecaster per series"),
    ],
)
def test_benchmark_quick_mode(script, expect, tmp_path, monkeypatch, capsys):
    args = {"bench_accuracy.py": ["--output", str(tmp_path)],
            "bench_isotropy_error.py": ["--out", str(tmp_path)],
            "bench_competitions.py": ["--output", str(tmp_path)],
            "bench_levers.py": ["--output", str(tmp_path), "--cache-dir", str(tmp_path / "c")],
            "bench_many_series.py": ["--skip-command"],
            "bench_per_series.py": ["--output", str(tmp_path)]}.get(script, [])
    monkeypatch.chdir(tmp_path)
    if script in FRESH_PROCESS:
        run = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / script), "--quick", *args],
            capture_output=True, text=True, timeout=900,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        out = run.stdout
    else:  # in this process: its models are loaded already
        monkeypatch.setattr(sys, "argv", [script, "--quick", *args])
        monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
        runpy.run_path(str(ROOT / "benchmarks" / script), run_name="__main__")
        out = capsys.readouterr().out
    assert expect in out


def _bench_accuracy():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import bench_accuracy
    finally:
        sys.path.pop(0)
    return bench_accuracy


@pytest.mark.parametrize("n_values, horizon, window, most", [
    (144, 12, 24, 6),  # airline
    (114, 8, 24, 6),  # lynx
    (36, 6, 9, 2),  # shampoo: two origins whatever is asked
])
def test_more_origins_add_earlier_folds_to_the_same_windows(n_values, horizon, window, most):
    rolling_origins = _bench_accuracy().rolling_origins
    two = rolling_origins(n_values, horizon, 2)
    many = rolling_origins(n_values, horizon, 6)
    assert two[0] == many[0] == window
    assert many[1][-2:] == two[1] == [n_values - 2 * horizon, n_values - horizon]
    assert len(many[1]) == most
    assert np.all(np.diff(many[1]) == horizon)
    assert many[1][0] >= 2 * (window + horizon) or len(many[1]) == 2


def test_paired_ratio_weighs_each_series_the_same():
    import pandas as pd

    rows = []
    # Series a: the model halves the error on 2 folds; series b: doubles it on 6.
    for series, factor, n in (("a", 0.5, 2), ("b", 2.0, 6)):
        for fold in range(n):
            other = 1.0 + fold
            rows += [{"series": series, "fold": fold, "model": "m", "MASE": factor * other},
                     {"series": series, "fold": fold, "model": "o", "MASE": other}]
    ratio, low, high, wins, n = _bench_accuracy().paired_ratio(pd.DataFrame(rows), "m", "o")
    assert ratio == pytest.approx(1.0)  # pooled over folds it would be 2 ** (4 / 8)
    assert low == pytest.approx(1.0) and high == pytest.approx(1.0)  # no spread within series
    assert (wins, n) == (2, 8)


def test_the_combination_benchmark_recomputes_what_combination_does():
    """bench_combination scores any pool and weighting from stored member forecasts:
    equal weights are the plain average, evidence weights match Combination's
    (evidence_weights on each member's validation MAE), the panel rule gives every
    series the same weights, and calibration keeps the median."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_combination import combine
    finally:
        sys.path.pop(0)
    from llmiso.forecasting import evidence_weights

    rng = np.random.default_rng(0)
    M, S, V, H, L = 3, 4, 2, 5, 9
    paths = np.sort(rng.normal(size=(M, S, H, L)), axis=-1)
    evidence = [np.sort(rng.normal(size=(M, V, H, L)), axis=-1) for _ in range(S - 1)] + [None]
    truth = [rng.normal(size=(V, H)) for _ in range(S - 1)] + [None]
    equal, w = combine(paths, evidence, truth, [0, 1, 2], 1.0, calibrate=False)
    np.testing.assert_allclose(equal, paths.mean(axis=0))
    _, w = combine(paths, evidence, truth, [0, 2], 0.25, calibrate=False)
    errors = np.abs(evidence[0][[0, 2]][..., 4] - truth[0]).mean(axis=(1, 2))
    np.testing.assert_allclose(w[0], evidence_weights(errors, 0.25))
    np.testing.assert_allclose(w[-1], 0.5)  # no evidence: equal
    _, w = combine(paths, evidence, truth, [0, 1, 2], 0.0, calibrate=False, rule="panel")
    np.testing.assert_allclose(w, np.broadcast_to(w[0], w.shape))
    calibrated, _ = combine(paths, evidence, truth, [0, 1, 2], 1.0, calibrate=True)
    np.testing.assert_allclose(calibrated[..., 4], equal[..., 4])
    assert (np.diff(calibrated, axis=-1) >= 0).all()
