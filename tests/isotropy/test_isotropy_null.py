import numpy as np
import pandas as pd
import pytest

from llmiso.isotropy._null import RATIO
from llmiso.metrics import (
    adjusted_isotropy,
    average_cosine,
    cluster_cosine,
    effective_dimension,
    isoscore,
    isotropy_report,
    isotropy_summary,
    partition_isotropy,
    top_component_share,
)

RNG = np.random.default_rng(0)
GAUSS = RNG.normal(size=(5000, 50))


# Fewer rows than columns, about as many, and many more; the largest the size of a
# forecaster's isotropy sample (2,000) only in the narrow width, where it is cheap.
SIZES = [(20, 16), (200, 16), (2000, 16), (20, 576), (200, 576), (1000, 576)]


def test_isotropic_gaussian_is_isotropic_on_every_measure():
    assert abs(average_cosine(GAUSS)) < 0.01
    assert partition_isotropy(GAUSS) > 0.5
    assert isoscore(GAUSS) > 0.95
    score, k = cluster_cosine(GAUSS, random_state=0, return_k=True)
    assert k == 1 and abs(score) < 0.01
    assert effective_dimension(GAUSS) > 45
    assert top_component_share(GAUSS) < 0.05


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
    cone = np.abs(rng.normal(size=(n, 3))) @ rng.normal(size=(3, d)) + 0.05 * rng.normal(
        size=(n, d)
    )
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




def test_two_rows_give_undefined_adjusted_values_not_an_error():
    """With two rows isotropic data scores some measures at their extreme, so adjusting
    to it leaves no room: those adjusted values are NaN, the others are reported."""
    import numpy as np

    from llmiso.metrics import isotropy_report

    X = np.random.default_rng(0).normal(size=(2, 576))
    report = isotropy_report(X, random_state=0)
    assert report["adjusted"].isna().any() and report["adjusted"].notna().any()
