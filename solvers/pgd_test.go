package solvers

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/solvers/linop"
	"gonum.org/v1/gonum/mat"
)

// refPGD is a float64 transcription, for one image, of the reference code's PGD loop
// (inverse_problem.py): x_0 = 0; while ‖A·x − y‖ > tol and k < kmax, try every step in order and
// keep the candidate with the strictly smallest residual; track the minimum-residual iterate.
func refPGD(a *mat.Dense, y []float64, project func([]float64) []float64, steps []float64, kmax int, tol float64) (last, best []float64, chosen []float64) {
	_, n := a.Dims()
	x := make([]float64, n)
	sub := func(u, v []float64) []float64 {
		out := make([]float64, len(u))
		for i := range u {
			out[i] = u[i] - v[i]
		}
		return out
	}
	res := sub(matVec(a, x), y)
	bestNorm := math.Inf(1)
	best = x
	for k := 0; norm2(res) > tol && k < kmax; k++ {
		grad := matVec(a.T(), res)
		var x1, res1 []float64
		var g1 float64
		for s, gamma := range steps {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = x[i] - gamma*grad[i]
			}
			xs = project(xs)
			rs := sub(matVec(a, xs), y)
			if s == 0 || norm2(rs) < norm2(res1) {
				x1, res1, g1 = xs, rs, gamma
			}
		}
		x, res = x1, res1
		chosen = append(chosen, g1)
		if norm2(res) < bestNorm {
			bestNorm, best = norm2(res), x
		}
	}
	return x, best, chosen
}

// TestPGDMatchesReference runs both step rules on paper 000's super-resolution operator with a
// nonlinear projector and compares every image with the float64 reference loop.
func TestPGDMatchesReference(t *testing.T) {
	const h, w, batch = 28, 28, 4
	shape := []int{h, w, 1}
	op := linop.Must(linop.SuperResolution(shape, 2, 0.7))
	rng := rand.New(rand.NewPCG(1, 2))
	truth := blobs(rng, batch, h, w)
	proj := newLowRankClamp(rng, h*w, 60)
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		a, err := linop.Matrix(b, op)
		if err != nil {
			t.Fatal(err)
		}
		y := make([]float64, 0, batch*196)
		for i := range batch {
			y = append(y, matVec(a, truth[i*h*w:(i+1)*h*w])...)
		}
		pgd, err := NewPGD(b, op)
		if err != nil {
			t.Fatal(err)
		}
		defer pgd.Finalize()
		cases := []struct {
			name     string
			settings PGDSettings
			steps    []float64
			wantBest bool
		}{
			{"best-residual defaults", PGDSettings{Rule: BestResidualStep}, DefaultSteps, true},
			{"best-residual last", PGDSettings{Rule: BestResidualStep, Steps: []float64{0.5, 3}, Estimate: EstimateLast, Iterations: 8}, []float64{0.5, 3}, false},
			{"fixed γ = 2", PGDSettings{Step: 2, Iterations: 10}, []float64{2}, false},
			{"fixed γ = 2, min residual", PGDSettings{Step: 2, Iterations: 10, Estimate: EstimateMinResidual}, []float64{2}, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := c.settings
				s.Truth = toF32(truth)
				res, err := pgd.Solve(toF32(y), proj, &s)
				if err != nil {
					t.Fatal(err)
				}
				kmax := s.Iterations
				if kmax == 0 {
					kmax = DefaultIterations
				}
				if len(res.Iterations) != kmax+1 {
					t.Errorf("%d iteration records, want %d", len(res.Iterations), kmax+1)
				}
				for i := range batch {
					last, best, chosen := refPGD(a, y[i*196:(i+1)*196], proj.project64, c.steps, kmax, DefaultTolerance)
					want := last
					if c.wantBest {
						want = best
					}
					got := toF64(res.X[i*h*w : (i+1)*h*w])
					var d float64
					for j := range got {
						d = max(d, math.Abs(got[j]-want[j]))
					}
					if d > 1e-4 {
						t.Errorf("image %d: max difference %.3g from the reference", i, d)
					}
					for k, g := range chosen {
						if got := res.Iterations[k+1].Step[i]; got != g {
							t.Errorf("image %d iteration %d: step %g, reference %g", i, k+1, got, g)
						}
					}
					wantRes := norm2(func() []float64 {
						r := matVec(a, want)
						for j := range r {
							r[j] -= y[i*196+j]
						}
						return r
					}())
					if math.Abs(res.Residual[i]-wantRes) > 1e-4*(1+wantRes) {
						t.Errorf("image %d: residual %g, reference %g", i, res.Residual[i], wantRes)
					}
				}
				// Statistics are consistent with the returned estimate.
				for i := range batch {
					k := res.Chosen[i]
					if got := res.Iterations[k].Residual[i]; math.Abs(got-res.Residual[i]) > 1e-9 {
						t.Errorf("image %d: Chosen = %d has residual %g, result %g", i, k, got, res.Residual[i])
					}
					if got := res.Iterations[k].PSNR[i]; math.Abs(got-res.PSNR[i]) > 1e-9 {
						t.Errorf("image %d: Chosen = %d has PSNR %g, result %g", i, k, got, res.PSNR[i])
					}
					if o := res.Iterations[k].Objective[i]; math.Abs(o-res.Residual[i]*res.Residual[i]/2) > 1e-9 {
						t.Errorf("image %d: objective %g ≠ ½·residual²", i, o)
					}
				}
				if c.wantBest {
					for _, it := range res.Iterations[1:] {
						for i := range batch {
							if it.Residual[i] < res.Residual[i] {
								t.Errorf("image %d: iterate %d has residual %g < returned %g", i, it.Iteration, it.Residual[i], res.Residual[i])
							}
						}
					}
				}
				if want := len(c.steps) * batch * kmax; res.Projected != want {
					t.Errorf("Projected = %d, want %d", res.Projected, want)
				}
			})
		}
	})
}

// TestPGDLeastSquares: with the identity projector and the default step 1/‖A‖², PGD is the
// Landweber iteration and converges to the least-squares solution of a full-rank system.
func TestPGDLeastSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const m, n, batch = 12, 5, 3
	a := mat.NewDense(m, n, nil)
	for i := range m {
		for j := range n {
			a.Set(i, j, rng.NormFloat64())
		}
		a.Set(i, i%n, a.At(i, i%n)+3) // well conditioned
	}
	op := linop.Must(linop.Dense(a))
	y := make([]float64, batch*m)
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		pgd, err := NewPGD(b, op)
		if err != nil {
			t.Fatal(err)
		}
		res, err := pgd.Solve(toF32(y), nil, &PGDSettings{Iterations: 400, Tolerance: -1})
		if err != nil {
			t.Fatal(err)
		}
		var svd mat.SVD
		svd.Factorize(a, mat.SVDNone)
		if s := svd.Values(nil)[0]; math.Abs(res.Step-1/(s*s)) > 1e-6*res.Step {
			t.Errorf("default step %g, want 1/σ_max² = %g", res.Step, 1/(s*s))
		}
		for k := range batch {
			var want mat.VecDense
			if err := want.SolveVec(a, mat.NewVecDense(m, y[k*m:(k+1)*m])); err != nil {
				t.Fatal(err)
			}
			for j := range n {
				if d := math.Abs(float64(res.X[k*n+j]) - want.AtVec(j)); d > 1e-4 {
					t.Errorf("signal %d entry %d: %g, least squares %g", k, j, res.X[k*n+j], want.AtVec(j))
				}
			}
		}
		// The objective never increases for a step below 2/‖A‖² without projection.
		for k := 1; k < len(res.Iterations); k++ {
			for i := range batch {
				if res.Iterations[k].Objective[i] > res.Iterations[k-1].Objective[i]*(1+1e-5)+1e-9 {
					t.Fatalf("objective increased at iteration %d for signal %d", k, i)
				}
			}
		}
	})
}

func TestPGDEarlyStopAndCallback(t *testing.T) {
	b := getBackend(t, "go")
	shape := []int{8, 8, 1}
	op := linop.Must(linop.SuperResolution(shape, 2, 0.7))
	pgd, err := NewPGD(b, op)
	if err != nil {
		t.Fatal(err)
	}
	// Image 0 has y = 0: x_0 = 0 is exact, so it never iterates; image 1 does.
	e, err := linop.NewExec(b, op)
	if err != nil {
		t.Fatal(err)
	}
	x := toF32(blobs(rand.New(rand.NewPCG(5, 6)), 1, 8, 8))
	y1, err := e.Apply(x)
	if err != nil {
		t.Fatal(err)
	}
	y := append(make([]float32, 16), y1...)
	var seen []int
	res, err := pgd.Solve(y, BoxProjector{0, 1}, &PGDSettings{Rule: BestResidualStep, Iterations: 6,
		Callback: func(it *PGDIteration) error {
			if len(it.X) != 2*64 {
				t.Errorf("callback X has %d values", len(it.X))
			}
			seen = append(seen, it.Iteration)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("callback saw iterations %v", seen)
	}
	if res.Chosen[0] != 0 || res.Residual[0] != 0 {
		t.Errorf("image 0: chosen %d, residual %g; want the exact x_0", res.Chosen[0], res.Residual[0])
	}
	for _, it := range res.Iterations[1:] {
		if it.Active != 1 || it.Step[0] != 0 || it.Step[1] == 0 {
			t.Errorf("iteration %d: Active = %d, steps %v", it.Iteration, it.Active, it.Step)
		}
		if it.X != nil {
			t.Error("recorded iterations keep X")
		}
	}
	last, err := pgd.Solve(y, BoxProjector{0, 1}, &PGDSettings{Rule: BestResidualStep, Iterations: 6, Estimate: EstimateLast})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(last.Chosen, []int{0, 6}) || !slices.Equal(last.X[:64], make([]float32, 64)) {
		t.Errorf("EstimateLast: Chosen = %v, want [0 6] (image 0 never updated)", last.Chosen)
	}
	// ErrStop ends after x_2; another error aborts.
	res, err = pgd.Solve(y, nil, &PGDSettings{Step: 1, Callback: func(it *PGDIteration) error {
		if it.Iteration == 2 {
			return ErrStop
		}
		return nil
	}})
	if err != nil || len(res.Iterations) != 3 {
		t.Errorf("ErrStop: err %v, %d iterations recorded, want 3", err, len(res.Iterations))
	}
	boom := errors.New("boom")
	if _, err := pgd.Solve(y, nil, &PGDSettings{Callback: func(*PGDIteration) error { return boom }}); !errors.Is(err, boom) {
		t.Errorf("callback error not returned: %v", err)
	}
}

func TestPGDSettingsErrors(t *testing.T) {
	b := getBackend(t, "go")
	op := linop.Must(linop.Subsample([]int{4, 4, 1}, 2))
	pgd, err := NewPGD(b, op)
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, 8) // two measurements
	failing := ProjectorFunc(func(x []float32, _ []int) ([]float32, error) { return nil, errors.New("no model") })
	short := ProjectorFunc(func(x []float32, _ []int) ([]float32, error) { return x[:1], nil })
	nanProj := ProjectorFunc(func(x []float32, _ []int) ([]float32, error) {
		for i := range x {
			x[i] = float32(math.NaN())
		}
		return x, nil
	})
	nanY := append([]float32{float32(math.NaN())}, y[1:]...)
	cases := []struct {
		name string
		y    []float32
		proj Projector
		s    PGDSettings
		want string // part of the error ("" : any error)
	}{
		{"NaN in y", nanY, nil, PGDSettings{}, "the measurements y hold NaN at index 0 (array 0)"},
		{"Inf in Init", y, nil, PGDSettings{Init: append(make([]float32, 31), float32(math.Inf(1)))}, "Init hold +Inf at index 31 (array 1)"},
		{"NaN tolerance", y, nil, PGDSettings{Tolerance: math.NaN()}, "Tolerance NaN"},
		{"negative peak", y, nil, PGDSettings{Peak: -1}, "Peak -1"},
		{"projector returns NaN", append([]float32{1}, y[1:]...), nanProj, PGDSettings{}, "the residual is NaN for every step"},
		{"y not whole images", make([]float32, 7), nil, PGDSettings{}, ""},
		{"empty y", nil, nil, PGDSettings{}, ""},
		{"negative iterations", y, nil, PGDSettings{Iterations: -1}, ""},
		{"Init size", y, nil, PGDSettings{Init: make([]float32, 5)}, ""},
		{"Truth size", y, nil, PGDSettings{Truth: make([]float32, 31)}, ""},
		{"negative step", y, nil, PGDSettings{Step: -1}, ""},
		{"NaN candidate", y, nil, PGDSettings{Rule: BestResidualStep, Steps: []float64{1, math.NaN()}}, ""},
		{"no candidates", y, nil, PGDSettings{Rule: BestResidualStep, Steps: []float64{}}, ""},
		{"unknown rule", y, nil, PGDSettings{Rule: StepRule(9)}, ""},
		{"unknown estimate", y, nil, PGDSettings{Estimate: Estimate(9)}, ""},
		{"projector error", append([]float32{1}, y[1:]...), failing, PGDSettings{}, ""},
		{"projector wrong size", append([]float32{1}, y[1:]...), short, PGDSettings{}, ""},
	}
	for _, c := range cases {
		if _, err := pgd.Solve(c.y, c.proj, &c.s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	// With the best-residual rule a diverging step (NaN candidates) loses to a finite one.
	calls := 0
	halfNaN := ProjectorFunc(func(x []float32, shape []int) ([]float32, error) {
		calls++
		for i := range x[:len(x)/2] { // the first step's candidates
			x[i] = float32(math.NaN())
		}
		return x, nil
	})
	res, err := pgd.Solve(append([]float32{1}, y[1:]...), halfNaN, &PGDSettings{Rule: BestResidualStep, Steps: []float64{1, 0.5}, Iterations: 3})
	if err != nil || calls == 0 {
		t.Fatalf("one NaN step of two: %v (projector called %d times)", err, calls)
	}
	for i, r := range res.Residual {
		if math.IsNaN(r) {
			t.Errorf("image %d: NaN residual chosen over a finite one", i)
		}
	}
	if _, err := NewPGD(nil, op); err == nil {
		t.Error("NewPGD(nil backend) succeeded")
	}
}

func TestProjectors(t *testing.T) {
	x := []float32{-1, 0.25, 2, 0.5, 1.5, -0.1}
	shape := []int{1, 2, 3, 1}
	box, err := BoxProjector{0, 1}.Project(slices.Clone(x), shape)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{0, 0.25, 1, 0.5, 1, 0}; !slices.Equal(box, want) {
		t.Errorf("BoxProjector = %v, want %v", box, want)
	}
	if _, err := (BoxProjector{1, 0}).Project(x, shape); err == nil {
		t.Error("empty box accepted")
	}
	id, _ := IdentityProjector{}.Project(slices.Clone(x), shape)
	if !slices.Equal(id, x) {
		t.Errorf("IdentityProjector changed x: %v", id)
	}
	var gotN, gotH, gotW, gotC int
	half := ImagesProjector(func(im *datasets.Images) ([]float32, error) {
		gotN, gotH, gotW, gotC = im.N, im.Height, im.Width, im.Channels
		out := make([]float32, len(im.Pixels))
		for i, v := range im.Pixels {
			out[i] = v / 2
		}
		return out, nil
	})
	out, err := half.Project(slices.Clone(x), shape)
	if err != nil {
		t.Fatal(err)
	}
	if gotN != 1 || gotH != 2 || gotW != 3 || gotC != 1 || out[2] != 1 {
		t.Errorf("ImagesProjector saw %d×%d×%d×%d, returned %v", gotN, gotH, gotW, gotC, out)
	}
	if _, err := half.Project(x, []int{6}); err == nil {
		t.Error("ImagesProjector accepted a non-image shape")
	}
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		clamp, err := GraphProjector(b, func(x *graph.Node) *graph.Node {
			// graph.Clamp is not implemented on compute-onnx; Max/Min are.
			return graph.Max(graph.Min(x, graph.Scalar(x.Graph(), x.DType(), 1)), graph.Scalar(x.Graph(), x.DType(), 0))
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := clamp.Project(slices.Clone(x), shape)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, box) {
			t.Errorf("GraphProjector(clamp) = %v, want %v", got, box)
		}
		ident, err := GraphProjector(b, func(x *graph.Node) *graph.Node { return x })
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ident.Project(slices.Clone(x), shape); err != nil || !slices.Equal(got, x) {
			t.Errorf("GraphProjector(identity) = %v, %v", got, err)
		}
	})
}

// TestParseStepRuleAndEstimate: every rule and estimate parses back from its String, and an
// unknown name is an error that lists the known ones.
func TestParseStepRuleAndEstimate(t *testing.T) {
	for _, r := range []StepRule{FixedStep, BestResidualStep} {
		if got, err := ParseStepRule(r.String()); err != nil || got != r {
			t.Errorf("ParseStepRule(%q) = %v, %v", r, got, err)
		}
	}
	for _, e := range []Estimate{EstimateDefault, EstimateLast, EstimateMinResidual} {
		if got, err := ParseEstimate(e.String()); err != nil || got != e {
			t.Errorf("ParseEstimate(%q) = %v, %v", e, got, err)
		}
	}
	if _, err := ParseStepRule("adaptive"); err == nil || !strings.Contains(err.Error(), `"best-residual"`) {
		t.Errorf("ParseStepRule(adaptive): %v", err)
	}
	if _, err := ParseEstimate("best"); err == nil || !strings.Contains(err.Error(), `"min-residual"`) {
		t.Errorf("ParseEstimate(best): %v", err)
	}
}
