package linop

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/support/exceptions"
	"gonum.org/v1/gonum/mat"
)

// Operator is a linear map A from arrays of shape InShape to arrays of shape OutShape, applied to
// every element of a batch inside a GoMLX graph.
//
// Apply takes x of shape [B, InShape...] and returns A·x of shape [B, OutShape...]; Adjoint takes
// y of shape [B, OutShape...] and returns Aᵀ·y of shape [B, InShape...]. Both keep the dtype of
// their input and must be linear in it, with ⟨A·x, y⟩ = ⟨x, Aᵀ·y⟩ for the Euclidean inner product
// of the flattened arrays. InShape and OutShape exclude the batch axis and must not be modified by
// the caller.
type Operator interface {
	InShape() []int
	OutShape() []int
	Apply(x *graph.Node) *graph.Node
	Adjoint(y *graph.Node) *graph.Node
}

// Must returns op, or panics with err; for package-level variables, tests and examples whose
// arguments are known to be valid.
func Must(op Operator, err error) Operator {
	if err != nil {
		panic(err)
	}
	return op
}

// Describe returns op's String method if it has one, else its Go type and shapes.
func Describe(op Operator) string {
	if s, ok := op.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T(%s→%s)", op, dimsString(op.InShape()), dimsString(op.OutShape()))
}

// Size returns the number of values of an array of the given shape (1 for an empty shape).
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func dimsString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, "×") + "]"
}

func checkShape(what string, shape []int) error {
	if len(shape) == 0 {
		return fmt.Errorf("%s: empty shape; give at least one axis (e.g. [n] or [H, W, C])", what)
	}
	for _, d := range shape {
		if d <= 0 {
			return fmt.Errorf("%s: shape %v has a non-positive axis", what, shape)
		}
	}
	return nil
}

func checkImageShape(what string, shape []int) error {
	if len(shape) != 3 {
		return fmt.Errorf("%s: want a channels-last image shape [H, W, C], got %v", what, shape)
	}
	return checkShape(what, shape)
}

// checkInput panics unless x has shape [B, shape...]; it returns B.
func checkInput(op Operator, method string, x *graph.Node, shape []int) int {
	dims := x.Shape().Dimensions
	if len(dims) != len(shape)+1 || !slices.Equal(dims[1:], shape) {
		exceptions.Panicf("linop: %s.%s: input must have shape [B, %v...], got %s",
			Describe(op), method, shape, x.Shape())
	}
	if !x.DType().IsFloat() {
		exceptions.Panicf("linop: %s.%s: input must be float32 or float64, got %s", Describe(op), method, x.DType())
	}
	return dims[0]
}

// constant returns data with the given dimensions as a constant of dtype in g.
func constant(g *graph.Graph, dtype dtypes.DType, data []float64, dims ...int) *graph.Node {
	switch dtype {
	case dtypes.Float64:
		return graph.Const(g, tensors.FromFlatDataAndDimensions(slices.Clone(data), dims...))
	case dtypes.Float32:
		f := make([]float32, len(data))
		for i, v := range data {
			f[i] = float32(v)
		}
		return graph.Const(g, tensors.FromFlatDataAndDimensions(f, dims...))
	default:
		return graph.ConvertDType(graph.Const(g, tensors.FromFlatDataAndDimensions(slices.Clone(data), dims...)), dtype)
	}
}

// ---------------------------------------------------------------------------------------------
// Identity and scaling.

type scaleOp struct {
	shape []int
	alpha float64
}

// Identity returns the identity operator on arrays of the given shape.
func Identity(shape []int) (Operator, error) {
	if err := checkShape("linop.Identity", shape); err != nil {
		return nil, err
	}
	return &scaleOp{shape: slices.Clone(shape), alpha: 1}, nil
}

// Scale returns α·I on arrays of the given shape.
func Scale(shape []int, alpha float64) (Operator, error) {
	if err := checkShape("linop.Scale", shape); err != nil {
		return nil, err
	}
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("linop.Scale: α = %g is not finite", alpha)
	}
	return &scaleOp{shape: slices.Clone(shape), alpha: alpha}, nil
}

func (o *scaleOp) InShape() []int  { return o.shape }
func (o *scaleOp) OutShape() []int { return o.shape }
func (o *scaleOp) String() string {
	if o.alpha == 1 {
		return fmt.Sprintf("Identity(%s)", dimsString(o.shape))
	}
	return fmt.Sprintf("Scale(%g, %s)", o.alpha, dimsString(o.shape))
}
func (o *scaleOp) Apply(x *graph.Node) *graph.Node {
	checkInput(o, "Apply", x, o.shape)
	if o.alpha == 1 {
		return x // graph.Identity has no gradient; graph outputs go through NotInput
	}
	return graph.MulScalar(x, o.alpha)
}
func (o *scaleOp) Adjoint(y *graph.Node) *graph.Node {
	checkInput(o, "Adjoint", y, o.shape)
	if o.alpha == 1 {
		return y
	}
	return graph.MulScalar(y, o.alpha)
}

// ---------------------------------------------------------------------------------------------
// Mask (diagonal).

type maskOp struct {
	shape   []int
	weights []float64
}

// Mask returns the diagonal operator x ↦ w ⊙ x on arrays of the given shape; weights holds
// Size(shape) values in row-major order. A 0/1 mask is the inpainting operator that keeps the
// image size (missing pixels read as 0). It is self-adjoint.
func Mask(shape []int, weights []float64) (Operator, error) {
	if err := checkShape("linop.Mask", shape); err != nil {
		return nil, err
	}
	if len(weights) != Size(shape) {
		return nil, fmt.Errorf("linop.Mask: %d weights for shape %v (%d values)", len(weights), shape, Size(shape))
	}
	return &maskOp{shape: slices.Clone(shape), weights: slices.Clone(weights)}, nil
}

func (o *maskOp) InShape() []int  { return o.shape }
func (o *maskOp) OutShape() []int { return o.shape }
func (o *maskOp) String() string  { return fmt.Sprintf("Mask(%s)", dimsString(o.shape)) }
func (o *maskOp) apply(method string, x *graph.Node) *graph.Node {
	checkInput(o, method, x, o.shape)
	w := constant(x.Graph(), x.DType(), o.weights, append([]int{1}, o.shape...)...)
	return graph.Mul(x, w)
}
func (o *maskOp) Apply(x *graph.Node) *graph.Node   { return o.apply("Apply", x) }
func (o *maskOp) Adjoint(y *graph.Node) *graph.Node { return o.apply("Adjoint", y) }

// ---------------------------------------------------------------------------------------------
// Dense matrices.

type denseOp struct {
	in, out []int
	m, mt   []float64 // row-major [rows, cols] and its transpose [cols, rows]
	rows    int
	cols    int
	name    string
}

// Dense returns the operator x ↦ M·x of a matrix M ∈ ℝ^{m×n}: InShape [n], OutShape [m]. M is
// copied. Use [Reshape] to apply it to arrays of other shapes with n and m values.
func Dense(m mat.Matrix) (Operator, error) {
	if m == nil {
		return nil, fmt.Errorf("linop.Dense: nil matrix")
	}
	r, c := m.Dims()
	if r == 0 || c == 0 {
		return nil, fmt.Errorf("linop.Dense: empty %d×%d matrix", r, c)
	}
	d := &denseOp{in: []int{c}, out: []int{r}, rows: r, cols: c, m: make([]float64, r*c), mt: make([]float64, r*c)}
	for i := range r {
		for j := range c {
			v := m.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("linop.Dense: entry (%d, %d) = %g is not finite", i, j, v)
			}
			d.m[i*c+j] = v
			d.mt[j*r+i] = v
		}
	}
	d.name = fmt.Sprintf("Dense(%d×%d)", r, c)
	return d, nil
}

// DenseRows returns [Dense] of the matrix whose rows are given.
func DenseRows(rows [][]float64) (Operator, error) {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return nil, fmt.Errorf("linop.DenseRows: empty matrix")
	}
	c := len(rows[0])
	data := make([]float64, 0, len(rows)*c)
	for i, row := range rows {
		if len(row) != c {
			return nil, fmt.Errorf("linop.DenseRows: row %d has %d values, row 0 has %d", i, len(row), c)
		}
		data = append(data, row...)
	}
	return Dense(mat.NewDense(len(rows), c, data))
}

// Select returns the operator that keeps the entries of x (shape shape, flattened row-major) at
// the given flat indices, in that order: OutShape [len(indices)]. It is the inpainting operator
// whose output holds only the observed values; its adjoint scatters them back into zeros.
func Select(shape []int, indices []int) (Operator, error) {
	if err := checkShape("linop.Select", shape); err != nil {
		return nil, err
	}
	n := Size(shape)
	if len(indices) == 0 {
		return nil, fmt.Errorf("linop.Select: no indices to keep")
	}
	m := mat.NewDense(len(indices), n, nil)
	for k, i := range indices {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("linop.Select: index %d (position %d) outside [0, %d)", i, k, n)
		}
		m.Set(k, i, 1)
	}
	op, err := Dense(m)
	if err != nil {
		return nil, err
	}
	d := op.(*denseOp)
	d.in = slices.Clone(shape)
	d.name = fmt.Sprintf("Select(%d of %s)", len(indices), dimsString(shape))
	return d, nil
}

func (o *denseOp) InShape() []int  { return o.in }
func (o *denseOp) OutShape() []int { return o.out }
func (o *denseOp) String() string  { return o.name }

// matvec returns x·Mᵀ for x [B, k] and M [r, k] given row-major: graph.DotGeneral contracts the last
// axis of both operands, the right one of rank 2 (a form compute-onnx lowers correctly).
func matvec(x *graph.Node, m []float64, r, k int) *graph.Node {
	mm := constant(x.Graph(), x.DType(), m, r, k)
	return graph.DotGeneral(x, []int{1}, nil, mm, []int{1}, nil)
}

func (o *denseOp) Apply(x *graph.Node) *graph.Node {
	b := checkInput(o, "Apply", x, o.in)
	y := matvec(graph.Reshape(x, b, o.cols), o.m, o.rows, o.cols)
	return graph.Reshape(y, append([]int{b}, o.out...)...)
}

func (o *denseOp) Adjoint(y *graph.Node) *graph.Node {
	b := checkInput(o, "Adjoint", y, o.out)
	x := matvec(graph.Reshape(y, b, o.rows), o.mt, o.cols, o.rows)
	return graph.Reshape(x, append([]int{b}, o.in...)...)
}

// ---------------------------------------------------------------------------------------------
// Combinators.

type composition struct {
	ops  []Operator // applied right to left
	name string
}

// Compose returns the product A₁·A₂·…·A_k (A_k is applied first): ops[i].InShape must equal
// ops[i+1].OutShape. Adjacent single-term separable operators are multiplied out into one.
func Compose(ops ...Operator) (Operator, error) {
	if len(ops) == 0 {
		return nil, fmt.Errorf("linop.Compose: no operators")
	}
	for i, op := range ops {
		if op == nil {
			return nil, fmt.Errorf("linop.Compose: operator #%d is nil", i)
		}
	}
	for i := 0; i+1 < len(ops); i++ {
		if !slices.Equal(ops[i].InShape(), ops[i+1].OutShape()) {
			return nil, fmt.Errorf("linop.Compose: operator #%d (%s) takes shape %v but operator #%d (%s) gives %v",
				i, Describe(ops[i]), ops[i].InShape(), i+1, Describe(ops[i+1]), ops[i+1].OutShape())
		}
	}
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = Describe(op)
	}
	name := "Compose(" + strings.Join(names, " · ") + ")"
	// Multiply out adjacent separable operators.
	fused := []Operator{ops[0]}
	for _, op := range ops[1:] {
		last := fused[len(fused)-1]
		if a, ok := last.(*separable); ok {
			if b, ok := op.(*separable); ok && len(a.terms) == 1 && len(b.terms) == 1 {
				fused[len(fused)-1] = a.times(b)
				continue
			}
		}
		fused = append(fused, op)
	}
	if len(fused) == 1 {
		if s, ok := fused[0].(*separable); ok && len(ops) > 1 {
			s.name = name
		}
		return fused[0], nil
	}
	return &composition{ops: fused, name: name}, nil
}

func (o *composition) InShape() []int  { return o.ops[len(o.ops)-1].InShape() }
func (o *composition) OutShape() []int { return o.ops[0].OutShape() }
func (o *composition) String() string  { return o.name }
func (o *composition) Apply(x *graph.Node) *graph.Node {
	checkInput(o, "Apply", x, o.InShape())
	for i := len(o.ops) - 1; i >= 0; i-- {
		x = o.ops[i].Apply(x)
	}
	return x
}
func (o *composition) Adjoint(y *graph.Node) *graph.Node {
	checkInput(o, "Adjoint", y, o.OutShape())
	for _, op := range o.ops {
		y = op.Adjoint(y)
	}
	return y
}

type sum struct {
	ops []Operator
}

// Sum returns A₁ + A₂ + … + A_k; all operators must have the same shapes.
func Sum(ops ...Operator) (Operator, error) {
	if len(ops) == 0 {
		return nil, fmt.Errorf("linop.Sum: no operators")
	}
	for i, op := range ops {
		if op == nil {
			return nil, fmt.Errorf("linop.Sum: operator #%d is nil", i)
		}
		if !slices.Equal(op.InShape(), ops[0].InShape()) || !slices.Equal(op.OutShape(), ops[0].OutShape()) {
			return nil, fmt.Errorf("linop.Sum: operator #%d (%s) maps %v→%v but operator #0 (%s) maps %v→%v",
				i, Describe(op), op.InShape(), op.OutShape(), Describe(ops[0]), ops[0].InShape(), ops[0].OutShape())
		}
	}
	return &sum{ops: slices.Clone(ops)}, nil
}

func (o *sum) InShape() []int  { return o.ops[0].InShape() }
func (o *sum) OutShape() []int { return o.ops[0].OutShape() }
func (o *sum) String() string {
	names := make([]string, len(o.ops))
	for i, op := range o.ops {
		names[i] = Describe(op)
	}
	return "Sum(" + strings.Join(names, " + ") + ")"
}
func (o *sum) Apply(x *graph.Node) *graph.Node {
	checkInput(o, "Apply", x, o.InShape())
	out := o.ops[0].Apply(x)
	for _, op := range o.ops[1:] {
		out = graph.Add(out, op.Apply(x))
	}
	return out
}
func (o *sum) Adjoint(y *graph.Node) *graph.Node {
	checkInput(o, "Adjoint", y, o.OutShape())
	out := o.ops[0].Adjoint(y)
	for _, op := range o.ops[1:] {
		out = graph.Add(out, op.Adjoint(y))
	}
	return out
}

type transposed struct{ op Operator }

// Transpose returns the adjoint Aᵀ as an operator (its Apply is A's Adjoint and vice versa).
// Transpose(Transpose(A)) returns A.
func Transpose(op Operator) Operator {
	if t, ok := op.(*transposed); ok {
		return t.op
	}
	return &transposed{op: op}
}

func (o *transposed) InShape() []int                    { return o.op.OutShape() }
func (o *transposed) OutShape() []int                   { return o.op.InShape() }
func (o *transposed) String() string                    { return "Transpose(" + Describe(o.op) + ")" }
func (o *transposed) Apply(x *graph.Node) *graph.Node   { return o.op.Adjoint(x) }
func (o *transposed) Adjoint(y *graph.Node) *graph.Node { return o.op.Apply(y) }

type reshaped struct {
	op      Operator
	in, out []int
}

// Reshape returns op acting on arrays of shape inShape (read row-major as op.InShape) with its
// output viewed as outShape; the sizes must match. For example Reshape(Dense(M), []int{28, 28, 1},
// []int{14, 14, 1}) applies a 196×784 matrix M to images.
func Reshape(op Operator, inShape, outShape []int) (Operator, error) {
	if op == nil {
		return nil, fmt.Errorf("linop.Reshape: nil operator")
	}
	if err := checkShape("linop.Reshape input", inShape); err != nil {
		return nil, err
	}
	if err := checkShape("linop.Reshape output", outShape); err != nil {
		return nil, err
	}
	if Size(inShape) != Size(op.InShape()) || Size(outShape) != Size(op.OutShape()) {
		return nil, fmt.Errorf("linop.Reshape: %s maps %v→%v, which cannot be viewed as %v→%v (sizes differ)",
			Describe(op), op.InShape(), op.OutShape(), inShape, outShape)
	}
	return &reshaped{op: op, in: slices.Clone(inShape), out: slices.Clone(outShape)}, nil
}

func (o *reshaped) InShape() []int  { return o.in }
func (o *reshaped) OutShape() []int { return o.out }
func (o *reshaped) String() string {
	return fmt.Sprintf("Reshape(%s, %s→%s)", Describe(o.op), dimsString(o.in), dimsString(o.out))
}
func (o *reshaped) Apply(x *graph.Node) *graph.Node {
	b := checkInput(o, "Apply", x, o.in)
	y := o.op.Apply(graph.Reshape(x, append([]int{b}, o.op.InShape()...)...))
	return graph.Reshape(y, append([]int{b}, o.out...)...)
}
func (o *reshaped) Adjoint(y *graph.Node) *graph.Node {
	b := checkInput(o, "Adjoint", y, o.out)
	x := o.op.Adjoint(graph.Reshape(y, append([]int{b}, o.op.OutShape()...)...))
	return graph.Reshape(x, append([]int{b}, o.in...)...)
}
