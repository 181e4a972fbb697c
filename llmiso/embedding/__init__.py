"""Stage 1: contextual embeddings of numeric windows or texts from a pretrained LLM.

``LLMEmbedder`` is the estimator; the engine behind it runs in stages, one module
each: prompts and token ids (``_prompts``, :class:`PromptFormat`), one pass over a
whole series (``_series``), the forward pass (``_forward``, with ``_models`` the
only modules that import torch), and the on-disk cache (``_cache``). ``_reading``
holds what one pass needs, so the stages never reach into the estimator.
``load_model`` and ``resolve_model_path`` find a model offline (benchmarks compare
with a plain transformers loop through them).
"""

from ._embedder import LLMEmbedder
from ._models import (
    DEFAULT_MODEL,
    ModelNotAvailableError,
    clear_model_cache,
    load_model,
    resolve_model_path,
)
from ._prompts import NUMBER_FORMATS, PromptFormat

__all__ = [
    "DEFAULT_MODEL",
    "LLMEmbedder",
    "ModelNotAvailableError",
    "NUMBER_FORMATS",
    "PromptFormat",
    "clear_model_cache",
    "load_model",
    "resolve_model_path",
]
