package admm

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sparselab/sparselab/solvers/prox"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

func gaussian(rng *rand.Rand, m, n int) *mat.Dense {
	d := mat.NewDense(m, n, nil)
	for i := range m {
		for j := range n {
			d.Set(i, j, rng.NormFloat64()/math.Sqrt(float64(m)))
		}
	}
	return d
}

func gaussVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func mulVec(a mat.Matrix, x []float64) []float64 {
	m, _ := a.Dims()
	out := make([]float64, m)
	mat.NewVecDense(m, out).MulVec(a, mat.NewVecDense(len(x), x))
	return out
}

// nnLassoCD solves min λ‖x‖₁ + ½‖Ax − b‖², x ≥ 0 by cyclic coordinate descent (an independent
// reference solver).
func nnLassoCD(a *mat.Dense, b []float64, lambda float64, sweeps int) []float64 {
	m, n := a.Dims()
	x := make([]float64, n)
	r := append([]float64(nil), b...) // r = b − A·x
	col := make([]float64, m)
	for range sweeps {
		for j := range n {
			mat.Col(col, j, a)
			nrm := floats.Dot(col, col)
			old := x[j]
			rho := floats.Dot(col, r) + nrm*old
			x[j] = max(rho-lambda, 0) / nrm
			if d := x[j] - old; d != 0 {
				floats.AddScaled(r, -d, col)
			}
		}
	}
	return x
}

func TestNonNegativeLassoMatchesCoordinateDescent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		m, n   int
		lambda float64
	}{
		{"over-determined", 60, 30, 0.05},
		{"under-determined", 30, 80, 0.02},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.m)))
			a := gaussian(rng, tc.m, tc.n)
			b := gaussVec(rng, tc.m)
			want := nnLassoCD(a, b, tc.lambda, 5000)
			f := L1{Lambda: tc.lambda, NonNegative: true}
			g := HalfSquare{Center: b}
			res, err := Solve(a, f, g, &Settings{Iterations: 20000, Tolerance: 1e-11})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Converged {
				t.Errorf("not converged after %d iterations (primal %g, dual %g)", res.Iterations, res.Primal[len(res.Primal)-1], res.Dual[len(res.Dual)-1])
			}
			if d := floats.Distance(res.X, want, 2); d > 1e-6*max(1, floats.Norm(want, 2)) {
				t.Errorf("‖x − x_CD‖ = %g", d)
			}
			for i, v := range res.X {
				if v < 0 {
					t.Fatalf("x[%d] = %g < 0", i, v)
				}
			}
			obj := func(x []float64) float64 {
				r := mulVec(a, x)
				floats.Sub(r, b)
				return tc.lambda*floats.Norm(x, 1) + 0.5*floats.Dot(r, r)
			}
			if got, ref := obj(res.X), obj(want); math.Abs(got-ref) > 1e-9*max(1, ref) {
				t.Errorf("objective %.12g, coordinate descent %.12g", got, ref)
			}
			// The reported objective f(x) + g(z) reaches the true one at convergence.
			if last := res.Objective[len(res.Objective)-1]; math.Abs(last-obj(res.X)) > 1e-7*max(1, obj(res.X)) {
				t.Errorf("reported objective %g, f(x)+g(Kx) = %g", last, obj(res.X))
			}
		})
	}
}

// TestEqualityConstrainedLeastSquares solves min ½‖x − c‖² s.t. A·x = b and compares with the KKT
// system [I Aᵀ; A 0]·[x; ν] = [c; b] solved by gonum.
func TestEqualityConstrainedLeastSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	m, n := 15, 40
	a := gaussian(rng, m, n)
	b, c := gaussVec(rng, m), gaussVec(rng, n)
	kkt := mat.NewDense(n+m, n+m, nil)
	for i := range n {
		kkt.Set(i, i, 1)
	}
	kkt.Slice(0, n, n, n+m).(*mat.Dense).Copy(a.T())
	kkt.Slice(n, n+m, 0, n).(*mat.Dense).Copy(a)
	rhs := mat.NewVecDense(n+m, append(append([]float64(nil), c...), b...))
	var sol mat.VecDense
	if err := sol.SolveVec(kkt, rhs); err != nil {
		t.Fatal(err)
	}
	want := sol.RawVector().Data[:n]

	res, err := Solve(a, HalfSquare{Center: c}, Equality(b), &Settings{Iterations: 20000, Tolerance: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	if d := floats.Distance(res.X, want, 2); d > 1e-8 {
		t.Errorf("‖x − x_KKT‖ = %g after %d iterations (converged %v)", d, res.Iterations, res.Converged)
	}
	ax := mulVec(a, res.X)
	if d := floats.Distance(ax, b, 2); d > 1e-8 {
		t.Errorf("‖A·x − b‖ = %g", d)
	}
	// The multiplier: ν = u/ρ.
	nu := sol.RawVector().Data[n:]
	if d := floats.Distance(floats.ScaleTo(make([]float64, m), 1/res.Rho, res.U), nu, 2); d > 1e-6*max(1, floats.Norm(nu, 2)) {
		t.Errorf("‖u/ρ − ν_KKT‖ = %g", d)
	}
}

// TestNonNegativeBasisPursuitMatchesSimplex solves the linear program min 1ᵀx s.t. A·x = b, x ≥ 0
// and compares with gonum's simplex method.
func TestNonNegativeBasisPursuitMatchesSimplex(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	m, n, k := 25, 60, 5
	a := gaussian(rng, m, n)
	x0 := make([]float64, n)
	for _, j := range rng.Perm(n)[:k] {
		x0[j] = 0.5 + rng.Float64()
	}
	b := mulVec(a, x0)
	ones := make([]float64, n)
	floats.AddConst(1, ones)
	optF, optX, err := lp.Simplex(ones, a, b, 1e-10, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Solve(a, L1{Lambda: 1, NonNegative: true}, Equality(b), &Settings{Iterations: 50000, Tolerance: 1e-11, Rho: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if got := floats.Sum(res.X); math.Abs(got-optF) > 1e-7*max(1, optF) {
		t.Errorf("objective %.10g, simplex %.10g (%d iterations, converged %v)", got, optF, res.Iterations, res.Converged)
	}
	if d := floats.Distance(res.X, optX, 2); d > 1e-6 {
		t.Errorf("‖x − x_simplex‖ = %g", d)
	}
	// The sparse x0 is the unique solution (k ≪ m): both recover it.
	if d := floats.Distance(res.X, x0, 2); d > 1e-6 {
		t.Errorf("‖x − x0‖ = %g", d)
	}
	if d := floats.Distance(mulVec(a, res.X), b, 2); d > 1e-8 {
		t.Errorf("‖A·x − b‖ = %g", d)
	}
}

// TestSupportSetKKT solves min ½‖x − c‖² s.t. (A·x)_S = v_S, (A·x)_{Sᶜ} ≤ c_{Sᶜ} (the middle-layer
// constraint set of paper 001) and checks the Karush–Kuhn–Tucker conditions with ν = u/ρ:
// stationarity x − c + Aᵀν = 0, feasibility, ν_{Sᶜ} ≥ 0 and complementary slackness.
func TestSupportSetKKT(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	m, n := 50, 20
	a := gaussian(rng, m, n)
	xt := gaussVec(rng, n)
	pre := mulVec(a, xt)
	support := make([]bool, m)
	// Equality on the first 8 rows where xt's pre-activation is positive; elsewhere the bound
	// (A·x)_i ≤ max(pre_i, 0), which xt meets, so the set is not empty and not a single point.
	upper := make([]float64, m)
	cnt := 0
	for i, v := range pre {
		upper[i] = max(v, 0)
		if v > 0 && cnt < 8 {
			support[i] = true
			cnt++
		}
	}
	c := gaussVec(rng, n) // the point to project
	g := SupportSet(support, pre, upper)
	res, err := Solve(a, HalfSquare{Center: c}, g, &Settings{Iterations: 50000, Tolerance: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	ax := mulVec(a, res.X)
	nu := floats.ScaleTo(make([]float64, m), 1/res.Rho, res.U)
	for i := range m {
		if support[i] {
			if d := math.Abs(ax[i] - pre[i]); d > 1e-8 {
				t.Errorf("row %d in S: (Ax)_i − v_i = %g", i, d)
			}
			continue
		}
		if ax[i] > upper[i]+1e-8 {
			t.Errorf("row %d off S: (Ax)_i = %g > c_i = %g", i, ax[i], upper[i])
		}
		if nu[i] < -1e-8 {
			t.Errorf("row %d off S: multiplier %g < 0", i, nu[i])
		}
		if s := math.Abs(nu[i] * (ax[i] - upper[i])); s > 1e-8 {
			t.Errorf("row %d off S: complementary slackness |ν_i·((Ax)_i − c_i)| = %g", i, s)
		}
	}
	st := mulVec(a.T(), nu)
	floats.Add(st, res.X)
	floats.Sub(st, c)
	if r := floats.Norm(st, 2); r > 1e-7 {
		t.Errorf("stationarity residual ‖x − c + Aᵀν‖ = %g", r)
	}
	if res.Objective[len(res.Objective)-1] != (HalfSquare{Center: c}).Value(res.X) {
		t.Errorf("objective %g, want ½‖x − c‖² = %g (g(z) = 0 on the set)", res.Objective[len(res.Objective)-1], (HalfSquare{Center: c}).Value(res.X))
	}
}

func TestOperatorNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, d := range [][2]int{{40, 10}, {10, 40}, {1, 5}, {30, 30}} {
		a := gaussian(rng, d[0], d[1])
		var svd mat.SVD
		if !svd.Factorize(a, mat.SVDNone) {
			t.Fatal("SVD failed")
		}
		want := svd.Values(nil)[0]
		if got := OperatorNorm(a); math.Abs(got-want) > 1e-6*want {
			t.Errorf("%v: OperatorNorm = %.10g, SVD %.10g", d, got, want)
		}
	}
}

func TestProxOperators(t *testing.T) {
	v := []float64{-2, -0.3, 0, 0.2, 1.5, 4}
	tt := 0.5
	dst := make([]float64, len(v))
	check := func(name string, got, want []float64) {
		t.Helper()
		if !floats.EqualApprox(got, want, 1e-15) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	L1{Lambda: 2}.Prox(v, tt, dst)
	want, _ := prox.SoftThresholdHost(v, 1)
	check("L1", dst, want)
	L1{Lambda: 2, NonNegative: true}.Prox(v, tt, dst)
	want, _ = prox.NonNegSoftThresholdHost(v, 1)
	check("L1 non-negative", dst, want)
	NonNegative().Prox(v, tt, dst)
	check("NonNegative", dst, prox.NonNegativeHost(v))
	Interval{Lo: -1, Hi: 1}.Prox(v, tt, dst)
	want, _ = prox.BoxHost(v, -1, 1)
	check("Interval", dst, want)
	HalfSquare{Scale: 2, Center: []float64{1, 1, 1, 1, 1, 1}}.Prox(v, tt, dst)
	check("HalfSquare", dst, []float64{-0.5, 0.35, 0.5, 0.6, 1.25, 2.5})
	support := []bool{true, false, false, true, false, true}
	vals := []float64{7, 0, 0, 8, 0, 9}
	SupportSet(support, vals, nil).Prox(v, tt, dst)
	check("SupportSet", dst, []float64{7, -0.3, 0, 8, 0, 9})
	SupportSet(support, vals, []float64{0, -1, -1, 0, 1, 0}).Prox(v, tt, dst)
	check("SupportSet with c", dst, []float64{7, -1, -1, 8, 1, 9})
	// In place.
	w := append([]float64(nil), v...)
	L1{Lambda: 1}.Prox(w, 1, w)
	want, _ = prox.SoftThresholdHost(v, 1)
	check("L1 in place", w, want)

	for _, c := range []struct {
		name string
		h    Valuer
		x    []float64
		want float64
	}{
		{"L1", L1{Lambda: 2}, []float64{-1, 2}, 6},
		{"L1 non-negative infeasible", L1{Lambda: 2, NonNegative: true}, []float64{-1, 2}, math.Inf(1)},
		{"HalfSquare", HalfSquare{}, []float64{3, 4}, 12.5},
		{"Interval inside", NonNegative(), []float64{0, 4}, 0},
		{"Interval outside", NonNegative(), []float64{-1e-3, 4}, math.Inf(1)},
		{"Box equality", Equality([]float64{1, 2}), []float64{1, 2 + 1e-12}, 0},
		{"Box equality violated", Equality([]float64{1, 2}), []float64{1, 2.1}, math.Inf(1)},
		{"Zero", Zero{}, []float64{5}, 0},
	} {
		if got := c.h.Value(c.x); got != c.want {
			t.Errorf("%s: Value = %g, want %g", c.name, got, c.want)
		}
	}
}

func TestSettingsErrorsAndCallback(t *testing.T) {
	a := mat.NewDense(2, 2, []float64{1, 0, 0, 2})
	for _, c := range []struct {
		s    Settings
		want string
	}{
		{Settings{Iterations: -1}, "Iterations"},
		{Settings{Rho: -1}, "Rho"},
		{Settings{Mu: 1}, "exceeds"},
		{Settings{X0: []float64{1}}, "X0"},
		{Settings{Norm: math.NaN()}, "Norm"},
	} {
		_, err := Solve(a, Zero{}, Zero{}, &c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("settings %+v: error %v, want one mentioning %q", c.s, err, c.want)
		}
	}
	if _, err := Solve(a, nil, Zero{}, nil); err == nil {
		t.Error("nil f accepted")
	}
	calls := 0
	res, err := Solve(a, HalfSquare{}, Equality([]float64{1, 1}), &Settings{Callback: func(it *Iteration) error {
		calls++
		if it.K == 3 {
			return ErrStop
		}
		return nil
	}})
	if err != nil || res.Iterations != 3 || calls != 3 || res.Converged {
		t.Errorf("ErrStop: err %v, iterations %d, calls %d, converged %v", err, res.Iterations, calls, res.Converged)
	}
	boom := errors.New("boom")
	if _, err := Solve(a, HalfSquare{}, Zero{}, &Settings{Callback: func(*Iteration) error { return boom }}); !errors.Is(err, boom) {
		t.Errorf("callback error: got %v", err)
	}
	// A ProxFunc has no value: no objective is recorded.
	res, err = Solve(a, ProxFunc(func(v []float64, _ float64, dst []float64) { copy(dst, v) }), HalfSquare{}, &Settings{Iterations: 5, Tolerance: -1})
	if err != nil || res.Objective != nil || len(res.Primal) != 5 || len(res.Dual) != 5 {
		t.Errorf("ProxFunc: err %v, objective %v, %d primal, %d dual", err, res.Objective, len(res.Primal), len(res.Dual))
	}
}

func TestWarmStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	a := gaussian(rng, 30, 20)
	b := gaussVec(rng, 30)
	f, g := L1{Lambda: 0.1, NonNegative: true}, HalfSquare{Center: b}
	cold, err := Solve(a, f, g, &Settings{Tolerance: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	warm, err := Solve(a, f, g, &Settings{Tolerance: 1e-10, X0: cold.X, Z0: cold.Z, U0: cold.U})
	if err != nil {
		t.Fatal(err)
	}
	if warm.Iterations > 3 || floats.Distance(warm.X, cold.X, 2) > 1e-9 {
		t.Errorf("warm start from the solution took %d iterations (cold %d) and moved by %g", warm.Iterations, cold.Iterations, floats.Distance(warm.X, cold.X, 2))
	}
}
