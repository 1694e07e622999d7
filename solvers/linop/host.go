package linop

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/gonum/mat"
)

// Exec runs an operator's Apply and Adjoint on a backend, on flat row-major slices holding a
// batch of arrays one after the other. Graphs are compiled on first use, once per batch size and
// dtype. An Exec is not safe for concurrent use.
type Exec struct {
	op             Operator
	apply, adjoint *graph.Exec
}

// NewExec returns an Exec for op on backend b.
func NewExec(b compute.Backend, op Operator) (*Exec, error) {
	if b == nil || op == nil {
		return nil, fmt.Errorf("linop.NewExec: nil backend or operator")
	}
	apply, err := graph.NewExec(b, func(x *graph.Node) *graph.Node { return NotInput(op.Apply(x), x) })
	if err != nil {
		return nil, fmt.Errorf("linop: compiling %s.Apply: %w", Describe(op), err)
	}
	adjoint, err := graph.NewExec(b, func(y *graph.Node) *graph.Node { return NotInput(op.Adjoint(y), y) })
	if err != nil {
		return nil, fmt.Errorf("linop: compiling %s.Adjoint: %w", Describe(op), err)
	}
	return &Exec{op: op, apply: apply, adjoint: adjoint}, nil
}

// NotInput returns out, or graph.Identity(out) when out is one of the graph's inputs: compute-onnx
// (2026-07-30) returns garbage for a graph output that is one of its parameters unchanged, so
// graph functions that may return an input (an identity operator, a gradient that equals an
// input) must wrap their outputs with it. Operators themselves return their input unchanged
// where that is the result (graph.Identity has no gradient in GoMLX v0.28.2).
func NotInput(out *graph.Node, inputs ...*graph.Node) *graph.Node {
	for _, in := range inputs {
		if out == in {
			return graph.Identity(out)
		}
	}
	return out
}

// Operator returns the operator run by e.
func (e *Exec) Operator() Operator { return e.op }

// Apply returns A·x for a batch x of len(x)/Size(InShape) arrays.
func (e *Exec) Apply(x []float32) ([]float32, error) {
	return run(e.apply, "Apply", e.op, x, e.op.InShape())
}

// Adjoint returns Aᵀ·y for a batch y of len(y)/Size(OutShape) arrays.
func (e *Exec) Adjoint(y []float32) ([]float32, error) {
	return run(e.adjoint, "Adjoint", e.op, y, e.op.OutShape())
}

// Apply64 is [Exec.Apply] in float64.
func (e *Exec) Apply64(x []float64) ([]float64, error) {
	return run(e.apply, "Apply", e.op, x, e.op.InShape())
}

// Adjoint64 is [Exec.Adjoint] in float64.
func (e *Exec) Adjoint64(y []float64) ([]float64, error) {
	return run(e.adjoint, "Adjoint", e.op, y, e.op.OutShape())
}

// Finalize frees the compiled graphs.
func (e *Exec) Finalize() {
	e.apply.Finalize()
	e.adjoint.Finalize()
}

// BatchSize returns how many arrays of the given shape data holds, or an error if it does not
// hold a whole positive number of them.
func BatchSize(n int, shape []int, what string) (int, error) {
	size := Size(shape)
	if n == 0 || n%size != 0 {
		return 0, fmt.Errorf("%s: %d values are not a whole positive number of %v arrays (%d values each)", what, n, shape, size)
	}
	return n / size, nil
}

func run[T float32 | float64](exec *graph.Exec, method string, op Operator, data []T, shape []int) ([]T, error) {
	what := fmt.Sprintf("linop: %s.%s", Describe(op), method)
	b, err := BatchSize(len(data), shape, what)
	if err != nil {
		return nil, err
	}
	in := tensors.FromFlatDataAndDimensions(data, append([]int{b}, shape...)...)
	// The input is freed only after the output is read: a backend may alias an output to an
	// input buffer (the identity operator's graph returns its input).
	defer in.MustFinalizeAll()
	out, err := exec.Call(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	res, err := tensors.CopyFlatData[T](out[0])
	if err != nil {
		return nil, fmt.Errorf("%s: reading the result: %w", what, err)
	}
	return res, nil
}

// MaxMatrixEntries bounds the size of the matrices [Matrix] materialises (2²⁴ float64 values,
// 128 MiB).
const MaxMatrixEntries = 1 << 24

// Matrix materialises op as an m×n gonum matrix (m = Size(OutShape), n = Size(InShape), arrays
// flattened row-major): column j is A·e_j, computed in float64 on backend b by applying op to the
// batch of the n basis vectors. For tests and analysis of small operators; Matrix(b, Transpose(op))
// gives the materialised adjoint.
func Matrix(b compute.Backend, op Operator) (*mat.Dense, error) {
	if b == nil || op == nil {
		return nil, fmt.Errorf("linop.Matrix: nil backend or operator")
	}
	n, m := Size(op.InShape()), Size(op.OutShape())
	if n*m > MaxMatrixEntries {
		return nil, fmt.Errorf("linop.Matrix: %s is %d×%d, more than %d entries; materialise smaller instances",
			Describe(op), m, n, MaxMatrixEntries)
	}
	eye := make([]float64, n*n)
	for i := range n {
		eye[i*n+i] = 1
	}
	e, err := NewExec(b, op)
	if err != nil {
		return nil, err
	}
	defer e.Finalize()
	cols, err := e.Apply64(eye) // row j holds A·e_j
	if err != nil {
		return nil, err
	}
	out := mat.NewDense(m, n, nil)
	for j := range n {
		for i := range m {
			out.Set(i, j, cols[j*m+i])
		}
	}
	return out, nil
}

// powerBlock is the number of power iterations unrolled in one graph call by [Norm].
const powerBlock = 10

// Norm estimates the operator norm ‖A‖₂ = σ_max(A) = √λ_max(AᵀA) by power iteration on AᵀA in
// float64 on backend b, from a seeded random start (the same result on every run): v ← AᵀA·v/‖AᵀA·v‖,
// returning √(vᵀAᵀA·v) after at least iters iterations (iters ≤ 0 means 100), rounded up to a
// multiple of 10 (ten iterations run per graph call). The estimate never exceeds ‖A‖₂ (up to
// rounding) and converges like (σ₂/σ₁)^(2k).
func Norm(b compute.Backend, op Operator, iters int) (float64, error) {
	if b == nil || op == nil {
		return 0, fmt.Errorf("linop.Norm: nil backend or operator")
	}
	if iters <= 0 {
		iters = 100
	}
	shape := append([]int{1}, op.InShape()...)
	exec, err := graph.NewExec(b, func(v *graph.Node) (*graph.Node, *graph.Node) {
		var rayleigh *graph.Node
		for range powerBlock {
			w := op.Adjoint(op.Apply(v))
			rayleigh = graph.ReduceAllSum(graph.Mul(v, w))
			norm := graph.Sqrt(graph.ReduceAllSum(graph.Square(w)))
			// Guard the zero operator: keep v when AᵀA·v = 0.
			safe := graph.Max(norm, graph.Scalar(v.Graph(), v.DType(), 1e-300))
			v = graph.Div(w, safe)
		}
		return v, rayleigh
	})
	if err != nil {
		return 0, fmt.Errorf("linop.Norm(%s): %w", Describe(op), err)
	}
	defer exec.Finalize()
	rng := rand.New(rand.NewPCG(0x5eed, 0x1a7))
	v0 := make([]float64, Size(op.InShape()))
	var s float64
	for i := range v0 {
		v0[i] = rng.NormFloat64()
		s += v0[i] * v0[i]
	}
	for i := range v0 {
		v0[i] /= math.Sqrt(s)
	}
	v := tensors.FromFlatDataAndDimensions(v0, shape...)
	var lambda float64
	for k := 0; k < iters; k += powerBlock {
		out, err := exec.Call(v)
		v.MustFinalizeAll()
		if err != nil {
			return 0, fmt.Errorf("linop.Norm(%s): %w", Describe(op), err)
		}
		v = out[0]
		r, err := tensors.CopyFlatData[float64](out[1])
		out[1].MustFinalizeAll()
		if err != nil {
			return 0, fmt.Errorf("linop.Norm(%s): %w", Describe(op), err)
		}
		lambda = r[0]
	}
	v.MustFinalizeAll()
	return math.Sqrt(max(lambda, 0)), nil
}
