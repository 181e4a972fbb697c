
import numpy as np
import pytest
from conftest import TOLERANCE
from sklearn.base import clone

from llmiso import LLMEmbedder

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("which", ["llama", "bert"])
def test_stopping_at_the_deepest_layer_reads_the_same_states(tiny_llama, tiny_bert, which):
    """Below the last layer the pass stops early; the states are transformers' own."""
    import torch

    from llmiso.embedding._forward import _blocks, hidden_states
    from llmiso.embedding._models import load_model

    loaded = load_model(tiny_llama if which == "llama" else tiny_bert, dtype="float32")
    assert _blocks(loaded.model, loaded.n_layers) is not None  # the early exit is taken
    batch = loaded.tokenizer(["1.25, 3.50, 0.75", "2.00"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        full = loaded.model(**batch, output_hidden_states=True).hidden_states
        for deepest in range(loaded.n_layers):
            part = hidden_states(loaded, batch["input_ids"], batch["attention_mask"], deepest)
            assert len(part) == deepest + 1
            for L in range(deepest + 1):
                torch.testing.assert_close(part[L], full[L], rtol=0, atol=0)
    # The hooks are gone: a later full pass is untouched.
    again = loaded.model(**batch, output_hidden_states=True).hidden_states
    torch.testing.assert_close(again[-1], full[-1], rtol=0, atol=0)


def test_batching_and_padding_do_not_change_embeddings(dtype, tiny_llama):
    # Windows of very different token lengths share a batch: right padding must not leak.
    X = np.vstack([RNG.random((4, 6)), 1e6 * RNG.random((4, 6)) * np.array([1, 1, 1, 1, 1, 1e-9])])
    for pooling in ("last", "mean"):
        one = LLMEmbedder(tiny_llama, pooling=pooling, batch_size=1, dtype=dtype)
        many = clone(one).set_params(batch_size=8)
        np.testing.assert_allclose(
            one.fit_transform(X),
            many.fit_transform(X),
            rtol=TOLERANCE[dtype],
            atol=TOLERANCE[dtype],
        )


def test_concurrent_full_and_early_passes_on_one_model(tiny_llama):
    """Threads share the loaded model: an early-exit pass never cuts another thread's pass."""
    from concurrent.futures import ThreadPoolExecutor

    X = RNG.random((6, 5))
    early = LLMEmbedder(tiny_llama, layer=1, dtype="float32").fit(X)
    full = LLMEmbedder(tiny_llama, layer=-1, dtype="float32").fit(X)
    expected = {"early": early.transform(X), "full": full.transform(X)}
    jobs = [("early", early), ("full", full)] * 40
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda job: (job[0], job[1].transform(X)), jobs))
    for name, Z in results:
        np.testing.assert_array_equal(Z, expected[name])


