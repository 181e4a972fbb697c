import numpy as np
import pytest

from llmiso.metrics import (
    average_cosine,
    cluster_cosine,
    effective_dimension,
    isoscore,
    partition_isotropy,
    top_component_share,
)

RNG = np.random.default_rng(0)
GAUSS = RNG.normal(size=(5000, 50))


def _nullcontext():
    import contextlib

    return contextlib.nullcontext()


def _brute_mean_cosine(X):
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    C = U @ U.T
    return (C.sum() - np.trace(C)) / (len(X) * (len(X) - 1))


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
    [
        average_cosine,
        partition_isotropy,
        isoscore,
        cluster_cosine,
        effective_dimension,
        top_component_share,
    ],
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


def test_cluster_cosine_equals_brute_force_at_fixed_k():
    centers = 40 * RNG.normal(size=(3, 12))
    sizes = [50, 80, 120]
    X = np.vstack([c + RNG.normal(size=(m, 12)) * RNG.uniform(0.5, 3, 12)
                   for c, m in zip(centers, sizes, strict=True)])
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
