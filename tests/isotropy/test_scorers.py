import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline

from llmiso import IsotropyCenterer
from llmiso.metrics import (
    adjusted_isotropy,
    average_cosine,
    isoscore,
    isotropy_report,
    isotropy_scorer,
    make_isotropy_scorer,
)

RNG = np.random.default_rng(0)
def _anisotropic_regression(n=200):
    X = RNG.normal(size=(n, 10)) * np.r_[20, 10, np.ones(8)] + 50
    y = X[:, 2] + RNG.normal(scale=0.1, size=n)
    return X, y


def test_scorer_scores_what_reaches_the_final_step():
    X, y = _anisotropic_regression()
    raw = make_pipeline(IsotropyCenterer("none"), Ridge()).fit(X, y)
    white = make_pipeline(IsotropyCenterer("whiten"), Ridge()).fit(X, y)
    assert isotropy_scorer(raw, X) == pytest.approx(adjusted_isotropy(X))
    assert make_isotropy_scorer("isoscore", adjusted=False)(raw, X) == pytest.approx(isoscore(X))
    assert isotropy_scorer(white, X) > 0.95 > isotropy_scorer(raw, X)
    # lower-is-better measures come back negated, so greater is always better
    cos = make_isotropy_scorer("average_cosine", adjusted=False)
    assert cos(raw, X) == pytest.approx(-average_cosine(X))
    assert cos(white, X) > cos(raw, X)
    # a bare transformer: its output
    assert isotropy_scorer(IsotropyCenterer("whiten").fit(X), X) > 0.95


def test_scorer_in_grid_search_and_cross_validate():
    X, y = _anisotropic_regression(600)
    pipe = make_pipeline(IsotropyCenterer(), Ridge())
    grid = GridSearchCV(
        pipe,
        {"isotropycenterer__method": ["none", "center", "whiten"]},
        scoring={"mae": "neg_mean_absolute_error", "isotropy": isotropy_scorer},
        refit="mae",
        cv=3,
    ).fit(X, y)
    iso = dict(zip(grid.cv_results_["param_isotropycenterer__method"],
                   grid.cv_results_["mean_test_isotropy"], strict=True))
    assert iso["whiten"] > 0.9 > iso["center"]
    # The default score sees the common offset that centering removes (IsoScore alone
    # scored "none" and "center" the same).
    assert iso["center"] > 3 * iso["none"]
    cv = cross_validate(
        pipe, X, y, cv=3, scoring={"iso": make_isotropy_scorer("partition", adjusted=False)},
        return_estimator=True,
    )
    # Each fold's score is the raw partition isotropy of its held-out rows as its fit
    # transforms them (the report's raw value: scaled to a standard Gaussian's norm).
    from sklearn.model_selection import KFold

    folds = zip(cv["estimator"], cv["test_iso"], KFold(3).split(X), strict=True)
    for fitted, score, (_, test) in folds:
        raw = isotropy_report(fitted[:-1].transform(X[test])).loc["partition", "raw"]
        assert score == pytest.approx(raw, rel=1e-9)


def test_unknown_metric():
    with pytest.raises(ValueError, match="metric must be one of"):
        make_isotropy_scorer("nope")


# -- isotropy referenced to its null ----------------------------------------------------

