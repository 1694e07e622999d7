#!/usr/bin/python3
"""Export PyTorch atomic-autoencoder weights for `sparselab aae import`.

Paper 000's authors (Joundi, Traonmilin, Newson) released their trained models as TorchScript
archives (Model_AAE/AAE_<MNIST|FMNIST>_<max|sum|simple>.pt in their code's repository). This
script reads one and writes an .npz (a zip of .npy arrays) that `sparselab aae import` converts
into a sparselab checkpoint:

  <state name>.npy   every parameter under its PyTorch name (encoder.0.weight, ...), and the
                     running averages of a BatchNorm (encoder.9.running_mean, ...), float32
  check_input.npy    16 images (uniform in [0, 1], seed 0), [16, 28, 28]
  check_output.npy   the PyTorch model's output on them, [16, 28, 28]
  meta.json          aggregation (max, sum or ae), channels, blocks, block_size, the source
                     file and its SHA-256

The check arrays let the import verify that sparselab's graph computes the same function as the
PyTorch model (same layouts, same upsampling), not just that the shapes fit.

  /usr/bin/python3 scripts/reference_weights.py export AAE_MNIST_max.pt mnist-max-authors.npz
  /usr/bin/python3 scripts/reference_weights.py fixtures DIR   # small random models, for tests

`scripts/setup.sh torch` installs PyTorch (Debian's python3-torch).
"""
import argparse
import hashlib
import io
import json
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn

CHECK_IMAGES = 16


def aggregation_of(model):
    """max, sum or ae, from the TorchScript module's attributes."""
    op = getattr(model, "operation", None)
    if op in ("max", "sum"):
        return op
    names = {n for n, _ in model.named_children()}
    if "mlp_decoder" in names:
        return "ae"
    raise SystemExit("reference_weights: the model is neither an atomic autoencoder (operation max or sum) "
                     "nor the plain autoencoder (mlp_decoder); children: %s" % sorted(names))


def arrays_of(model):
    """Parameters and BatchNorm running averages, by PyTorch name, as float32 arrays."""
    out = {}
    for name, p in model.named_parameters():
        out[name] = p.detach().cpu().numpy().astype(np.float32)
    for mname, m in model.named_modules():
        for buf in ("running_mean", "running_var"):
            t = getattr(m, buf, None) if hasattr(m, buf) else None
            if isinstance(t, torch.Tensor):
                out[(mname + "." if mname else "") + buf] = t.detach().cpu().numpy().astype(np.float32)
    return out


def export(model, out_path, source="", sha="", n_check=CHECK_IMAGES):
    model.eval()
    agg = aggregation_of(model)
    arrays = arrays_of(model)
    enc_conv2 = arrays["encoder.2.weight"]
    meta = {
        "aggregation": agg,
        "channels": int(enc_conv2.shape[0]),
        "latent": int(arrays["encoder.7.weight"].shape[0]),
        "latent_batchnorm": "encoder.9.running_mean" in arrays,
        "source": source,
        "source_sha256": sha,
        "exported_by": "scripts/reference_weights.py (torch %s)" % torch.__version__,
    }
    if agg != "ae":
        meta["blocks"] = int(model.num_block)
        meta["block_size"] = int(model.size_block)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(n_check, 28, 28)).astype(np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x).view(-1, 1, 28, 28)).view(-1, 28, 28).numpy().astype(np.float32)
    arrays["check_input"] = x
    arrays["check_output"] = y
    with zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, a in sorted(arrays.items()):
            buf = io.BytesIO()
            np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
            z.writestr(name + ".npy", buf.getvalue())
        z.writestr("meta.json", json.dumps(meta, indent=1, sort_keys=True))
    print("%s: %s, c=%d, %d arrays (+check_input, check_output)" % (out_path, agg, meta["channels"], len(arrays) - 2))


# Small models with the authors' module layout (names and order of layers), for sparselab's tests.
class Atomic(nn.Module):
    def __init__(self, c, blocks, block_size, operation, batchnorm):
        super().__init__()
        self.c, self.num_block, self.size_block, self.operation = c, blocks, block_size, operation
        enc = [nn.Conv2d(1, c // 2, 3, 2, 1), nn.LeakyReLU(), nn.Conv2d(c // 2, c, 3, 2, 1), nn.LeakyReLU(),
               nn.Flatten(), nn.Linear(c * 49, 210), nn.LeakyReLU(), nn.Linear(210, blocks * block_size), nn.LeakyReLU()]
        if batchnorm:
            enc.append(nn.BatchNorm1d(blocks * block_size, affine=False))
        self.encoder = nn.Sequential(*enc)
        self.mini_decoder = nn.Sequential(nn.Linear(block_size, 2 * block_size), nn.LeakyReLU(),
                                          nn.Linear(2 * block_size, 100), nn.LeakyReLU(),
                                          nn.Linear(100, 200), nn.LeakyReLU(), nn.Linear(200, c * 49))
        self.mini_decoder_deconv = nn.Sequential(
            nn.Conv2d(c, c, 3, 1, 1), nn.Upsample(scale_factor=2, mode="bilinear"), nn.LeakyReLU(),
            nn.Conv2d(c, c // 2, 3, 1, 1), nn.Upsample(scale_factor=2, mode="bilinear"), nn.LeakyReLU(),
            nn.Conv2d(c // 2, 1, 3, 1, 1))

    def forward(self, x):
        theta = self.encoder(x.view(-1, 1, 28, 28)).view(-1, self.num_block, self.size_block)
        atoms = self.mini_decoder_deconv(self.mini_decoder(theta).view(-1, self.c, 7, 7))
        atoms = atoms.view(-1, self.num_block, 1, 28, 28)
        if self.operation == "sum":
            return atoms.sum(1)
        return atoms.max(1)[0]


class Plain(nn.Module):
    def __init__(self, c, latent):
        super().__init__()
        self.c = c
        self.encoder = nn.Sequential(nn.Conv2d(1, c // 2, 3, 2, 1), nn.LeakyReLU(), nn.Conv2d(c // 2, c, 3, 2, 1),
                                     nn.LeakyReLU(), nn.Flatten(), nn.Linear(c * 49, 210), nn.LeakyReLU(),
                                     nn.Linear(210, latent), nn.LeakyReLU())
        self.mlp_decoder = nn.Sequential(nn.Linear(latent, 210), nn.LeakyReLU(), nn.Linear(210, c * 49), nn.LeakyReLU())
        self.decoder = nn.Sequential(
            nn.Conv2d(c, c, 3, 1, 1), nn.Upsample(scale_factor=2, mode="bilinear"), nn.LeakyReLU(),
            nn.Conv2d(c, c // 2, 3, 1, 1), nn.Upsample(scale_factor=2, mode="bilinear"), nn.LeakyReLU(),
            nn.Conv2d(c // 2, 1, 3, 1, 1))

    def forward(self, x):
        h = self.mlp_decoder(self.encoder(x.view(-1, 1, 28, 28)))
        return self.decoder(h.view(-1, self.c, 7, 7))


def fixtures(out_dir):
    torch.manual_seed(0)
    models = {
        "max-bn": Atomic(2, 3, 2, "max", True),
        "sum": Atomic(2, 3, 2, "sum", False),
        "ae": Plain(2, 6),
    }
    for name, m in models.items():
        with torch.no_grad():
            for p in m.parameters():
                if p.dim() > 1:  # gain ~1 per LeakyReLU layer, so that the output varies with the input
                    p.mul_(2.5)
                if p.numel() > 1000:  # keep 1 in 10 weights of the large layers: small files
                    p.mul_((torch.rand_like(p) < 0.1).float() * 10 ** 0.5)
        m.train()
        with torch.no_grad():  # non-trivial running averages for the BatchNorm
            for _ in range(3):
                m(torch.rand(32, 1, 28, 28))
        export(torch.jit.script(m), "%s/%s.npz" % (out_dir, name), source="random weights (reference_weights.py fixtures, seed 0)", n_check=4)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="export a TorchScript .pt to .npz")
    e.add_argument("pt")
    e.add_argument("npz")
    f = sub.add_parser("fixtures", help="write small random models in the same format (test fixtures)")
    f.add_argument("dir")
    a = ap.parse_args()
    if a.cmd == "fixtures":
        fixtures(a.dir)
        return
    try:
        raw = open(a.pt, "rb").read()
    except OSError as err:
        sys.exit("reference_weights: cannot read %s: %s" % (a.pt, err))
    try:
        model = torch.jit.load(io.BytesIO(raw), map_location="cpu")
    except Exception as err:  # noqa: BLE001 - any load failure means not a TorchScript archive
        sys.exit("reference_weights: %s is not a TorchScript archive (torch.jit.save): %s" % (a.pt, err))
    export(model, a.npz, source=a.pt.split("/")[-1], sha=hashlib.sha256(raw).hexdigest())


if __name__ == "__main__":
    main()
