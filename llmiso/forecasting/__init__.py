"""Stage 4: LLMForecaster, the composite sktime forecaster (importing it imports sktime).

The forecaster (``_forecaster``) composes the embedder, the isotropy step and the
head over windows of each series (``_windows``, ``_encoding``), correcting a
baseline forecast (``_baselines``; seasons in ``_seasons``).
"""

from ._forecaster import ENCODINGS, STRATEGIES, LLMForecaster

__all__ = ["ENCODINGS", "LLMForecaster", "STRATEGIES"]
