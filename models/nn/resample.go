//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// BilinearMatrix returns the [out, in] row-major matrix M of PyTorch's 1D linear interpolation
// with align_corners=False from in to out samples, so that y = M·x. For output index o the source
// coordinate is s = max(0, (o+½)·in/out − ½); with i0 = ⌊s⌋, i1 = min(i0+1, in−1) and λ = s − i0
// the row has 1−λ at i0 and λ at i1. For out = 2·in this is F.interpolate(scale_factor=2,
// mode='bilinear', align_corners=False) along one axis.
func BilinearMatrix(in, out int) []float64 {
	m := make([]float64, out*in)
	scale := float64(in) / float64(out)
	for o := range out {
		s := (float64(o)+0.5)*scale - 0.5
		if s < 0 {
			s = 0
		}
		i0 := int(s)
		if i0 > in-1 {
			i0 = in - 1
		}
		i1 := i0
		if i0 < in-1 {
			i1 = i0 + 1
		}
		l1 := s - float64(i0)
		m[o*in+i0] += 1 - l1
		m[o*in+i1] += l1
	}
	return m
}

// ResizeBilinear resizes channels-last images x [B,H,W,C] to [B,outH,outW,C] like PyTorch's
// F.interpolate(size=(outH,outW), mode='bilinear', align_corners=False), as two fixed
// interpolation matrices ([BilinearMatrix]) applied with DotGeneral. Its gradient is exact on every
// backend (unlike graph.Interpolate's on the go backend in GoMLX v0.28.2).
func ResizeBilinear(x *Node, outH, outW int) *Node {
	if x.Rank() != 4 {
		exceptions.Panicf("nn.ResizeBilinear: x must be channels-last images [B,H,W,C], got shape %s", x.Shape())
	}
	if outH < 1 || outW < 1 {
		exceptions.Panicf("nn.ResizeBilinear: output size must be positive, got %dx%d", outH, outW)
	}
	xs := x.Shape().Dimensions
	g := x.Graph()
	mH := constOfDType(g, x.DType(), BilinearMatrix(xs[1], outH), outH, xs[1])
	mW := constOfDType(g, x.DType(), BilinearMatrix(xs[2], outW), outW, xs[2])
	return applySpatialMatrices(x, mH, mW)
}

// UpsampleBilinear2x doubles the height and width of channels-last images [B,H,W,C] like PyTorch's
// F.interpolate(scale_factor=2, mode='bilinear', align_corners=False).
func UpsampleBilinear2x(x *Node) *Node {
	if x.Rank() != 4 {
		exceptions.Panicf("nn.UpsampleBilinear2x: x must be channels-last images [B,H,W,C], got shape %s", x.Shape())
	}
	xs := x.Shape().Dimensions
	return ResizeBilinear(x, 2*xs[1], 2*xs[2])
}

// UpsampleNearest repeats every pixel of channels-last images [B,H,W,C] factor×factor times
// (PyTorch's F.interpolate(scale_factor=factor, mode='nearest') for an integer factor), with a
// reshape and a broadcast.
func UpsampleNearest(x *Node, factor int) *Node {
	if x.Rank() != 4 {
		exceptions.Panicf("nn.UpsampleNearest: x must be channels-last images [B,H,W,C], got shape %s", x.Shape())
	}
	if factor < 1 {
		exceptions.Panicf("nn.UpsampleNearest: factor must be ≥ 1, got %d", factor)
	}
	if factor == 1 {
		return x
	}
	d := x.Shape().Dimensions
	y := Reshape(x, d[0], d[1], 1, d[2], 1, d[3])
	y = BroadcastToDims(y, d[0], d[1], factor, d[2], factor, d[3])
	return Reshape(y, d[0], factor*d[1], factor*d[2], d[3])
}

// UpsampleNearest2x is UpsampleNearest(x, 2).
func UpsampleNearest2x(x *Node) *Node { return UpsampleNearest(x, 2) }

// applySpatialMatrices returns y[b,o,p,c] = Σ_{h,w} mH[o,h]·mW[p,w]·x[b,h,w,c] for x [B,H,W,C],
// mH [Ho,H] and mW [Wo,W]. The DotGeneral calls contract a non-last axis of x (see bandedConv on
// why that matters for compute-onnx).
func applySpatialMatrices(x, mH, mW *Node) *Node {
	t := DotGeneral(x, []int{1}, nil, mH, []int{1}, nil) // [B, W, C, Ho]
	t = DotGeneral(t, []int{1}, nil, mW, []int{1}, nil)  // [B, C, Ho, Wo]
	return TransposeAllAxes(t, 0, 2, 3, 1)
}

// cropSpatial keeps the first h rows and w columns of x [B,H,W,C] with 0/1 matrices (Slice's
// gradient is Pad, which compute-onnx lacks).
func cropSpatial(x *Node, h, w int) *Node {
	xs := x.Shape().Dimensions
	if h == xs[1] && w == xs[2] {
		return x
	}
	eye := func(out, in int) []float64 {
		m := make([]float64, out*in)
		for i := range out {
			m[i*in+i] = 1
		}
		return m
	}
	g := x.Graph()
	return applySpatialMatrices(x,
		constOfDType(g, x.DType(), eye(h, xs[1]), h, xs[1]),
		constOfDType(g, x.DType(), eye(w, xs[2]), w, xs[2]))
}
