"""Every estimator through scikit-learn's full set of checks."""

from conftest import TINY_LLAMA
from sklearn.utils.estimator_checks import parametrize_with_checks

from llmiso import (
    IsotropyCenterer,
    LLMEmbedder,
    MeanScaledRegressor,
    SoftmaxHeadForecaster,
    SoftmaxHeadForecasterCV,
)


# batch_size=1: sklearn's subset-invariance checks compare at rtol=1e-7, and a float32
# GEMM over a batch of another shape rounds the last bits differently
# (test_embedder.py checks batched results against unbatched ones at 1e-5).
@parametrize_with_checks(
    [LLMEmbedder(TINY_LLAMA, dtype="float32", input_type="numeric", batch_size=1)]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@parametrize_with_checks(
    [
        IsotropyCenterer(method=m, random_state=0)
        for m in ("center", "abtt", "whiten", "cluster", "none")
    ]
    + [
        IsotropyCenterer("cluster", n_components=1, random_state=0),
        IsotropyCenterer("abtt", normalize=True),
    ]
)
def test_isotropy_centerer_sklearn_compatible(estimator, check):
    check(estimator)


@parametrize_with_checks(
    [
        SoftmaxHeadForecaster(),
        SoftmaxHeadForecaster(point="mean", label_smoothing=0.2, n_bins=20),
        SoftmaxHeadForecasterCV(SoftmaxHeadForecaster(n_bins=20), alphas=(0.1, 10.0)),
        MeanScaledRegressor(),
    ]
)
def test_regressors_sklearn_compatible(estimator, check):
    check(estimator)
