package nn

import (
	"fmt"
	"os"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
)

func TestScratchEvenKernel(t *testing.T) {
	if os.Getenv("NN_SCRATCH") == "" {
		t.Skip()
	}
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, tc := range []struct{ k, s, p0, p1 int }{{2, 1, 0, 0}, {4, 1, 0, 0}, {2, 1, 1, 1}, {3, 1, 0, 0}, {3, 1, 1, 1}, {4, 1, 1, 2}, {2, 2, 0, 0}, {5, 1, 2, 2}} {
			xd, kd := []int{1, 6, 6, 1}, []int{tc.k, tc.k, 1, 1}
			x, k := f64Tensor(randData(3, prod(xd...)), xd...), f64Tensor(randData(4, prod(kd...)), kd...)
			opts := GradCheckOptions{}
			if kind == "onnx" {
				opts.DType = 10 // float32
				opts.DType = x.DType()
			}
			for wrt := 0; wrt < 2; wrt++ {
				r, err := GradCheckWith(b, opts, func(xs []*Node) *Node {
					out := Convolve(xs[0], xs[1]).StridePerAxis(tc.s, tc.s).PaddingPerDim([][2]int{{tc.p0, tc.p1}, {tc.p0, tc.p1}}).Done()
					return out
				}, x, k)
				fmt.Printf("%s k=%d s=%d pad=(%d,%d): %v %v\n", kind, tc.k, tc.s, tc.p0, tc.p1, r, err)
				break
			}
		}
	})
}
