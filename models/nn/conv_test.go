package nn

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
)

var allConvAlgorithms = []ConvAlgorithm{ConvNative, ConvNativeSubsample, ConvIm2ColSlice, ConvBanded}

// convGradientRuns reports whether the algorithm's gradient can run on the backend kind: the
// ONNX backend lacks Pad (Slice's gradient) and input dilation (a strided native conv's gradient).
func convGradientRuns(kind string, alg ConvAlgorithm, strided bool) bool {
	if kind != "onnx" {
		return true
	}
	switch alg {
	case ConvIm2ColSlice:
		return false
	case ConvNative:
		return !strided
	default:
		return true
	}
}

// nativeConvDType is the dtype for gradient checks of graph.Convolve-based algorithms: ONNX
// Runtime's CPU Conv has no float64 kernel.
func gradCheckDType(kind string, alg ConvAlgorithm) dtypes.DType {
	if kind == "onnx" && (alg == ConvNative || alg == ConvNativeSubsample) {
		return dtypes.Float32
	}
	return dtypes.Float64
}

type convCase struct {
	name                    string
	b, h, w, cin, cout, k   int
	stride, padding, outPad int
	wantH, wantW            int // expected output size (checked against the reference too)
}

var conv2DCases = []convCase{
	{name: "7x7_s2_p1_odd", b: 2, h: 7, w: 7, cin: 2, cout: 3, k: 3, stride: 2, padding: 1, wantH: 4, wantW: 4},
	{name: "6x9_s1_p1_nonsquare", b: 1, h: 6, w: 9, cin: 3, cout: 2, k: 3, stride: 1, padding: 1, wantH: 6, wantW: 9},
	{name: "8x5_s2_p0_k2_even_kernel", b: 2, h: 8, w: 5, cin: 1, cout: 2, k: 2, stride: 2, padding: 0, wantH: 4, wantW: 2},
	{name: "9x7_s3_p2_k4", b: 1, h: 9, w: 7, cin: 2, cout: 2, k: 4, stride: 3, padding: 2, wantH: 4, wantW: 3},
	{name: "5x5_s1_p0_k1", b: 2, h: 5, w: 5, cin: 3, cout: 4, k: 1, stride: 1, padding: 0, wantH: 5, wantW: 5},
}

func TestConv2DForward(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, tc := range conv2DCases {
			xd, kd := []int{tc.b, tc.h, tc.w, tc.cin}, []int{tc.k, tc.k, tc.cin, tc.cout}
			x, k := randData(1, prod(xd...)), randData(2, prod(kd...))
			want, wantDims := refConv2D(x, xd, k, kd, tc.stride, tc.padding)
			if wantDims[1] != tc.wantH || wantDims[2] != tc.wantW {
				t.Fatalf("%s: reference gives %v, case expects %dx%d", tc.name, wantDims, tc.wantH, tc.wantW)
			}
			for _, alg := range append([]ConvAlgorithm{ConvAuto}, allConvAlgorithms...) {
				got, gotDims := runF32(t, b, func(xs []*Node) *Node {
					return Conv2DWith(xs[0], xs[1], tc.stride, tc.padding, alg)
				}, f32Tensor(x, xd...), f32Tensor(k, kd...))
				assertClose(t, fmt.Sprintf("%s/%s", tc.name, alg), got, gotDims, want, wantDims, 1e-5)
			}
		}
	})
}

func TestConv2DGradient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, tc := range conv2DCases {
			xd, kd := []int{tc.b, tc.h, tc.w, tc.cin}, []int{tc.k, tc.k, tc.cin, tc.cout}
			x, k := f64Tensor(randData(3, prod(xd...)), xd...), f64Tensor(randData(4, prod(kd...)), kd...)
			for _, alg := range allConvAlgorithms {
				if !convGradientRuns(kind, alg, tc.stride > 1) {
					continue
				}
				opts := GradCheckOptions{MaxElements: 40, DType: gradCheckDType(kind, alg)}
				tol := 1e-6
				if opts.DType == dtypes.Float32 {
					tol = 2e-2
				}
				r, err := GradCheckWith(b, opts, func(xs []*Node) *Node {
					return Conv2DWith(xs[0], xs[1], tc.stride, tc.padding, alg)
				}, x, k)
				if err != nil {
					t.Errorf("%s/%s: %v", tc.name, alg, err)
					continue
				}
				if r.MaxRelErr > tol {
					t.Errorf("%s/%s: %s (tolerance %g)", tc.name, alg, r, tol)
				}
			}
		}
	})
}

var convTransposeCases = []convCase{
	{name: "7x7_k3_s2_p1_op1", b: 2, h: 7, w: 7, cin: 3, cout: 2, k: 3, stride: 2, padding: 1, outPad: 1, wantH: 14, wantW: 14},
	{name: "4x5_k4_s2_p1", b: 1, h: 4, w: 5, cin: 2, cout: 3, k: 4, stride: 2, padding: 1, wantH: 8, wantW: 10},
	{name: "3x4_k3_s3_p2_op1_negpad", b: 2, h: 3, w: 4, cin: 2, cout: 2, k: 3, stride: 3, padding: 2, outPad: 1, wantH: 6, wantW: 9},
	{name: "5x6_k3_s1_p1", b: 1, h: 5, w: 6, cin: 2, cout: 2, k: 3, stride: 1, padding: 1, wantH: 5, wantW: 6},
	{name: "3x3_k2_s2_p0", b: 1, h: 3, w: 3, cin: 1, cout: 1, k: 2, stride: 2, padding: 0, wantH: 6, wantW: 6},
}

func TestConvTranspose2DForward(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, tc := range convTransposeCases {
			xd, kd := []int{tc.b, tc.h, tc.w, tc.cin}, []int{tc.k, tc.k, tc.cin, tc.cout}
			x, k := randData(5, prod(xd...)), randData(6, prod(kd...))
			want, wantDims := refConvTranspose2D(x, xd, k, kd, tc.stride, tc.padding, tc.outPad)
			if wantDims[1] != tc.wantH || wantDims[2] != tc.wantW {
				t.Fatalf("%s: reference gives %v, case expects %dx%d", tc.name, wantDims, tc.wantH, tc.wantW)
			}
			for _, alg := range append([]ConvAlgorithm{ConvAuto}, allConvAlgorithms...) {
				got, gotDims := runF32(t, b, func(xs []*Node) *Node {
					return ConvTranspose2DWith(xs[0], xs[1], tc.stride, tc.padding, tc.outPad, alg)
				}, f32Tensor(x, xd...), f32Tensor(k, kd...))
				assertClose(t, fmt.Sprintf("%s/%s", tc.name, alg), got, gotDims, want, wantDims, 1e-5)
			}
		}
	})
}

func TestConvTranspose2DGradient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, tc := range convTransposeCases {
			xd, kd := []int{tc.b, tc.h, tc.w, tc.cin}, []int{tc.k, tc.k, tc.cin, tc.cout}
			x, k := f64Tensor(randData(7, prod(xd...)), xd...), f64Tensor(randData(8, prod(kd...)), kd...)
			for _, alg := range allConvAlgorithms {
				// Transposed "native" runs stride-1 convolutions only; im2col-slice needs Pad.
				if kind == "onnx" && alg == ConvIm2ColSlice {
					continue
				}
				opts := GradCheckOptions{MaxElements: 40, DType: gradCheckDType(kind, alg)}
				tol := 1e-6
				if opts.DType == dtypes.Float32 {
					tol = 2e-2
				}
				r, err := GradCheckWith(b, opts, func(xs []*Node) *Node {
					return ConvTranspose2DWith(xs[0], xs[1], tc.stride, tc.padding, tc.outPad, alg)
				}, x, k)
				if err != nil {
					t.Errorf("%s/%s: %v", tc.name, alg, err)
					continue
				}
				if r.MaxRelErr > tol {
					t.Errorf("%s/%s: %s (tolerance %g)", tc.name, alg, r, tol)
				}
			}
		}
	})
}

// TestConvTransposeIsAdjoint checks ⟨Conv2D(x), y⟩ = ⟨x, ConvTranspose2D(y)⟩ for matching
// geometry (the kernel's channel axes swapped), tying the two blocks together.
func TestConvTransposeIsAdjoint(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		xd, kd := []int{2, 7, 7, 3}, []int{3, 3, 3, 2}
		x, k := randData(9, prod(xd...)), randData(10, prod(kd...))
		yd := []int{2, 4, 4, 2}
		y := randData(11, prod(yd...))
		got, _ := runF32(t, b, func(xs []*Node) *Node {
			conv := Conv2D(xs[0], xs[1], 2, 1)
			kt := TransposeAllAxes(xs[1], 0, 1, 3, 2) // [kh,kw,Co,Ci]
			back := ConvTranspose2D(xs[2], kt, 2, 1, 0)
			return Stack([]*Node{ReduceAllSum(Mul(conv, xs[2])), ReduceAllSum(Mul(xs[0], back))}, 0)
		}, f64Tensor(x, xd...), f64Tensor(k, kd...), f64Tensor(y, yd...))
		if d := got[0] - got[1]; d > 1e-9 || d < -1e-9 {
			t.Errorf("⟨Conv2D x, y⟩ = %.12g but ⟨x, ConvTranspose2D y⟩ = %.12g", got[0], got[1])
		}
	})
}

func TestConvAlgorithmNames(t *testing.T) {
	for _, alg := range append([]ConvAlgorithm{ConvAuto}, allConvAlgorithms...) {
		got, err := ParseConvAlgorithm(alg.String())
		if err != nil || got != alg {
			t.Errorf("ParseConvAlgorithm(%q) = %v, %v", alg.String(), got, err)
		}
	}
	if _, err := ParseConvAlgorithm("winograd"); err == nil {
		t.Error("ParseConvAlgorithm(winograd) should fail")
	}
	maxAAE := func(b, h, cin, cout, stride int) ConvShape {
		return ConvShape{Batch: b, H: h, W: h, Cin: cin, Cout: cout, KH: 3, KW: 3, Stride: stride, Padding: 1}
	}
	for _, tc := range []struct {
		kind  string
		shape ConvShape
		want  ConvAlgorithm
	}{
		{"onnx", maxAAE(64, 28, 1, 4, 2), ConvBanded},
		{"onnx", maxAAE(1280, 28, 4, 1, 1), ConvBanded},
		{"onnx", maxAAE(64, 32, 64, 64, 1), ConvNative},
		{"onnx", maxAAE(64, 32, 64, 64, 2), ConvNativeSubsample},
		{"onnx", ConvShape{Batch: 64, H: 32, W: 32, Cin: 64, Cout: 64, KH: 4, KW: 4, Stride: 2, Padding: 1}, ConvBanded},
		{"onnx", ConvShape{Batch: 64, H: 16, W: 16, Cin: 64, Cout: 64, KH: 3, KW: 3, Stride: 2, Padding: 1, Transposed: true, OutputPadding: 1}, ConvNative},
		{"onnx", ConvShape{Batch: 64, H: 16, W: 16, Cin: 32, Cout: 3, KH: 3, KW: 3, Stride: 2, Padding: 1, Transposed: true, OutputPadding: 1}, ConvBanded},
		{"go", maxAAE(64, 28, 1, 4, 2), ConvIm2ColSlice},
		{"go", maxAAE(64, 32, 64, 64, 1), ConvBanded},
		{"go", ConvShape{Batch: 8, H: 7, W: 7, Cin: 8, Cout: 8, KH: 3, KW: 3, Stride: 2, Padding: 1, Transposed: true, OutputPadding: 1}, ConvBanded},
		{"xla", maxAAE(64, 28, 1, 4, 2), ConvNative},
	} {
		if got := ConvAlgorithmFor(tc.kind, tc.shape); got != tc.want {
			t.Errorf("ConvAlgorithmFor(%q, %+v) = %s, want %s", tc.kind, tc.shape, got, tc.want)
		}
	}
	if ho, wo := (ConvShape{H: 7, W: 9, KH: 3, KW: 3, Stride: 2, Padding: 1}).OutputSize(); ho != 4 || wo != 5 {
		t.Errorf("OutputSize = %d×%d, want 4×5", ho, wo)
	}
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		if kind != "go" && kind != "onnx" && kind != "xla" {
			t.Errorf("BackendKind(%s) = %q", b.Name(), kind)
		}
	})
}
