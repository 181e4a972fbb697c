"""The self-attention sublayers' outputs at sampled tokens: the seed paper's source of isotropy."""

import numpy as np
from sklearn.utils import check_random_state

from . import _forward


def sample_attention_outputs(reading, ids, *, sample_size=2000, random_state=0):
    """The attention sublayers' outputs at a seeded sample of the prompts' tokens.

    Every token position of every prompt in ``ids`` is a candidate; ``sample_size``
    of them are read at every layer (:meth:`LLMEmbedder.attention_outputs`).
    Returns one (n_picked, hidden) float32 array per layer 1..n_layers.
    """
    from tqdm.auto import tqdm

    owners = np.repeat(np.arange(len(ids)), [len(row) for row in ids])
    positions = np.concatenate([np.arange(len(row)) for row in ids])
    rng = check_random_state(random_state)
    keep = np.sort(rng.choice(len(owners), min(sample_size, len(owners)), replace=False))
    picks = [positions[keep[owners[keep] == i]] for i in range(len(ids))]
    with tqdm(total=len(ids), desc="Attention outputs", unit="window",
              disable=not reading.verbose) as progress:
        return _forward.attention_outputs_at(reading, ids, picks, progress=progress)
