//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/support/exceptions"
)

// ConvAlgorithm selects how a 2D convolution (or transposed convolution) is expressed with graph
// operations. Every algorithm computes the same function up to float rounding; they differ in
// which backends can run and differentiate them, and in speed. See the package documentation for
// measurements.
type ConvAlgorithm int

const (
	// ConvAuto picks per backend and size (see [ConvAlgorithmFor]).
	ConvAuto ConvAlgorithm = iota

	// ConvNative is GoMLX's graph.Convolve with the stride and padding (a transposed convolution
	// inserts zeros with Stack/Reshape and runs a stride-1 graph.Convolve with the flipped kernel).
	// The gradient of a strided graph.Convolve is a convolution with input dilation, which ONNX
	// Runtime's Conv cannot run; ONNX Runtime has no float64 Conv; on the go backend
	// graph.Convolve runs in a generic loop (slow). GoMLX v0.28.2 differentiates graph.Convolve
	// wrongly (silently) for even kernel sizes, so the native algorithms fall back to ConvBanded
	// for even kernels.
	ConvNative

	// ConvNativeSubsample runs graph.Convolve with stride 1 (padding extended at the end) and keeps
	// every stride-th output with a reshape and a fixed 0/1 mask. Its gradient needs only stride-1
	// convolutions, reshapes and multiplications, so it also runs on ONNX Runtime; it spends
	// stride² times the multiply-adds of a strided convolution.
	ConvNativeSubsample

	// ConvIm2ColSlice zero-pads with Concatenate, takes the kh·kw shifted (strided) windows with
	// Slice, concatenates them on the channels axis and does one matrix multiplication. The
	// gradient of Slice is Pad, which the ONNX backend lacks.
	ConvIm2ColSlice

	// ConvBanded folds the kernel and the width-axis geometry into one banded (block-Toeplitz)
	// matrix T[(w,ci),(di,ow,co)] = Σ_dj R_W[dj,w,ow]·kernel[di,dj,ci,co], multiplies the images
	// reshaped to [B·H, W·Cin] by it, and adds up the kh row-shifted results with a fixed
	// height-axis 0/1 matrix built from R_H. R_H and R_W are 0/1 tensors R[d,i,o] (tap d links input
	// index i to output index o), which encode stride, zero padding (missing rows) and, for the
	// transposed convolution, zero insertion. Only DotGeneral, Transpose and Reshape appear in the
	// forward and backward graphs, so it runs and differentiates on every backend. It spends about
	// Wo/kw times the multiply-adds of a direct convolution, all in matrix multiplications.
	ConvBanded
)

var convAlgorithmNames = map[ConvAlgorithm]string{
	ConvAuto:            "auto",
	ConvNative:          "native",
	ConvNativeSubsample: "native-subsample",
	ConvIm2ColSlice:     "im2col-slice",
	ConvBanded:          "banded",
}

// String returns the algorithm's short name ("auto", "native", "native-subsample",
// "im2col-slice" or "banded").
func (a ConvAlgorithm) String() string {
	if s, ok := convAlgorithmNames[a]; ok {
		return s
	}
	return fmt.Sprintf("ConvAlgorithm(%d)", int(a))
}

// ParseConvAlgorithm converts a name returned by [ConvAlgorithm.String] back to the algorithm.
func ParseConvAlgorithm(name string) (ConvAlgorithm, error) {
	for a, s := range convAlgorithmNames {
		if strings.EqualFold(s, strings.TrimSpace(name)) {
			return a, nil
		}
	}
	return ConvAuto, fmt.Errorf("unknown convolution algorithm %q: want one of auto, native, native-subsample, im2col-slice, banded", name)
}

// BackendKind normalises a backend's name to "go", "onnx" or "xla" (GoMLX's go backend calls
// itself "Go Backend" and compute-onnx "onnxruntime"); other backends give their lower-case name.
func BackendKind(b compute.Backend) string {
	if b == nil {
		return ""
	}
	name := strings.ToLower(b.Name())
	str := strings.ToLower(b.String())
	switch {
	case str == "go" || strings.HasPrefix(name, "go "):
		return "go"
	case strings.HasPrefix(name, "onnx") || strings.HasPrefix(str, "onnx"):
		return "onnx"
	case name == "xla" || name == "stablehlo" || strings.HasPrefix(str, "xla"):
		return "xla"
	default:
		return name
	}
}

// ConvShape describes one convolution (or transposed convolution) for [ConvAlgorithmFor]: input
// [Batch,H,W,Cin], kernel [KH,KW,Cin,Cout], square stride and padding.
type ConvShape struct {
	Batch, H, W, Cin, Cout, KH, KW, Stride, Padding int
	// Transposed marks a transposed convolution, with its OutputPadding.
	Transposed    bool
	OutputPadding int
}

// OutputSize returns the output height and width.
func (s ConvShape) OutputSize() (ho, wo int) {
	if s.Transposed {
		return ConvTranspose2DOutputSize(s.H, s.KH, s.Stride, s.Padding, s.OutputPadding),
			ConvTranspose2DOutputSize(s.W, s.KW, s.Stride, s.Padding, s.OutputPadding)
	}
	pad := [2]int{s.Padding, s.Padding}
	return convOutSize(s.H, s.KH, max(s.Stride, 1), pad), convOutSize(s.W, s.KW, max(s.Stride, 1), pad)
}

// BandedMACs is the number of multiply-adds of the forward pass of [ConvBanded]:
// B·H·(W·Cin)·(KH·Wo·Cout) for the banded matrix product plus B·Ho·Wo·Cout·(H·KH) for the row sums.
func (s ConvShape) BandedMACs() int {
	ho, wo := s.OutputSize()
	return s.Batch*s.H*s.W*s.Cin*s.KH*wo*s.Cout + s.Batch*ho*wo*s.Cout*s.H*s.KH
}

// BandedMaxMACsPerSample is the size up to which [ConvAuto] uses [ConvBanded] on the onnx backend:
// banded multiply-adds per image ([ConvShape.BandedMACs]/Batch); 8 times more when the smaller
// of Cin and Cout is at most 4, where ONNX Runtime's Conv gradient is slow. Below it the banded
// matrix products beat ONNX Runtime's Conv and its gradient (1.5–5× on the MAX-AAE layers and on
// few-channel layers); above it (wide images with many channels) the native convolution wins, by
// up to 3×.
const BandedMaxMACsPerSample = 1_500_000

// ConvAlgorithmFor is the algorithm [ConvAuto] resolves to on a backend of the given kind (see
// [BackendKind]) for the convolution s. The rules come from measurements on 2 CPU cores (package
// documentation):
//
//   - "onnx": [ConvBanded] for small convolutions (see [BandedMaxMACsPerSample]) and for even
//     kernels; otherwise [ConvNative] for stride 1 and for transposed
//     convolutions, [ConvNativeSubsample] for strided convolutions.
//   - "go": [ConvIm2ColSlice] for strided convolutions, [ConvBanded] otherwise (graph.Convolve
//     runs 10–50× slower there).
//   - anything else (XLA): [ConvNative].
func ConvAlgorithmFor(kind string, s ConvShape) ConvAlgorithm {
	strided := s.Stride > 1 && !s.Transposed
	switch kind {
	case "onnx":
		limit := BandedMaxMACsPerSample
		if min(s.Cin, s.Cout) <= 4 {
			limit *= 8
		}
		if s.KH%2 == 0 || s.KW%2 == 0 || s.BandedMACs() <= limit*max(s.Batch, 1) {
			return ConvBanded
		}
		if strided {
			return ConvNativeSubsample
		}
		return ConvNative
	case "go":
		if strided {
			return ConvIm2ColSlice
		}
		return ConvBanded
	default:
		return ConvNative
	}
}

// convGeom is the geometry of one 2D convolution over channels-last images.
type convGeom struct {
	kh, kw     int    // kernel spatial size
	sh, sw     int    // strides
	padH, padW [2]int // zero padding before/after on each spatial axis
}

func convOutSize(in, k, s int, pad [2]int) int { return (in+pad[0]+pad[1]-k)/s + 1 }

func (c convGeom) outSize(h, w int) (int, int) {
	return convOutSize(h, c.kh, c.sh, c.padH), convOutSize(w, c.kw, c.sw, c.padW)
}

// Conv2D is the 2D cross-correlation of PyTorch's conv2d on channels-last images:
//
//	y[b,o,p,co] = Σ_{di,dj,ci} x[b, o·stride+di−padding, p·stride+dj−padding, ci] · kernel[di,dj,ci,co]
//
// with zeros outside the image. x is [B,H,W,Cin], kernel is [kh,kw,Cin,Cout] (GoMLX's layout; a
// PyTorch weight [Cout,Cin,kh,kw] maps to it by the axes permutation (2,3,1,0)), and the output
// is [B,Ho,Wo,Cout] with Ho = ⌊(H+2·padding−kh)/stride⌋+1. The formulation is picked for the
// graph's backend (see [ConvAlgorithmFor]); use [Conv2DWith] to force one.
func Conv2D(x, kernel *Node, stride, padding int) *Node {
	return Conv2DWith(x, kernel, stride, padding, ConvAuto)
}

// Conv2DWith is [Conv2D] with an explicit algorithm.
func Conv2DWith(x, kernel *Node, stride, padding int, alg ConvAlgorithm) *Node {
	if stride < 1 || padding < 0 {
		exceptions.Panicf("nn.Conv2D: stride must be ≥ 1 and padding ≥ 0, got stride=%d padding=%d", stride, padding)
	}
	checkConvShapes("nn.Conv2D", x, kernel)
	ks := kernel.Shape().Dimensions
	geom := convGeom{kh: ks[0], kw: ks[1], sh: stride, sw: stride,
		padH: [2]int{padding, padding}, padW: [2]int{padding, padding}}
	return conv2D(x, kernel, geom, alg)
}

func checkConvShapes(name string, x, kernel *Node) {
	if x.Rank() != 4 {
		exceptions.Panicf("%s: x must be channels-last images [B,H,W,C], got shape %s", name, x.Shape())
	}
	if kernel.Rank() != 4 {
		exceptions.Panicf("%s: kernel must be [kh,kw,Cin,Cout], got shape %s", name, kernel.Shape())
	}
	if x.DType() != kernel.DType() {
		exceptions.Panicf("%s: x (%s) and kernel (%s) must have the same dtype", name, x.DType(), kernel.DType())
	}
	if ks, xs := kernel.Shape().Dimensions, x.Shape().Dimensions; ks[2] != xs[3] {
		exceptions.Panicf("%s: kernel %s has %d input channels, but x %s has %d channels",
			name, kernel.Shape(), ks[2], x.Shape(), xs[3])
	}
}

// conv2D dispatches to a formulation. The kernel is [kh,kw,Cin,Cout].
func conv2D(x, kernel *Node, geom convGeom, alg ConvAlgorithm) *Node {
	xs := x.Shape().Dimensions
	ho, wo := geom.outSize(xs[1], xs[2])
	if ho < 1 || wo < 1 {
		exceptions.Panicf("nn.Conv2D: input %dx%d with kernel %dx%d, strides (%d,%d) and padding %v/%v gives an empty output",
			xs[1], xs[2], geom.kh, geom.kw, geom.sh, geom.sw, geom.padH, geom.padW)
	}
	if alg == ConvAuto {
		ks := kernel.Shape().Dimensions
		alg = ConvAlgorithmFor(BackendKind(x.Graph().Backend()), ConvShape{Batch: xs[0], H: xs[1], W: xs[2],
			Cin: xs[3], Cout: ks[3], KH: geom.kh, KW: geom.kw, Stride: max(geom.sh, geom.sw), Padding: geom.padH[0]})
	}
	if (alg == ConvNative || alg == ConvNativeSubsample) && (geom.kh%2 == 0 || geom.kw%2 == 0) {
		// GoMLX v0.28.2's graph.Convolve gradient with respect to x is wrong for even kernel
		// sizes (no error; checked against finite differences in the tests).
		alg = ConvBanded
	}
	switch alg {
	case ConvNative:
		return convNative(x, kernel, geom)
	case ConvNativeSubsample:
		return convNativeSubsample(x, kernel, geom)
	case ConvIm2ColSlice:
		return convIm2ColSlice(x, kernel, geom)
	case ConvBanded:
		rH := convTaps(geom.kh, xs[1], ho, geom.sh, geom.padH[0])
		rW := convTaps(geom.kw, xs[2], wo, geom.sw, geom.padW[0])
		return bandedConv(x, kernel, rH, rW)
	default:
		exceptions.Panicf("nn.Conv2D: unknown algorithm %s", alg)
		return nil
	}
}

func convNative(x, kernel *Node, geom convGeom) *Node {
	return Convolve(x, kernel).
		StridePerAxis(geom.sh, geom.sw).
		PaddingPerDim([][2]int{geom.padH, geom.padW}).
		Done()
}

func convNativeSubsample(x, kernel *Node, geom convGeom) *Node {
	if geom.sh == 1 && geom.sw == 1 {
		return convNative(x, kernel, geom)
	}
	xs := x.Shape().Dimensions
	ho, wo := geom.outSize(xs[1], xs[2])
	// Extend the end padding so that the stride-1 output has exactly ho·sh × wo·sw positions.
	padH := [2]int{geom.padH[0], ho*geom.sh - xs[1] - geom.padH[0] + geom.kh - 1}
	padW := [2]int{geom.padW[0], wo*geom.sw - xs[2] - geom.padW[0] + geom.kw - 1}
	y := Convolve(x, kernel).PaddingPerDim([][2]int{padH, padW}).Done() // [B, ho·sh, wo·sw, Cout]
	cout := y.Shape().Dimensions[3]
	y = Reshape(y, xs[0], ho, geom.sh, wo, geom.sw, cout)
	mask := make([]float64, geom.sh*geom.sw)
	mask[0] = 1
	y = Mul(y, constOfDType(x.Graph(), x.DType(), mask, 1, 1, geom.sh, 1, geom.sw, 1))
	return ReduceSum(y, 2, 4)
}

// padAxisWithZeros zero-pads x on one axis by concatenation (graph.Pad has no gradient, and
// compute-onnx has no Pad op).
func padAxisWithZeros(x *Node, axis, before, after int) *Node {
	if before == 0 && after == 0 {
		return x
	}
	zerosOf := func(n int) *Node {
		shape := x.Shape().Clone()
		shape.Dimensions[axis] = n
		return Zeros(x.Graph(), shape)
	}
	parts := make([]*Node, 0, 3)
	if before > 0 {
		parts = append(parts, zerosOf(before))
	}
	parts = append(parts, x)
	if after > 0 {
		parts = append(parts, zerosOf(after))
	}
	return Concatenate(parts, axis)
}

func convIm2ColSlice(x, kernel *Node, geom convGeom) *Node {
	xs, ks := x.Shape().Dimensions, kernel.Shape().Dimensions
	ho, wo := geom.outSize(xs[1], xs[2])
	xp := padAxisWithZeros(x, 1, geom.padH[0], geom.padH[1])
	xp = padAxisWithZeros(xp, 2, geom.padW[0], geom.padW[1])
	patches := make([]*Node, 0, geom.kh*geom.kw)
	for di := range geom.kh {
		for dj := range geom.kw {
			patches = append(patches, Slice(xp, AxisRange(),
				AxisRange(di, di+(ho-1)*geom.sh+1).Stride(geom.sh),
				AxisRange(dj, dj+(wo-1)*geom.sw+1).Stride(geom.sw),
				AxisRange()))
		}
	}
	cols := patches[0]
	if len(patches) > 1 {
		cols = Concatenate(patches, 3) // [B, ho, wo, kh·kw·Cin], ordered (di, dj, ci) like the kernel.
	}
	k2 := Reshape(kernel, ks[0]*ks[1]*ks[2], ks[3])
	y := DotGeneral(Reshape(cols, xs[0]*ho*wo, ks[0]*ks[1]*ks[2]), []int{1}, nil, k2, []int{0}, nil)
	return Reshape(y, xs[0], ho, wo, ks[3])
}

// taps is a 0/1 tensor R[d,i,o] of shape [k, in, out]: kernel tap d links input index i to
// output index o along one spatial axis.
type taps struct {
	k, in, out int
	data       []float64
}

func (t taps) at(d, i, o int) float64 { return t.data[(d*t.in+i)*t.out+o] }

// convTaps: input i = o·stride + d − padBefore (indices outside [0,in) are the zero padding).
func convTaps(k, in, out, stride, padBefore int) taps {
	t := taps{k: k, in: in, out: out, data: make([]float64, k*in*out)}
	for d := range k {
		for o := range out {
			if i := o*stride + d - padBefore; i >= 0 && i < in {
				t.data[(d*in+i)*out+o] = 1
			}
		}
	}
	return t
}

// convTransposeTaps: output o = i·stride + d − padBefore (outputs outside [0,out) are cropped).
func convTransposeTaps(k, in, out, stride, padBefore int) taps {
	t := taps{k: k, in: in, out: out, data: make([]float64, k*in*out)}
	for d := range k {
		for i := range in {
			if o := i*stride + d - padBefore; o >= 0 && o < out {
				t.data[(d*in+i)*out+o] = 1
			}
		}
	}
	return t
}

// bandedConv computes y[b,oh,ow,co] = Σ rH[di,ih,oh]·rW[dj,iw,ow]·x[b,ih,iw,ci]·kernel[di,dj,ci,co]
// with matrix multiplications only (see [ConvBanded]).
//
// All DotGeneral calls here have a rank-2 right-hand side or contract a non-last axis of the
// left-hand side: compute-onnx lowers "lhs contracts its last axis, rhs its second-to-last" to
// ONNX MatMul, whose numpy broadcasting differs from DotGeneral when the rhs has rank > 2.
func bandedConv(x, kernel *Node, rH, rW taps) *Node {
	g := x.Graph()
	xs, ks := x.Shape().Dimensions, kernel.Shape().Dimensions
	b, h, w, ci, co := xs[0], xs[1], xs[2], xs[3], ks[3]
	kh, kw := ks[0], ks[1]
	if rH.k != kh || rH.in != h || rW.k != kw || rW.in != w {
		exceptions.Panicf("nn: internal error: taps %dx%d/%dx%d do not match kernel %v and input %v", rH.k, rH.in, rW.k, rW.in, ks, xs)
	}
	ho, wo := rH.out, rW.out
	rWNode := constOfDType(g, x.DType(), rW.data, kw, w, wo)
	t := DotGeneral(rWNode, []int{0}, nil, kernel, []int{1}, nil) // [W, wo, kh, Ci, Co]
	t = TransposeAllAxes(t, 0, 3, 2, 1, 4)                        // [W, Ci, kh, wo, Co]
	t = Reshape(t, w*ci, kh*wo*co)
	u := DotGeneral(Reshape(x, b*h, w*ci), []int{1}, nil, t, []int{0}, nil) // [B·H, kh·wo·Co]
	u = Reshape(u, b, h*kh, wo*co)                                          // rows ordered (ih, di)
	sH := make([]float64, ho*h*kh)                                          // sH[oh, (ih, di)] = rH[di, ih, oh]
	for oh := range ho {
		for ih := range h {
			for di := range kh {
				sH[(oh*h+ih)*kh+di] = rH.at(di, ih, oh)
			}
		}
	}
	sHNode := constOfDType(g, x.DType(), sH, ho, h*kh)
	y := DotGeneral(u, []int{1}, nil, sHNode, []int{1}, nil) // [B, wo·Co, ho]
	y = Reshape(y, b, wo, co, ho)
	return TransposeAllAxes(y, 0, 3, 1, 2)
}

// constOfDType creates a constant of the given float dtype from float64 host data.
func constOfDType(g *Graph, dtype dtypes.DType, data []float64, dims ...int) *Node {
	switch dtype {
	case dtypes.Float64:
		return Const(g, tensors.FromFlatDataAndDimensions(data, dims...))
	case dtypes.Float32:
		f32 := make([]float32, len(data))
		for i, v := range data {
			f32[i] = float32(v)
		}
		return Const(g, tensors.FromFlatDataAndDimensions(f32, dims...))
	default:
		return ConvertDType(Const(g, tensors.FromFlatDataAndDimensions(data, dims...)), dtype)
	}
}
