// Package prox holds the proximal operators and projections of sparselab's sparse-coding solvers,
// written as GoMLX graph functions (they run on every backend and can be differentiated through,
// for unrolled solvers such as LISTA) together with host float64 versions used as references by
// the tests.
//
// # Definitions
//
// The proximal operator of a convex function h with step t > 0 is
//
//	prox_{t·h}(v) = argmin_z ½‖z − v‖₂² + t·h(z).
//
// For the functions of the sparse-coding problems:
//
//   - h = ‖·‖₁: soft-thresholding, applied element-wise,
//     S_t(v) = sign(v)·max(|v| − t, 0) = max(v − t, 0) + min(v + t, 0)
//     ([SoftThreshold]; the second form is how it is computed: two Max/Min ops, no Sign, and the
//     autodiff derivative ∂S_t(v)/∂v = 1[|v| > t], ∂S_t(v)/∂t = −sign(v)·1[|v| > t]).
//   - h = ‖·‖₁ + ι_{z ≥ 0} (ℓ1 restricted to the non-negative orthant): non-negative
//     soft-thresholding max(v − t, 0) ([NonNegSoftThreshold]), the proximal map of the
//     non-negative LASSO and of a ReLU layer's bias (LISTA with ReLU).
//   - h = ι_C, the indicator of a closed convex set C (0 on C, +∞ elsewhere): the Euclidean
//     projection onto C, whatever t is. This package has C = the non-negative orthant,
//     max(v, 0) ([NonNegative]); a box [lo, hi], min(max(v, lo), hi) ([Box]); and the ℓ2 ball
//     of radius r, v·min(1, r/‖v‖₂) ([L2Ball], per element of the batch).
//
// # Parameters and shapes
//
// Graph functions take a node x of any float shape, whose leading axis is the batch axis where
// that matters ([L2Ball] projects each x[b] separately), and parameter nodes t, lo, hi, r of x's
// dtype that are either scalars, vectors of shape [B] (one value per batch element, broadcast
// along the other axes), or, for the element-wise operators, of x's exact shape. Other shapes
// panic (GoMLX's convention for graph-building code). Parameter values are not checked inside
// the graph: a negative threshold or radius, or lo > hi, gives the formula's value, not an error.
//
// Everything is built from Max, Min, Add, Sub, Mul, Div, Sqrt and reductions, which every
// backend implements (compute-onnx has no Clamp). The functions never return one of their
// inputs unchanged, so their results can be graph outputs on every backend (compute-onnx returns
// garbage for a graph output that is a parameter unchanged; see linop.NotInput).
//
// The host functions ([SoftThresholdHost] and the others) compute the same formulas on float64
// slices and return errors for invalid parameters (negative threshold or radius, lo > hi, NaN).
package prox

import (
	"slices"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// param returns p broadcast to x's shape: p must have x's dtype and be a scalar (returned as is,
// backends broadcast scalars), a vector [B] for x of shape [B, ...], or x's exact shape.
func param(fn, name string, x, p *graph.Node) *graph.Node {
	if p == nil {
		exceptions.Panicf("prox.%s: %s is nil", fn, name)
	}
	if p.DType() != x.DType() {
		exceptions.Panicf("prox.%s: %s has dtype %s but x has %s; build it with x's dtype (e.g. graph.Scalar(g, x.DType(), v))",
			fn, name, p.DType(), x.DType())
	}
	xd, pd := x.Shape().Dimensions, p.Shape().Dimensions
	switch {
	case p.Rank() == 0:
		return p
	case slices.Equal(pd, xd):
		return p
	case p.Rank() == 1 && x.Rank() >= 1 && pd[0] == xd[0]:
		if x.Rank() == 1 {
			return p
		}
		ones := make([]int, x.Rank())
		for i := range ones {
			ones[i] = 1
		}
		ones[0] = pd[0]
		return graph.BroadcastToDims(graph.Reshape(p, ones...), xd...)
	}
	exceptions.Panicf("prox.%s: %s has shape %s; want a scalar, a vector [%d] (one value per batch element) or x's shape %s",
		fn, name, p.Shape(), firstDim(xd), x.Shape())
	return nil
}

func firstDim(d []int) int {
	if len(d) == 0 {
		return 0
	}
	return d[0]
}

func checkFloat(fn string, x *graph.Node) {
	if x == nil {
		exceptions.Panicf("prox.%s: x is nil", fn)
	}
	if !x.DType().IsFloat() {
		exceptions.Panicf("prox.%s: x must be float32 or float64, got %s", fn, x.Shape())
	}
}

// SoftThreshold returns S_t(x) = sign(x)·max(|x| − t, 0) element-wise, the proximal operator of
// t·‖·‖₁, computed as max(x − t, 0) + min(x + t, 0). t is a scalar, a vector [B] or of x's shape.
func SoftThreshold(x, t *graph.Node) *graph.Node {
	checkFloat("SoftThreshold", x)
	t = param("SoftThreshold", "threshold t", x, t)
	zero := graph.ScalarZero(x.Graph(), x.DType())
	return graph.Add(graph.Max(graph.Sub(x, t), zero), graph.Min(graph.Add(x, t), zero))
}

// NonNegSoftThreshold returns max(x − t, 0) element-wise, the proximal operator of
// t·‖·‖₁ + ι_{x ≥ 0}. t is a scalar, a vector [B] or of x's shape.
func NonNegSoftThreshold(x, t *graph.Node) *graph.Node {
	checkFloat("NonNegSoftThreshold", x)
	t = param("NonNegSoftThreshold", "threshold t", x, t)
	return graph.Max(graph.Sub(x, t), graph.ScalarZero(x.Graph(), x.DType()))
}

// NonNegative returns max(x, 0) element-wise, the projection onto the non-negative orthant.
func NonNegative(x *graph.Node) *graph.Node {
	checkFloat("NonNegative", x)
	return graph.Max(x, graph.ScalarZero(x.Graph(), x.DType()))
}

// Box returns min(max(x, lo), hi) element-wise, the projection onto the box [lo, hi] (for
// lo ≤ hi; where lo > hi the result is hi). lo and hi are scalars, vectors [B] or of x's shape.
// It uses Max and Min rather than Clamp, which compute-onnx does not implement.
func Box(x, lo, hi *graph.Node) *graph.Node {
	checkFloat("Box", x)
	lo = param("Box", "lower bound lo", x, lo)
	hi = param("Box", "upper bound hi", x, hi)
	return graph.Min(graph.Max(x, lo), hi)
}

// L2Ball returns the projection of each batch element x[b] onto the ℓ2 ball of radius r,
// x[b]·min(1, r/‖x[b]‖₂) (x[b] unchanged inside the ball, rescaled onto the sphere outside; 0
// stays 0). x has shape [B, ...] (for a vector x of shape [B] each entry is its own
// one-dimensional ball, i.e. clamped to [−r, r]); r is a scalar or a vector [B].
func L2Ball(x, r *graph.Node) *graph.Node {
	checkFloat("L2Ball", x)
	if x.Rank() == 0 {
		exceptions.Panicf("prox.L2Ball: x must have a leading batch axis, got a scalar")
	}
	if r == nil || (r.Rank() != 0 && !(r.Rank() == 1 && r.Shape().Dimensions[0] == x.Shape().Dimensions[0])) {
		shape := "nil"
		if r != nil {
			shape = r.Shape().String()
		}
		exceptions.Panicf("prox.L2Ball: radius r has shape %s; want a scalar or a vector [%d] (one radius per batch element)",
			shape, x.Shape().Dimensions[0])
	}
	r = param("L2Ball", "radius r", x, r)
	g, dt := x.Graph(), x.DType()
	var norm *graph.Node
	if x.Rank() == 1 {
		norm = graph.Abs(x)
	} else {
		axes := make([]int, x.Rank()-1)
		for i := range axes {
			axes[i] = i + 1
		}
		ones := slices.Clone(x.Shape().Dimensions)
		for i := 1; i < len(ones); i++ {
			ones[i] = 1
		}
		norm = graph.Sqrt(graph.ReduceSum(graph.Square(x), axes...))
		norm = graph.BroadcastToDims(graph.Reshape(norm, ones...), x.Shape().Dimensions...)
	}
	// Guard ‖x‖ = 0 (then x = 0 and any finite factor gives 0); 1e-30 is a normal float32.
	tiny := graph.Scalar(g, dt, 1e-30)
	scale := graph.Min(graph.Div(r, graph.Max(norm, tiny)), graph.ScalarOne(g, dt))
	return graph.Mul(x, scale)
}
