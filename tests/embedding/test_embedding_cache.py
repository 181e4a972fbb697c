import subprocess
import sys
import time

import numpy as np
from sklearn.base import clone

from llmiso import LLMEmbedder
from llmiso.embedding import _forward

RNG = np.random.default_rng(0)


def test_many_rows_are_embedded_in_chunks(tiny_llama, monkeypatch):
    import llmiso.embedding._cache

    monkeypatch.setattr(llmiso.embedding._cache, "CHUNK", 7)
    X = RNG.random((30, 4))
    chunked = LLMEmbedder(tiny_llama, dtype="float32", verbose=True).fit(X).transform(X)
    monkeypatch.setattr(llmiso.embedding._cache, "CHUNK", 4096)
    whole = LLMEmbedder(tiny_llama, dtype="float32").fit(X).transform(X)
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-6)


def test_cache_tells_two_checkpoints_at_one_path_apart(tiny_llama, tmp_path):
    """A fine-tune saved over another at the same path (same sizes) gets new keys."""
    import shutil

    import torch

    from llmiso.embedding._models import clear_model_cache, resolve_model_path

    folder = tmp_path / "final"
    shutil.copytree(resolve_model_path(tiny_llama), folder)
    X = RNG.random((3, 4))
    emb = LLMEmbedder(str(folder), dtype="float32", cache_dir=tmp_path / "cache")
    first = emb.fit(X).transform(X)
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(1.5)

    time.sleep(0.01)  # a later modification time, as any later save has
    model.save_pretrained(folder)
    clear_model_cache()
    second = clone(emb).fit(X).transform(X)
    assert not np.allclose(first, second)


def test_embedding_cache_is_read_back(tiny_llama, tmp_path, monkeypatch):
    X = RNG.random((6, 4))
    emb = LLMEmbedder(tiny_llama, dtype="float32", cache_dir=tmp_path).fit(X)
    first = emb.transform(X)
    calls = []
    original = _forward.pooled_states
    monkeypatch.setattr(
        _forward,
        "pooled_states",
        lambda loaded, ids, **kw: calls.append(len(ids)) or original(loaded, ids, **kw),
    )
    again = clone(emb).fit(X).transform(X[[4, 1, 2]])
    np.testing.assert_array_equal(again, first[[4, 1, 2]])
    assert calls == []  # every row came from the cache
    mixed = emb.transform(np.vstack([X[:2], RNG.random((1, 4))]))
    assert calls == [1]  # only the new row ran through the model
    np.testing.assert_array_equal(mixed[:2], first[:2])
    # Other settings are other keys.
    other = clone(emb).set_params(layer=0).fit(X).transform(X)
    assert calls[-1] == 6 and not np.allclose(other, first)


def test_a_pass_over_several_layers_serves_each_layer_later(tiny_llama, tmp_path, monkeypatch):
    """Each layer's states are cached on their own: layers [1, 2] read in one pass fill
    what a later layer=2 embedder (and a series pass) reads back without the model."""
    X = RNG.random((5, 4))
    both = LLMEmbedder(tiny_llama, layer=[1, 2], dtype="float32", cache_dir=tmp_path).fit(X)
    Z = both.transform(X)
    series = RNG.random(9)
    chunks = both.embed_series([series], 4, stride=3)[0][0]
    calls = []
    for name in ("pooled_states", "states_at"):
        original = getattr(_forward, name)
        monkeypatch.setattr(_forward, name, lambda *a, _o=original, **kw: calls.append(1)
                            or _o(*a, **kw))
    second = LLMEmbedder(tiny_llama, layer=2, dtype="float32", cache_dir=tmp_path).fit(X)
    np.testing.assert_array_equal(second.transform(X), Z[:, 16:])
    np.testing.assert_array_equal(second.embed_series([series], 4, stride=3)[0][0],
                                  chunks[:, 16:])
    reversed_ = clone(both).set_params(layer=[2, 1]).fit(X)
    np.testing.assert_array_equal(reversed_.transform(X), np.hstack([Z[:, 16:], Z[:, :16]]))
    assert calls == []
    fresh = LLMEmbedder(tiny_llama, layer=2, dtype="float32").fit(X).transform(X)
    np.testing.assert_allclose(fresh, Z[:, 16:], rtol=1e-5, atol=1e-6)


# -- one pass over a series ------------------------------------------------------------

def test_default_model_cache_hit(smollm2, airline_windows, tmp_path):
    X = airline_windows[:5]
    cached = clone(smollm2).set_params(cache_dir=tmp_path).fit(X)
    first = cached.transform(X)
    again = clone(cached).fit(X).transform(X)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, smollm2.transform(X))


def test_two_processes_writing_overlapping_keys_to_one_cache(tmp_path):
    """WAL mode and a busy timeout: concurrent writers lose nothing, corrupt nothing."""
    code = (
        "import sys, numpy as np; from llmiso.embedding._cache import EmbeddingCache; "
        "c = EmbeddingCache(sys.argv[1]); start = int(sys.argv[2]); "
        "[c.put_many([(f'k{i}', np.full(8, i, np.float32))]) for i in range(start, start + 300)]"
    )
    runs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(start)],
                             stderr=subprocess.PIPE, text=True) for start in (0, 150)]
    for run in runs:
        assert run.wait(timeout=120) == 0, run.stderr.read()
    from llmiso.embedding._cache import EmbeddingCache

    found = EmbeddingCache(tmp_path).get_many([f"k{i}" for i in range(450)])
    assert len(found) == 450
    for i in range(450):
        np.testing.assert_array_equal(found[f"k{i}"], np.full(8, i, np.float32))


