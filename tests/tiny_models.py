"""Tiny random-weight models built locally for fast API tests (nothing from a hub)."""

import os
import string
import tempfile
from pathlib import Path

ROOT = Path(tempfile.gettempdir()) / f"llmiso-tiny-models-{os.getuid()}"
LLAMA = ROOT / "tiny-llama"
BERT = ROOT / "tiny-bert"
N_LAYERS = 2
HIDDEN = 16


def _tokenizer(*, bert):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] if bert else ["<pad>", "<unk>", "<s>"]
    chars = string.digits + string.ascii_letters + string.punctuation + " "
    vocab = {tok: i for i, tok in enumerate(specials + list(chars))}
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
    return PreTrainedTokenizerFast(tokenizer_object=backend, model_max_length=512, **names), len(vocab)


def build():
    """Write both tiny checkpoints once per machine; return their folders."""
    import torch
    from transformers import BertConfig, BertModel, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    for folder, bert in ((LLAMA, False), (BERT, True)):
        if (folder / "config.json").is_file():
            continue
        tokenizer, vocab_size = _tokenizer(bert=bert)
        common = dict(
            vocab_size=vocab_size, hidden_size=HIDDEN, num_hidden_layers=N_LAYERS,
            num_attention_heads=2, intermediate_size=32, max_position_embeddings=512,
        )
        if bert:
            model = BertModel(BertConfig(**common))
        else:
            model = LlamaForCausalLM(LlamaConfig(**common, num_key_value_heads=2))
        tmp = Path(tempfile.mkdtemp(dir=ROOT.parent))
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        ROOT.mkdir(parents=True, exist_ok=True)
        try:
            tmp.rename(folder)
        except OSError:
            pass  # another test process built it first
    return str(LLAMA), str(BERT)
