package nn

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
)

func TestScratchBigConv(t *testing.T) {
	if os.Getenv("NN_SCRATCH") == "" {
		t.Skip()
	}
	type shape struct{ b, h, ci, co, k, s, p int }
	shapes := []shape{{1280, 7, 8, 8, 3, 1, 1}, {1280, 14, 8, 4, 3, 1, 1}, {1280, 28, 4, 1, 3, 1, 1}, {1280, 14, 16, 16, 3, 1, 1}, {1280, 28, 1, 4, 3, 2, 1}, {1280, 14, 4, 8, 3, 2, 1}, {8, 32, 16, 16, 3, 1, 1}, {8, 28, 4, 1, 3, 1, 1}}
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, sh := range shapes {
			for _, alg := range allConvAlgorithms {
				if !convGradientRuns(kind, alg, sh.s > 1) || (kind == "go" && (alg == ConvNative || alg == ConvNativeSubsample)) {
					continue
				}
				exec, err := NewExec(b, func(x, k *Node) []*Node {
					y := Conv2DWith(x, k, sh.s, sh.p, alg)
					l := ReduceAllSum(Square(y))
					return Gradient(l, x, k)
				})
				if err != nil {
					t.Fatal(err)
				}
				x := f32Tensor(randData(1, sh.b*sh.h*sh.h*sh.ci), sh.b, sh.h, sh.h, sh.ci)
				k := f32Tensor(randData(2, sh.k*sh.k*sh.ci*sh.co), sh.k, sh.k, sh.ci, sh.co)
				var times []float64
				for i := 0; i < 4; i++ {
					start := time.Now()
					out, err := exec.Exec(x, k)
					if err != nil {
						t.Fatal(err)
					}
					for _, o := range out {
						o.MustFinalizeAll()
					}
					times = append(times, time.Since(start).Seconds()*1000)
				}
				times = times[1:]
				sort.Float64s(times)
				ho := (sh.h+2*sh.p-sh.k)/sh.s + 1
				md := float64(sh.b*ho*ho*sh.k*sh.k*sh.ci*sh.co) / 1e6
				mb := float64(sh.b*sh.h*sh.h*sh.ci*sh.k*ho*sh.co+sh.b*ho*ho*sh.co*sh.h*sh.k) / 1e6
				fmt.Printf("%s %v %-16s min %8.2f ms   Md %7.1fM  Mb %7.1fM  ratio %5.1f\n", kind, sh, alg, times[0], md, mb, mb/md)
				exec.Finalize()
			}
		}
	})
}
