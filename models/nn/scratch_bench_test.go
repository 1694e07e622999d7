package nn

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/models/backend"
)

func nearest2(x *Node) *Node {
	d := x.Shape().Dimensions
	y := Reshape(x, d[0], d[1], 1, d[2], 1, d[3])
	y = BroadcastToDims(y, d[0], d[1], 2, d[2], 2, d[3])
	return Reshape(y, d[0], 2*d[1], 2*d[2], d[3])
}

func timeExec(exec *Exec, args []any, dur time.Duration) (res string) {
	defer func() {
		if r := recover(); r != nil {
			res = fmt.Sprintf("FAIL %.200v", r)
		}
	}()
	start := time.Now()
	out, err := exec.Exec(args...)
	if err != nil {
		return fmt.Sprintf("FAIL %.200v", err)
	}
	for _, o := range out {
		o.MustFinalizeAll()
	}
	compile := time.Since(start)
	var times []float64
	start = time.Now()
	for time.Since(start) < dur || len(times) < 5 {
		t0 := time.Now()
		out, err := exec.Exec(args...)
		if err != nil {
			return fmt.Sprintf("FAIL %v", err)
		}
		for _, o := range out {
			o.MustFinalizeAll()
		}
		times = append(times, float64(time.Since(t0).Microseconds())/1000)
	}
	sort.Float64s(times)
	return fmt.Sprintf("min %8.2f  median %8.2f ms/step (first %v, n=%d)", times[0], times[len(times)/2], compile.Round(time.Millisecond), len(times))
}

func TestScratchBench(t *testing.T) {
	if os.Getenv("NN_SCRATCH") == "" {
		t.Skip()
	}
	algs := scratchAlgs()
	B := 64
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = rand.Float32() - 0.5
		}
		return v
	}
	for _, bname := range scratchBackends() {
		b, _, err := backend.New(bname)
		if err != nil {
			t.Fatal(err)
		}
		for _, alg := range algs {
			for _, part := range scratchParts() {
				fn := func(x, k1, k2, k3, k4, k5 *Node) []*Node {
					var y *Node
					if part != "dec" {
						y = LeakyReLU(Conv2DWith(x, k1, 2, 1, alg))
						y = LeakyReLU(Conv2DWith(y, k2, 2, 1, alg))
					} else {
						y = Reshape(Slice(Reshape(x, B, 784), AxisRange(), AxisRange(0, 392)), B, 7, 7, 8)
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
				exec, err := NewExec(b, fn)
				if err != nil {
					t.Fatal(err)
				}
				args := []any{
					tensors.FromFlatDataAndDimensions(rnd(B*784), B, 28, 28, 1),
					tensors.FromFlatDataAndDimensions(rnd(9*4), 3, 3, 1, 4),
					tensors.FromFlatDataAndDimensions(rnd(9*32), 3, 3, 4, 8),
					tensors.FromFlatDataAndDimensions(rnd(9*64), 3, 3, 8, 8),
					tensors.FromFlatDataAndDimensions(rnd(9*32), 3, 3, 8, 4),
					tensors.FromFlatDataAndDimensions(rnd(9*4), 3, 3, 4, 1),
				}
				fmt.Printf("%-5s %-17s %-4s %s\n", bname, alg, part, timeExec(exec, args, 3*time.Second))
				exec.Finalize()
			}
		}
	}
}

func scratchBackends() []string {
	if s := os.Getenv("NN_B"); s != "" {
		return strings.Split(s, ",")
	}
	return backend.Available()
}

func scratchParts() []string {
	if s := os.Getenv("NN_P"); s != "" {
		return strings.Split(s, ",")
	}
	return []string{"enc", "dec", "all"}
}

func scratchAlgs() []ConvAlgorithm {
	if s := os.Getenv("NN_A"); s != "" {
		var out []ConvAlgorithm
		for _, n := range strings.Split(s, ",") {
			a, _ := ParseConvAlgorithm(n)
			out = append(out, a)
		}
		return out
	}
	return []ConvAlgorithm{ConvNative, ConvNativeSubsample, ConvIm2ColSlice, ConvBanded}
}
