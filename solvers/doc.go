// Package solvers solves the linear inverse problems y = A·x of sparselab's papers on batches of
// images, with the linear operators A of package [github.com/sparselab/sparselab/solvers/linop].
//
// # Projected gradient descent
//
// Paper 000 (max-sparsity atomic autoencoders) recovers x ∈ Σ from y = A·x, with Σ the set
// induced by a trained autoencoder f, by minimising ‖A·x − y‖₂² over Σ (eq. (8)) with projected
// gradient descent (PGD, eq. (9)):
//
//	x_{k+1} = P(x_k − γ·Aᵀ(A·x_k − y)),   x_0 = 0,
//
// where the projector P is the autoencoder (P = f). [PGD] runs it on a batch of images at once:
// the gradient step runs in one compiled GoMLX graph, the projector is any host function on
// image batches ([Projector]: an autoencoder's reconstruct-batch function through
// [ImagesProjector] or [ProjectorFunc], [IdentityProjector], [BoxProjector]). Two step rules:
//
//   - [FixedStep], the paper's iteration with one step γ ([PGDSettings].Step; by default
//     γ = 1/‖A‖₂², ‖A‖₂ estimated by power iteration, [linop.Norm]), returning the last iterate.
//   - [BestResidualStep], the authors' reference code (inverse_problem.py): at each iteration
//     every candidate step γ ∈ [PGDSettings].Steps (default {1, 10, 5}, tried in that order) gives
//     a projected candidate P(x_k − γ·∇), the one with the smallest residual ‖A·P(·) − y‖₂ becomes
//     x_{k+1} (the earliest on ties), and the iterate x_k (k ≥ 1) with the smallest residual is
//     returned. The choice is made per image, as the reference code processes one image at a
//     time.
//
// In both rules an image stops iterating once ‖A·x_k − y‖₂ ≤ Tolerance (reference code: 1e-5),
// and at most Iterations (default 15, the reference code's k_max) iterations run. [PGDResult]
// carries per-iteration statistics ([PGDIteration]: residual, objective ½‖A·x_k − y‖₂², PSNR
// (peak signal-to-noise ratio) against a ground truth when given, chosen steps), and
// [PGDSettings].Callback sees every iterate.
//
// One difference from the reference code: it starts its minimum-residual search with the bound
// 10 (x_0 = 0 is returned if no iterate has a residual below 10); here the minimum runs over
// x_1 … x_K without that bound (x_0 is returned only for an image that stopped at k = 0).
//
// # Baselines
//
// [Interpolate] upsamples the low-resolution measurements by bilinear or bicubic interpolation
// with PyTorch's align_corners=False conventions (bicubic a = −0.75, indices clamped at the
// border) — the baselines that paper 000's super-resolution results are compared with. On MNIST
// test images 0–599, y = A·x with A = S·F (×2, σ = 0.7), the noise-free baselines measure
// 16.40 ± 1.19 dB (bilinear) and 17.01 ± 1.23 dB (bicubic), mean ± population standard deviation
// of the per-image PSNR (TestBaselinesOnMNIST; the authors' reference code gives about 16.4 and 17.0 dB).
//
// Reference: A. Joundi, Y. Traonmilin, A. Newson, "Max-sparsity atomic autoencoders with
// application to inverse problems" (SSVM 2025), section 4; the authors' code (GRETSI-2025
// repository, inverse_problem.py and Inverse_problem_hyperparameter.py: k_max = 15,
// mu_s = [1, 10, 5], seuil = 1e-5, blur = 0.7, pad = 2).
package solvers
