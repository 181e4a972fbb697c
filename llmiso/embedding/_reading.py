"""What one embedding call needs: the loaded model, where to read, how to write, where to cache.

:class:`LLMEmbedder` builds a :class:`Reading` from its fitted settings for every
call, and the stages (``_series``, ``_attention``, the pooled pass) take it, so no
stage reaches into the estimator.
"""

from dataclasses import dataclass

from ._cache import cache_key
from ._prompts import PromptFormat


@dataclass(frozen=True)
class Reading:
    """The settings of one pass: model, layers, pooling, prompt format and limits."""

    loaded: object  # _models.LoadedModel
    layers: list
    pooling: str
    prompt_format: PromptFormat
    max_length: int
    batch_size: int
    cache_dir: object = None
    verbose: bool = False

    @property
    def width(self):
        """Length of one embedding: the hidden size times the layers read."""
        return self.loaded.hidden_size * len(self.layers)

    def keys(self, prompt, *extra):
        """The cache keys of the state(s) read from ``prompt`` (``extra``: which ones),
        one per layer, so each layer's states are stored, and found, on their own."""
        loaded = self.loaded
        return [cache_key(loaded.identity, [layer], self.pooling, str(loaded.dtype),
                          self.max_length, prompt, *extra) for layer in self.layers]
