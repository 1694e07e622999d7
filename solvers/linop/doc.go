// Package linop holds the linear operators A of sparselab's inverse problems y = A·x, written once
// as GoMLX graph-building code so that they run on every backend ("go", "onnx", "xla") and can be
// differentiated through, plus host-side helpers to run, measure and materialise them.
//
// # The operator interface
//
// An [Operator] maps a batch x of shape [B, InShape...] to A·x of shape [B, OutShape...] (Apply)
// and a batch y of shape [B, OutShape...] to Aᵀ·y of shape [B, InShape...] (Adjoint), applying
// the same linear map to every element of the leading batch axis. Images are channels-last,
// [H, W, C], float32 or float64 (the operator's constants take the dtype of its input). The
// adjoint is the transpose with respect to the Euclidean inner products of the flattened arrays:
// ⟨A·x, y⟩ = ⟨x, Aᵀ·y⟩. Every operator of this package computes its adjoint from its own
// matrices (transposing them), never by assuming symmetry.
//
// Constructors are host code and return errors for invalid arguments; Apply and Adjoint build
// graphs and panic (GoMLX's convention) when given a node of the wrong shape.
//
// # Operators
//
//   - [Identity], [Scale] (α·I), [Mask] (element-wise weights w ⊙ x, self-adjoint; a 0/1 mask is
//     the inpainting operator of paper 001 that keeps the image size), [Select] (keeps the listed
//     entries: the non-square inpainting operator whose output holds only the observed values).
//   - [Dense]: a matrix M ∈ ℝ^{m×n}, InShape [n], OutShape [m]; [DenseRows] from [][]float64.
//   - [Separable]: y_c = R·X_c·Cᵀ for each channel c of an image X ∈ ℝ^{H×W×C}, with R ∈ ℝ^{H'×H} and
//     C ∈ ℝ^{W'×W} (the Kronecker product R ⊗ C acting on each channel). Sums of such terms are
//     applied term by term.
//   - [CircularConvolution]: 2D convolution with a kernel K over the whole H×W grid with periodic
//     boundary, (K ⊛ X)[i,j] = Σ_{a,b} K[a,b]·X[(i−a+c_r) mod H, (j−b+c_c) mod W] for the kernel
//     centre (c_r, c_c). It is applied as Σ_r σ_r·C(u_r)·X·C(v_r)ᵀ, where K = Σ_r σ_r·u_r·v_rᵀ is
//     the singular value decomposition of K (rank 1 for a separable kernel) and C(u) the
//     circulant matrix C(u)[i,j] = u[c + ((i − j) mod n)] (offsets wrapping around the grid).
//     No FFT (fast Fourier transform) is needed on the small images of the papers.
//   - [GaussianBlur]: the periodic Gaussian filter of paper 000's reference code: on an n-point
//     axis the kernel is g[d] = exp(−δ(d)²/(2σ²)) / Z with δ(d) = min(d, n − d) the wrapped
//     distance and Z = Σ_d exp(−δ(d)²/(2σ²)), so the filter sums to 1; the 2D filter is the
//     product of the row and column filters (it equals the reference code's 2D Gaussian
//     normalised over the whole grid). g[d] = g[n−d], so the blur is symmetric; the tests check
//     that on the materialised matrix rather than assume it.
//   - [Subsample]: (S·X)[i,j] = X[f·i, f·j], keeping every f-th row and column starting at index 0
//     (phase 0, numpy's x[::f, ::f]); the output is ⌈H/f⌉×⌈W/f⌉. Its adjoint Sᵀ is zero-upsampling:
//     the values go back to the positions (f·i, f·j) and every other pixel is 0.
//   - [SuperResolution]: paper 000's ×f super-resolution operator A = S·F (blur then subsample),
//     Aᵀ = Fᵀ·Sᵀ (zero-upsample then blur), with F = [GaussianBlur] (σ = 0.7 px in the paper).
//   - [Resize]: bilinear or bicubic interpolation as PyTorch's F.interpolate(...,
//     align_corners=False) computes it (see [InterpolationMatrix]): the baselines of paper 000.
//   - Combinators: [Compose] (A₁·A₂·…·A_k, applied right to left), [Sum], [Transpose] (the adjoint
//     as an operator) and [Reshape] (the same map on differently shaped arrays of equal sizes).
//
// # Host helpers
//
// [Exec] compiles an operator's Apply and Adjoint for a backend and runs them on flat slices.
// [Matrix] materialises a small operator as a gonum *mat.Dense (column j is A·e_j), for tests
// and analysis. [Norm] estimates the operator norm ‖A‖₂ = σ_max(A) by power iteration on AᵀA.
//
// # Registry
//
// Every operator family is registered ([Register], [Entries], [Lookup]) with a constructor of a
// small random instance. The package tests run, for every entry and every available backend,
// the adjoint identity on random inputs, Apply and Adjoint against the materialised matrix, the
// power-iteration norm against the largest singular value computed by gonum's SVD (singular
// value decomposition), and the gradient of ⟨A·x, y⟩ (GoMLX autodiff) against Aᵀ·y. A new
// operator registered here is checked by the same tests.
//
// References: paper 000 — A. Joundi, Y. Traonmilin, A. Newson, "Max-sparsity atomic
// autoencoders with application to inverse problems" (SSVM 2025), section 4, eq. (7)–(9), and the
// authors' reference code (Subsampling_operator.py: FFT blur with the wrapped Gaussian, x[::2,::2]).
package linop
