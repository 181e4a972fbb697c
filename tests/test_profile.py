import warnings

import numpy as np
import pytest

from llmiso import LLMEmbedder, isotropy_profile, plot_isotropy_profile
from llmiso.metrics import adjusted_isotropy, average_cosine, isoscore


def test_profile_has_every_measure_at_every_layer(tiny_llama, tmp_path):
    X = np.random.default_rng(0).random((40, 6))
    embedder = LLMEmbedder(tiny_llama, dtype="float32", layer=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 40 samples > 16 dims: nothing to warn about
        profile = isotropy_profile(embedder, X)
    assert list(profile.index) == [0, 1, 2]
    assert {"uncentered_isoscore", "isoscore", "cluster_cosine", "average_cosine",
            "average_cosine_centered", "partition", "partition_centered",
            "effective_dimension", "top_component_share", "isoscore_raw"} <= set(profile.columns)
    last = LLMEmbedder(tiny_llama, dtype="float32", layer=-1).fit_transform(X).astype(float)
    assert profile.loc[2, "isoscore_raw"] == pytest.approx(isoscore(last), rel=1e-5)
    assert profile.loc[2, "average_cosine_raw"] == pytest.approx(average_cosine(last), rel=1e-5)
    assert profile.loc[2, "uncentered_isoscore"] == pytest.approx(adjusted_isotropy(last), rel=1e-5)
    centered = adjusted_isotropy(last - last.mean(axis=0))
    assert profile.loc[2, "uncentered_isoscore_centered"] == pytest.approx(centered, rel=1e-5)
    assert abs(profile["average_cosine_centered"]).max() < 0.05
    assert set(profile.attrs["isotropic"]) == set(profile.columns[:7])
    fig = plot_isotropy_profile(profile, tmp_path / "profile.png")
    assert (tmp_path / "profile.png").stat().st_size > 10_000
    assert len(fig.axes) == 4

