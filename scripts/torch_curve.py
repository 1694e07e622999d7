#!/usr/bin/env python3
"""PyTorch peer for paper 000's learning curves: trains the atomic autoencoder of bench_torch.py with
the reference protocol (seeded 30,000-image subset of the training split, 80% train / 20%
validation, Adam, batch 64, MSE) and prints the validation PSNR every --eval-every steps, one JSON
object per line, to set beside `sparselab aae train`'s curve at the same steps. It checks that
sparselab's model trains like the PyTorch one step for step; it is a measuring stick, not part of
the library (the split and the initial weights differ from sparselab's, so expect agreement to
a few tenths of a dB, not exactly).

  /usr/bin/python3 scripts/torch_curve.py --dataset mnist --aggregation max --lr 1e-3 --steps 2250
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_torch import MaxAAE  # noqa: E402


def load_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, h, w = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, h, w).astype(np.float32) / 255.0


def psnr_per_image(model, x, batch=500):
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = x[i:i + batch]
            mse = ((model(xb) - xb) ** 2).flatten(1).mean(1)
            out.append(10 * torch.log10(1 / mse))
    return torch.cat(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    p.add_argument("--aggregation", default="max", choices=["max", "sum", "ae"])
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--steps", type=int, default=2250)
    p.add_argument("--eval-every", type=int, default=375)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--data", default=os.path.join(os.environ.get("SPARSELAB_DATA", os.path.expanduser("~/.cache/sparselab/data"))))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x = load_images(os.path.join(a.data, a.dataset, "train-images-idx3-ubyte.gz"))
    rng = np.random.default_rng(a.seed)
    idx = rng.permutation(len(x))[:30000]
    train, val = torch.from_numpy(x[idx[:24000]]), torch.from_numpy(x[idx[24000:]])
    model = MaxAAE(c=8 if a.dataset == "mnist" else 32, aggregation=a.aggregation)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    step, t0 = 0, time.time()
    while step < a.steps:
        perm = torch.randperm(len(train))
        for i in range(0, len(train) - 63, 64):
            xb = train[perm[i:i + 64]]
            opt.zero_grad(set_to_none=True)
            loss = F.mse_loss(model(xb), xb)
            loss.backward()
            opt.step()
            step += 1
            if step % a.eval_every == 0 or step == a.steps:
                model.eval()
                ps = psnr_per_image(model, val)
                model.train()
                print(json.dumps({"step": step, "val_psnr": round(ps.mean().item(), 3), "loss": loss.item(),
                                  "elapsed_s": round(time.time() - t0, 1)}), flush=True)
            if step >= a.steps:
                break


if __name__ == "__main__":
    main()
