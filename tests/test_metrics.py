import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline

from llmiso import IsotropyCenterer
from llmiso.isotropy._null import RATIO
from llmiso.metrics import (
    average_cosine,
    cluster_cosine,
    effective_dimension,
    isoscore,
    isotropy_scorer,
    make_isotropy_scorer,
    partition_isotropy,
    pinball_loss,
    top_component_share,
    adjusted_isotropy,
    isotropy_report,
    isotropy_summary,
    weighted_quantile_loss,
)

RNG = np.random.default_rng(0)
GAUSS = RNG.normal(size=(5000, 50))


def test_isotropic_gaussian_is_isotropic_on_every_measure():
    assert abs(average_cosine(GAUSS)) < 0.01
    assert partition_isotropy(GAUSS) > 0.5
    assert isoscore(GAUSS) > 0.95
    score, k = cluster_cosine(GAUSS, random_state=0, return_k=True)
    assert k == 1 and abs(score) < 0.01
    assert effective_dimension(GAUSS) > 45
    assert top_component_share(GAUSS) < 0.05


def test_rank_one_data_is_anisotropic():
    X = np.outer(RNG.normal(size=1000), RNG.normal(size=50)) + 1e-6 * RNG.normal(size=(1000, 50))
    assert isoscore(X) < 0.01
    assert effective_dimension(X) < 1.01
    assert top_component_share(X) > 0.99


def test_common_offset_shows_in_average_cosine_and_goes_with_centering():
    X = GAUSS + 5.0
    assert average_cosine(X) > 0.9
    assert partition_isotropy(X) < 1e-6
    assert abs(average_cosine(X - X.mean(axis=0))) < 0.01


def test_unequal_variances_only_seen_by_isoscore_and_partition():
    X = GAUSS.copy()
    X[:, :5] *= 30
    Xc = X - X.mean(axis=0)
    assert abs(average_cosine(Xc)) < 0.01  # blind to it
    assert isoscore(Xc) < 0.2 < isoscore(GAUSS)
    assert partition_isotropy(Xc) < 1e-6 < partition_isotropy(GAUSS)


def test_partition_isotropy_does_not_overflow_with_large_norms():
    X = 300 * RNG.normal(size=(200, 10)) + 500
    value = partition_isotropy(X)
    assert np.isfinite(value) and 0 <= value <= 1


@pytest.mark.parametrize("shape", [(300, 8), (40, 60), (1000, 3)])
def test_isoscore_matches_the_authors_package(shape):
    from IsoScore.IsoScore import IsoScore as reference

    X = RNG.normal(size=shape) * RNG.uniform(0.1, 5, size=shape[1]) + 2
    with pytest.warns(UserWarning) if shape[0] < shape[1] else _nullcontext():
        ours = isoscore(X)
    assert ours == pytest.approx(float(reference(X)), abs=1e-6)


def _nullcontext():
    import contextlib

    return contextlib.nullcontext()


def test_average_cosine_sampling_and_exactness():
    X = RNG.normal(size=(300, 4)) + 1
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    C = U @ U.T
    brute = (C.sum() - np.trace(C)) / (300 * 299)
    assert average_cosine(X) == pytest.approx(brute, rel=1e-10)
    assert average_cosine(X, sample_size=100, random_state=0) == pytest.approx(brute, abs=0.05)
    assert average_cosine(X, sample_size=100, random_state=0) == average_cosine(
        X, sample_size=100, random_state=0
    )


def test_cluster_cosine_finds_clusters_and_centres_them():
    centers = 30 * RNG.normal(size=(4, 20))
    X = np.vstack([c + RNG.normal(size=(200, 20)) for c in centers])
    score, k = cluster_cosine(X, random_state=0, return_k=True)
    assert k == 4 and abs(score) < 0.02
    assert cluster_cosine(X, k=2, random_state=0) == cluster_cosine(X, k=2, random_state=0)


@pytest.mark.parametrize(
    "measure",
    [average_cosine, partition_isotropy, isoscore, cluster_cosine, effective_dimension, top_component_share],
)
@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.nan], [1.0, 2.0]]), "NaN"),
        (np.array([[1.0, np.inf], [1.0, 2.0]]), "infinity"),
        (np.ones((1, 3)), "minimum of 2"),
        (np.ones(5), "Expected 2D array"),
    ],
)
def test_bad_input_is_named(measure, X, match):
    with pytest.raises(ValueError, match=match):
        measure(X)


def test_isoscore_warns_with_fewer_points_than_dimensions():
    with pytest.warns(UserWarning, match="fewer points than dimensions") as caught:
        isoscore(RNG.normal(size=(5, 10)))
    assert caught[0].filename == __file__  # at the caller, not inside a wrapper


def test_constant_data_has_no_isotropy():
    with pytest.raises(ValueError, match="no variance"):
        isoscore(np.ones((10, 3)))


# -- scorers -----------------------------------------------------------------------


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
    iso = dict(zip(grid.cv_results_["param_isotropycenterer__method"], grid.cv_results_["mean_test_isotropy"]))
    assert iso["whiten"] > 0.9 > iso["center"]
    # The default score sees the common offset that centering removes (IsoScore alone
    # scored "none" and "center" the same).
    assert iso["center"] > 3 * iso["none"]
    cv = cross_validate(
        pipe, X, y, cv=3, scoring={"iso": make_isotropy_scorer("partition", adjusted=False)},
        return_estimator=True,
    )
    # Each fold's score is the partition isotropy of its held-out rows, as its fit transforms them.
    from sklearn.model_selection import KFold

    for fitted, score, (_, test) in zip(cv["estimator"], cv["test_iso"], KFold(3).split(X)):
        assert score == pytest.approx(partition_isotropy(fitted[:-1].transform(X[test])), rel=1e-9)


def test_unknown_metric():
    with pytest.raises(ValueError, match="metric must be one of"):
        make_isotropy_scorer("nope")


# -- isotropy referenced to its null ----------------------------------------------------

SIZES = [(n, d) for n in (20, 50, 200, 2000) for d in (16, 576)]


@pytest.mark.parametrize("n, d", SIZES)
def test_isotropic_data_scores_the_isotropic_value_at_any_size(n, d):
    reports = [isotropy_report(np.random.default_rng(seed).normal(size=(n, d)), random_state=0)
               for seed in range(4)]
    adjusted = pd.concat([r["adjusted"] for r in reports], axis=1)
    isotropic = pd.Series({name: 1.0 if ratio else 0.0 for name, ratio in RATIO.items()})
    spread = adjusted.drop(index="partition").mean(axis=1) - isotropic.drop("partition")
    # The raw measures miss these by up to 0.95 (IsoScore of 30 x 576) at the same sizes.
    assert spread.abs().max() < 0.06, spread
    # Each flag is a one-sided test at 2.5%: about 0.7 of these 28 are expected.
    flagged = sum(int(r["anisotropic"].sum()) for r in reports)
    assert flagged <= 3, [r.loc[r["anisotropic"]] for r in reports]
    summary = isotropy_summary(np.random.default_rng(9).normal(size=(n, d)), random_state=0)
    assert set(summary) == set(RATIO)


@pytest.mark.parametrize("n, d", SIZES)
def test_a_common_direction_and_a_low_rank_cone_score_anisotropic_at_any_size(n, d):
    rng = np.random.default_rng(1)
    offset = rng.normal(size=(n, d)) + 1.0  # a direction common to every row
    cone = np.abs(rng.normal(size=(n, 3))) @ rng.normal(size=(3, d)) + 0.05 * rng.normal(size=(n, d))
    for X in (offset, cone):
        report = isotropy_report(X, random_state=0)
        assert report.loc["uncentered_isoscore", "anisotropic"]
        assert report.loc["uncentered_isoscore", "adjusted"] < 0.5
        assert adjusted_isotropy(X) == pytest.approx(report.loc["uncentered_isoscore", "adjusted"])
        assert report.loc["average_cosine", "adjusted"] > 0.3
    # Centering removes the offset, and the default score sees it.
    assert adjusted_isotropy(offset - offset.mean(axis=0)) > 0.9


def test_cluster_cosine_null_is_analytic_per_cluster():
    """A cluster of m isotropic points centered on its own mean averages cosine -1/(m-1)."""
    X = np.random.default_rng(0).normal(size=(30, 576))
    report = isotropy_report(X, random_state=0)
    assert report.loc["cluster_cosine", "raw"] == pytest.approx(-1 / 29, abs=2e-3)
    assert report.loc["cluster_cosine", "isotropic"] == pytest.approx(-1 / 29)
    assert abs(report.loc["cluster_cosine", "adjusted"]) < 2e-3
    # float32 embeddings (what LLMEmbedder returns) are measured as the float64 null is.
    single = isotropy_report(X.astype(np.float32), random_state=0)
    np.testing.assert_allclose(single["adjusted"], report["adjusted"], rtol=1e-4, atol=1e-6)


# -- distribution scores -------------------------------------------------------------


def test_pinball_and_wql_known_values():
    y = np.array([1.0, 3.0])
    q = np.array([[0.5, 1.5], [2.5, 3.5]])
    # level 0.2: losses 0.2*0.5, 0.2*0.5; level 0.8: 0.2*0.5, 0.2*0.5
    assert pinball_loss(y, q, [0.2, 0.8]) == pytest.approx(0.1)
    assert weighted_quantile_loss(y, q, [0.2, 0.8]) == pytest.approx(2 * 0.2 / 4)
    with pytest.raises(ValueError, match="shape"):
        pinball_loss(y, q[:, :1], [0.2, 0.8])
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        pinball_loss(y, q, [0.0, 0.8])


# -- references the measures must reproduce -------------------------------------------


def _brute_mean_cosine(X):
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    C = U @ U.T
    return (C.sum() - np.trace(C)) / (len(X) * (len(X) - 1))


def test_cluster_cosine_equals_brute_force_at_fixed_k():
    centers = 40 * RNG.normal(size=(3, 12))
    sizes = [50, 80, 120]
    X = np.vstack([c + RNG.normal(size=(m, 12)) * RNG.uniform(0.5, 3, 12) for c, m in zip(centers, sizes)])
    truth = np.repeat(np.arange(3), sizes)
    Xc = X - X.mean(axis=0)
    expected = np.mean([
        _brute_mean_cosine(Xc[truth == c] - Xc[truth == c].mean(axis=0)) for c in range(3)
    ])
    assert cluster_cosine(X, k=3, random_state=0) == pytest.approx(expected, rel=1e-9)
    one = _brute_mean_cosine(Xc)  # k=1: the globally centered cloud itself
    assert cluster_cosine(X, k=1, random_state=0) == pytest.approx(one, rel=1e-9)


def test_cluster_cosine_is_clearly_positive_for_a_skewed_cluster():
    """Most points just below the mean, a few far above: centered, most point one way."""
    along = RNG.exponential(size=400) ** 3
    X = np.outer(along, np.r_[1.0, np.zeros(9)]) + 0.01 * RNG.normal(size=(400, 10))
    score = cluster_cosine(X, k=1, random_state=0)
    assert score > 0.3
    assert score == pytest.approx(_brute_mean_cosine(X - X.mean(axis=0)), rel=1e-9)


def test_partition_isotropy_matches_logsumexp_at_large_norms():
    from scipy.special import logsumexp

    # Points +-R_j e_j: Z(e_j) is about exp(R_j), so I = exp(R_min - R_max) = exp(-1),
    # while exp(1000) itself overflows.
    radii = np.array([1000.0, 1000.5, 1001.0])
    X = np.vstack([np.diag(radii), -np.diag(radii)])
    assert partition_isotropy(X) == pytest.approx(np.exp(-1.0), rel=1e-9)
    # Any cloud: min_c Z(c) / max_c Z(c) over the eigenvectors of X^T X, in log space.
    Y = 4 * RNG.normal(size=(300, 6)) + 0.3  # I(Y) about 0.1: far from both ends
    _, directions = np.linalg.eigh(Y.T @ Y)
    log_z = logsumexp(Y @ directions, axis=0)
    expected = np.exp(log_z.min() - log_z.max())
    assert 0.01 < expected < 0.5
    assert partition_isotropy(Y) == pytest.approx(expected, rel=1e-9)
