// Package invert inverts fully connected deep generative models: given a (possibly partly
// observed) image y produced by a generator G, it recovers the latent vector z and every hidden
// layer. It implements the theory and the layer-wise algorithms of
//
//	Aviad Aberdam, Dror Simon, Michael Elad, "When and how can deep generative models be
//	inverted?", arXiv:2006.15555, 2020 (paper 001 of sparselab),
//
// on the host in float64 with gonum (BLAS matrix–vector products; the constrained layer
// problems are solved by the linearized ADMM of package solvers/admm).
//
// # Model
//
// The generator ([Network]) is
//
//	x_0 = z ∈ ℝ^{n_0},  x_i = ReLU(W_i·x_{i−1} + b_i)  (i = 1 … L−1),  x_L = φ_L(W_L·x_{L−1} + b_L),
//
// with an invertible image activation φ_L ∈ {Identity, PLU, Tanh}. The ReLU layers are sparse:
// s_i = ‖x_i‖₀ counts the non-zeros of x_i, S_i = supp(x_i). The measurement is y = M ⊙ G(z) for
// an inpainting mask M (mask []bool; nil observes every pixel): the unobserved pixels are simply
// dropped, i.e. W_L and b_L are restricted to the observed rows O, m = |O|.
//
// # Uniqueness (Theorem 1, Corollary 1)
//
// Inverting layer by layer, each step is a sparse linear system. Given φ_L⁻¹(y) on O, x_{L−1} is
// the unique s_{L−1}-sparse solution of W_L[O]·x = φ_L⁻¹(y)[O] − b_L[O] when
// s_{L−1} < spark(W_L[O])/2; given x_{i+1}, x_i solves (W_{i+1}·x_i + b_{i+1})[S_{i+1}] =
// x_{i+1}[S_{i+1}], unique among s_i-sparse vectors when s_i < spark(W_{i+1}[S_{i+1}])/2 (the
// paper's "s-spark" asks this for every set of s_{i+1} rows); and z (dense) is determined by x_1 when
// W_1[S_1] has rank n_0. For Gaussian i.i.d. weights a k×n submatrix has spark min(k, n)+1 and
// rank min(k, n) with probability 1, which turns these into counting conditions (Corollary 1):
//
//	image layer:   m ≥ 2·s_{L−1}        (or m ≥ n_{L−1}: full column rank)
//	hidden layers: s_{i+1} ≥ 2·s_i       (or s_{i+1} ≥ n_i): the non-zeros at least double
//	latent layer:  s_1 ≥ n_0
//
// The image layer may shrink (n_L < n_{L−1}) since φ_L is not sparse: every observed pixel is an
// equation. With random weights s_1 ≈ n_1/2, so the latent condition is the line n_1 = 2·n_0 of
// the paper's Figure 4, below which every inversion method fails. [CheckUniqueness] evaluates the
// conditions at a given z and prints a table; the latent condition it checks exactly (rank
// W_1[S_1] = n_0, which trained weights can fail while s_1 ≥ n_0 holds), the others as counts.
//
// # Layered Basis-Pursuit (Algorithm 2)
//
// [LayeredBasisPursuit] inverts φ_L on the observed pixels, then for i = L−1 … 1 solves the
// non-negative basis pursuit
//
//	x̂_i = argmin ‖x‖₁  s.t.  x ≥ 0,  W_{i+1}[S]·x = x̂_{i+1}[S] − b_{i+1}[S]
//
// with S = O for the image layer and S = Ŝ_{i+1}, the detected support of x̂_{i+1}, otherwise;
// then ẑ = argmin ‖W_1[Ŝ_1]·z − (x̂_1[Ŝ_1] − b_1[Ŝ_1])‖₂ by least squares (z is not sparse). The
// basis pursuit is linearized ADMM with f = ‖·‖₁ + ι_{≥0} and g the indicator of the equality.
//
// # Latent-Pursuit (Algorithms 3–5)
//
// [LatentPursuit] uses the zeros of each layer as well and never inverts φ_L:
//
//   - image layer: x̂_{L−1} = argmin_{x ≥ 0} ½‖y − φ_L(W_L·x + b_L)‖²_O + λ‖x‖₁ by FISTA (Beck &
//     Teboulle, 2009) in its monotone form with adaptive restart, gradient
//     W_Lᵀ(φ_L'(u) ⊙ (φ_L(u) − y)) on O, step 1/(‖W_L[O]‖₂²·max φ_L'²), λ = LambdaRatio·λ_max,
//     λ_max = ‖∇F(0)‖_∞;
//   - middle layers i = L−2 … 1: x̂_i = argmin λ‖x‖₁ s.t. x ≥ 0, (W_{i+1}·x + b_{i+1})[S] =
//     x̂_{i+1}[S], (W_{i+1}·x + b_{i+1})[Sᶜ] ≤ 0 (S = Ŝ_{i+1}): linearized ADMM with K = W_{i+1},
//     f = λ‖·‖₁ + ι_{≥0} and g the indicator of {u : u_S = v_S, u_{Sᶜ} ≤ −b_{Sᶜ}};
//   - latent layer: ẑ = argmin ½‖z‖² under the same constraints with W_1 (the Gaussian prior
//     z ~ N(0, I) as a maximum a posteriori term; no sign constraint).
//
// # Support polishing
//
// FISTA and linearized ADMM converge linearly at a rate set by the condition number of the layer's
// matrix restricted to the support. On the trained MNIST generator with half of the pixels hidden,
// W_L[O] is square with condition number ≈ 2·10⁴, and 5000 iterations stop at ≈ 70 dB: the
// true zeros of x̂_{L−1} come out at ≈ 1e-4 relative, enter the detected support and force wrong
// equalities on the layer below, so the whole inversion fails (74% of 100 samples, 80% of those
// meeting the uniqueness conditions). Unless Settings.NoPolish, each layer estimate of either
// pursuit is therefore refined by a finite step: with Ŝ its detected support, the layer's
// equations (W·x + b)[rows] = target are solved by least squares on the columns Ŝ (all columns for
// the dense latent layer), and the result replaces x̂ when that restricted system has full column
// rank (a unique solution), the solution is non-negative and it violates the layer's equalities
// and inequalities no more than x̂. When Ŝ's solution does not fit and the system has as many
// equations as unknowns, all the columns are tried the same way. Polishing changes no solution of
// the problems above; it removes the solvers' error floor (spurious support entries come out as
// exact zeros) and leaves an estimate it cannot improve untouched.
//
// # Oracle and debiasing
//
// [Oracle] knows the true supports S_i and estimates the values by restricted least squares from
// the output down (Algorithm 1): x̂_{L−1}[S_{L−1}] = W_L[O, S_{L−1}]⁺(φ_L⁻¹(y)[O] − b_L[O]),
// x̂_{i−1}[S_{i−1}] = W_i[S_i, S_{i−1}]⁺(x̂_i[S_i] − b_i[S_i]), ẑ = W_1[S_1, :]⁺(x̂_1[S_1] − b_1[S_1]).
// On y = G(z) + e its errors obey ‖x̂_{L−1} − x_{L−1}‖ ≤ ‖e‖/σ_min(W_L[O, S_{L−1}]) and so on down
// the layers ([OracleErrorBounds]; the paper's Theorem 3 is the expected-value version for white
// Gaussian noise). [Debias] is the joint oracle on estimated supports: with the supports frozen the
// network is affine in z, W_L·x_{L−1} + b_L = A·z + c, and ẑ = argmin ‖(A·z + c)[O] −
// φ_L⁻¹(y)[O]‖₂; Settings.Debias applies it after either pursuit (the paper's optional debiasing
// step).
//
// # Choices the paper leaves open
//
// All in [Settings], zero meaning the default:
//
//   - support detection: Ŝ = {j : x̂_j > τ·‖x̂‖_∞}, τ = SupportThreshold = 1e-4. This suits clean
//     measurements; on noisy ones τ must exceed the relative noise level of the layer estimates
//     (a spurious support entry forces a negative pre-activation to equal ≈ 0, a large error): for
//     1% pixel noise τ ≈ 3e-2 worked in our trials;
//   - λ of the image layer: LambdaRatio = 1e-7 of λ_max. On realizable data the non-negativity
//     alone selects the sparse solution and a larger λ only biases the values (λ/λ_max = 1e-4
//     limited the SNR to about 70 dB);
//   - ADMM: ρ is set from a scale-free ρ̃ = Rho = 0.1 as ρ = ρ̃·σ·‖K‖₂/λ for the ℓ1 objective
//     (σ = the largest |right-hand side|; this makes the iterations invariant to rescaling the
//     data or K) and ρ = ρ̃·‖K‖₂² for ½‖z‖²; μ = 0.99·ρ/‖K‖₂²; at most ADMMIterations = 5000
//     iterations, tolerance ADMMTolerance = 1e-9 on the residuals (see package admm). Inexact
//     estimates make the over-determined constraint sets of Latent-Pursuit infeasible; ADMM then
//     runs to its iteration limit and returns where its iterates settle;
//   - FISTA: at most FISTAIterations = 5000 iterations, stopping when the gradient-mapping step
//     ‖x_k − y_k‖ ≤ 1e-10·‖x_k‖.
//
// On random networks 20 → 128 → 392 → 784 (He-scaled Gaussian weights, [RandomNetwork]) both
// pursuits recover every layer of a clean image to more than 100 dB in about 0.1 s each on one core.
//
// # Gradient descent (the baseline)
//
// [GradientDescent] minimises ½‖M ⊙ (y − G(z))‖² over z from random starts z₀ ~ N(0, I), with
// heavy-ball momentum (μ = 0.9) and a step decaying geometrically from γ₀ to γ₀/100 (the
// paper's baseline; Adam optional), 2000 steps by default, every measurement × restart batched in
// one float32 GoMLX graph with the weights as inputs (one compilation serves every network of the
// same sizes). γ₀ defaults to 1/Π‖W_i‖₂²·max φ'², safe but slow on trained networks; the
// trained-GAN experiment therefore tries a grid of steps (InversionSettings.GDStepGrid) and keeps,
// per sample, the run with the smallest residual — the observable criterion the paper's own step
// choice ("the smallest step whose gradient norm got small") approximates.
//
// # Experiments (section 6)
//
// [Sweep] is Fig. 4: 2-layer Gaussian generators n_0 → n_1 → n_2 (defaults n_0 = 100,
// n_2 = 625, n_1 = 50 … 1500, 30 networks per width: the text lost the paper's numbers), each
// inverted from its clean image by gradient descent, Layered Basis-Pursuit and Latent-Pursuit
// (with debiasing); [SweepResult.Samples] feeds quantile ribbons. [InvertSamples] is Figs. 5–13:
// generated samples of a (trained) generator inverted from all pixels, with a random mask hiding
// half of the pixels (DefaultHiddenFraction; the paper's fraction is lost), or with the upper 13
// of 28 rows hidden; the per-layer SNR of G(ẑ) against the truth, the images and the run times
// are kept, and [InversionResult.Summary] gives medians and the failure rate (image SNR < 20 dB).
package invert
