package solvers

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/solvers/linop"
)

// StepRule selects how PGD chooses its step at each iteration.
type StepRule int

const (
	// FixedStep is the paper's iteration (eq. (9)) with one step γ = PGDSettings.Step.
	FixedStep StepRule = iota
	// BestResidualStep is the reference code's rule: every step of PGDSettings.Steps gives a
	// projected candidate and the one with the smallest residual ‖A·x − y‖₂ is kept, per image.
	BestResidualStep
)

func (r StepRule) String() string {
	switch r {
	case FixedStep:
		return "fixed"
	case BestResidualStep:
		return "best-residual"
	}
	return fmt.Sprintf("StepRule(%d)", int(r))
}

// DefaultEstimate is the iterate PGD returns with this rule when PGDSettings.Estimate is
// EstimateDefault: EstimateMinResidual for BestResidualStep, EstimateLast otherwise.
func (r StepRule) DefaultEstimate() Estimate {
	if r == BestResidualStep {
		return EstimateMinResidual
	}
	return EstimateLast
}

// ParseStepRule returns the rule whose String is name ("fixed" or "best-residual").
func ParseStepRule(name string) (StepRule, error) {
	for _, r := range []StepRule{FixedStep, BestResidualStep} {
		if name == r.String() {
			return r, nil
		}
	}
	return 0, fmt.Errorf("solvers: unknown PGD step rule %q: want %q (the paper's eq. (9)) or %q (the reference code's)", name, FixedStep, BestResidualStep)
}

// Estimate selects which iterate PGD returns.
type Estimate int

const (
	// EstimateDefault is EstimateLast for FixedStep and EstimateMinResidual for BestResidualStep.
	EstimateDefault Estimate = iota
	// EstimateLast returns the last iterate x_K (for an image that stopped early, its last one).
	EstimateLast
	// EstimateMinResidual returns, per image, the iterate x_k (k ≥ 1) with the smallest residual
	// ‖A·x_k − y‖₂ (the earliest on ties).
	EstimateMinResidual
)

func (e Estimate) String() string {
	switch e {
	case EstimateDefault:
		return "default"
	case EstimateLast:
		return "last"
	case EstimateMinResidual:
		return "min-residual"
	}
	return fmt.Sprintf("Estimate(%d)", int(e))
}

// ParseEstimate returns the estimate whose String is name ("default", "last" or "min-residual").
func ParseEstimate(name string) (Estimate, error) {
	for _, e := range []Estimate{EstimateDefault, EstimateLast, EstimateMinResidual} {
		if name == e.String() {
			return e, nil
		}
	}
	return 0, fmt.Errorf("solvers: unknown PGD estimate %q: want %q (the rule's), %q or %q", name, EstimateDefault, EstimateLast, EstimateMinResidual)
}

// Default settings of [PGD], those of paper 000's reference code.
const (
	DefaultIterations = 15
	DefaultTolerance  = 1e-5
)

// DefaultSteps are the candidate steps of [BestResidualStep], in the order they are tried.
var DefaultSteps = []float64{1, 10, 5}

// ErrStop, returned by a PGDSettings.Callback, ends the iterations early without an error.
var ErrStop = errors.New("solvers: stop requested by the callback")

// PGDSettings configures [PGD.Solve]; the zero value (or nil) means the defaults given per field.
type PGDSettings struct {
	// Iterations is the maximum number of iterations K; 0 means DefaultIterations (15).
	Iterations int
	// Rule is the step rule, FixedStep (the zero value) or BestResidualStep.
	Rule StepRule
	// Step is γ for FixedStep; 0 means 1/‖A‖₂² (‖A‖₂ by power iteration, 200 iterations).
	Step float64
	// Steps are the candidates of BestResidualStep in the order tried; nil means DefaultSteps.
	Steps []float64
	// Tolerance: an image stops iterating once ‖A·x_k − y‖₂ ≤ Tolerance; 0 means
	// DefaultTolerance (1e-5), a negative value never stops early (NaN is refused).
	Tolerance float64
	// Init is x_0, [B, InShape...] flat; nil means zeros.
	Init []float32
	// Truth is the ground truth x, [B, InShape...] flat, for PSNR statistics; nil means none.
	Truth []float32
	// Peak is the PSNR peak value; 0 means 1 (images in [0, 1]).
	Peak float64
	// Estimate selects the returned iterate; EstimateDefault depends on Rule.
	Estimate Estimate
	// Callback, if set, is called after x_0 and after every iteration with its statistics and
	// the iterate (it.X, valid only during the call). Returning ErrStop ends the iterations;
	// another error aborts PGD and is returned.
	Callback func(it *PGDIteration) error
}

// PGDIteration holds the statistics of iterate x_k, one value per image of the batch.
type PGDIteration struct {
	Iteration int       // k; 0 is the initial point
	Residual  []float64 // ‖A·x_k − y‖₂
	Objective []float64 // ½‖A·x_k − y‖₂²
	PSNR      []float64 // PSNR of x_k against PGDSettings.Truth in dB; nil without Truth
	Step      []float64 // γ that produced x_k; 0 at k = 0 and for images that had stopped
	Active    int       // number of images updated at this iteration (the batch size at k = 0)
	// X is the iterate x_k, [B, InShape...] flat; set only in the Callback's argument.
	X []float32
}

// MeanResidual returns the mean of Residual over the batch.
func (it *PGDIteration) MeanResidual() float64 { return metrics.Mean(it.Residual) }

// MeanObjective returns the mean of Objective over the batch.
func (it *PGDIteration) MeanObjective() float64 { return metrics.Mean(it.Objective) }

// MeanPSNR returns the mean of PSNR over the batch (NaN without ground truth).
func (it *PGDIteration) MeanPSNR() float64 { return metrics.Mean(it.PSNR) }

// PGDResult is the outcome of [PGD.Solve].
type PGDResult struct {
	// X is the estimate, [B, InShape...] flat (see Estimate).
	X []float32
	// Residual and PSNR are those of X per image (PSNR nil without Truth).
	Residual []float64
	PSNR     []float64
	// Chosen is, per image, the iteration k whose iterate X holds.
	Chosen []int
	// Iterations holds the statistics of x_0, x_1, … (their X fields are nil).
	Iterations []PGDIteration
	// Rule, Step (FixedStep), Steps (BestResidualStep) and Estimate are the settings used, after
	// defaults.
	Rule     StepRule
	Step     float64
	Steps    []float64
	Estimate Estimate
	// Projected counts the arrays passed to the projector.
	Projected int
	// Runtime is the wall time of Solve.
	Runtime time.Duration
}

// PGD solves y = A·x by projected gradient descent (see the package documentation) for one
// operator on one backend; its graphs are compiled on first use, once per batch size and number
// of candidate steps, and reused by later calls. A PGD is not safe for concurrent use.
type PGD struct {
	backend  compute.Backend
	op       linop.Operator
	step     *graph.Exec // (x [B,in], y [B,out], γ [G]) → candidates [G·B, in]
	residual *graph.Exec // (p [G·B,in], y [B,out]) → ‖A·p − y‖₂ [G, B]
	normSq   float64     // ‖A‖₂², computed on first need
}

// NewPGD returns a PGD solver for operator op on backend b.
func NewPGD(b compute.Backend, op linop.Operator) (*PGD, error) {
	if b == nil || op == nil {
		return nil, fmt.Errorf("solvers.NewPGD: nil backend or operator")
	}
	in, out := op.InShape(), op.OutShape()
	step, err := graph.NewExec(b, func(x, y, gammas *graph.Node) *graph.Node {
		bs := x.Shape().Dimensions[0]
		g := gammas.Shape().Dimensions[0]
		grad := op.Adjoint(graph.Sub(op.Apply(x), y)) // Aᵀ(A·x − y), [B, in...]
		full := append([]int{g, bs}, in...)
		ones := make([]int, len(in)+1)
		for i := range ones {
			ones[i] = 1
		}
		gam := graph.BroadcastToDims(graph.Reshape(gammas, append([]int{g}, ones...)...), full...)
		cand := graph.Sub(
			graph.BroadcastToDims(graph.InsertAxes(x, 0), full...),
			graph.Mul(gam, graph.BroadcastToDims(graph.InsertAxes(grad, 0), full...)))
		return graph.Reshape(cand, append([]int{g * bs}, in...)...)
	})
	if err != nil {
		return nil, fmt.Errorf("solvers.NewPGD: %w", err)
	}
	residual, err := graph.NewExec(b, func(p, y *graph.Node) *graph.Node {
		n, bs := p.Shape().Dimensions[0], y.Shape().Dimensions[0]
		g := n / bs
		full := append([]int{g, bs}, out...)
		ap := graph.Reshape(op.Apply(p), full...)
		d := graph.Sub(ap, graph.BroadcastToDims(graph.InsertAxes(y, 0), full...))
		axes := make([]int, len(out))
		for i := range axes {
			axes[i] = i + 2
		}
		return graph.Sqrt(graph.ReduceSum(graph.Square(d), axes...))
	})
	if err != nil {
		return nil, fmt.Errorf("solvers.NewPGD: %w", err)
	}
	return &PGD{backend: b, op: op, step: step, residual: residual}, nil
}

// Operator returns the operator A.
func (p *PGD) Operator() linop.Operator { return p.op }

// Finalize frees the compiled graphs.
func (p *PGD) Finalize() {
	p.step.Finalize()
	p.residual.Finalize()
}

// callFlat runs exec on float32 arguments given as (data, dims) pairs and returns its first
// output as a flat slice.
func callFlat(exec *graph.Exec, args ...any) ([]float32, error) {
	var ts []*tensors.Tensor
	callArgs := make([]any, 0, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		t := tensors.FromFlatDataAndDimensions(args[i].([]float32), args[i+1].([]int)...)
		ts = append(ts, t)
		callArgs = append(callArgs, t)
	}
	defer func() {
		for _, t := range ts {
			t.MustFinalizeAll()
		}
	}()
	out, err := exec.Call(callArgs...)
	if err != nil {
		return nil, err
	}
	defer out[0].MustFinalizeAll()
	return tensors.CopyFlatData[float32](out[0])
}

// residuals returns ‖A·p_i − y_b‖₂ for a stack p of g batches of bs arrays, [g][bs] flattened.
func (p *PGD) residuals(cands []float32, g, bs int, y []float32) ([]float64, error) {
	in, out := p.op.InShape(), p.op.OutShape()
	r, err := callFlat(p.residual, cands, append([]int{g * bs}, in...), y, append([]int{bs}, out...))
	if err != nil {
		return nil, fmt.Errorf("computing residuals ‖A·x − y‖: %w", err)
	}
	res := make([]float64, len(r))
	for i, v := range r {
		res[i] = float64(v)
	}
	return res, nil
}

// Solve runs PGD for the batch of measurements y ([B, OutShape...] flat) with projector proj
// (nil means IdentityProjector) and settings s (nil means defaults).
func (p *PGD) Solve(y []float32, proj Projector, s *PGDSettings) (*PGDResult, error) {
	start := time.Now()
	var set PGDSettings
	if s != nil {
		set = *s
	}
	if proj == nil {
		proj = IdentityProjector{}
	}
	in, out := p.op.InShape(), p.op.OutShape()
	n := linop.Size(in)
	bs, err := linop.BatchSize(len(y), out, "solvers.PGD: measurements y")
	if err != nil {
		return nil, err
	}
	if set.Iterations < 0 {
		return nil, fmt.Errorf("solvers.PGD: Iterations = %d is negative", set.Iterations)
	}
	if set.Iterations == 0 {
		set.Iterations = DefaultIterations
	}
	if set.Tolerance == 0 {
		set.Tolerance = DefaultTolerance
	}
	if set.Peak == 0 {
		set.Peak = 1
	}
	if math.IsNaN(set.Tolerance) || math.IsInf(set.Tolerance, 1) {
		return nil, fmt.Errorf("solvers.PGD: Tolerance %v: give a finite number (0: the default %g; negative: never stop early)", set.Tolerance, DefaultTolerance)
	}
	if !(set.Peak > 0) || math.IsInf(set.Peak, 0) {
		return nil, fmt.Errorf("solvers.PGD: Peak %v must be positive and finite (1 for images in [0, 1])", set.Peak)
	}
	for _, v := range []struct {
		name string
		data []float32
	}{{"Init", set.Init}, {"Truth", set.Truth}} {
		if v.data != nil && len(v.data) != bs*n {
			return nil, fmt.Errorf("solvers.PGD: %s has %d values, want %d (%d arrays of shape %v)", v.name, len(v.data), bs*n, bs, in)
		}
	}
	for _, v := range []struct {
		name string
		data []float32
		size int
	}{{"the measurements y", y, linop.Size(out)}, {"Init", set.Init, n}} {
		for i, e := range v.data {
			if math.IsNaN(float64(e)) || math.IsInf(float64(e), 0) {
				return nil, fmt.Errorf("solvers.PGD: %s hold %v at index %d (array %d): every value must be finite", v.name, e, i, i/v.size)
			}
		}
	}
	var steps []float64
	switch set.Rule {
	case FixedStep:
		if set.Step == 0 {
			if p.normSq == 0 {
				norm, err := linop.Norm(p.backend, p.op, 200)
				if err != nil {
					return nil, fmt.Errorf("solvers.PGD: default step 1/‖A‖²: %w", err)
				}
				if norm == 0 {
					return nil, fmt.Errorf("solvers.PGD: %s is zero; give PGDSettings.Step", linop.Describe(p.op))
				}
				p.normSq = norm * norm
			}
			set.Step = 1 / p.normSq
		}
		steps = []float64{set.Step}
	case BestResidualStep:
		steps = set.Steps
		if steps == nil {
			steps = DefaultSteps
		}
		steps = slices.Clone(steps)
		if len(steps) == 0 {
			return nil, fmt.Errorf("solvers.PGD: BestResidualStep needs at least one step in Steps")
		}
	default:
		return nil, fmt.Errorf("solvers.PGD: unknown step rule %v", set.Rule)
	}
	for _, g := range steps {
		if !(g > 0) || math.IsInf(g, 0) {
			return nil, fmt.Errorf("solvers.PGD: step %g must be positive and finite", g)
		}
	}
	if set.Estimate == EstimateDefault {
		set.Estimate = set.Rule.DefaultEstimate()
	}
	if set.Estimate != EstimateLast && set.Estimate != EstimateMinResidual {
		return nil, fmt.Errorf("solvers.PGD: unknown Estimate %d", set.Estimate)
	}

	res := &PGDResult{Rule: set.Rule, Estimate: set.Estimate}
	if set.Rule == FixedStep {
		res.Step = set.Step
	} else {
		res.Steps = steps
	}
	x := make([]float32, bs*n)
	if set.Init != nil {
		copy(x, set.Init)
	}
	r, err := p.residuals(x, 1, bs, y)
	if err != nil {
		return nil, fmt.Errorf("solvers.PGD: %w", err)
	}
	best := slices.Clone(x)
	bestRes := slices.Clone(r)
	chosen := make([]int, bs)
	improved := make([]bool, bs) // whether best holds an iterate with k ≥ 1

	record := func(k int, step []float64, active int) error {
		it := PGDIteration{Iteration: k, Residual: slices.Clone(r), Objective: make([]float64, bs), Step: step, Active: active}
		for i, v := range r {
			it.Objective[i] = v * v / 2
		}
		if set.Truth != nil {
			it.PSNR = make([]float64, bs)
			for i := range bs {
				it.PSNR[i] = metrics.PSNR(set.Truth[i*n:(i+1)*n], x[i*n:(i+1)*n], set.Peak)
			}
		}
		res.Iterations = append(res.Iterations, it)
		if set.Callback != nil {
			it.X = x
			return set.Callback(&it)
		}
		return nil
	}
	stopped := false
	if err := record(0, make([]float64, bs), bs); err != nil {
		if !errors.Is(err, ErrStop) {
			return nil, fmt.Errorf("solvers.PGD: callback: %w", err)
		}
		stopped = true
	}

	g := len(steps)
	gam := make([]float32, g)
	for i, v := range steps {
		gam[i] = float32(v)
	}
	candShape := append([]int{g * bs}, in...)
	for k := 1; k <= set.Iterations && !stopped; k++ {
		active := make([]bool, bs)
		nActive := 0
		for i := range bs {
			if set.Tolerance < 0 || !(r[i] <= set.Tolerance) {
				active[i] = true
				nActive++
			}
		}
		if nActive == 0 {
			break
		}
		cands, err := callFlat(p.step, x, append([]int{bs}, in...), y, append([]int{bs}, out...), gam, []int{g})
		if err != nil {
			return nil, fmt.Errorf("solvers.PGD: iteration %d: gradient step: %w", k, err)
		}
		projected, err := proj.Project(cands, slices.Clone(candShape))
		if err != nil {
			return nil, fmt.Errorf("solvers.PGD: iteration %d: projecting %d candidates: %w", k, g*bs, err)
		}
		if len(projected) != len(cands) {
			return nil, fmt.Errorf("solvers.PGD: iteration %d: the projector returned %d values for %d", k, len(projected), len(cands))
		}
		res.Projected += g * bs
		rc, err := p.residuals(projected, g, bs, y)
		if err != nil {
			return nil, fmt.Errorf("solvers.PGD: iteration %d: %w", k, err)
		}
		step := make([]float64, bs)
		for i := range bs {
			if !active[i] {
				continue
			}
			j := 0 // the candidate with the smallest residual; a finite one beats NaN
			for c := 1; c < g; c++ {
				if rc[c*bs+i] < rc[j*bs+i] || (math.IsNaN(rc[j*bs+i]) && !math.IsNaN(rc[c*bs+i])) {
					j = c
				}
			}
			if math.IsNaN(rc[j*bs+i]) || math.IsInf(rc[j*bs+i], 0) {
				return nil, fmt.Errorf("solvers.PGD: iteration %d: image %d: the residual is %v for every step %v (the iterate diverged or the projector returned non-finite values): try smaller steps",
					k, i, rc[j*bs+i], steps)
			}
			copy(x[i*n:(i+1)*n], projected[(j*bs+i)*n:(j*bs+i+1)*n])
			r[i] = rc[j*bs+i]
			step[i] = steps[j]
			if !improved[i] || r[i] < bestRes[i] {
				copy(best[i*n:(i+1)*n], x[i*n:(i+1)*n])
				bestRes[i], chosen[i], improved[i] = r[i], k, true
			}
		}
		if err := record(k, step, nActive); err != nil {
			if !errors.Is(err, ErrStop) {
				return nil, fmt.Errorf("solvers.PGD: callback: %w", err)
			}
			stopped = true
		}
	}

	if set.Estimate == EstimateLast {
		res.X, res.Residual = x, r
		last := res.Iterations[len(res.Iterations)-1].Iteration
		res.Chosen = make([]int, bs)
		for i := range bs {
			// An image that stopped early keeps the iterate of its last update.
			res.Chosen[i] = last
			for k := last; k > 0 && res.Iterations[k].Step[i] == 0; k-- {
				res.Chosen[i] = k - 1
			}
		}
	} else {
		res.X, res.Residual, res.Chosen = best, bestRes, chosen
	}
	if set.Truth != nil {
		res.PSNR = make([]float64, bs)
		for i := range bs {
			res.PSNR[i] = metrics.PSNR(set.Truth[i*n:(i+1)*n], res.X[i*n:(i+1)*n], set.Peak)
		}
	}
	res.Runtime = time.Since(start)
	return res, nil
}
