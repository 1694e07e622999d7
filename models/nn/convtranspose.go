//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// ConvTranspose2DOutputSize is the output length of PyTorch's ConvTranspose2d along one axis:
// (in−1)·stride − 2·padding + kernel + outputPadding.
func ConvTranspose2DOutputSize(in, kernel, stride, padding, outputPadding int) int {
	return (in-1)*stride - 2*padding + kernel + outputPadding
}

// ConvTranspose2D is PyTorch's conv_transpose2d (the adjoint of [Conv2D] with the same stride and
// padding, plus outputPadding extra rows/columns at the end) on channels-last images:
//
//	y[b,o,p,co] = Σ_{i,j,di,dj,ci : o = i·stride+di−padding, p = j·stride+dj−padding} x[b,i,j,ci] · kernel[di,dj,ci,co]
//
// x is [B,H,W,Cin], kernel is [kh,kw,Cin,Cout] (a PyTorch ConvTranspose2d weight
// [Cin,Cout,kh,kw] maps to it by the axes permutation (2,3,0,1)) and the output is
// [B,Ho,Wo,Cout] with Ho = [ConvTranspose2DOutputSize](H, kh, stride, padding, outputPadding).
// outputPadding must be smaller than stride (PyTorch's rule). The formulation is picked for the
// graph's backend (see [ConvAlgorithmFor]).
func ConvTranspose2D(x, kernel *Node, stride, padding, outputPadding int) *Node {
	return ConvTranspose2DWith(x, kernel, stride, padding, outputPadding, ConvAuto)
}

// ConvTranspose2DWith is [ConvTranspose2D] with an explicit algorithm. ConvNative and
// ConvNativeSubsample insert zeros between the inputs (Stack + Reshape) and run a stride-1
// graph.Convolve with the flipped kernel; ConvIm2ColSlice does the same with the im2col
// convolution; ConvBanded (the default on the go and onnx backends) needs no zero insertion.
// Geometries whose equivalent stride-1 convolution would need negative padding (padding >
// kernel−1) always use ConvBanded, and so do even kernels with the native algorithms.
func ConvTranspose2DWith(x, kernel *Node, stride, padding, outputPadding int, alg ConvAlgorithm) *Node {
	if stride < 1 || padding < 0 || outputPadding < 0 || outputPadding >= stride {
		exceptions.Panicf("nn.ConvTranspose2D: want stride ≥ 1, padding ≥ 0 and 0 ≤ outputPadding < stride, got stride=%d padding=%d outputPadding=%d",
			stride, padding, outputPadding)
	}
	checkConvShapes("nn.ConvTranspose2D", x, kernel)
	xs, ks := x.Shape().Dimensions, kernel.Shape().Dimensions
	kh, kw := ks[0], ks[1]
	ho := ConvTranspose2DOutputSize(xs[1], kh, stride, padding, outputPadding)
	wo := ConvTranspose2DOutputSize(xs[2], kw, stride, padding, outputPadding)
	if ho < 1 || wo < 1 {
		exceptions.Panicf("nn.ConvTranspose2D: input %dx%d with kernel %dx%d, stride %d, padding %d gives an empty output",
			xs[1], xs[2], kh, kw, stride, padding)
	}
	if alg == ConvAuto {
		alg = ConvAlgorithmFor(BackendKind(x.Graph().Backend()), ConvShape{Batch: xs[0], H: xs[1], W: xs[2],
			Cin: xs[3], Cout: ks[3], KH: kh, KW: kw, Stride: stride, Padding: padding,
			Transposed: true, OutputPadding: outputPadding})
	}
	// Equivalent stride-1 convolution over the zero-inserted input (length H·stride, whose last
	// stride−1 entries are zeros): padding before k−1−p, after k−1−p+op−(stride−1).
	padH := [2]int{kh - 1 - padding, kh - 1 - padding + outputPadding - (stride - 1)}
	padW := [2]int{kw - 1 - padding, kw - 1 - padding + outputPadding - (stride - 1)}
	if alg != ConvBanded && (padH[0] < 0 || padH[1] < 0 || padW[0] < 0 || padW[1] < 0) {
		alg = ConvBanded
	}
	if (alg == ConvNative || alg == ConvNativeSubsample) && (kh%2 == 0 || kw%2 == 0) {
		alg = ConvBanded // graph.Convolve's gradient is wrong for even kernels (see ConvNative).
	}
	switch alg {
	case ConvBanded:
		rH := convTransposeTaps(kh, xs[1], ho, stride, padding)
		rW := convTransposeTaps(kw, xs[2], wo, stride, padding)
		return bandedConv(x, kernel, rH, rW)
	case ConvNative, ConvNativeSubsample, ConvIm2ColSlice:
		xd := insertZeros(x, 1, stride)
		xd = insertZeros(xd, 2, stride)
		flipped := flipKernel(kernel)
		geom := convGeom{kh: kh, kw: kw, sh: 1, sw: 1, padH: padH, padW: padW}
		if alg == ConvIm2ColSlice {
			return convIm2ColSlice(xd, flipped, geom)
		}
		return convNative(xd, flipped, geom)
	default:
		exceptions.Panicf("nn.ConvTranspose2D: unknown algorithm %s", alg)
		return nil
	}
}

// insertZeros puts stride−1 zeros after every element along axis (the result has length
// n·stride on that axis). It uses Stack and Reshape, whose gradients are Slice and Reshape.
func insertZeros(x *Node, axis, stride int) *Node {
	if stride == 1 {
		return x
	}
	parts := make([]*Node, stride)
	parts[0] = x
	zeros := ZerosLike(x)
	for i := 1; i < stride; i++ {
		parts[i] = zeros
	}
	y := Stack(parts, axis+1)
	dims := x.Shape().Clone().Dimensions
	dims[axis] *= stride
	return Reshape(y, dims...)
}

// flipKernel reverses the two spatial axes of a [kh,kw,Cin,Cout] kernel with 0/1 anti-diagonal
// matrices (graph.Reverse has no gradient in GoMLX v0.28.2).
func flipKernel(kernel *Node) *Node {
	ks := kernel.Shape().Dimensions
	anti := func(n int) *Node {
		m := make([]float64, n*n)
		for i := range n {
			m[i*n+n-1-i] = 1
		}
		return constOfDType(kernel.Graph(), kernel.DType(), m, n, n)
	}
	k := DotGeneral(kernel, []int{0}, nil, anti(ks[0]), []int{1}, nil) // [kw, Ci, Co, kh]
	k = DotGeneral(k, []int{0}, nil, anti(ks[1]), []int{1}, nil)       // [Ci, Co, kh, kw]
	return TransposeAllAxes(k, 2, 3, 0, 1)
}
