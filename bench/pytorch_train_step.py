#!/usr/bin/env python3
"""The demo set's models in PyTorch eager mode (Debian's python3-torch): the median time of a
training step (forward, loss, backward, clipping, AdamW), to set beside bench/train_bench.

    /usr/bin/python3 bench/pytorch_train_step.py [THREADS] [STEPS] [FAMILY]

FAMILY (bert or opt) runs that model only.

The models mirror hopscope's BERT (post-LN, masked LM with 15 % of positions scored, tied decoder)
and OPT (pre-LN, causal LM, tied lm_head) at the demo size: 4 layers, hidden 128, 4 heads, FFN 512,
vocabulary 4096, batches of 32 blocks of 128 tokens, plain softmax attention.
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, L, H, FFN, T, B = 4096, 128, 4, 4, 512, 128, 32


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(D, D) for _ in range(4))

    def forward(self, x, mask):
        b, t, _ = x.shape
        split = lambda y: y.view(b, t, H, D // H).transpose(1, 2)
        scores = split(self.q(x)) @ split(self.k(x)).transpose(-1, -2) / (D // H) ** 0.5 + mask
        context = scores.softmax(-1) @ split(self.v(x))
        return self.o(context.transpose(1, 2).reshape(b, t, D))


class Layer(nn.Module):
    def __init__(self, pre_norm):
        super().__init__()
        self.pre_norm = pre_norm
        self.attention = Attention()
        self.norm1, self.norm2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.fc1, self.fc2 = nn.Linear(D, FFN), nn.Linear(FFN, D)
        self.act = F.relu if pre_norm else F.gelu

    def forward(self, x, mask):
        if self.pre_norm:
            x = x + self.attention(self.norm1(x), mask)
            return x + self.fc2(self.act(self.fc1(self.norm2(x))))
        x = self.norm1(x + self.attention(x, mask))
        return self.norm2(x + self.fc2(self.act(self.fc1(x))))


class Model(nn.Module):
    def __init__(self, causal):
        super().__init__()
        self.causal = causal
        self.tokens, self.positions = nn.Embedding(V, D), nn.Embedding(T + 2, D)
        self.layers = nn.ModuleList(Layer(pre_norm=causal) for _ in range(L))
        self.norm = nn.LayerNorm(D)
        self.transform = nn.Linear(D, D)
        self.bias = nn.Parameter(torch.zeros(V))

    def forward(self, ids):
        x = self.tokens(ids) + self.positions.weight[: ids.shape[1]]
        mask = torch.full((T, T), torch.finfo(x.dtype).min).triu(1) if self.causal else torch.zeros(T, T)
        if not self.causal:
            x = self.norm(x)
        for layer in self.layers:
            x = layer(x, mask)
        if self.causal:
            return self.norm(x) @ self.tokens.weight.t()
        return F.layer_norm(F.gelu(self.transform(x)), (D,)) @ self.tokens.weight.t() + self.bias


def median_step(causal, steps):
    torch.manual_seed(0)
    model = Model(causal)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    ids = torch.randint(5, V, (B, T))
    labels = torch.where(torch.rand(B, T) < 0.15, ids, torch.full_like(ids, -100))
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        logits = model(ids)
        if causal:
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
        else:
            loss = F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), ignore_index=-100)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    torch.set_num_threads(threads)
    print(f"PyTorch {torch.__version__}, {threads} threads, {steps} steps per model")
    only = sys.argv[3] if len(sys.argv) > 3 else None
    for name, causal in (("bert", False), ("opt", True)):
        if only and name != only:
            continue
        seconds = median_step(causal, steps)
        print(f"{name:5} softmax   gate none    median {seconds:.3f} s/step  {1 / seconds:.2f} steps/s  "
              f"{B * T / seconds:.0f} tokens/s")


if __name__ == "__main__":
    main()
