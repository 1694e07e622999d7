// Package admm solves composite convex problems
//
//	min_x f(x) + g(K·x)
//
// with the linearized alternating direction method of multipliers (linearized ADMM), for a matrix
// K ∈ ℝ^{m×n} (any gonum [mat.Matrix]) and convex functions f: ℝⁿ → ℝ ∪ {+∞} and g: ℝᵐ → ℝ ∪ {+∞}
// given by their proximal operators
//
//	prox_{t·h}(v) = argmin_w ½‖w − v‖₂² + t·h(w).
//
// It is the host-side (float64, gonum BLAS) solver of paper 001's layer-wise inversion algorithms
// (package solvers/invert): there K is a weight matrix, f an ℓ1 or Gaussian prior on a layer and g
// the indicator of the constraints the next layer's values and zeros impose.
//
// # Algorithm
//
// Splitting z = K·x, with the scaled dual variable u and the parameters ρ > 0 and μ > 0, every
// iteration does (Parikh & Boyd, "Proximal Algorithms", Foundations and Trends in Optimization 1(3),
// 2014, §4.4.2, where ρ is called λ; Beck, "First-Order Methods in Optimization", SIAM 2017,
// chapter 15, the alternating direction proximal method of multipliers):
//
//	x ← prox_{μf}(x − (μ/ρ)·Kᵀ(K·x − z + u))
//	z ← prox_{ρg}(K·x + u)
//	u ← u + K·x − z
//
// It converges to a solution for any 0 < μ ≤ ρ/‖K‖₂² (‖K‖₂ the spectral norm, the largest singular
// value). Unlike the plain ADMM it never solves a linear system in K: each iteration costs one
// product with K and one with Kᵀ (K·x is carried from one iteration to the next).
//
// # Stopping
//
// The optimality conditions are K·x = z, 0 ∈ ∂f(x) + Kᵀu/ρ and u/ρ ∈ ∂g(z) (u/ρ is the
// multiplier of the constraint K·x = z). After an
// iteration the last holds exactly; the other two are measured by the primal residual
// r = ‖K·x − z‖₂ and by the dual residual
//
//	s = ‖K‖₂·‖z − z_prev‖₂/ρ + ‖x − x_prev‖₂/μ,
//
// an upper bound on the distance of the x-update's optimality condition from 0 ∈ ∂f(x) + Kᵀu/ρ
// (it is (I/μ − KᵀK/ρ)(x_prev − x) − Kᵀ(z − z_prev)/ρ, and 0 ≼ I/μ − KᵀK/ρ ≼ I/μ); it includes
// Boyd et al.'s dual residual Kᵀ(z − z_prev)/ρ ("Distributed Optimization and Statistical Learning
// via the ADMM", 2011, §3.3) and, unlike it, does not vanish while x still moves under a fixed z
// (an equality constraint). It costs no product with K. The iterations stop when
//
//	r ≤ ε·max(1, ‖K·x‖₂, ‖z‖₂)   and   s ≤ ε·max(1, ‖K‖₂·‖u‖₂/ρ)
//
// with ε = Settings.Tolerance, or after Settings.Iterations iterations. On an infeasible problem
// (an over-determined equality with inconsistent, e.g. noisy, data) r cannot vanish: ADMM's x and z
// then settle while u grows without bound, and the iterations run to Settings.Iterations. No
// early "stalled" test is attempted: with an ℓ1 term x can stay exactly still for thousands of
// iterations while u accumulates (the stagnation phases of linearized Bregman iterations) and then
// move on to the solution, which a test on the change of the iterates cannot tell from the
// infeasible limit.
//
// Result reports both residuals of every iteration, and the objective f(x) + g(z) when f and g
// implement [Valuer] (it equals f(x) + g(K·x) at convergence, where K·x = z; evaluating g at z
// keeps an indicator finite on the way there).
//
// # Proximal operators
//
// The [Prox] implementations shipped here are the pieces paper 001 needs: [Zero], [L1] (with an
// optional non-negativity constraint, the proximal map max(v − tλ, 0)), [HalfSquare] (a·½‖x − c‖²),
// [Interval] (the indicator of a box with scalar bounds, e.g. the non-negative orthant), [Box]
// (per-coordinate bounds; [Equality] and [SupportSet], the set {u : u_S = v_S, u_{Sᶜ} ≤ c_{Sᶜ}},
// are boxes). They agree with the allocating host functions of solvers/prox (see the tests), but
// write into a caller's buffer so the iterations allocate nothing.
package admm
