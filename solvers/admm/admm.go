package admm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Defaults of [Settings].
const (
	DefaultIterations = 5000
	DefaultTolerance  = 1e-8
	DefaultRho        = 1.0
	// DefaultMuFactor is μ·‖K‖₂²/ρ when Settings.Mu is 0: 0.99 keeps μ strictly below the bound
	// ρ/‖K‖₂² against the rounding of the norm estimate.
	DefaultMuFactor = 0.99
	// NormIterations and NormTolerance bound the power iteration of [OperatorNorm].
	NormIterations = 1000
	NormTolerance  = 1e-10
)

// ErrStop, returned by Settings.Callback, ends the iterations without an error.
var ErrStop = errors.New("admm: stop")

// Settings configures [Solve]; zero values mean the documented defaults.
type Settings struct {
	// Iterations bounds the number of iterations; 0 means DefaultIterations (5000).
	Iterations int
	// Tolerance is ε of the stopping test on the primal and dual residuals (package
	// documentation); 0 means DefaultTolerance (1e-8); a negative value never stops early.
	Tolerance float64
	// Rho is ρ > 0, the step of g's proximal operator (1/ρ is the augmented Lagrangian penalty);
	// 0 means DefaultRho (1).
	Rho float64
	// Mu is μ, the step of f's proximal operator, 0 < μ ≤ ρ/‖K‖₂²; 0 means
	// DefaultMuFactor·ρ/‖K‖₂². A larger μ is an error.
	Mu float64
	// Norm is ‖K‖₂ if known (it must not underestimate it); 0 means [OperatorNorm] of K.
	Norm float64
	// X0 is the starting point x_0 (len n; copied); nil means 0. Z0 and U0 (len m) start z and
	// the scaled dual u (nil: z_0 = K·x_0, u_0 = 0); passing a previous Result's X, Z, U
	// warm-starts a sequence of related problems.
	X0, Z0, U0 []float64
	// Callback, if set, is called after every iteration. Returning ErrStop ends the iterations
	// (Result.Converged stays false); another error aborts Solve and is returned.
	Callback func(it *Iteration) error
}

// Iteration is what Settings.Callback sees after iteration K (counted from 1). The slices are the
// solver's own buffers: read them during the call only.
type Iteration struct {
	K       int
	X, Z, U []float64
	// Primal and Dual are the residuals (package documentation).
	Primal, Dual float64
	// Objective is f(x) + g(z), NaN when f or g does not implement Valuer.
	Objective float64
}

// Result is the outcome of [Solve].
type Result struct {
	// X is the solution estimate, Z ≈ K·X the split variable, U the scaled dual variable.
	X, Z, U []float64
	// Primal and Dual are the residuals ‖K·x − z‖₂ and ‖K‖₂‖z − z_prev‖₂/ρ + ‖x − x_prev‖₂/μ after
	// each iteration (package documentation).
	Primal, Dual []float64
	// Objective is f(x) + g(z) after each iteration; nil when f or g does not implement Valuer.
	Objective []float64
	// Iterations is the number of iterations done.
	Iterations int
	// Converged reports that the stopping test on the residuals was met.
	Converged bool
	// Norm, Rho and Mu are the ‖K‖₂, ρ and μ used.
	Norm, Rho, Mu float64
}

// OperatorNorm returns the spectral norm ‖K‖₂ (largest singular value) by power iteration on KᵀK
// from a fixed pseudo-random start (deterministic), stopping when the estimate changes by less than
// NormTolerance (relative) or after NormIterations iterations. The estimate increases
// monotonically towards ‖K‖₂ from below; callers needing an upper bound should add a margin.
func OperatorNorm(k mat.Matrix) float64 {
	m, n := k.Dims()
	if m == 0 || n == 0 {
		return 0
	}
	rng := rand.New(rand.NewPCG(0x5eed, 0xad33))
	v := mat.NewVecDense(n, nil)
	for i := range n {
		v.SetVec(i, rng.NormFloat64())
	}
	w := mat.NewVecDense(m, nil)
	prev := 0.0
	est := 0.0
	for it := 0; it < NormIterations; it++ {
		nv := mat.Norm(v, 2)
		if nv == 0 {
			return est
		}
		v.ScaleVec(1/nv, v)
		w.MulVec(k, v)
		est = mat.Norm(w, 2)
		v.MulVec(k.T(), w)
		if it > 0 && math.Abs(est-prev) <= NormTolerance*est {
			break
		}
		prev = est
	}
	return est
}

// Solve runs linearized ADMM on min_x f(x) + g(K·x) (package documentation). It returns an error
// for invalid settings or sizes, or the callback's error; a run that reaches Settings.Iterations
// without meeting the tolerance is not an error (Result.Converged is false).
func Solve(k mat.Matrix, f, g Prox, s *Settings) (*Result, error) {
	if k == nil || f == nil || g == nil {
		return nil, errors.New("admm.Solve: K, f and g must all be non-nil")
	}
	var set Settings
	if s != nil {
		set = *s
	}
	m, n := k.Dims()
	if set.Iterations < 0 {
		return nil, fmt.Errorf("admm.Solve: Settings.Iterations = %d is negative; use 0 for the default %d", set.Iterations, DefaultIterations)
	}
	if set.Iterations == 0 {
		set.Iterations = DefaultIterations
	}
	if set.Tolerance == 0 {
		set.Tolerance = DefaultTolerance
	}
	if set.Rho < 0 || math.IsNaN(set.Rho) || math.IsInf(set.Rho, 0) {
		return nil, fmt.Errorf("admm.Solve: Settings.Rho = %g must be finite and > 0 (0 for the default %g)", set.Rho, DefaultRho)
	}
	if set.Rho == 0 {
		set.Rho = DefaultRho
	}
	if set.Norm < 0 || math.IsNaN(set.Norm) || math.IsInf(set.Norm, 0) {
		return nil, fmt.Errorf("admm.Solve: Settings.Norm = %g must be finite and ≥ 0 (0 to compute ‖K‖₂)", set.Norm)
	}
	if set.Norm == 0 {
		set.Norm = OperatorNorm(k)
	}
	bound := math.Inf(1)
	if set.Norm > 0 {
		bound = set.Rho / (set.Norm * set.Norm)
	}
	switch {
	case set.Mu < 0 || math.IsNaN(set.Mu):
		return nil, fmt.Errorf("admm.Solve: Settings.Mu = %g is negative", set.Mu)
	case set.Mu == 0:
		set.Mu = DefaultMuFactor * bound
		if math.IsInf(set.Mu, 0) {
			set.Mu = set.Rho
		}
	case set.Mu > bound*(1+1e-12):
		return nil, fmt.Errorf("admm.Solve: Settings.Mu = %g exceeds ρ/‖K‖₂² = %g (ρ = %g, ‖K‖₂ = %g); lower Mu or leave it 0", set.Mu, bound, set.Rho, set.Norm)
	}
	for _, c := range []struct {
		name string
		v    []float64
		want int
	}{{"X0", set.X0, n}, {"Z0", set.Z0, m}, {"U0", set.U0, m}} {
		if c.v != nil && len(c.v) != c.want {
			return nil, fmt.Errorf("admm.Solve: Settings.%s has length %d; K is %d×%d so it needs %d", c.name, len(c.v), m, n, c.want)
		}
	}

	x := make([]float64, n)
	if set.X0 != nil {
		copy(x, set.X0)
	}
	z := make([]float64, m)
	u := make([]float64, m)
	kx := make([]float64, m)
	zPrev := make([]float64, m)
	xPrev := make([]float64, n)
	w := make([]float64, m)
	grad := make([]float64, n)
	kxV := mat.NewVecDense(m, kx)
	xV := mat.NewVecDense(n, x)
	wV := mat.NewVecDense(m, w)
	gradV := mat.NewVecDense(n, grad)
	kT := k.T()

	copy(xPrev, x)
	kxV.MulVec(k, xV)
	if set.Z0 != nil {
		copy(z, set.Z0)
	} else {
		copy(z, kx)
	}
	if set.U0 != nil {
		copy(u, set.U0)
	}
	fv, fOK := f.(Valuer)
	gv, gOK := g.(Valuer)
	res := &Result{Norm: set.Norm, Rho: set.Rho, Mu: set.Mu}
	step := set.Mu / set.Rho
	for it := 1; it <= set.Iterations; it++ {
		// x-update: a gradient step on (1/2ρ)‖K·x − z + u‖² followed by prox_{μf}.
		for i := range w {
			w[i] = kx[i] - z[i] + u[i]
		}
		gradV.MulVec(kT, wV)
		for i := range x {
			grad[i] = x[i] - step*grad[i]
		}
		f.Prox(grad, set.Mu, x)
		kxV.MulVec(k, xV)
		// z-update.
		copy(zPrev, z)
		for i := range w {
			w[i] = kx[i] + u[i]
		}
		g.Prox(w, set.Rho, z)
		// u-update and residuals.
		var primal, nkx, nz, nu, dz float64
		for i := range u {
			r := kx[i] - z[i]
			u[i] += r
			primal += r * r
			nkx += kx[i] * kx[i]
			nz += z[i] * z[i]
			nu += u[i] * u[i]
			d := z[i] - zPrev[i]
			dz += d * d
		}
		var dx float64
		for i := range x {
			d := x[i] - xPrev[i]
			dx += d * d
		}
		copy(xPrev, x)
		primal = math.Sqrt(primal)
		dual := (set.Norm*math.Sqrt(dz) + math.Sqrt(dx)*set.Rho/set.Mu) / set.Rho
		dualScale := set.Norm * math.Sqrt(nu) / set.Rho
		res.Primal = append(res.Primal, primal)
		res.Dual = append(res.Dual, dual)
		obj := math.NaN()
		if fOK && gOK {
			obj = fv.Value(x) + gv.Value(z)
			res.Objective = append(res.Objective, obj)
		}
		res.Iterations = it
		if set.Callback != nil {
			err := set.Callback(&Iteration{K: it, X: x, Z: z, U: u, Primal: primal, Dual: dual, Objective: obj})
			if errors.Is(err, ErrStop) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("admm.Solve: callback at iteration %d: %w", it, err)
			}
		}
		if set.Tolerance > 0 && dual <= set.Tolerance*max(1, dualScale) &&
			primal <= set.Tolerance*max(1, math.Sqrt(nkx), math.Sqrt(nz)) {
			res.Converged = true
			break
		}
	}
	res.X, res.Z, res.U = x, z, u
	return res, nil
}
