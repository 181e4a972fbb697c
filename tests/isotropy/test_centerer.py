import numpy as np
import pandas as pd
import pytest

from llmiso import IsotropyCenterer
from llmiso.metrics import adjusted_isotropy, isoscore

RNG = np.random.default_rng(0)


def _embeddings(n, d=40):
    """Anisotropic points: a common offset and a few dominant directions."""
    return RNG.normal(size=(n, d)) * np.r_[25, 15, 10, np.ones(d - 3)] + 100


TRAIN, TEST = _embeddings(400), _embeddings(100)


def test_center_uses_the_training_mean_only():
    centerer = IsotropyCenterer("center").fit(TRAIN)
    np.testing.assert_allclose(centerer.transform(TEST), TEST - TRAIN.mean(axis=0))
    np.testing.assert_allclose(centerer.inverse_transform(centerer.transform(TEST)), TEST)


def test_abtt_removes_the_top_directions():
    centerer = IsotropyCenterer("abtt", n_components=3).fit(TRAIN)
    out = centerer.transform(TEST)
    assert np.abs(out @ centerer.components_.T).max() < 1e-8
    assert isoscore(out) > isoscore(TEST - TRAIN.mean(axis=0))
    assert IsotropyCenterer("abtt").fit(RNG.normal(size=(50, 576))).n_components_ == 6
    assert not hasattr(centerer, "inverse_transform")


def test_whitening_gives_identity_covariance_on_training_data():
    centerer = IsotropyCenterer("whiten", eps=0).fit(TRAIN)
    out = centerer.transform(TRAIN)
    np.testing.assert_allclose(np.cov(out.T), np.eye(40), atol=1e-8)
    np.testing.assert_allclose(
        centerer.inverse_transform(centerer.transform(TEST)), TEST, rtol=1e-6
    )
    reduced = IsotropyCenterer("whiten", n_components=5).fit(TRAIN)
    assert reduced.transform(TEST).shape == (100, 5)
    assert list(reduced.get_feature_names_out()) == [f"whitened{i}" for i in range(5)]


def test_whitening_drops_directions_without_training_variance():
    wide = RNG.normal(size=(30, 100)) * np.r_[10, np.ones(99)]
    centerer = IsotropyCenterer("whiten").fit(wide)
    assert centerer.n_components_ == 29  # 30 centered rows span 29 directions
    new = centerer.transform(RNG.normal(size=(200, 100)))
    # New points are not blown up along directions the training data never varied in.
    assert np.abs(new).max() < 20


def test_cluster_centers_each_cluster():
    blobs = np.vstack([c + RNG.normal(size=(100, 10)) for c in 50 * RNG.normal(size=(3, 10))])
    centerer = IsotropyCenterer("cluster", n_clusters=3, random_state=0).fit(blobs)
    out = centerer.transform(blobs)
    labels = centerer.kmeans_.predict(blobs)
    for c in range(3):
        np.testing.assert_allclose(out[labels == c].mean(axis=0), 0, atol=1e-8)
    with_top = IsotropyCenterer("cluster", n_clusters=3, n_components=1, random_state=0).fit(blobs)
    assert with_top.cluster_components_.shape == (3, 1, 10)
    assert not hasattr(centerer, "inverse_transform")


def test_none_passes_through_and_cluster_caps_clusters():
    np.testing.assert_array_equal(IsotropyCenterer("none").fit(TRAIN).transform(TEST), TEST)
    tiny = IsotropyCenterer("cluster", n_clusters=5).fit(TRAIN[:2])
    assert tiny.n_clusters_ == 2


def test_score_is_the_isotropy_of_the_output():
    for method in ("none", "center", "whiten"):
        centerer = IsotropyCenterer(method).fit(TRAIN)
        assert centerer.score(TEST) == pytest.approx(adjusted_isotropy(centerer.transform(TEST)))
    scores = {m: IsotropyCenterer(m).fit(TRAIN).score(TEST) for m in ("none", "center", "whiten")}
    assert scores["none"] < scores["center"] < scores["whiten"]  # offset, then unequal spread
    cos = IsotropyCenterer("none", metric="average_cosine").fit(TRAIN)
    assert cos.score(TEST) < -0.9  # negated: greater is more isotropic


def test_pandas_output_keeps_names():
    df = pd.DataFrame(TRAIN[:, :3], columns=["a", "b", "c"])
    out = IsotropyCenterer().set_output(transform="pandas").fit_transform(df)
    assert list(out.columns) == ["a", "b", "c"]


def test_float32_stays_float32():
    out = IsotropyCenterer("abtt").fit(TRAIN.astype(np.float32)).transform(TEST.astype(np.float32))
    assert out.dtype == np.float32


# -- against references fitted on the training rows alone -----------------------------


def _same_up_to_sign(a, b):
    """Columns equal up to a sign flip each (principal directions have no sign)."""
    signs = np.sign(np.sum(a * b, axis=0))
    np.testing.assert_allclose(a * signs, b, rtol=1e-6, atol=1e-8)


def test_abtt_matches_pca_fitted_on_training_rows():
    from sklearn.decomposition import PCA

    pca = PCA(n_components=3).fit(TRAIN)
    expected = (TEST - pca.mean_) - (TEST - pca.mean_) @ pca.components_.T @ pca.components_
    out = IsotropyCenterer("abtt", n_components=3).fit(TRAIN).transform(TEST)
    np.testing.assert_allclose(out, expected, rtol=1e-8, atol=1e-8)


def test_whitening_matches_pca_whitening_fitted_on_training_rows():
    from sklearn.decomposition import PCA

    expected = PCA(n_components=10, whiten=True).fit(TRAIN).transform(TEST)
    out = IsotropyCenterer("whiten", n_components=10, eps=0).fit(TRAIN).transform(TEST)
    _same_up_to_sign(out, expected)


def test_cluster_centers_come_from_the_training_rows():
    from sklearn.cluster import KMeans

    shift = np.zeros(40)
    shift[0] = 300
    train = np.vstack([TRAIN, TRAIN + shift])
    test = np.vstack([TEST[:30], TEST[30:] + shift]) + 7.0  # the test rows sit elsewhere
    centerer = IsotropyCenterer("cluster", n_clusters=2, random_state=0).fit(train)
    labels = KMeans(2, n_init="auto", random_state=0).fit(train).labels_
    means = np.array([train[labels == c].mean(axis=0) for c in range(2)])
    np.testing.assert_allclose(np.sort(centerer.cluster_centers_[:, 0]), np.sort(means[:, 0]))
    out = centerer.transform(test)
    nearest = means[np.argmin(((test[:, None] - means) ** 2).sum(axis=2), axis=1)]
    np.testing.assert_allclose(out, test - nearest, rtol=1e-8, atol=1e-8)


def test_normalize_divides_by_the_training_mean_norm():
    centerer = IsotropyCenterer("center", normalize=True).fit(TRAIN)
    norm = np.linalg.norm(TRAIN - TRAIN.mean(axis=0), axis=1).mean()
    assert centerer.norm_ == pytest.approx(norm)
    np.testing.assert_allclose(centerer.transform(TEST), (TEST - TRAIN.mean(axis=0)) / norm)
    np.testing.assert_allclose(centerer.inverse_transform(centerer.transform(TEST)), TEST)
    assert np.linalg.norm(centerer.transform(TRAIN), axis=1).mean() == pytest.approx(1.0)


def test_abtt_on_a_large_matrix_takes_the_randomized_path_and_matches_pca():
    from sklearn.decomposition import PCA

    big = RNG.normal(size=(1200, 600)) + RNG.normal(size=(1200, 5)) @ (
        10 * RNG.normal(size=(5, 600))
    )
    new = RNG.normal(size=(50, 600))
    pca = PCA(n_components=5, svd_solver="full").fit(big)
    expected = (new - pca.mean_) - (new - pca.mean_) @ pca.components_.T @ pca.components_
    out = IsotropyCenterer("abtt", n_components=5).fit(big).transform(new)
    np.testing.assert_allclose(out, expected, atol=1e-6)
