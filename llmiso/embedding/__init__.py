"""Stage 1: contextual embeddings of numeric windows or texts from a pretrained LLM.

``LLMEmbedder`` is the estimator; the engine behind it runs in stages, one module
each: prompts and token ids (``_prompts``), one pass over a whole series
(``_series``), the forward pass (``_forward``, with ``_models`` the only modules
that import torch), and the on-disk cache (``_cache``).
"""

from ._embedder import LLMEmbedder
from ._models import DEFAULT_MODEL, ModelNotAvailableError

__all__ = ["DEFAULT_MODEL", "LLMEmbedder", "ModelNotAvailableError"]
