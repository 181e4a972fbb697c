import warnings

import numpy as np
import pytest

from llmiso import LLMEmbedder, isotropy_profile, plot_isotropy_profile
from llmiso.metrics import adjusted_isotropy, average_cosine, isoscore


def test_profile_has_every_measure_at_every_layer(tiny_llama, tmp_path):
    X = np.random.default_rng(0).random((40, 6))
    embedder = LLMEmbedder(tiny_llama, dtype="float32", layer=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 40 samples > 16 dims: nothing to warn about
        profile = isotropy_profile(embedder, X)
    assert list(profile.index) == [0, 1, 2]
    assert {"uncentered_isoscore", "isoscore", "cluster_cosine", "average_cosine",
            "average_cosine_centered", "partition", "partition_centered",
            "effective_dimension", "top_component_share", "isoscore_raw"} <= set(profile.columns)
    last = LLMEmbedder(tiny_llama, dtype="float32", layer=-1).fit_transform(X).astype(float)
    assert profile.loc[2, "isoscore_raw"] == pytest.approx(isoscore(last), rel=1e-5)
    assert profile.loc[2, "average_cosine_raw"] == pytest.approx(average_cosine(last), rel=1e-5)
    assert profile.loc[2, "uncentered_isoscore"] == pytest.approx(adjusted_isotropy(last), rel=1e-5)
    centered = adjusted_isotropy(last - last.mean(axis=0))
    assert profile.loc[2, "uncentered_isoscore_centered"] == pytest.approx(centered, rel=1e-5)
    assert abs(profile["average_cosine_centered"]).max() < 0.05
    assert set(profile.attrs["isotropic"]) == set(profile.columns[:7])
    fig = plot_isotropy_profile(profile, tmp_path / "profile.png")
    assert (tmp_path / "profile.png").stat().st_size > 10_000
    assert len(fig.axes) == 4



# -- the seed paper's source: self-attention sublayer outputs ----------------------------


def _states_with_every_token(name, X):
    """Hidden states 0 and 1 of one prompt, and the attention outputs at all its tokens."""
    import torch

    from llmiso.embedding import load_model
    from llmiso.embedding._forward import _blocks

    embedder = LLMEmbedder(name, dtype="float32").fit(X)
    attention = embedder.attention_outputs(X, sample_size=10_000)
    loaded = load_model(name, dtype="float32")
    ids = embedder.token_ids(X[:1])
    with torch.inference_mode():
        hidden = loaded.model(input_ids=torch.tensor(ids), output_hidden_states=True).hidden_states
    block = _blocks(loaded.model, loaded.n_layers)[0]
    return block, hidden[0][0], hidden[1][0], torch.from_numpy(attention[0])


def test_attention_source_reads_the_attention_sublayer_before_the_residual(tiny_llama, tiny_bert):
    import torch

    X = np.array([[1.0, 2.0, 3.0, 4.0]])
    # Llama: h1 = mid + mlp(norm(mid)) with mid = h0 + attention output.
    block, h0, h1, a = _states_with_every_token(tiny_llama, X)
    assert a.shape == h0.shape
    mid = h0 + a
    with torch.inference_mode():
        torch.testing.assert_close(mid + block.mlp(block.post_attention_layernorm(mid)), h1)
    assert not torch.allclose(a, h1 - h0, atol=1e-3)  # the residual stream is not the source
    # BERT: the attention module adds the residual and normalizes after output.dense.
    block, h0, h1, a = _states_with_every_token(tiny_bert, X)
    with torch.inference_mode():
        after = block.attention.output.LayerNorm(a + h0)
        torch.testing.assert_close(block.output(block.intermediate(after), after), h1)


def test_attention_sublayers_of_gpt2():
    from transformers import GPT2Config, GPT2Model

    from llmiso.embedding._forward import attention_sublayers

    model = GPT2Model(GPT2Config(n_layer=2, n_embd=16, n_head=2, vocab_size=50))
    assert attention_sublayers(model, 2) == [model.h[0].attn, model.h[1].attn]


def test_profile_from_attention_outputs(tiny_llama):
    X = np.random.default_rng(0).random((30, 6))
    embedder = LLMEmbedder(tiny_llama, dtype="float32")
    profile = isotropy_profile(embedder, X, source="attention", sample_size=100)
    assert list(profile.index) == [1, 2]
    states = [s.astype(float) for s in embedder.fit(X).attention_outputs(X, sample_size=100)]
    assert profile.loc[2, "isoscore_raw"] == pytest.approx(isoscore(states[1]), rel=1e-5)
    # The paper's protocol: globally centered before the cluster cosine.
    assert profile.loc[2, "average_cosine_centered"] == pytest.approx(
        adjusted_isotropy(states[1] - states[1].mean(axis=0), "average_cosine"), rel=1e-5)
