package nn

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/sparselab/sparselab/models/backend"
)

// convStackStep builds forward+backward of the MAX-AAE conv stack (paper 000, MNIST, c = 8), with
// every convolution forced to alg:
//
//	enc: 28×28×1 → conv 3×3 s2 p1 → 14×14×4 → LeakyReLU → conv 3×3 s2 p1 → 7×7×8 → LeakyReLU
//	dec: 7×7×8 → conv 3×3 p1 → 8 → bilinear ×2 → LeakyReLU → conv 3×3 p1 → 4 → bilinear ×2 →
//	     LeakyReLU → conv 3×3 p1 → 28×28×1
//
// part is "enc", "dec" (x is then [B,7,7,8]) or "all"; the graph returns the loss Σy² and the
// gradients of the five kernels.
func convStackStep(alg ConvAlgorithm, part string) func(x, k1, k2, k3, k4, k5 *Node) []*Node {
	return func(x, k1, k2, k3, k4, k5 *Node) []*Node {
		y := x
		if part != "dec" {
			y = LeakyReLU(Conv2DWith(y, k1, 2, 1, alg))
			y = LeakyReLU(Conv2DWith(y, k2, 2, 1, alg))
		}
		if part != "enc" {
			y = Conv2DWith(y, k3, 1, 1, alg)
			y = LeakyReLU(UpsampleBilinear2x(y))
			y = Conv2DWith(y, k4, 1, 1, alg)
			y = LeakyReLU(UpsampleBilinear2x(y))
			y = Conv2DWith(y, k5, 1, 1, alg)
		}
		loss := ReduceAllSum(Square(y))
		grads := Gradient(loss, k1, k2, k3, k4, k5)
		return append([]*Node{loss}, grads...)
	}
}

func convStackArgs(batch int, part string) []any {
	x := f32Tensor(randData(1, batch*784), batch, 28, 28, 1)
	if part == "dec" {
		x = f32Tensor(randData(1, batch*392), batch, 7, 7, 8)
	}
	return []any{x,
		f32Tensor(randData(2, 9*4), 3, 3, 1, 4),
		f32Tensor(randData(3, 9*32), 3, 3, 4, 8),
		f32Tensor(randData(4, 9*64), 3, 3, 8, 8),
		f32Tensor(randData(5, 9*32), 3, 3, 8, 4),
		f32Tensor(randData(6, 9*4), 3, 3, 4, 1),
	}
}

// BenchmarkConvStack times forward+backward of the MAX-AAE conv stack at batch 64 per backend,
// algorithm ("auto" is the per-backend choice) and part. Run with
//
//	go test -run '^$' -bench ConvStack -benchtime 2s ./models/nn/
//
// and again with GOEXPERIMENT=simd to see the go backend's SIMD matrix-multiplication kernels.
// Algorithms whose gradient a backend cannot run are skipped.
func BenchmarkConvStack(bm *testing.B) {
	for _, name := range backend.Available() {
		b, _, err := backend.New(name)
		if err != nil {
			bm.Fatal(err)
		}
		kind := BackendKind(b)
		for _, alg := range append([]ConvAlgorithm{ConvAuto}, allConvAlgorithms...) {
			for _, part := range []string{"enc", "dec", "all"} {
				if !convGradientRuns(kind, alg, part != "dec") {
					continue
				}
				bm.Run(fmt.Sprintf("%s/%s/%s", name, alg, part), func(bm *testing.B) {
					benchExec(bm, b, convStackStep(alg, part), convStackArgs(64, part))
				})
			}
		}
	}
}

func benchExec(bm *testing.B, b compute.Backend, fn func(x, k1, k2, k3, k4, k5 *Node) []*Node, args []any) {
	exec, err := NewExec(b, fn)
	if err != nil {
		bm.Fatal(err)
	}
	defer exec.Finalize()
	run := func() {
		out, err := exec.Call(args...)
		if err != nil {
			bm.Fatal(err)
		}
		for _, o := range out {
			o.MustFinalizeAll()
		}
	}
	run() // compile
	bm.ResetTimer()
	for bm.Loop() {
		run()
	}
}

// TestConvStackTimings prints interleaved timings (minimum and median over rounds) of the conv
// stack for every backend, algorithm and part; it is the source of the table in the package
// documentation. It only runs with SPARSELAB_NN_TIMINGS=1 (machine noise is averaged out by
// interleaving the configurations and keeping the minimum).
func TestConvStackTimings(t *testing.T) {
	if os.Getenv("SPARSELAB_NN_TIMINGS") != "1" || testing.Short() {
		t.Skip("set SPARSELAB_NN_TIMINGS=1 to print conv stack timings")
	}
	type config struct {
		name  string
		exec  *Exec
		args  []any
		times []float64
	}
	var configs []*config
	for _, name := range backend.Available() {
		b, _, err := backend.New(name)
		if err != nil {
			t.Fatal(err)
		}
		kind := BackendKind(b)
		for _, alg := range append([]ConvAlgorithm{ConvAuto}, allConvAlgorithms...) {
			for _, part := range []string{"enc", "dec", "all"} {
				if !convGradientRuns(kind, alg, part != "dec") {
					continue
				}
				exec, err := NewExec(b, convStackStep(alg, part))
				if err != nil {
					t.Fatal(err)
				}
				configs = append(configs, &config{name: fmt.Sprintf("%s/%s/%s", name, alg, part), exec: exec, args: convStackArgs(64, part)})
			}
		}
		exec, err := NewExec(b, convStackStep(ConvAuto, "dec"))
		if err != nil {
			t.Fatal(err)
		}
		configs = append(configs, &config{name: name + "/auto/dec@B=1280", exec: exec, args: convStackArgs(1280, "dec")})
	}
	run := func(c *config) float64 {
		start := time.Now()
		out, err := c.exec.Call(c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, o := range out {
			o.MustFinalizeAll()
		}
		return time.Since(start).Seconds() * 1000
	}
	for _, c := range configs {
		run(c) // compile
	}
	for range 5 {
		for _, c := range configs {
			start := time.Now()
			for n := 0; n < 2 || time.Since(start) < 300*time.Millisecond; n++ {
				c.times = append(c.times, run(c))
			}
		}
	}
	for _, c := range configs {
		sort.Float64s(c.times)
		fmt.Printf("%-32s min %8.2f ms  median %8.2f ms  (%d runs)\n", c.name, c.times[0], c.times[len(c.times)/2], len(c.times))
		c.exec.Finalize()
	}
}
