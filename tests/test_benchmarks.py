"""Smoke test: every benchmark script runs in its --quick mode and prints its numbers."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "script, expect",
    [
        ("bench_embedder.py", "speed-up"),
        ("bench_metrics.py", "isoscore"),
        ("bench_softmax_head.py", "same coefficients as n_jobs=1: True"),
        ("bench_gridsearch.py", "same scores with and without the cache: True"),
        ("bench_accuracy.py", "geomean_rel_MASE"),
        ("bench_memory.py", "peak RSS"),
        ("bench_series.py", "one pass, stride 24"),
        ("bench_recipe.py", "same head, no LLM"),
        ("bench_isotropy_null.py", "20x16"),
        ("bench_isotropy_error.py", "leave-one-dataset-out"),
        ("bench_competitions.py", "protocol check"),
        ("bench_scale_out.py", "identical embeddings: True"),
    ],
)
def test_benchmark_quick_mode(script, expect, tmp_path):
    args = {"bench_accuracy.py": ["--output", str(tmp_path)],
            "bench_isotropy_error.py": ["--out", str(tmp_path)],
            "bench_competitions.py": ["--output", str(tmp_path)]}.get(script, [])
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick", *args],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert expect in run.stdout
