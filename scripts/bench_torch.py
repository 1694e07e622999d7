#!/usr/bin/env python3
"""PyTorch peer for `sparselab bench`: the same workloads as the Go benchmarks, timed the same way.

Prints one JSON object per workload on stdout. Uses Debian's python3-torch (CPU) or any torch
(CUDA when --device=cuda). Written for sparselab from the paper's architecture description
(papers.md, section 000); it is a measuring stick, not part of the library.
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MaxAAE(nn.Module):
    """Paper 000's atomic autoencoder; aggregation "max", "sum" or "ae" (plain autoencoder)."""

    def __init__(self, c=8, blocks=20, block=10, aggregation="max", size=28):
        super().__init__()
        self.c, self.blocks, self.block, self.agg, self.s = c, blocks, block, aggregation, size // 4
        lr = lambda: nn.LeakyReLU(0.01)
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c // 2, 3, 2, 1), lr(), nn.Conv2d(c // 2, c, 3, 2, 1), lr(), nn.Flatten(),
            nn.Linear(c * self.s * self.s, 210), lr(), nn.Linear(210, blocks * block), lr())
        if aggregation == "ae":
            # LeakyReLU after both dense layers: the paper's AE (sparselab's --ae_decoder_activation, the default).
            self.dense = nn.Sequential(nn.Linear(blocks * block, 210), lr(), nn.Linear(210, c * self.s * self.s), lr())
        else:
            self.dense = nn.Sequential(
                nn.Linear(block, 2 * block), lr(), nn.Linear(2 * block, 100), lr(), nn.Linear(100, 200), lr(),
                nn.Linear(200, c * self.s * self.s))
        self.convs = nn.Sequential(
            nn.Conv2d(c, c, 3, 1, 1), nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), lr(),
            nn.Conv2d(c, c // 2, 3, 1, 1), nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), lr(),
            nn.Conv2d(c // 2, 1, 3, 1, 1))

    def forward(self, x):
        b = x.shape[0]
        theta = self.encoder(x)
        if self.agg == "ae":
            return self.convs(self.dense(theta).view(b, self.c, self.s, self.s))
        atoms = self.convs(self.dense(theta.view(b * self.blocks, self.block)).view(-1, self.c, self.s, self.s))
        atoms = atoms.view(b, self.blocks, 1, 4 * self.s, 4 * self.s)
        return atoms.max(1)[0] if self.agg == "max" else atoms.sum(1)


def timeit(fn, sync, warmup, min_time, max_iters):
    for _ in range(warmup):
        fn()
    sync()
    n, t0 = 0, time.perf_counter()
    while n < max_iters and (n == 0 or time.perf_counter() - t0 < min_time):
        fn()
        n += 1
    sync()
    return (time.perf_counter() - t0) / n, n


def sizes_and_models(args):
    """(c, aggregation) for every size (--channels) and model (--models), sizes outermost."""
    return [(int(c), agg) for c in args.channels.split(",") for agg in args.models.split(",")]


def bench_aae(args, device, sync):
    torch.manual_seed(0)
    out = []
    for c, agg in sizes_and_models(args):
        model = MaxAAE(c=c, aggregation=agg).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        x = torch.rand(args.batch, 1, 28, 28, device=device)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.mse_loss(model(x), x)
            loss.backward()
            opt.step()

        sec, n = timeit(step, sync, args.warmup, args.min_time, args.max_iters)
        out.append({"workload": f"aae-train-step/{agg}", "channels": c, "batch": args.batch, "seconds": sec, "iters": n,
                    "images_per_s": args.batch / sec})
    return out


def bench_fista(args, device, sync):
    torch.manual_seed(0)
    m, k, b, iters, lam = 784, 1024, 256, 100, 0.1
    D = torch.randn(m, k, device=device) / m ** 0.5
    X = torch.randn(m, b, device=device)
    L = torch.linalg.matrix_norm(D, ord=2) ** 2

    def solve():
        z = torch.zeros(k, b, device=device)
        y, t = z, 1.0
        DtX = D.T @ X
        for _ in range(iters):
            g = D.T @ (D @ y) - DtX
            zn = F.softshrink(y - g / L, float(lam / L))
            tn = (1 + (1 + 4 * t * t) ** 0.5) / 2
            y = zn + ((t - 1) / tn) * (zn - z)
            z, t = zn, tn
        return z

    sec, n = timeit(solve, sync, 1, args.min_time, args.max_iters)
    return [{"workload": "fista-784x1024-b256-100it", "seconds": sec, "iters": n}]


def sr_matrix(n=28, factor=2, sigma=0.7):
    """One axis of paper 000's super-resolution operator: circular Gaussian blur, then keep 0, f, 2f, ..."""
    i = torch.arange(n)
    d = (i[:, None] - i[None, :]).abs()
    d = torch.minimum(d, n - d).float()
    g = torch.exp(-d ** 2 / (2 * sigma ** 2))
    return (g / g.sum(1, keepdim=True))[::factor]


def bench_pgd(args, device, sync):
    """The reference code's PGD: at each of 15 iterations try the steps {1, 10, 5}, project each
    candidate with the autoencoder, keep the one of least residual per image; return the iterate of
    least residual. Untrained weights, random images (the cost does not depend on them)."""
    torch.manual_seed(0)
    out = []
    M = sr_matrix().to(device)  # A x = M x Mᵀ on each 28×28 image
    steps = torch.tensor([1.0, 10.0, 5.0], device=device)
    n, g = args.pgd_images, 3
    truth = torch.rand(n, 1, 28, 28, device=device)
    y = M @ truth @ M.T
    for c, agg in sizes_and_models(args):
        model = MaxAAE(c=c, aggregation=agg).to(device).eval()

        def residual(x):
            return (M @ x @ M.T - y).flatten(1).norm(dim=1)

        @torch.no_grad()
        def solve():
            x = torch.zeros_like(truth)
            r = residual(x)
            best, best_r = x.clone(), r.clone()
            for _ in range(15):
                grad = M.T @ (M @ x @ M.T - y) @ M
                cands = (x[None] - steps.view(g, 1, 1, 1, 1) * grad[None]).reshape(g * n, 1, 28, 28)
                proj = torch.cat([model(c) for c in cands.split(256)]).view(g, n, 1, 28, 28)
                rs = (M @ proj @ M.T - y[None]).flatten(2).norm(dim=2)  # [g, n]
                r, k = rs.min(0)
                x = proj[k, torch.arange(n, device=device)]
                better = r < best_r
                best[better], best_r[better] = x[better], r[better]
            return best

        sec, it = timeit(solve, sync, 1, args.min_time, args.max_iters)
        out.append({"workload": f"pgd-superres-x2/{agg}", "channels": c, "batch": n, "seconds": sec, "iters": it,
                    "images_per_s": n / sec})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--models", default="max,sum,ae")
    p.add_argument("--channels", default="8", help="comma-separated c (8: MNIST sizes, 32: Fashion-MNIST sizes)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--min-time", type=float, default=3.0)
    p.add_argument("--max-iters", type=int, default=200)
    p.add_argument("--pgd-images", type=int, default=100)
    p.add_argument("--workloads", default="aae,fista,pgd")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    sync = (lambda: torch.cuda.synchronize()) if device.type == "cuda" else (lambda: None)
    results = []
    if "aae" in args.workloads:
        results += bench_aae(args, device, sync)
    if "fista" in args.workloads:
        results += bench_fista(args, device, sync)
    if "pgd" in args.workloads:
        results += bench_pgd(args, device, sync)
    for r in results:
        r.update({"framework": f"pytorch {torch.__version__}", "device": args.device, "threads": args.threads})
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
