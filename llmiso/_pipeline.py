"""What the last step of a model sees: shared by the isotropy scorer and the forecaster."""

from sklearn.pipeline import Pipeline


def last_step(estimator):
    """The last step of a Pipeline; any other estimator as it is."""
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def final_step(estimator, X):
    """``(X as the last step of a Pipeline sees it, that step)``; other estimators as they are."""
    if isinstance(estimator, Pipeline):
        return (estimator[:-1].transform(X) if len(estimator) > 1 else X), last_step(estimator)
    return X, estimator


def features_reaching_final_step(estimator, X):
    """What the last step of ``estimator`` sees when it is given ``X``.

    A Pipeline ending in a predictor: ``X`` transformed by every step but the last.
    A transformer (or a Pipeline of transformers): its output. A meta-estimator with
    ``features_for_inner(X)`` (e.g. :class:`~llmiso.MeanScaledRegressor`): what its
    fitted inner estimator sees, followed inside it.
    """
    if hasattr(estimator, "features_for_inner"):
        inner_X, inner = estimator.features_for_inner(X)
        return features_reaching_final_step(inner, inner_X)
    if isinstance(estimator, Pipeline):
        final = last_step(estimator)
        if final in (None, "passthrough") or not hasattr(final, "predict"):
            return estimator.transform(X)
        return final_step(estimator, X)[0]
    if hasattr(estimator, "transform"):
        return estimator.transform(X)
    return X
