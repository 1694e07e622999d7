// Package gan is paper 001's trained generator: a fully connected MNIST GAN whose generator
// 20 → 128 → 392 → 784 (BatchNorm + ReLU on the hidden layers, PLU on the output) is inverted by
// the algorithms of [github.com/sparselab/sparselab/solvers/invert], and the wiring of the paper's
// experiments (hyperparameters, figures, claims) for notebook 02 and `sparselab invert`.
//
// # Model
//
// The generator maps z ~ N(0, I₂₀) to an image in [−1, 1]^784 (MNIST pixels p ∈ [0, 1] are
// scaled to 2p − 1). Its output activation is the piecewise linear unit
//
//	PLU(u) = max(α(u+c) − c, min(α(u−c) + c, u)),  α = 0.1, c = 1,
//
// the identity on [−1, 1] and invertible, which the inversion needs. The discriminator is
// 784 → 512 → 256 → 1 with LeakyReLU(0.2) and spectral normalisation of every weight.
//
// # Training
//
// The non-saturating GAN loss (Goodfellow et al. 2014) with two Adam optimizers (one per
// network, each updating only its own variables; defaults: learning rate 2e-4 for both, β₁ = 0.5,
// β₂ = 0.999, ε = 1e-8, DCGAN's choice; --d_learning_rate gives the discriminator its own rate,
// the two time-scale update rule of Heusel et al. 2017), batch 64:
//
//	L_D = softplus(−D(x)) + softplus(D(G(z))),   L_G = softplus(−D(G(z))),
//
// both computed from the same batch of fakes and applied simultaneously in one compiled step
// ([NewTrainer]). Training runs through [models/training] (time budget, atomic resumable
// checkpoints with both networks and both optimizers' state, a clear stop on a NaN loss keeping
// the last good checkpoint). The seed fixes the weight initialisation, and batch s (the real
// images and the latent vectors) is a function of the seed and s only, so a resumed run
// continues exactly as an uninterrupted one would; the learning-rate flags of a resumed run
// replace the rates stored in the checkpoint.
//
// On the pure-Go backend, GoMLX's parallel op scheduler (compute v0.1.2) can deadlock its worker
// pool on the training graph (independent matrix products each waiting for workers); use
// `go:ops_sequential` ([SafeBackendConfig]) — the matrix products stay multi-threaded.
//
// # Folding BatchNorm
//
// After training, BatchNorm is the affine map y = γ(u − μ)/√(σ² + ε) + β with the running
// statistics, so it folds into the dense layer before it: W' = diag(γ/√(σ²+ε))·W and
// b' = γ(b − μ)/√(σ²+ε) + β. [Fold] returns the generator as an [invert.Network] (layers ReLU,
// ReLU, PLU) with the same outputs, which is what the inversion algorithms take.
//
// Reference: A. Aberdam, D. Simon, M. Elad, "When and how can deep generative models be
// inverted?", arXiv:2006.15555 (2020), section 6.2.
package gan
