import numpy as np
import pytest

from llmiso.metrics import (
    pinball_loss,
    weighted_quantile_loss,
)


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


