"""Stage 2 of embedding: token ids through the model, states read out (the torch module).

Batches hold prompts of one token count (none is padded); below the last layer the pass stops
after the deepest block requested. Two readings: one pooled vector per prompt
(:func:`pooled_states`), or the states at given token positions
(:func:`states_at`).
"""

import itertools
import threading

import numpy as np


class _Stop(Exception):
    """Raised from a hook once the deepest requested layer has run."""


# Capture hooks are registered once per model and act only for the thread that
# asked for an early exit, so passes in other threads (full or early) never see them.
_CAPTURE = threading.local()
_REGISTER_LOCK = threading.Lock()


def _blocks(model, n_layers):
    """The model's list of transformer blocks, or None when it cannot be found.

    The first ModuleList of ``n_layers`` layers or blocks (LlamaDecoderLayer,
    BertLayer, GPT2Block, ...); anything else means a full pass, never a guess.
    """
    import torch

    for module in model.modules():
        if (
            isinstance(module, torch.nn.ModuleList)
            and len(module) == n_layers
            and type(module[0]).__name__.endswith(("Layer", "Block"))
        ):
            return module
    return None


def attention_sublayers(model, n_layers):
    """Per transformer block, the module whose output is its self-attention sublayer's
    output before the residual add (the seed paper's hook point): Llama-style
    ``self_attn``, GPT-2 ``attn``, and BERT's ``attention.output.dense`` (BERT's
    ``attention`` module itself adds the residual and normalizes)."""
    blocks = _blocks(model, n_layers)
    if blocks is None:
        raise ValueError(f"Cannot find the {n_layers} transformer blocks of "
                         f"{type(model).__name__} to read their attention sublayers.")
    found = []
    for block in blocks:
        attention = next((getattr(block, name) for name in ("self_attn", "attn", "attention")
                          if hasattr(block, name)), None)
        if attention is None:
            raise ValueError(f"Cannot find the self-attention sublayer of {type(block).__name__} "
                             "(looked for self_attn, attn, attention).")
        dense = getattr(getattr(attention, "output", None), "dense", None)
        found.append(dense if dense is not None else attention)
    return found


def _after_attention(module, args, output):
    request = getattr(_CAPTURE, "attention", None)
    if request is not None:
        request[module._llmiso_layer] = output[0] if isinstance(output, tuple) else output


def attention_outputs_at(reading, ids, picks, *, progress):
    """The attention sublayers' outputs at chosen tokens, layer by layer.

    ``picks[i]`` lists the token positions of prompt i to keep. Returns one
    (total picks, hidden) float32 array per layer 1..n_layers, rows in prompt order.
    """
    import torch

    loaded = reading.loaded
    modules = attention_sublayers(loaded.model, loaded.n_layers)
    with _REGISTER_LOCK:
        for layer, module in enumerate(modules, start=1):
            if not hasattr(module, "_llmiso_layer"):
                module._llmiso_layer = layer
                module.register_forward_hook(_after_attention)
    per_prompt = [None] * len(ids)
    _CAPTURE.attention = {}
    try:
        for batch, _, _ in _batches(loaded, ids, [loaded.n_layers], reading.batch_size, progress):
            outputs = _CAPTURE.attention
            for j, i in enumerate(batch):
                per_prompt[i] = torch.stack(
                    [outputs[L][j, picks[i]] for L in range(1, loaded.n_layers + 1)]
                ).float().cpu().numpy()
            _CAPTURE.attention = {}
    finally:
        _CAPTURE.attention = None
    stacked = np.concatenate(per_prompt, axis=1)  # (layers, total picks, hidden)
    return list(stacked)


def _before_first(module, args, kwargs):
    request = getattr(_CAPTURE, "request", None)
    if request is not None:
        request["states"].append(args[0] if args else kwargs["hidden_states"])
        if request["deepest"] == 0:
            raise _Stop


def _after_block(module, args, output):
    request = getattr(_CAPTURE, "request", None)
    if request is not None:
        request["states"].append(output[0] if isinstance(output, tuple) else output)
        if len(request["states"]) > request["deepest"]:
            raise _Stop


def _hooked_blocks(model, n_layers):
    """The blocks, with the capture hooks registered on them once."""
    blocks = _blocks(model, n_layers)
    if blocks is None:
        return None
    with _REGISTER_LOCK:
        if not getattr(blocks, "_llmiso_hooked", False):
            blocks[0].register_forward_pre_hook(_before_first, with_kwargs=True)
            for block in blocks:
                block.register_forward_hook(_after_block)
            blocks._llmiso_hooked = True
    return blocks


def hidden_states(loaded, input_ids, mask, deepest):
    """Hidden states 0..deepest of a batch (indexable like transformers' hidden_states).

    Below the last layer, the pass stops after block ``deepest``: the later blocks
    (and the final norm) cannot change the states asked for, so reading layer 24
    of 30 costs 24/30 of a pass. The states are the blocks' outputs, which is
    what transformers reports for every layer but the last.
    """
    blocks = _hooked_blocks(loaded.model, loaded.n_layers) if deepest < loaded.n_layers else None
    if blocks is None:
        return loaded.model(
            input_ids=input_ids, attention_mask=mask, output_hidden_states=True
        ).hidden_states
    request = {"states": [], "deepest": deepest}
    _CAPTURE.request = request
    try:
        loaded.model(input_ids=input_ids, attention_mask=mask)
    except _Stop:
        pass
    finally:
        _CAPTURE.request = None
    return request["states"]


def _pool(states, mask, pooling):
    """One vector per prompt from (batch, tokens, hidden) states (``mask`` marks each
    prompt's tokens)."""
    import torch

    if pooling == "first":
        return states[:, 0]
    if pooling == "last":
        last = mask.sum(dim=1) - 1
        return states[torch.arange(len(last), device=states.device), last]
    weights = mask.unsqueeze(-1).to(states.dtype)
    return (states * weights).sum(dim=1) / weights.sum(dim=1)


def _equal_length_batches(ids, batch_size):
    """Batches of at most ``batch_size`` prompts of one token count each, shortest first.

    No prompt is ever padded: padded to its batch's longest, a prompt's states moved
    with the padding in bfloat16 (up to 1% of the largest value, docs/benchmarks.md),
    so a series' forecast would follow the other series of a panel. Sorting on the
    ids too makes batches depend on the set of prompts, not on their order.
    """
    order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), ids[i]))
    for _, same in itertools.groupby(order, key=lambda i: len(ids[i])):
        same = list(same)
        for start in range(0, len(same), batch_size):
            yield same[start : start + batch_size]


def _batches(loaded, ids, layers, batch_size, progress):
    """Yield (prompt indices, states by layer, mask) for batches of equal-length prompts."""
    import torch

    with torch.inference_mode():
        for batch in _equal_length_batches(ids, batch_size):
            # Every prompt of a batch has the same length: no padding, a mask of ones.
            input_ids = torch.tensor([ids[i] for i in batch], dtype=torch.long)
            mask = torch.ones_like(input_ids).to(loaded.device)
            states = hidden_states(loaded, input_ids.to(loaded.device), mask, max(layers))
            progress.update(len(batch))
            yield batch, states, mask


def pooled_states(reading, ids, *, progress):
    """(n_prompts, hidden * len(layers)) float32: one pooled vector per prompt."""
    import torch

    layers = reading.layers
    out = np.empty((len(ids), reading.width), np.float32)
    for batch, states, mask in _batches(reading.loaded, ids, layers, reading.batch_size, progress):
        pooled = [_pool(states[L], mask, reading.pooling) for L in layers]
        out[batch] = torch.cat(pooled, dim=1).float().cpu().numpy()
    return out


def states_at(reading, ids, positions, *, progress):
    """For each prompt i, the (len(positions[i]), hidden * len(layers)) states there."""
    import torch

    layers = reading.layers
    out = [None] * len(ids)
    for batch, states, _ in _batches(reading.loaded, ids, layers, reading.batch_size, progress):
        for j, i in enumerate(batch):
            picked = [states[L][j, positions[i]] for L in layers]
            out[i] = torch.cat(picked, dim=1).float().cpu().numpy()
    return out
