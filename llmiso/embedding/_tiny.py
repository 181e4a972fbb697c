"""Tiny random-weight models, built locally in a second: for tests and offline examples.

``"tiny-random-llama"`` (a causal LM) and ``"tiny-random-bert"`` (an encoder) have
2 layers of width 16 and a character-level tokenizer. Their embeddings mean
nothing; they exercise every code path without the real model's cost.
"""

import string

N_LAYERS = 2
HIDDEN = 16


def _tokenizer(*, bert):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] if bert else ["<pad>", "<unk>", "<s>"]
    chars = string.digits + string.ascii_letters + string.punctuation + " "
    vocab = {token: i for i, token in enumerate(specials + list(chars))}
    backend = Tokenizer(models.WordLevel(vocab, unk_token=specials[1]))
    backend.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    if bert:
        backend.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
        )
        names = dict(pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]")
    else:
        backend.post_processor = processors.TemplateProcessing(
            single="<s> $A", special_tokens=[("<s>", 2)]
        )
        names = dict(pad_token="<pad>", unk_token="<unk>", bos_token="<s>")
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, model_max_length=512, **names)
    return tokenizer, len(vocab)


def write(kind, folder):
    """Write the tiny ``kind`` ("llama" or "bert") checkpoint into ``folder``."""
    import torch
    from transformers import BertConfig, BertModel, LlamaConfig, LlamaForCausalLM

    tokenizer, vocab_size = _tokenizer(bert=kind == "bert")
    common = dict(
        vocab_size=vocab_size,
        hidden_size=HIDDEN,
        num_hidden_layers=N_LAYERS,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=512,
    )
    torch.manual_seed(0)
    if kind == "bert":
        model = BertModel(BertConfig(**common))
    else:
        model = LlamaForCausalLM(LlamaConfig(**common, num_key_value_heads=2))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
