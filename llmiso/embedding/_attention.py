"""The self-attention sublayers' outputs at sampled tokens: the seed paper's source of isotropy."""

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _forward


def attention_states(embedder, X, *, sample_size=2000, random_state=0):
    """The self-attention sublayers' outputs at sampled tokens: the seed paper's source.

    Every token position of every prompt (padding excluded) is a candidate; a
    seeded sample of ``sample_size`` of them is read at every layer, from the
    output of each block's attention sublayer before the residual add (forward
    hooks; see :func:`llmiso.isotropy_profile` with ``source="attention"``).
    Not cached.

    Parameters
    ----------
    X : array-like of shape (n_samples, window_length), or list of str
    sample_size : int, default=2000
        Token positions kept (all of them if there are fewer).
    random_state : int, RandomState instance or None, default=0
        Picks the positions (the paper's subsample is unseeded).

    Returns
    -------
    list of ndarray
        One (n_picked, hidden_size_) float32 array per layer 1..n_model_layers_.
    """
    from tqdm.auto import tqdm

    check_is_fitted(embedder)
    mode = embedder._mode(X)
    loaded = embedder._load()
    X, scales, prompts = embedder._prompts_of(X, mode)
    ids, _ = embedder._tokenize(loaded, mode, X, scales, prompts, np.arange(len(prompts)))
    owners = np.repeat(np.arange(len(ids)), [len(row) for row in ids])
    positions = np.concatenate([np.arange(len(row)) for row in ids])
    rng = check_random_state(random_state)
    keep = np.sort(rng.choice(len(owners), min(sample_size, len(owners)), replace=False))
    picks = [positions[keep[owners[keep] == i]] for i in range(len(ids))]
    with tqdm(total=len(ids), desc="Attention outputs", unit="window",
              disable=not embedder.verbose) as progress:
        return _forward.attention_states(loaded, ids, picks, batch_size=embedder.batch_size,
                                         progress=progress)
