package nn

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
)

// TestUpsampleBilinear2xPyTorchValues compares with values worked out by hand from PyTorch's
// definition (F.interpolate(scale_factor=2, mode='bilinear', align_corners=False)).
func TestUpsampleBilinear2xPyTorchValues(t *testing.T) {
	// [[1,2],[3,4]] → the well-known 4×4 result.
	want2x2 := []float64{
		1.0, 1.25, 1.75, 2.0,
		1.5, 1.75, 2.25, 2.5,
		2.5, 2.75, 3.25, 3.5,
		3.0, 3.25, 3.75, 4.0,
	}
	// A 1×3 row [1,2,4] → [1, 1.25, 1.75, 2.5, 3.5, 4] (the single row is repeated).
	wantRow := []float64{1, 1.25, 1.75, 2.5, 3.5, 4, 1, 1.25, 1.75, 2.5, 3.5, 4}
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		got, dims := runF32(t, b, func(xs []*Node) *Node { return UpsampleBilinear2x(xs[0]) },
			f32Tensor([]float64{1, 2, 3, 4}, 1, 2, 2, 1))
		assertClose(t, "2x2", got, dims, want2x2, []int{1, 4, 4, 1}, 1e-6)
		got, dims = runF32(t, b, func(xs []*Node) *Node { return UpsampleBilinear2x(xs[0]) },
			f32Tensor([]float64{1, 2, 4}, 1, 1, 3, 1))
		assertClose(t, "1x3", got, dims, wantRow, []int{1, 2, 6, 1}, 1e-6)
	})
}

func TestResampleForward(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, tc := range []struct{ h, w, oh, ow int }{{7, 7, 14, 14}, {3, 5, 6, 10}, {5, 4, 3, 9}, {1, 1, 2, 2}} {
			xd := []int{2, tc.h, tc.w, 3}
			x := randData(21, prod(xd...))
			want, wantDims := refBilinear(x, xd, tc.oh, tc.ow)
			got, dims := runF32(t, b, func(xs []*Node) *Node { return ResizeBilinear(xs[0], tc.oh, tc.ow) }, f32Tensor(x, xd...))
			assertClose(t, fmt.Sprintf("bilinear %dx%d→%dx%d", tc.h, tc.w, tc.oh, tc.ow), got, dims, want, wantDims, 1e-6)
		}
		xd := []int{2, 3, 4, 2}
		x := randData(22, prod(xd...))
		got, dims := runF32(t, b, func(xs []*Node) *Node { return UpsampleNearest2x(xs[0]) }, f32Tensor(x, xd...))
		want := make([]float64, 2*6*8*2)
		for bb := range 2 {
			for i := range 6 {
				for j := range 8 {
					for c := range 2 {
						want[((bb*6+i)*8+j)*2+c] = x[((bb*3+i/2)*4+j/2)*2+c]
					}
				}
			}
		}
		assertClose(t, "nearest", got, dims, want, []int{2, 6, 8, 2}, 1e-7)
	})
}

func TestResampleGradient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		x := f64Tensor(randData(23, 2*5*3*2), 2, 5, 3, 2)
		for name, fn := range map[string]func(xs []*Node) *Node{
			"bilinear2x":     func(xs []*Node) *Node { return UpsampleBilinear2x(xs[0]) },
			"resize5x3to4x7": func(xs []*Node) *Node { return ResizeBilinear(xs[0], 4, 7) },
			"nearest3x":      func(xs []*Node) *Node { return UpsampleNearest(xs[0], 3) },
		} {
			r, err := GradCheckWith(b, GradCheckOptions{}, fn, x)
			if err != nil || r.MaxRelErr > 1e-6 {
				t.Errorf("%s: %v %v", name, r, err)
			}
		}
	})
}

func TestPoolForwardAndGradient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, tc := range []struct{ h, w, size int }{{6, 8, 2}, {7, 5, 2}, {9, 9, 3}} {
			xd := []int{2, tc.h, tc.w, 3}
			x := randData(31, prod(xd...))
			for _, isMax := range []bool{false, true} {
				name := fmt.Sprintf("avg%dx%d/%d", tc.h, tc.w, tc.size)
				fn := func(xs []*Node) *Node { return AvgPool2D(xs[0], tc.size) }
				if isMax {
					name = "max" + name[3:]
					fn = func(xs []*Node) *Node { return MaxPool2D(xs[0], tc.size) }
				}
				want, wantDims := refPool(x, xd, tc.size, isMax)
				got, dims := runF32(t, b, fn, f32Tensor(x, xd...))
				assertClose(t, name, got, dims, want, wantDims, 1e-6)
				// Random continuous data: no ties in the max windows.
				r, err := GradCheckWith(b, GradCheckOptions{}, fn, f64Tensor(x, xd...))
				if err != nil || r.MaxRelErr > 1e-6 {
					t.Errorf("%s gradient: %v %v", name, r, err)
				}
			}
		}
		got, _ := runF32(t, b, func(xs []*Node) *Node { return MaxPool2x2(AvgPool2x2(xs[0])) },
			f32Tensor(randData(32, 4*4*4), 1, 4, 4, 4))
		if len(got) != 4 {
			t.Errorf("2x2 helpers: got %d values, want 4", len(got))
		}
	})
}

func TestLeakyReLU(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		got, dims := runF32(t, b, func(xs []*Node) *Node {
			return Concatenate([]*Node{LeakyReLU(xs[0]), LeakyReLUWith(xs[0], 0.2)}, 0)
		}, f32Tensor([]float64{-2, -0.5, 0, 0.5, 3}, 5))
		want := []float64{-0.02, -0.005, 0, 0.5, 3, -0.4, -0.1, 0, 0.5, 3}
		assertClose(t, "leaky", got, dims, want, []int{10}, 1e-7)
		// Gradient away from the kink: slope on the negative side.
		r, err := GradCheckWith(b, GradCheckOptions{}, func(xs []*Node) *Node { return LeakyReLUWith(xs[0], 0.3) },
			[]float64{-2, -0.7, -0.1, 0.2, 1.5})
		if err != nil || r.MaxRelErr > 1e-8 {
			t.Errorf("gradient: %v %v", r, err)
		}
	})
}
