"""``llmiso demo``: the whole story on sktime's airline series, in a few minutes on a CPU.

A rolling-origin backtest (12 months ahead, two origins) of LLMForecaster (its
defaults, whose head on one series is the shipped pretrained one; that head alone,
not averaged with the statistical models; a head fitted on airline, and fitted on
the embedding alone, uncentered, whitened) beside the same forecaster without the
LLM, seasonal naive, AutoETS and AutoTheta; MASE, 80% interval coverage
and one sentence on whether the LLM helped; the isotropy of each variant's
embeddings against isotropic data of the same size; the per-layer isotropy
profile; PNG plots in the output folder. Everything printed is measured in the run.
"""

import time
import warnings
from pathlib import Path

import numpy as np

from ..embedding import DEFAULT_MODEL

HORIZON, SEASON, WINDOW, ORIGINS = 12, 12, 24, 2
DEFAULTS = "LLM (defaults)"


def _models(model, cache_dir, verbose):
    from ..forecasting import LLMForecaster, forecasting_embedder
    from ..isotropy import IsotropyCenterer
    from ._backtest import comparison_models

    embedder = forecasting_embedder(model, cache_dir=cache_dir, verbose=verbose)

    def llm(**changes):
        return LLMForecaster(embedder, **changes)

    models = comparison_models(llm(), SEASON, name=DEFAULTS)
    # The defaults' head on one series is the shipped pretrained one (head="auto"); the
    # variants below fit one on airline, where the isotropy step matters.
    variants = {
        "LLM, the head alone (combine=None)": llm(combine=None),
        "LLM, a head fitted on airline (head=None)": llm(head=None),
        "LLM, fitted, the embedding alone": llm(head=None, include_values=False),
        "LLM, fitted, uncentered": llm(centerer=IsotropyCenterer("none", normalize=True)),
        "LLM, fitted, whitened": llm(centerer=IsotropyCenterer("whiten", normalize=True)),
    }
    return {DEFAULTS: models.pop(DEFAULTS), **variants, **models}


def run_demo(output_dir="llmiso-output", quiet=False, *, model=DEFAULT_MODEL):
    """Run the backtest, print the tables, save CSVs and PNGs in ``output_dir``.

    ``model``: the LLM (any name :class:`~llmiso.LLMEmbedder` takes).
    """
    import pandas as pd
    from sktime.datasets import load_airline

    from ..forecasting import forecasting_embedder, sliding_windows
    from ..isotropy import isotropy_profile, plot_isotropy_profile
    from ._backtest import NO_LLM, backtest, describe_head, verdict
    from ._plots import plot_demo_forecast

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    cache = out / "embedding-cache"
    y = load_airline()
    say(f"airline: {len(y)} months; backtest of {HORIZON} months ahead from {ORIGINS} "
        f"origins; LLM: {model}, 0.4 of its depth, digits, windows of {WINDOW}, the head "
        "(pretrained on a corpus where one is shipped for the model, else fitted) reading "
        "the embedding beside the scaled window, correcting the seasonal naive, mixed "
        "with AutoETS, AutoTheta and AutoCES")
    start = time.perf_counter()
    table, fitted = backtest(_models(model, cache, verbose=not quiet), y,
                             horizon=HORIZON, origins=ORIGINS, sp=SEASON)
    # A pretrained head read one window per series: its isotropy is the corpus's, not
    # measured here; the heads fitted on airline read every window.
    reports = {name: forecaster.head_isotropy() for name, forecaster in fitted.items()
               if name.startswith("LLM")}
    iso_table = pd.DataFrame({name: report["adjusted"] for name, report in reports.items()
                              if report is not None}).T
    say("\nForecast accuracy (mean over origins):\n" + table.round(3).to_string())
    say("\n" + verdict(table, DEFAULTS, NO_LLM))
    say(describe_head(fitted[DEFAULTS]) + ".")
    say(_weights_sentence(fitted[DEFAULTS], y))
    say(_coverage_sentence(table))
    say("Two folds of one series are a small sample: docs/benchmarks.md has the same "
        "comparison on many series and folds.")
    say("\nIsotropy of the training embeddings each LLM head used, adjusted to isotropic "
        "data of the same size (1 for the IsoScores, partition and effective dimension, "
        "0 for the cosines and top share, at any size):\n" + iso_table.round(3).to_string())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fewer windows than dimensions
        profile = isotropy_profile(forecasting_embedder(model, cache_dir=cache,
                                                        verbose=not quiet),
                                   sliding_windows(y, WINDOW), verbose=not quiet)
    plot_isotropy_profile(profile, out / "isotropy_profile.png",
                          title=f"{model}, airline windows: isotropy per layer")
    # The defaults' last fold as a fan chart (50% and 80% bands) beside the members'
    # medians, with what followed; the same fold of its null and AutoETS beside it.
    shown = {name: fitted[name].predict_quantiles(alpha=[0.1, 0.5, 0.9])
             for name in (NO_LLM, "AutoETS")}
    plot_demo_forecast(y, fitted[DEFAULTS], shown, out / "forecast.png")
    table.to_csv(out / "scores.csv")
    iso_table.to_csv(out / "isotropy.csv")
    profile.to_csv(out / "isotropy_profile.csv")
    say(f"\nSaved scores.csv, isotropy.csv, isotropy_profile.csv/.png and forecast.png "
        f"in {out}/ ({time.perf_counter() - start:.0f} s)")
    return table, iso_table, profile


def _weights_sentence(forecaster, y):
    """How the combination weighed its members at the last origin, and which of them
    was the most accurate on that origin's held-out months."""
    combiner = forecaster.combiner_
    if combiner is None:
        return "The defaults' forecast is the head's alone."
    members = forecaster.member_quantiles(alpha=[0.5])
    errors = {name: float(np.mean(np.abs(frame.to_numpy()[:, 0] - y.loc[frame.index])))
              for name, frame in members.items()}
    ranked = sorted(errors, key=errors.get)
    held_out = (f" On the last origin's held-out months the most accurate member was "
                f"{ranked[0]} (MAE {errors[ranked[0]]:.1f}; {ranked[-1]} the least, "
                f"{errors[ranked[-1]]:.1f}).")
    weights = ", ".join(f"{name} {w:.2f}" for name, w in
                        zip(combiner.member_names_, combiner.weights_[0], strict=True))
    errors = combiner.validation_errors_[0]
    if np.isfinite(errors).all():
        best = combiner.member_names_[int(np.argmin(errors))]
        return (f"At the last origin the defaults weighted their members {weights}, by "
                f"their errors on the last {combiner.validation_truth_[0].shape[0]} "
                f"windows inside the training data, where {best} was the most accurate."
                + held_out)
    how = ("mixed their members' distributions" if combiner.average == "mixture"
           else "averaged their members' quantiles")
    return (f"The defaults {how} with equal weights ({weights}): on "
            "M3 and Tourism, weights learned per series from recent errors did worse "
            "(Combination(weights='evidence') learns them)." + held_out)


def _coverage_sentence(table):
    """What the 80% intervals covered in this run, said plainly."""
    covered = table.loc[DEFAULTS, "80% coverage"]
    if covered > 0.9:
        judged = "too wide: they should cover about 80%"
    elif covered < 0.7:
        judged = "too narrow: they should cover about 80%"
    else:
        judged = "close to the 80% they aim at"
    return (f"The defaults' 80% intervals covered {covered:.0%} of the held-out months, "
            f"{judged} (on {ORIGINS * HORIZON} months, a rough check).")
