# Builds the tiny Gemma-style tokenizer.json used by test/models/paligemma (structure of Gemma's: Replace " " -> "▁"
# normalizer, no pre-tokenizer, BPE with byte_fallback, Replace/ByteFallback/Fuse decoder; ids 0-3 special,
# "\n" = 108, "<image>" = 256 like the tiny PaliGemma golden).
import json
words = ["answer", "▁en", "▁what", "▁is", "▁this", "▁color", "yes", "no", "blue", "▁the", "▁shirt", "▁it"]
chars = ["▁"] + [chr(c) for c in range(ord('a'), ord('z') + 1)] + ["?", ".", "<0xC3>", "<0xA9>"]
pieces, merges = [], []
for w in words:
    cur = w[0]
    for ch in w[1:]:
        nxt = cur + ch
        if nxt not in pieces:
            pieces.append(nxt)
            merges.append(f"{cur} {ch}")
        cur = nxt
specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
ordered = specials + chars + pieces
vocab = {}
i = 0
for tok in ordered:
    while i in (108, 256):
        i += 1
    vocab[tok] = i
    i += 1
vocab["\n"] = 108
vocab["<image>"] = 256
assert max(vocab.values()) < 300, max(vocab.values())
added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
         for t in specials + ["<image>"]]
tok = {
    "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
    "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
    "pre_tokenizer": None,
    "post_processor": {"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}}},
    "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]},
    "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": None,
              "fuse_unk": True, "byte_fallback": True, "ignore_merges": False, "vocab": vocab, "merges": merges},
}
out = "/work/main/test/models/paligemma/tokenizer/"
json.dump(tok, open(out + "tokenizer.json", "w"), ensure_ascii=False, indent=1)
json.dump({"add_bos_token": True, "add_eos_token": False, "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
           "padding_side": "left", "tokenizer_class": "GemmaTokenizer"}, open(out + "tokenizer_config.json", "w"), indent=1)
for w in ["answer", "▁en", "▁what", "▁is", "▁this", "▁color", "yes", "no", "blue", "▁the", "▁shirt", "▁it", "?", "<0xC3>", "<0xA9>", "▁", "\n", "<unk>"]:
    print(repr(w), vocab[w])
