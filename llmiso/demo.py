"""``llmiso demo``: the whole story on sktime's airline series, in a few minutes on a CPU.

A rolling-origin backtest (12 months ahead, two origins) of LLMForecaster (its
defaults, uncentered, whitened) against the same head without the LLM, seasonal
naive, Theta and AutoETS; MASE, 80% interval coverage and one sentence on whether
the LLM helped; the isotropy of each variant's embeddings; the per-layer
isotropy profile; PNG plots in the output folder.
"""

import time
import warnings
from pathlib import Path

HORIZON, SEASON, WINDOW, ORIGINS = 12, 12, 24, 2


def _models(cache_dir, verbose):
    from sktime.forecasting.ets import AutoETS
    from sktime.forecasting.naive import NaiveForecaster
    from sktime.forecasting.theta import ThetaForecaster

    from .forecasting import LLMForecaster

    def llm(**changes):
        return LLMForecaster(window_length=WINDOW, cache_dir=cache_dir, verbose=verbose,
                             **changes)

    return {
        "LLM (defaults)": llm(),
        "LLM, uncentered": llm(centering="none"),
        "LLM, whitened": llm(centering="whiten"),
        "same head, no LLM": llm(model=None),
        "seasonal naive": NaiveForecaster(strategy="last", sp=SEASON),
        "Theta": ThetaForecaster(sp=SEASON),
        "AutoETS": AutoETS(auto=True, sp=SEASON, n_jobs=1, random_state=0),
    }


def _verdict(table):
    """One plain sentence: does the LLM add anything here, and who wins."""
    llm = table.loc["LLM (defaults)", "MASE"]
    plain = table.loc["same head, no LLM", "MASE"]
    best = table["MASE"].idxmin()
    added = (f"the LLM helps: {llm:.3f} against {plain:.3f} for the same head without it"
             if llm < plain else
             f"the LLM does not help: {llm:.3f} against {plain:.3f} for the same head "
             "without it")
    return f"On this split {added}; the most accurate model is {best} ({table['MASE'].min():.3f})."


def run_demo(output_dir="llmiso-output", quiet=False):
    """Run the backtest, print the tables, save CSVs and PNGs in ``output_dir``."""
    with warnings.catch_warnings():
        # Hide sktime's notices about future defaults and statsmodels' optimiser
        # chatter, which would bury the tables; llmiso's own warnings still show.
        # Some still get through: sktime's _SuppressWarningPattern re-inserts a
        # "default" FutureWarning filter ahead of ours when it exits (sktime 1.2.0).
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", module="statsmodels")
        return _run(output_dir, quiet)


def _run(output_dir, quiet):
    import pandas as pd
    from sktime.datasets import load_airline
    from sktime.forecasting.model_evaluation import evaluate
    from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError
    from sktime.performance_metrics.forecasting.probabilistic import EmpiricalCoverage
    from sktime.split import ExpandingWindowSplitter
    from tqdm.auto import tqdm

    from ._windows import sliding_windows
    from .embedder import LLMEmbedder
    from .plotting import plot_backtest, plot_isotropy_profile
    from .profile import isotropy_profile

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    y = load_airline()
    cv = ExpandingWindowSplitter(
        fh=list(range(1, HORIZON + 1)), initial_window=len(y) - ORIGINS * HORIZON,
        step_length=HORIZON,
    )
    say(f"airline: {len(y)} months; backtest of {HORIZON} months ahead from {ORIGINS} "
        f"origins; LLM: SmolLM2-135M, last layer, windows of {WINDOW}")
    start = time.perf_counter()
    scores, isotropy, last_fold = {}, {}, {}
    models = _models(out / "embedding-cache", verbose=not quiet)
    last_train = y.iloc[: len(y) - HORIZON]
    for name, model in tqdm(models.items(), desc="Backtest", disable=quiet):
        result = evaluate(
            model, cv, y, return_data=True, return_model=True, error_score="raise",
            scoring=[MeanAbsoluteScaledError(sp=SEASON), EmpiricalCoverage(coverage=0.8)],
        )
        scores[name] = {
            "MASE": result.filter(like="MeanAbsoluteScaledError").iloc[:, 0].mean(),
            "80% coverage": result.filter(like="EmpiricalCoverage").iloc[:, 0].mean(),
        }
        if name.startswith("LLM"):
            fitted = result["fitted_forecaster"].iloc[-1]  # trained up to the last origin
            isotropy[name] = fitted.head_isotropy(last_train.to_frame())
            last_fold[name] = fitted.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    table = pd.DataFrame(scores).T
    naive = table.loc["seasonal naive", "MASE"]
    table["MASE / seasonal naive"] = table["MASE"] / naive
    iso_table = pd.DataFrame(isotropy).T
    say("\nForecast accuracy (mean over origins):\n" + table.round(3).to_string())
    say("\n" + _verdict(table))
    say("\nIsotropy of the training embeddings each LLM head used:\n"
        + iso_table.round(3).to_string())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fewer windows than dimensions
        profile = isotropy_profile(
            LLMEmbedder(cache_dir=out / "embedding-cache", verbose=not quiet),
            sliding_windows(y, WINDOW), verbose=not quiet,
        )
    plot_isotropy_profile(profile, out / "isotropy_profile.png",
                          title="SmolLM2-135M, airline windows: isotropy per layer")
    plot_backtest(y, last_fold, out / "forecast.png")
    table.to_csv(out / "scores.csv")
    iso_table.to_csv(out / "isotropy.csv")
    profile.to_csv(out / "isotropy_profile.csv")
    say(f"\nSaved scores.csv, isotropy.csv, isotropy_profile.csv/.png and forecast.png "
        f"in {out}/ ({time.perf_counter() - start:.0f} s)")
    return table, iso_table, profile
