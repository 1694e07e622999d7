package lasso

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sparselab/sparselab/models/metrics"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/sparselab/sparselab/solvers/linop"
	"github.com/sparselab/sparselab/solvers/prox"
)

// Method selects the iteration.
type Method int

const (
	// FISTA is the accelerated method (the zero value).
	FISTA Method = iota
	// ISTA is the plain proximal-gradient method (monotone objective).
	ISTA
)

func (m Method) String() string {
	switch m {
	case FISTA:
		return "fista"
	case ISTA:
		return "ista"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod returns the method named "fista" or "ista".
func ParseMethod(name string) (Method, error) {
	switch name {
	case "fista", "FISTA":
		return FISTA, nil
	case "ista", "ISTA":
		return ISTA, nil
	}
	return 0, fmt.Errorf("lasso: unknown method %q; want fista or ista", name)
}

// Defaults of [Settings].
const (
	DefaultMaxIterations   = 1000
	DefaultTolerance       = 1e-5
	DefaultChunk           = 10
	DefaultBacktrackFactor = 2.0
	// NormIterations is the number of power iterations of the estimate of ‖D‖₂².
	NormIterations = 200
	// LipschitzMargin multiplies the power-iteration estimate of ‖D‖₂² to give the default L. The
	// estimate is a Rayleigh quotient, never above ‖D‖₂² and below it where the top singular
	// values are close (the iteration separates them slowly), and a step 1/L longer than
	// 1/‖D‖₂² voids the convergence guarantee; a step 1% shorter costs about 1% more iterations.
	LipschitzMargin = 1.01
)

// ErrStop, returned by a Settings.Callback, ends the iterations early without an error.
var ErrStop = errors.New("lasso: stop requested by the callback")

// Settings configures [Solver.Solve]; the zero value (or nil) means the defaults given per field.
type Settings struct {
	// Method is FISTA (the zero value) or ISTA.
	Method Method
	// NonNegative adds the constraint z ≥ 0.
	NonNegative bool
	// Lambdas, if set, gives λ_b per signal (len = batch size), overriding Solve's λ.
	Lambdas []float64
	// MaxIterations bounds the number of iterations; 0 means DefaultMaxIterations (1000).
	MaxIterations int
	// Tolerance stops the iterations once every signal's relative change
	// ‖z_k − z_{k−1}‖₂/‖z_k‖₂ is ≤ Tolerance (a zero iterate that did not move counts as 0);
	// 0 means DefaultTolerance (1e-5); a negative value never stops early.
	Tolerance float64
	// Chunk is the number of iterations unrolled in one graph call; 0 means DefaultChunk (10).
	// Each distinct chunk length (the last call may be shorter) compiles its own graph.
	Chunk int
	// Lipschitz is L ≥ ‖D‖₂², the inverse step; 0 means [Solver.DefaultLipschitz]
	// (LipschitzMargin · ‖D‖₂² by power iteration). With Backtracking it is the initial L, and 0
	// means a 10-iteration estimate of ‖D‖₂² (package documentation).
	Lipschitz float64
	// Backtracking enables Beck–Teboulle backtracking on L, per signal (package documentation).
	Backtracking bool
	// BacktrackFactor is η > 1, the factor applied to L on a rejected step; 0 means 2.
	BacktrackFactor float64
	// Init is z_0, [B, InShape...] flat; nil means zeros.
	Init []float64
	// Callback, if set, is called after every chunk of iterations with the statistics of its last
	// iteration and the iterate (it.Z). Returning ErrStop ends the iterations; another error
	// aborts Solve and is returned.
	Callback func(it *Iteration) error
}

// Iteration holds the statistics of iterate z_k, one value per signal of the batch.
type Iteration struct {
	Iteration int       // k; 0 is the initial point
	Objective []float64 // F(z_k) = ½‖D·z_k − x‖₂² + λ‖z_k‖₁
	// Change is ‖z_k − z_{k−1}‖₂/‖z_k‖₂ (0 for a rejected backtracking step); nil at k = 0.
	Change   []float64
	NonZeros []int // number of non-zero entries of z_k
	// Lipschitz is the L in use after iteration k, per signal (constant without backtracking).
	Lipschitz []float64
	// Rejected flags the signals whose step was rejected by backtracking at iteration k; nil
	// without backtracking.
	Rejected []bool
	// Z is z_k, [B, InShape...] flat, in float64; set only in the Callback's argument.
	Z []float64
}

// MeanObjective returns the mean objective over the batch.
func (it *Iteration) MeanObjective() float64 { return metrics.Mean(it.Objective) }

// MaxChange returns the largest relative change over the batch (0 at k = 0).
func (it *Iteration) MaxChange() float64 {
	var m float64
	for _, c := range it.Change {
		m = max(m, c)
	}
	return m
}

// MeanNonZeros returns the mean number of non-zeros over the batch.
func (it *Iteration) MeanNonZeros() float64 {
	v := make([]float64, len(it.NonZeros))
	for i, n := range it.NonZeros {
		v[i] = float64(n)
	}
	return metrics.Mean(v)
}

// Result is the outcome of [Solver.Solve] (T = float32) or [Solver.Solve64] (T = float64).
type Result[T float32 | float64] struct {
	// Z is the last iterate, [B, InShape...] flat.
	Z []T
	// Objective and NonZeros are those of Z, per signal.
	Objective []float64
	NonZeros  []int
	// Lambda is λ_b per signal and Lipschitz the final L per signal.
	Lambda    []float64
	Lipschitz []float64
	// Iterations holds the statistics of z_0, z_1, …, z_K (their Z fields are nil).
	Iterations []Iteration
	// Converged reports whether the tolerance was met; ConvergedAt is the first k at which every
	// signal met it (−1 if none). Z is the iterate after the last chunk (k = K ≥ ConvergedAt).
	Converged   bool
	ConvergedAt int
	// Method and NonNegative are the settings used.
	Method      Method
	NonNegative bool
	// Runtime is the wall time of the call.
	Runtime time.Duration
}

// Solver solves LASSO problems for one operator D on one backend. Its graphs are compiled on
// first use, once per configuration (method, constraint, backtracking, chunk length), batch size
// and dtype, and reused by later calls. A Solver is not safe for concurrent use.
type Solver struct {
	backend compute.Backend
	op      linop.Operator
	normSq  float64 // ‖D‖₂² by power iteration, computed on first need
	execs   map[config]*graph.Exec
	start   *graph.Exec // (x, z, λ) → (D·z, statistics)
	adjoint *linop.Exec
}

// config identifies a compiled chunk graph.
type config struct {
	method    Method
	nonneg    bool
	backtrack bool
	eta       float64
	steps     int
}

// New returns a Solver for operator d (z ↦ D·z) on backend b.
func New(b compute.Backend, d linop.Operator) (*Solver, error) {
	if b == nil || d == nil {
		return nil, fmt.Errorf("lasso.New: nil backend or operator")
	}
	s := &Solver{backend: b, op: d, execs: map[config]*graph.Exec{}}
	var err error
	s.start, err = graph.NewExec(b, func(x, z, lam *graph.Node) (*graph.Node, *graph.Node) {
		u := d.Apply(z)
		stats := graph.Stack([]*graph.Node{objective(x, u, z, lam), nonZeros(z)}, 0)
		return linop.NotInput(u, x, z, lam), stats
	})
	if err != nil {
		return nil, fmt.Errorf("lasso.New(%s): %w", linop.Describe(d), err)
	}
	return s, nil
}

// Operator returns D.
func (s *Solver) Operator() linop.Operator { return s.op }

// Finalize frees the compiled graphs.
func (s *Solver) Finalize() {
	s.start.Finalize()
	for _, e := range s.execs {
		e.Finalize()
	}
	clear(s.execs)
	if s.adjoint != nil {
		s.adjoint.Finalize()
		s.adjoint = nil
	}
}

// Lipschitz returns ‖D‖₂², the Lipschitz constant of ∇f, by power iteration (NormIterations
// iterations, computed once and cached).
func (s *Solver) Lipschitz() (float64, error) {
	if s.normSq == 0 {
		norm, err := linop.Norm(s.backend, s.op, NormIterations)
		if err != nil {
			return 0, fmt.Errorf("lasso: estimating ‖D‖₂²: %w", err)
		}
		if norm == 0 {
			return 0, fmt.Errorf("lasso: %s is zero (‖D‖₂ = 0); give a non-zero operator", linop.Describe(s.op))
		}
		s.normSq = norm * norm
	}
	return s.normSq, nil
}

// DefaultLipschitz returns the L used when Settings.Lipschitz is 0 without backtracking:
// LipschitzMargin · ‖D‖₂², an upper bound of the Lipschitz constant of ∇f even where the power
// iteration ([Solver.Lipschitz]) falls slightly short.
func (s *Solver) DefaultLipschitz() (float64, error) {
	normSq, err := s.Lipschitz()
	return LipschitzMargin * normSq, err
}

// LambdaMax returns ‖Dᵀx_b‖∞ for each signal of the batch x ([B, OutShape...] flat), computed in
// float64: the smallest λ for which z = 0 solves the (signed) LASSO.
func (s *Solver) LambdaMax(x []float64) ([]float64, error) {
	if s.adjoint == nil {
		e, err := linop.NewExec(s.backend, s.op)
		if err != nil {
			return nil, fmt.Errorf("lasso.LambdaMax: %w", err)
		}
		s.adjoint = e
	}
	g, err := s.adjoint.Adjoint64(x)
	if err != nil {
		return nil, fmt.Errorf("lasso.LambdaMax: %w", err)
	}
	n := linop.Size(s.op.InShape())
	out := make([]float64, len(g)/n)
	for b := range out {
		for _, v := range g[b*n : (b+1)*n] {
			out[b] = max(out[b], math.Abs(v))
		}
	}
	return out, nil
}

// Solve solves the LASSO for the batch of signals x ([B, OutShape...] flat, float32) with
// λ = lambda for every signal (unless Settings.Lambdas) and settings set (nil means defaults).
// The iterations run in float32.
func (s *Solver) Solve(x []float32, lambda float64, set *Settings) (*Result[float32], error) {
	return solve(s, x, lambda, set)
}

// Solve64 is [Solver.Solve] in float64.
func (s *Solver) Solve64(x []float64, lambda float64, set *Settings) (*Result[float64], error) {
	return solve(s, x, lambda, set)
}

// ---------------------------------------------------------------------------------------------
// Graphs.

// perSignal sums v over all axes but the batch axis: [B, ...] → [B]. The sum is a product with a
// vector of ones ([B, n]·1ₙ), which runs on the backends' matrix-multiplication kernels: on the go
// backend that is several times faster than its generic ReduceSum, which took a third of the
// time of FISTA's iterations there.
func perSignal(v *graph.Node) *graph.Node {
	if v.Rank() == 1 {
		return v
	}
	dims := v.Shape().Dimensions
	n := linop.Size(dims[1:])
	// Contract the last axis of both operands, the right one of rank 2 (the form compute-onnx
	// lowers correctly, see linop's Dense).
	ones := graph.Ones(v.Graph(), shapes.Make(v.DType(), 1, n))
	sum := graph.DotGeneral(graph.Reshape(v, dims[0], n), []int{1}, nil, ones, []int{1}, nil)
	return graph.Reshape(sum, dims[0])
}

// bcast broadcasts a per-signal vector p [B] to like's shape [B, ...]; a scalar p is returned as
// is. Binary ops should take the scalar as their right operand: the go backend has a fast path
// for a scalar right operand, while broadcasting a vector runs its generic (slow) iterator.
func bcast(p, like *graph.Node) *graph.Node {
	if p.Rank() == 0 {
		return p
	}
	dims := like.Shape().Dimensions
	ones := make([]int, len(dims))
	for i := range ones {
		ones[i] = 1
	}
	ones[0] = dims[0]
	return graph.BroadcastToDims(graph.Reshape(p, ones...), dims...)
}

// objective returns F(z) = ½‖u − x‖² + λ‖z‖₁ per signal, for u = D·z.
func objective(x, u, z, lam *graph.Node) *graph.Node {
	fit := graph.MulScalar(perSignal(graph.Square(graph.Sub(u, x))), 0.5)
	return graph.Add(fit, graph.Mul(lam, perSignal(graph.Abs(z))))
}

// nonZeros counts the non-zero entries of z per signal, in z's dtype.
func nonZeros(z *graph.Node) *graph.Node {
	return perSignal(graph.ConvertDType(graph.NotEqual(z, graph.ScalarZero(z.Graph(), z.DType())), z.DType()))
}

// Statistics rows of a chunk graph's last output, [steps, rows, B].
const (
	rowObjective = iota
	rowChange
	rowNonZeros
	rowAccepted  // backtracking only
	rowLipschitz // backtracking only
)

// chunkGraph returns the graph function running c.steps iterations. Inputs: x, z, u = D·z, then
// for FISTA y, w = D·y, t, then L, λ. t and L are [B] with backtracking (they differ per signal),
// scalars without; λ is [B], or a scalar when all signals share it (scalars are faster on the go
// backend). Outputs: z, u, (y, w, t for FISTA), (L with backtracking), statistics
// [steps, rows, B].
func (s *Solver) chunkGraph(c config) func(in []*graph.Node) []*graph.Node {
	op := s.op
	fista := c.method == FISTA
	return func(in []*graph.Node) []*graph.Node {
		x, z, u := in[0], in[1], in[2]
		var y, w, t *graph.Node
		i := 3
		if fista {
			y, w, t = in[3], in[4], in[5]
			i = 6
		}
		lipschitz, lam := in[i], in[i+1]
		g, dt := x.Graph(), x.DType()
		one := graph.ScalarOne(g, dt)
		tiny := graph.Scalar(g, dt, 1e-30)
		relEps := 0x1p-52 // machine epsilon of float64
		if dt == dtypes.Float32 {
			relEps = 0x1p-23
		}
		var stats []*graph.Node
		for range c.steps {
			if !fista {
				y, w = z, u
			}
			grad := op.Adjoint(graph.Sub(w, x))
			invL := graph.Div(one, lipschitz)
			v := graph.Sub(y, graph.Mul(grad, bcast(invL, grad)))
			thr := graph.Mul(lam, invL)
			var p *graph.Node
			if c.nonneg {
				p = prox.NonNegSoftThreshold(v, thr)
			} else {
				p = prox.SoftThreshold(v, thr)
			}
			up := op.Apply(p)
			var accepted *graph.Node
			if c.backtrack {
				d2 := perSignal(graph.Square(graph.Sub(p, y)))
				dd2 := perSignal(graph.Square(graph.Sub(up, w)))
				ok := graph.LessOrEqual(dd2, graph.Mul(lipschitz, d2))
				scale := graph.Max(perSignal(graph.Square(p)), perSignal(graph.Square(y)))
				negligible := graph.LessOrEqual(d2, graph.MulScalar(scale, (100*relEps)*(100*relEps)))
				accepted = graph.LogicalOr(ok, negligible)
				lipschitz = graph.Where(accepted, lipschitz, graph.MulScalar(lipschitz, c.eta))
			}
			change := graph.Div(graph.Sqrt(perSignal(graph.Square(graph.Sub(p, z)))),
				graph.Max(graph.Sqrt(perSignal(graph.Square(p))), tiny))
			var yn, wn, tn *graph.Node
			if fista {
				tn = graph.DivScalar(graph.AddScalar(graph.Sqrt(graph.AddScalar(graph.MulScalar(graph.Square(t), 4), 1)), 1), 2)
				beta := graph.Div(graph.Sub(t, one), tn)
				yn = graph.Add(p, graph.Mul(graph.Sub(p, z), bcast(beta, p)))
				wn = graph.Add(up, graph.Mul(graph.Sub(up, u), bcast(beta, up)))
			}
			if c.backtrack {
				z, u = graph.Where(accepted, p, z), graph.Where(accepted, up, u)
				if fista {
					y, w, t = graph.Where(accepted, yn, y), graph.Where(accepted, wn, w), graph.Where(accepted, tn, t)
				}
				change = graph.Where(accepted, change, graph.ZerosLike(change))
			} else {
				z, u = p, up
				if fista {
					y, w, t = yn, wn, tn
				}
			}
			rows := []*graph.Node{objective(x, u, z, lam), change, nonZeros(z)}
			if c.backtrack {
				rows = append(rows, graph.ConvertDType(accepted, dt), lipschitz)
			}
			stats = append(stats, graph.Stack(rows, 0))
		}
		outs := []*graph.Node{z, u}
		if fista {
			outs = append(outs, y, w, t)
		}
		if c.backtrack {
			outs = append(outs, lipschitz)
		}
		outs = append(outs, graph.Stack(stats, 0))
		for j := range outs {
			outs[j] = linop.NotInput(outs[j], in...)
		}
		return outs
	}
}

func (s *Solver) exec(c config) (*graph.Exec, error) {
	if e, ok := s.execs[c]; ok {
		return e, nil
	}
	e, err := graph.NewExec(s.backend, s.chunkGraph(c))
	if err != nil {
		return nil, fmt.Errorf("compiling the %s chunk graph: %w", c.method, err)
	}
	s.execs[c] = e
	return e, nil
}
