package lasso

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/solvers/linop"
	"gonum.org/v1/gonum/mat"
)

// fractions of λ_max = ‖Dᵀx_b‖∞ used for the batch of signals: the last one gives z = 0.
var fractions = []float64{0.1, 0.3, 0.6, 1.1}

func lambdasFor(t *testing.T, s *Solver, x []float64) []float64 {
	t.Helper()
	lmax, err := s.LambdaMax(x)
	if err != nil {
		t.Fatal(err)
	}
	lam := make([]float64, len(lmax))
	for i := range lam {
		lam[i] = fractions[i%len(fractions)] * lmax[i]
	}
	return lam
}

// TestReferenceSolver checks the test's own exact solver: the optimality conditions hold to
// 1e-10·λ and it agrees with the closed form of an orthogonal dictionary.
func TestReferenceSolver(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, nonneg := range []bool{false, true} {
		for _, dims := range [][2]int{{30, 50}, {50, 30}} {
			p := newProblem(rng, dims[0], dims[1], 3, nonneg)
			for b, x := range p.x {
				lam := 0.2 * maxAbs(matVec(p.d.T(), x))
				z := exactLasso(p.d, x, lam, nonneg)
				if v := kktViolation(p.d, z, x, lam, nonneg); v > 1e-10 {
					t.Errorf("%dx%d nonneg=%v signal %d: reference violates KKT by %.3g·λ", dims[0], dims[1], nonneg, b, v)
				}
			}
		}
	}
	// Orthogonal D (identity): z = S_λ(x).
	x := []float64{3, -0.5, 1.5, -2}
	z := exactLasso(mat.NewDense(4, 4, []float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}), x, 1, false)
	want := []float64{2, 0, 0.5, -1}
	for i := range z {
		if math.Abs(z[i]-want[i]) > 1e-15 {
			t.Fatalf("identity dictionary: got %v, want %v", z, want)
		}
	}
}

// TestAgainstExact solves random 30×50 (more atoms than samples) and 50×30 problems, signed and
// non-negative, with FISTA and ISTA in float64 on every backend, and compares with the exact
// solver: the solution, the objective, the optimality conditions, the support, and z = 0 for
// λ > ‖Dᵀx‖∞.
func TestAgainstExact(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		for _, dims := range [][2]int{{30, 50}, {50, 30}} {
			for _, nonneg := range []bool{false, true} {
				rng := rand.New(rand.NewPCG(uint64(dims[0]), uint64(dims[1])))
				p := newProblem(rng, dims[0], dims[1], len(fractions), nonneg)
				op, err := linop.Dense(p.d)
				if err != nil {
					t.Fatal(err)
				}
				s, err := New(b, op)
				if err != nil {
					t.Fatal(err)
				}
				x := p.flatX()
				lam := lambdasFor(t, s, x)
				exact := make([][]float64, len(p.x))
				for i := range p.x {
					exact[i] = exactLasso(p.d, p.x[i], lam[i], nonneg)
				}
				for _, method := range []Method{FISTA, ISTA} {
					t.Run(fmt.Sprintf("%dx%d/%s/nonneg=%v", dims[0], dims[1], method, nonneg), func(t *testing.T) {
						maxIter := 4000
						if method == ISTA {
							maxIter = 20000
						}
						res, err := s.Solve64(x, 0, &Settings{Method: method, NonNegative: nonneg, Lambdas: lam,
							MaxIterations: maxIter, Tolerance: 1e-13, Chunk: 50})
						if err != nil {
							t.Fatal(err)
						}
						if !res.Converged {
							t.Errorf("not converged after %d iterations (max change %.3g)", len(res.Iterations)-1,
								res.Iterations[len(res.Iterations)-1].MaxChange())
						}
						t.Logf("%s converged at iteration %d", method, res.ConvergedAt)
						k := dims[1]
						for i := range p.x {
							z := res.Z[i*k : (i+1)*k]
							ref := exact[i]
							scale := max(maxAbs(ref), 1e-3)
							var diff float64
							for j := range z {
								diff = max(diff, math.Abs(z[j]-ref[j]))
								if (z[j] == 0) != (ref[j] == 0) {
									t.Errorf("signal %d (λ = %.2f·λmax): support differs at atom %d: got %g, exact %g", i, fractions[i], j, z[j], ref[j])
								}
							}
							if diff > 1e-7*scale {
								t.Errorf("signal %d (λ = %.2f·λmax): max |z − z*| = %.3g (scale %.3g)", i, fractions[i], diff, scale)
							}
							if v := kktViolation(p.d, z, p.x[i], lam[i], nonneg); v > 1e-7 {
								t.Errorf("signal %d: KKT violated by %.3g·λ", i, v)
							}
							fz, fstar := lassoObjective(p.d, z, p.x[i], lam[i]), lassoObjective(p.d, ref, p.x[i], lam[i])
							if fz > fstar+1e-11*fstar || math.Abs(res.Objective[i]-fz) > 1e-11*fz {
								t.Errorf("signal %d: objective %.15g (reported %.15g), exact %.15g", i, fz, res.Objective[i], fstar)
							}
							nnz := 0
							for _, v := range z {
								if v != 0 {
									nnz++
								}
							}
							if nnz != res.NonZeros[i] {
								t.Errorf("signal %d: reported %d non-zeros, Z has %d", i, res.NonZeros[i], nnz)
							}
							if fractions[i] > 1 && nnz != 0 {
								t.Errorf("signal %d: λ > ‖Dᵀx‖∞ but z has %d non-zeros", i, nnz)
							}
							if fractions[i] < 1 && nnz == 0 {
								t.Errorf("signal %d: λ = %.2f·λmax but z = 0 (degenerate test)", i, fractions[i])
							}
						}
					})
				}
				s.Finalize()
			}
		}
	})
}

// TestISTAMonotone checks that ISTA's objective never increases (per signal), that FISTA
// reaches a lower objective than ISTA after 50 iterations, and that every reported change
// matches the iterates seen by the callback.
func TestISTAMonotone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(5, 5))
		p := newProblem(rng, 30, 50, 4, false)
		s, err := New(b, linop.Must(linop.Dense(p.d)))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Finalize()
		x := p.flatX()
		lam := lambdasFor(t, s, x)
		var prevZ []float64
		var checked int
		ista, err := s.Solve64(x, 0, &Settings{Method: ISTA, Lambdas: lam, MaxIterations: 50, Tolerance: -1, Chunk: 1,
			Callback: func(it *Iteration) error {
				if prevZ != nil {
					for i := range p.x {
						var d2, n2 float64
						for j := range p.k {
							d := it.Z[i*p.k+j] - prevZ[i*p.k+j]
							d2 += d * d
							n2 += it.Z[i*p.k+j] * it.Z[i*p.k+j]
						}
						want := math.Sqrt(d2) / max(math.Sqrt(n2), 1e-30)
						if n2 == 0 && d2 == 0 {
							want = 0
						}
						if math.Abs(it.Change[i]-want) > 1e-10*max(want, 1e-12) {
							t.Errorf("iteration %d signal %d: change %.6g, from the iterates %.6g", it.Iteration, i, it.Change[i], want)
						}
						checked++
					}
				}
				prevZ = it.Z
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if checked != 50*4 || len(ista.Iterations) != 51 {
			t.Fatalf("callback checked %d changes and %d iterations were recorded, want 200 and 51", checked, len(ista.Iterations))
		}
		decreases := 0
		for k := 1; k < len(ista.Iterations); k++ {
			for i := range p.x {
				prev, cur := ista.Iterations[k-1].Objective[i], ista.Iterations[k].Objective[i]
				if cur > prev*(1+1e-13) {
					t.Errorf("ISTA objective of signal %d rose at iteration %d: %.15g → %.15g", i, k, prev, cur)
				}
				if cur < prev*(1-1e-9) {
					decreases++
				}
			}
		}
		if decreases < 50 {
			t.Errorf("only %d strict decreases: the test does not exercise ISTA", decreases)
		}
		fista, err := s.Solve64(x, 0, &Settings{Method: FISTA, Lambdas: lam, MaxIterations: 50, Tolerance: -1})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 { // the 4th signal has z = 0 for both
			if fista.Objective[i] >= ista.Objective[i] {
				t.Errorf("signal %d: after 50 iterations FISTA's objective %.10g is not below ISTA's %.10g", i, fista.Objective[i], ista.Objective[i])
			}
		}
	})
}

// TestZeroSolution: λ ≥ ‖Dᵀx‖∞ gives z = 0 from the first iteration; for the non-negative
// problem z = 0 already when λ ≥ max_i (Dᵀx)_i, which can be below ‖Dᵀx‖∞.
func TestZeroSolution(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(9, 9))
		p := newProblem(rng, 20, 40, 2, false)
		s, err := New(b, linop.Must(linop.Dense(p.d)))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Finalize()
		// Signal 0: flip x so that (Dᵀx) has its largest magnitude at a negative entry.
		x := p.x[0]
		g := matVec(p.d.T(), x)
		var maxPos, maxAbsG float64
		for _, v := range g {
			maxPos, maxAbsG = max(maxPos, v), max(maxAbsG, math.Abs(v))
		}
		if maxPos == maxAbsG {
			for i := range x {
				x[i] = -x[i]
			}
			for i := range g {
				g[i] = -g[i]
			}
			maxPos = 0
			for _, v := range g {
				maxPos = max(maxPos, v)
			}
		}
		for _, tc := range []struct {
			name   string
			lam    float64
			nonneg bool
			zero   bool
		}{
			{"λ = ‖Dᵀx‖∞", maxAbsG * (1 + 1e-12), false, true},
			{"λ = 2‖Dᵀx‖∞", 2 * maxAbsG, false, true},
			{"λ = 0.999‖Dᵀx‖∞", 0.999 * maxAbsG, false, false},
			{"z ≥ 0, λ = max(Dᵀx)", maxPos * (1 + 1e-12), true, true},
			{"z ≥ 0, λ = 0.99·max(Dᵀx)", 0.99 * maxPos, true, false},
		} {
			for _, method := range []Method{FISTA, ISTA} {
				res, err := s.Solve64(x, tc.lam, &Settings{Method: method, NonNegative: tc.nonneg, MaxIterations: 200})
				if err != nil {
					t.Fatal(err)
				}
				if got := maxAbs(res.Z) == 0; got != tc.zero {
					t.Errorf("%s, %s: z = 0 is %v, want %v (‖z‖∞ = %.3g)", tc.name, method, got, tc.zero, maxAbs(res.Z))
				}
				if tc.zero {
					for _, it := range res.Iterations {
						if it.NonZeros[0] != 0 {
							t.Errorf("%s, %s: iteration %d has %d non-zeros", tc.name, method, it.Iteration, it.NonZeros[0])
							break
						}
					}
					if res.ConvergedAt != 1 {
						t.Errorf("%s, %s: converged at %d, want 1", tc.name, method, res.ConvergedAt)
					}
				}
			}
		}
	})
}

// TestBacktracking starts from L = ‖D‖²/100 (too small: plain FISTA diverges from it), and checks
// that backtracking raises L to within η of ‖D‖², rejects some steps, and still finds the exact
// solution; starting from the default (a 10-iteration estimate) must also work.
func TestBacktracking(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(3, 4))
		p := newProblem(rng, 40, 60, 3, false)
		s, err := New(b, linop.Must(linop.Dense(p.d)))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Finalize()
		x := p.flatX()
		lam := lambdasFor(t, s, x)
		normSq, err := s.Lipschitz()
		if err != nil {
			t.Fatal(err)
		}
		var svd mat.SVD
		svd.Factorize(p.d, mat.SVDNone)
		if sigma := svd.Values(nil)[0]; math.Abs(normSq-sigma*sigma) > 1e-6*sigma*sigma {
			t.Fatalf("Lipschitz() = %.10g, σ_max² = %.10g", normSq, sigma*sigma)
		}
		// The default step uses L = LipschitzMargin·‖D‖₂², above σ_max².
		def, err := s.Solve64(x, 0, &Settings{Lambdas: lam, MaxIterations: 1})
		if err != nil {
			t.Fatal(err)
		}
		if sigma := svd.Values(nil)[0]; def.Lipschitz[0] != LipschitzMargin*normSq || !(def.Lipschitz[0] > sigma*sigma) {
			t.Errorf("default L = %.10g, want %g·%.10g > σ_max² = %.10g", def.Lipschitz[0], LipschitzMargin, normSq, sigma*sigma)
		}
		diverged, err := s.Solve64(x, 0, &Settings{Lambdas: lam, Lipschitz: normSq / 100, MaxIterations: 100, Tolerance: -1})
		if err != nil {
			t.Fatal(err)
		}
		if !(diverged.Objective[0] > 1e3*diverged.Iterations[0].Objective[0]) {
			t.Errorf("FISTA with L = ‖D‖²/100 did not blow up (objective %.3g → %.3g): the test would not show backtracking",
				diverged.Iterations[0].Objective[0], diverged.Objective[0])
		}
		for _, l0 := range []float64{normSq / 100, 0} {
			for _, method := range []Method{FISTA, ISTA} {
				res, err := s.Solve64(x, 0, &Settings{Method: method, Lambdas: lam, Lipschitz: l0, Backtracking: true, BacktrackFactor: 1.5,
					MaxIterations: 20000, Tolerance: 1e-13, Chunk: 50})
				if err != nil {
					t.Fatal(err)
				}
				rejected := 0
				for _, it := range res.Iterations[1:] {
					for _, r := range it.Rejected {
						if r {
							rejected++
						}
					}
				}
				if l0 > 0 && rejected == 0 {
					t.Errorf("L0 = %.3g, %s: no step rejected", l0, method)
				}
				for i := range p.x {
					if res.Lipschitz[i] > 1.5*normSq*(1+1e-9) {
						t.Errorf("L0 = %.3g, %s, signal %d: final L = %.4g > η‖D‖² = %.4g", l0, method, i, res.Lipschitz[i], 1.5*normSq)
					}
					ref := exactLasso(p.d, p.x[i], lam[i], false)
					var diff float64
					for j := range ref {
						diff = max(diff, math.Abs(res.Z[i*p.k+j]-ref[j]))
					}
					if diff > 1e-7*max(maxAbs(ref), 1e-3) || !res.Converged {
						t.Errorf("L0 = %.3g, %s, signal %d: max |z − z*| = %.3g, converged %v", l0, method, i, diff, res.Converged)
					}
				}
				t.Logf("L0 = %.3g, %s: %d rejected steps, converged at %d, final L/‖D‖² = %.3f", l0, method, rejected, res.ConvergedAt, res.Lipschitz[0]/normSq)
			}
		}
	})
}

// TestImageOperatorFloat32 runs FISTA in float32 with a non-matrix operator on images (a
// periodic blur on [6, 6, 1], 36 atoms → 36 values) and compares with the exact solution of the
// materialised matrix, to float32 accuracy; the result must not depend on the chunk length.
func TestImageOperatorFloat32(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		op, err := linop.GaussianBlur([]int{6, 6, 1}, 0.6)
		if err != nil {
			t.Fatal(err)
		}
		d, err := linop.Matrix(b, op)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(11, 12))
		var x64 []float64
		var x32 []float32
		for range 2 {
			z := make([]float64, 36)
			for _, j := range rng.Perm(36)[:5] {
				z[j] = 1 + rng.Float64()
			}
			x := matVec(d, z)
			x64 = append(x64, x...)
		}
		for _, v := range x64 {
			x32 = append(x32, float32(v))
		}
		s, err := New(b, op)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Finalize()
		const lam = 0.02
		var first []float32
		for _, chunk := range []int{7, 25} {
			res, err := s.Solve(x32, lam, &Settings{NonNegative: true, MaxIterations: 3000, Tolerance: 1e-7, Chunk: chunk})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				ref := exactLasso(d, x64[i*36:(i+1)*36], lam, true)
				var diff float64
				for j := range ref {
					diff = max(diff, math.Abs(float64(res.Z[i*36+j])-ref[j]))
				}
				if diff > 2e-4*maxAbs(ref) {
					t.Errorf("chunk %d signal %d: max |z − z*| = %.3g (‖z*‖∞ = %.3g)", chunk, i, diff, maxAbs(ref))
				}
			}
			if first == nil {
				first = res.Z
				continue
			}
			// Same iterations in a different grouping: identical up to float32 rounding of the
			// stopping point (the chunk lengths make the solvers stop at different k).
			for j := range first {
				if math.Abs(float64(first[j]-res.Z[j])) > 2e-4 {
					t.Fatalf("chunk 7 and chunk 25 differ at %d: %g vs %g", j, first[j], res.Z[j])
				}
			}
		}
	})
}

// TestChunkInvariance: the same number of iterations grouped in chunks of 1, 3 and 10 give the
// same iterates and statistics (float64).
func TestChunkInvariance(t *testing.T) {
	b := getBackend(t, "go")
	rng := rand.New(rand.NewPCG(21, 22))
	p := newProblem(rng, 15, 25, 2, false)
	s, err := New(b, linop.Must(linop.Dense(p.d)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Finalize()
	x := p.flatX()
	var ref *Result[float64]
	for _, chunk := range []int{10, 1, 3} {
		res, err := s.Solve64(x, 0.1, &Settings{MaxIterations: 30, Tolerance: -1, Chunk: chunk})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Iterations) != 31 {
			t.Fatalf("chunk %d: %d iterations recorded, want 31", chunk, len(res.Iterations))
		}
		if ref == nil {
			ref = res
			continue
		}
		for j := range ref.Z {
			if math.Abs(ref.Z[j]-res.Z[j]) > 1e-13*max(1, math.Abs(ref.Z[j])) {
				t.Fatalf("chunk %d: Z[%d] = %.17g, chunk 10: %.17g", chunk, j, res.Z[j], ref.Z[j])
			}
		}
		for k := range ref.Iterations {
			for i := range 2 {
				if math.Abs(ref.Iterations[k].Objective[i]-res.Iterations[k].Objective[i]) > 1e-12*ref.Iterations[k].Objective[i] {
					t.Fatalf("chunk %d: iteration %d objective differs", chunk, k)
				}
			}
		}
	}
}

// TestCallbackStop: ErrStop from the callback ends the iterations at the chunk's end; another
// error aborts Solve.
func TestCallbackStop(t *testing.T) {
	b := getBackend(t, "go")
	rng := rand.New(rand.NewPCG(31, 32))
	p := newProblem(rng, 10, 20, 1, false)
	s, err := New(b, linop.Must(linop.Dense(p.d)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Finalize()
	calls := 0
	res, err := s.Solve64(p.flatX(), 0.05, &Settings{Tolerance: -1, Chunk: 4, Callback: func(it *Iteration) error {
		calls++
		if len(it.Z) != 20 || it.Iteration != 4*(calls-1) {
			t.Errorf("callback %d: iteration %d with %d values", calls, it.Iteration, len(it.Z))
		}
		if it.Iteration >= 8 {
			return ErrStop
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 || len(res.Iterations) != 9 || res.Converged {
		t.Errorf("stopped after %d callbacks and %d iterations (converged %v), want 3 and 9", calls, len(res.Iterations)-1, res.Converged)
	}
	boom := errors.New("boom")
	if _, err := s.Solve64(p.flatX(), 0.05, &Settings{Callback: func(*Iteration) error { return boom }}); !errors.Is(err, boom) {
		t.Errorf("callback error: got %v", err)
	}
}

// TestSettingsErrors checks that invalid inputs are refused with messages naming the problem.
func TestSettingsErrors(t *testing.T) {
	b := getBackend(t, "go")
	s, err := New(b, linop.Must(linop.Dense(mat.NewDense(3, 4, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Finalize()
	x := []float64{1, 2, 3, 4, 5, 6}
	for _, tc := range []struct {
		name string
		x    []float64
		lam  float64
		set  *Settings
		want string
	}{
		{"x not whole signals", x[:5], 1, nil, "not a whole positive number"},
		{"negative λ", x, -1, nil, "≥ 0"},
		{"NaN λ", x, math.NaN(), nil, "≥ 0"},
		{"Lambdas length", x, 1, &Settings{Lambdas: []float64{1}}, "Lambdas has 1 values for 2 signals"},
		{"method", x, 1, &Settings{Method: Method(7)}, "unknown Method"},
		{"negative iterations", x, 1, &Settings{MaxIterations: -1}, "MaxIterations"},
		{"negative chunk", x, 1, &Settings{Chunk: -2}, "Chunk"},
		{"backtrack factor", x, 1, &Settings{BacktrackFactor: 0.5}, "BacktrackFactor"},
		{"negative L", x, 1, &Settings{Lipschitz: -1}, "Lipschitz"},
		{"Init length", x, 1, &Settings{Init: []float64{1}}, "Init has 1 values, want 8"},
		{"NaN in x", []float64{1, 2, 3, 4, math.NaN(), 6}, 1, nil, "the signals x hold NaN at index 4 (signal 1)"},
		{"Inf in Init", x, 1, &Settings{Init: []float64{0, 0, 0, math.Inf(-1), 0, 0, 0, 0}}, "Settings.Init hold -Inf at index 3 (signal 0)"},
	} {
		_, err := s.Solve64(tc.x, tc.lam, tc.set)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	if _, err := New(b, nil); err == nil {
		t.Error("New(nil operator) succeeded")
	}
	if _, err := ParseMethod("admm"); err == nil {
		t.Error("ParseMethod(admm) succeeded")
	}
}
