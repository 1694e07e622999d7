// Package lasso solves batches of LASSO (least absolute shrinkage and selection operator)
// problems, the sparse-coding step of paper 001's Layered Basis-Pursuit and Latent-Pursuit:
//
//	min_z F(z) = ½‖D·z − x‖₂² + λ‖z‖₁        (optionally subject to z ≥ 0)
//
// for a linear operator D ([linop.Operator]: z has shape InShape, x has shape OutShape; for a
// dictionary matrix D ∈ ℝ^{m×k}, [linop.Dense] gives InShape [k] and OutShape [m]) and a batch of
// signals x_1, …, x_B solved independently, each with its own λ_b ≥ 0 if wanted.
//
// # Algorithms
//
// Both methods are proximal-gradient methods on the smooth part f(z) = ½‖D·z − x‖², whose
// gradient ∇f(z) = Dᵀ(D·z − x) is L-Lipschitz for L ≥ ‖D‖₂² = σ_max(D)²:
//
//   - ISTA (iterative shrinkage-thresholding algorithm):
//     z_{k+1} = prox_{λ/L}(z_k − ∇f(z_k)/L). F(z_k) decreases monotonically and
//     F(z_k) − F* ≤ L‖z_0 − z*‖²/(2k).
//   - FISTA (fast ISTA, Beck & Teboulle 2009): with y_1 = z_0, t_1 = 1,
//     z_k = prox_{λ/L}(y_k − ∇f(y_k)/L), t_{k+1} = (1 + √(1 + 4t_k²))/2,
//     y_{k+1} = z_k + ((t_k − 1)/t_{k+1})·(z_k − z_{k−1}). F(z_k) − F* ≤ 2L‖z_0 − z*‖²/(k+1)²;
//     F(z_k) need not decrease monotonically.
//
// The proximal map is soft-thresholding S_{λ/L}(v) = sign(v)·max(|v| − λ/L, 0), or
// max(v − λ/L, 0) for the non-negative problem ([prox.SoftThreshold], [prox.NonNegSoftThreshold]).
// The step is 1/L with L = 1.01·‖D‖₂², ‖D‖₂² estimated by power iteration ([linop.Norm], 200
// iterations, computed once per [Solver]; the 1% margin, [LipschitzMargin], covers the estimate's
// shortfall, which voids the guarantee when the step comes out longer than 1/‖D‖₂²), unless
// Settings.Lipschitz gives it.
//
// Each iteration costs one application of D and one of Dᵀ: the solver carries u = D·z (and for
// FISTA w = D·y = u_k + β_k(u_k − u_{k−1}) by linearity), so the residual D·z − x of every iterate
// is known without another product, and the objective of every iterate is reported exactly.
//
// # Backtracking
//
// With Settings.Backtracking, L is per signal and found as in Beck & Teboulle's backtracking
// variant: a candidate p = prox_{λ/L}(y − ∇f(y)/L) is accepted when
// f(p) ≤ f(y) + ⟨p − y, ∇f(y)⟩ + (L/2)‖p − y‖². For the quadratic f this condition is exactly
// ‖D(p − y)‖² ≤ L‖p − y‖², which is how it is evaluated (D·p − D·y is at hand; the direct form
// cancels catastrophically near convergence); steps with ‖p − y‖ below 100 machine epsilons of
// ‖p‖ or ‖y‖ are accepted untested (their test would compare rounding noise). A rejected
// candidate leaves that signal's iterate (and FISTA's t) unchanged and multiplies its L by
// η = Settings.BacktrackFactor (default 2); an accepted one advances. L never decreases. Every
// iteration counts, accepted or not (the statistics flag the rejected ones). The initial L is
// Settings.Lipschitz, or else a cheap under-estimate of ‖D‖₂² (10 power iterations), which
// backtracking raises where needed: use it when ‖D‖ is costly to estimate accurately or to take
// larger steps than 1/‖D‖².
//
// # Execution
//
// The iterations run inside compiled GoMLX graphs, Settings.Chunk of them (default 10) unrolled
// in Go per graph call: GoMLX's While loop has no gradient and unrolling keeps the solver
// backend-agnostic ("go", "onnx", "xla"); the state stays on the device between calls and only
// the per-iteration statistics ([Iteration]: objective, relative change, number of non-zeros,
// per signal) come back to the host. The iterations stop when every signal's relative change
// ‖z_k − z_{k−1}‖₂/‖z_k‖₂ is at most Settings.Tolerance (checked at every iteration, acted on at
// the end of the chunk, so up to Chunk − 1 more iterations run), or after MaxIterations.
//
// # Optimality (KKT) conditions
//
// z* solves the problem iff g = Dᵀ(D·z* − x) satisfies g_i = −λ·sign(z*_i) where z*_i ≠ 0 and
// |g_i| ≤ λ where z*_i = 0; for the non-negative problem g_i = −λ where z*_i > 0 and g_i ≥ −λ
// where z*_i = 0. In particular z* = 0 iff ‖Dᵀx‖∞ ≤ λ (for z ≥ 0: max_i (Dᵀx)_i ≤ λ), and
// [Solver.LambdaMax] returns ‖Dᵀx_b‖∞ to set λ as a fraction of it.
//
// [BenchFISTA] times the paper-001 benchmark row (FISTA, 784×1024 Gaussian dictionary, 256
// signals, 100 iterations), the workload scripts/bench_torch.py times in PyTorch.
//
// Reference: A. Beck, M. Teboulle, "A fast iterative shrinkage-thresholding algorithm for linear
// inverse problems", SIAM J. Imaging Sciences 2(1), 2009. Paper 001: A. Aberdam, D. Simon,
// M. Elad, "When and how can deep generative models be inverted?" (2020).
package lasso
