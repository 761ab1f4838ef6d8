"""PyTorch peer for `bench/heads.ts`: one epoch of the clip-linear VQA head on synthetic features.

The model, losses and optimizer mirror src/models/heads/clip-linear.ts (Deuser et al.: LayerNorm -> Dropout -> Linear
-> LayerNorm -> Dropout -> Linear; answer-type gate; answerability branch; CE + CE + BCE; Adam). Prints one JSON line:
{"torch": version, "threads": n, "epoch_s": seconds, "steps": n, "last_loss": x, "peak_rss_mb": m}.
Usage: heads_peer.py --rows N --dim-img D --dim-txt D --hidden H --answers C --types T --answerable-hidden A
                     --batch B --threads K [--warmup S]
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ClipLinearHead(nn.Module):
    def __init__(self, d: int, hidden: int, answers: int, types: int, answerable_hidden: int, dropout: float):
        super().__init__()
        self.answer_in_norm = nn.LayerNorm(d)
        self.answer_fc1 = nn.Linear(d, hidden)
        self.answer_hidden_norm = nn.LayerNorm(hidden)
        self.answer_fc2 = nn.Linear(hidden, answers)
        self.type_fc = nn.Linear(hidden, types)
        self.type_to_answer = nn.Linear(types, answers)
        self.answerable_norm = nn.LayerNorm(d)
        self.answerable_fc1 = nn.Linear(d, answerable_hidden)
        self.answerable_fc2 = nn.Linear(answerable_hidden, 1)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        h = self.answer_fc1(self.drop(self.answer_in_norm(x)))  # (B, H)
        raw = self.answer_fc2(self.drop(self.answer_hidden_norm(h)))  # (B, C)
        type_logits = self.type_fc(h)  # (B, T)
        gate = torch.sigmoid(self.type_to_answer(type_logits))  # (B, C)
        answerable = self.answerable_fc2(self.answerable_fc1(self.answerable_norm(x)))[:, 0]  # (B,)
        return raw * gate, type_logits, answerable


def main() -> None:
    p = argparse.ArgumentParser()
    for name in ["rows", "dim-img", "dim-txt", "hidden", "answers", "types", "answerable-hidden", "batch", "threads"]:
        p.add_argument("--" + name, type=int, required=True)
    p.add_argument("--warmup", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    d = a.dim_img + a.dim_txt
    image = torch.randn(a.rows, a.dim_img)
    text = torch.randn(a.rows, a.dim_txt)
    answer_label = torch.randint(0, a.answers, (a.rows,))
    type_label = torch.randint(0, a.types, (a.rows,))
    answerable = torch.randint(0, 2, (a.rows,)).float()
    model = ClipLinearHead(d, a.hidden, a.answers, a.types, a.answerable_hidden, 0.5)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)

    def step(idx):
        x = torch.cat([image[idx], text[idx]], dim=1)  # (B, D)
        answer_logits, type_logits, answerable_logit = model(x)
        loss = (F.cross_entropy(answer_logits, answer_label[idx]) + F.cross_entropy(type_logits, type_label[idx])
                + F.binary_cross_entropy_with_logits(answerable_logit, answerable[idx]))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(a.warmup):
        step(torch.randint(0, a.rows, (a.batch,)))
    start = time.perf_counter()
    order = torch.randperm(a.rows)
    steps = 0
    loss = None
    for i in range(0, a.rows, a.batch):
        loss = step(order[i:i + a.batch])
        steps += 1
    elapsed = time.perf_counter() - start
    print(json.dumps({"torch": torch.__version__.split("+")[0], "threads": torch.get_num_threads(),
                      "epoch_s": elapsed, "steps": steps, "last_loss": float(loss.item()) if loss is not None else None,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
