//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// GradCheckOptions configures [GradCheckWith]. The zero value is valid: float64, step 1e-6, every
// element checked, seed 1.
type GradCheckOptions struct {
	// DType the check runs in: dtypes.Float64 (default) or dtypes.Float32 (for ops a backend only
	// has in float32; use a larger Step, about 1e-2, and expect relative errors near 1e-3).
	DType dtypes.DType
	// Step is the central-difference step h (default 1e-6 in float64, 1e-2 in float32).
	Step float64
	// MaxElements limits the elements checked per input to a random subset of this size (0 = all).
	MaxElements int
	// Seed seeds the random output weights and the element subsets (0 means 1).
	Seed uint64
}

// GradCheckReport is the outcome of a finite-difference gradient check.
type GradCheckReport struct {
	// MaxAbsErr is max |analytic − numeric| over the checked elements.
	MaxAbsErr float64
	// MaxRelErr is the largest, over inputs, of max |analytic − numeric| / scale, where scale is
	// the largest |gradient| (analytic or numeric) of that input (or 1e-12 if both are zero).
	MaxRelErr float64
	// Worst locates the element with the largest relative error.
	WorstInput, WorstIndex int
	// WorstAnalytic and WorstNumeric are the two gradient values there.
	WorstAnalytic, WorstNumeric float64
	// Checked counts the elements compared.
	Checked int
}

func (r GradCheckReport) String() string {
	return fmt.Sprintf("max abs err %.3g, max rel err %.3g (input %d element %d: autodiff %.6g vs finite differences %.6g; %d elements checked)",
		r.MaxAbsErr, r.MaxRelErr, r.WorstInput, r.WorstIndex, r.WorstAnalytic, r.WorstNumeric, r.Checked)
}

// GradCheck compares GoMLX's reverse-mode gradient of fn with float64 central finite differences
// on backend b. fn maps the inputs (converted to float64 nodes, in order) to an output of any
// shape; the checked scalar is Σ fn(xs)⊙R with fixed random weights R ~ N(0,1), so that every
// output element matters (a plain sum would, e.g., make a batch normalisation's gradient
// vanish). inputs are tensors or Go (multi-dimensional) slices of float32/float64. It returns the
// largest absolute and relative error as defined in [GradCheckReport]. fn must be built from the
// inputs' dtype (no hard-coded float32 constants).
func GradCheck(b compute.Backend, fn func(xs []*Node) *Node, inputs ...any) (maxAbsErr, maxRelErr float64, err error) {
	r, err := GradCheckWith(b, GradCheckOptions{}, fn, inputs...)
	return r.MaxAbsErr, r.MaxRelErr, err
}

// TestingT is the part of testing.TB that [CheckGradient] uses.
type TestingT interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// CheckGradient runs [GradCheck] and reports a test error if it fails or if the relative error
// exceeds relTol (1e-6 is a sensible float64 tolerance). It returns the report.
func CheckGradient(t TestingT, b compute.Backend, relTol float64, fn func(xs []*Node) *Node, inputs ...any) GradCheckReport {
	t.Helper()
	r, err := GradCheckWith(b, GradCheckOptions{}, fn, inputs...)
	if err != nil {
		t.Errorf("gradient check on backend %s: %v", b.Name(), err)
		return r
	}
	if !(r.MaxRelErr <= relTol) {
		t.Errorf("gradient check on backend %s: %s exceeds the relative tolerance %g", b.Name(), r, relTol)
	} else {
		t.Logf("gradient check on backend %s: %s", b.Name(), r)
	}
	return r
}

// GradCheckWith is [GradCheck] with options and a full report.
func GradCheckWith(b compute.Backend, opts GradCheckOptions, fn func(xs []*Node) *Node, inputs ...any) (report GradCheckReport, err error) {
	if b == nil {
		return report, fmt.Errorf("gradient check: backend is nil; create one with backend.New")
	}
	if len(inputs) == 0 {
		return report, fmt.Errorf("gradient check: no inputs given")
	}
	dtype := opts.DType
	if dtype == dtypes.InvalidDType {
		dtype = dtypes.Float64
	}
	if dtype != dtypes.Float64 && dtype != dtypes.Float32 {
		return report, fmt.Errorf("gradient check: DType must be Float64 or Float32, got %s", dtype)
	}
	h := opts.Step
	if h == 0 {
		h = 1e-6
		if dtype == dtypes.Float32 {
			h = 1e-2
		}
	}
	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	// Host copies of the inputs in float64.
	data := make([][]float64, len(inputs))
	dims := make([][]int, len(inputs))
	for i, in := range inputs {
		data[i], dims[i], err = toFloat64(in)
		if err != nil {
			return report, fmt.Errorf("gradient check: input #%d: %w", i, err)
		}
	}
	k := len(inputs)
	makeTensor := func(d []float64, shape []int) *tensors.Tensor {
		if dtype == dtypes.Float32 {
			f := make([]float32, len(d))
			for i, v := range d {
				f[i] = float32(v)
			}
			return tensors.FromFlatDataAndDimensions(f, shape...)
		}
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), d...), shape...)
	}
	args := make([]any, k+1)
	for i := range inputs {
		args[i] = makeTensor(data[i], dims[i])
	}

	// Output shape, then the random weights R.
	out, err := ExecOnce(b, func(xs []*Node) *Node { return fn(xs) }, args[:k]...)
	if err != nil {
		return report, fmt.Errorf("gradient check: evaluating fn: %w", err)
	}
	outShape := out.Shape()
	out.MustFinalizeAll()
	weights := make([]float64, outShape.Size())
	for i := range weights {
		weights[i] = rng.NormFloat64()
	}
	args[k] = makeTensor(weights, outShape.Dimensions)

	lossFn := func(xs []*Node) *Node { return ReduceAllSum(Mul(fn(xs[:k]), xs[k])) }
	gradExec, err := NewExec(b, func(xs []*Node) []*Node {
		loss := lossFn(xs)
		return append([]*Node{loss}, Gradient(loss, xs[:k]...)...)
	})
	if err != nil {
		return report, fmt.Errorf("gradient check: %w", err)
	}
	defer gradExec.Finalize()
	lossExec, err := NewExec(b, lossFn)
	if err != nil {
		return report, fmt.Errorf("gradient check: %w", err)
	}
	defer lossExec.Finalize()

	res, err := gradExec.Call(args...)
	if err != nil {
		return report, fmt.Errorf("gradient check: computing the gradient: %w", err)
	}
	analytic := make([][]float64, k)
	for i := range k {
		analytic[i], _, err = toFloat64(res[1+i])
		if err != nil {
			return report, fmt.Errorf("gradient check: reading gradient #%d: %w", i, err)
		}
	}
	for _, t := range res {
		t.MustFinalizeAll()
	}

	evalLoss := func(callArgs []any) (float64, error) {
		r, err := lossExec.Call(callArgs...)
		if err != nil {
			return 0, err
		}
		v, _, err := toFloat64(r[0])
		r[0].MustFinalizeAll()
		if err != nil {
			return 0, err
		}
		return v[0], nil
	}

	for i := range k {
		idx := make([]int, len(data[i]))
		for j := range idx {
			idx[j] = j
		}
		if opts.MaxElements > 0 && len(idx) > opts.MaxElements {
			rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
			idx = idx[:opts.MaxElements]
		}
		numeric := make([]float64, len(idx))
		callArgs := append([]any(nil), args...)
		for n, j := range idx {
			orig := data[i][j]
			var f [2]float64
			for s, sign := range []float64{1, -1} {
				pert := append([]float64(nil), data[i]...)
				pert[j] = orig + sign*h
				callArgs[i] = makeTensor(pert, dims[i])
				if f[s], err = evalLoss(callArgs); err != nil {
					return report, fmt.Errorf("gradient check: evaluating the perturbed loss: %w", err)
				}
			}
			numeric[n] = (f[0] - f[1]) / (2 * h)
		}
		scale := 1e-12
		for n, j := range idx {
			scale = max(scale, math.Abs(numeric[n]), math.Abs(analytic[i][j]))
		}
		for n, j := range idx {
			diff := math.Abs(analytic[i][j] - numeric[n])
			if math.IsNaN(diff) {
				diff = math.Inf(1)
			}
			report.MaxAbsErr = max(report.MaxAbsErr, diff)
			if rel := diff / scale; rel > report.MaxRelErr || report.Checked == 0 {
				report.MaxRelErr = rel
				report.WorstInput, report.WorstIndex = i, j
				report.WorstAnalytic, report.WorstNumeric = analytic[i][j], numeric[n]
			}
			report.Checked++
		}
	}
	return report, nil
}

// toFloat64 converts a tensor or a Go (multi-dimensional) float slice to flat float64 data.
func toFloat64(v any) ([]float64, []int, error) {
	t, ok := v.(*tensors.Tensor)
	if !ok {
		var err error
		t, err = tensors.FromAnyValue(v)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot convert %T to a tensor: %w", v, err)
		}
	}
	shape := t.Shape()
	switch shape.DType {
	case dtypes.Float64:
		d, err := tensors.CopyFlatData[float64](t)
		return d, shape.Dimensions, err
	case dtypes.Float32:
		f, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, nil, err
		}
		d := make([]float64, len(f))
		for i, x := range f {
			d[i] = float64(x)
		}
		return d, shape.Dimensions, nil
	default:
		return nil, nil, fmt.Errorf("want float32 or float64 values, got %s", shape.DType)
	}
}
