package invert

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/models/backend/backendtest"
	"github.com/sparselab/sparselab/models/nn"
)

func gdProblem(seed uint64, sizes []int, last Activation, samples int) (*Network, [][][]float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	net := RandomNetwork(rng, sizes, last)
	var truths [][][]float64
	for range samples {
		truths = append(truths, net.Forward(RandomLatent(rng, sizes[0])))
	}
	return net, truths
}

func images(truths [][][]float64) [][]float64 {
	var ys [][]float64
	for _, t := range truths {
		ys = append(ys, t[len(t)-1])
	}
	return ys
}

// TestGradientDescentRecovers: on an expansive random 2-layer network (20 → 200 → 500) gradient
// descent from a random start recovers z from a clean image for most samples.
func TestGradientDescentRecovers(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		for _, opt := range []GDOptimizer{GDMomentum, GDAdam} {
			net, truths := gdProblem(3, []int{20, 200, 500}, Identity, 8)
			ests, err := GradientDescent(b, net, images(truths), nil, &GDSettings{Optimizer: opt, Restarts: 2, Seed: 1})
			if err != nil {
				t.Fatalf("%s: %v", opt, err)
			}
			var snr []float64
			for i, e := range ests {
				if e.Method != opt.String() || len(e.Layers) != 3 {
					t.Fatalf("%s: estimate %d: method %q, %d layers", opt, i, e.Method, len(e.Layers))
				}
				snr = append(snr, SNR(truths[i][0], e.Layers[0]))
			}
			sort.Float64s(snr)
			t.Logf("%s on %s: SNR of z over 8 samples: %.1f", opt, name, snr)
			if med := snr[len(snr)/2]; med < 40 {
				t.Errorf("%s: median SNR of z %.1f dB < 40 dB", opt, med)
			}
		}
	})
}

// TestGradientDescentMask: hidden pixels do not influence the result.
func TestGradientDescentMask(t *testing.T) {
	b := backendtest.Get(t, "go")
	net, truths := gdProblem(5, []int{10, 80, 200}, PLU, 3)
	ys := images(truths)
	rng := rand.New(rand.NewPCG(9, 9))
	masks := [][]bool{RandomMask(rng, 200, 0.3), RowsMask(10, 20, 0, 4), nil}
	set := &GDSettings{Steps: 200, Seed: 4}
	a, err := GradientDescent(b, net, ys, masks, set)
	if err != nil {
		t.Fatal(err)
	}
	changed := make([][]float64, len(ys))
	for i := range ys {
		changed[i] = ApplyMask(ys[i], masks[i], 1e3)
	}
	c, err := GradientDescent(b, net, changed, masks, set)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		for j := range a[i].Layers[0] {
			if a[i].Layers[0][j] != c[i].Layers[0][j] {
				t.Fatalf("sample %d: changing hidden pixels changed ẑ[%d]: %g vs %g", i, j, a[i].Layers[0][j], c[i].Layers[0][j])
			}
		}
	}
}

// TestGradientDescentRestartsAndCallback: more restarts never give a larger residual than the
// first restart alone (same seed: restart 0 is the same start), and the objective decreases.
func TestGradientDescentRestartsAndCallback(t *testing.T) {
	b := backendtest.Get(t, "go")
	net, truths := gdProblem(7, []int{20, 50, 300}, Tanh, 4)
	var objs []float64
	one, err := GradientDescent(b, net, images(truths), nil, &GDSettings{Steps: 300, Restarts: 1, Seed: 2,
		Callback: func(step int, obj float64) error { objs = append(objs, obj); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 30 || !(objs[len(objs)-1] < objs[0]) {
		t.Errorf("objective per chunk %v: want 30 decreasing values", objs)
	}
	many, err := GradientDescent(b, net, images(truths), nil, &GDSettings{Steps: 300, Restarts: 4, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range one {
		if many[i].Residual > one[i].Residual*(1+1e-9) {
			t.Errorf("sample %d: 4 restarts residual %g > 1 restart %g", i, many[i].Residual, one[i].Residual)
		}
	}
}

func TestGradientDescentErrors(t *testing.T) {
	b := backendtest.Get(t, "go")
	net, truths := gdProblem(1, []int{4, 10, 20}, Identity, 1)
	ys := images(truths)
	cases := map[string]func() error{
		"short y":    func() error { _, err := GradientDescent(b, net, [][]float64{ys[0][:5]}, nil, nil); return err },
		"mask count": func() error { _, err := GradientDescent(b, net, ys, [][]bool{nil, nil}, nil); return err },
		"short mask": func() error { _, err := GradientDescent(b, net, ys, [][]bool{{true}}, nil); return err },
		"no data":    func() error { _, err := GradientDescent(b, net, nil, nil, nil); return err },
		"diverges": func() error {
			_, err := GradientDescent(b, net, ys, nil, &GDSettings{LearningRate: 1e6, Steps: 100})
			return err
		},
	}
	for name, fn := range cases {
		if err := fn(); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestGeneratorGraph: the graph generator matches Network.Forward for every activation.
func TestGeneratorGraph(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		for _, act := range []Activation{Identity, PLU, Tanh} {
			rng := rand.New(rand.NewPCG(2, 3))
			net := RandomNetwork(rng, []int{6, 30, 40}, act)
			net.Layers[0].B = make([]float64, 30)
			for i := range net.Layers[0].B {
				net.Layers[0].B[i] = 0.3 * rng.NormFloat64()
			}
			z := RandomLatent(rng, 6)
			want := net.Generate(z)
			ex, err := graph.NewExec(b, func(in []*graph.Node) *graph.Node {
				return generatorGraph(net, in[0], in[1:3], in[3:5])
			})
			if err != nil {
				t.Fatal(err)
			}
			bias1 := make([]float64, 40)
			out, err := ex.Call(tensors.FromFlatDataAndDimensions(toF32(z), 1, 6),
				tensors.FromFlatDataAndDimensions(toF32(net.Layers[0].W.RawMatrix().Data), 30, 6),
				tensors.FromFlatDataAndDimensions(toF32(net.Layers[1].W.RawMatrix().Data), 40, 30),
				tensors.FromFlatDataAndDimensions(toF32(net.Layers[0].B), 30),
				tensors.FromFlatDataAndDimensions(toF32(bias1), 40))
			if err != nil {
				t.Fatal(err)
			}
			got := tensors.MustCopyFlatData[float32](out[0])
			for i := range want {
				if math.Abs(float64(got[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
					t.Fatalf("%s on %s: pixel %d: graph %g, host %g", act, name, i, got[i], want[i])
				}
			}
		}
	})
}

// TestActivationGraphGradient: finite-difference gradient check of the graph activations
// (PLU's kinks avoided by the random inputs' spread).
func TestActivationGraphGradient(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		for _, act := range []Activation{PLU, Tanh} {
			l := &Layer{Act: act}
			x := []float64{-2.3, -1.4, -0.6, 0.2, 0.7, 1.3, 2.9, -3.1}
			nn.CheckGradient(t, b, 1e-2, func(xs []*graph.Node) *graph.Node {
				return graph.ReduceAllSum(graph.Square(ActivationGraph(l, xs[0])))
			}, x)
		}
	})
}

func TestMasks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m := RandomMask(rng, 784, 0.6)
	if got := Observed(m, 784); got != 784-470 {
		t.Errorf("RandomMask(784, 0.6) observes %d, want %d", got, 784-470)
	}
	r := RowsMask(28, 28, 0, 13)
	if got := Observed(r, 784); got != 15*28 {
		t.Errorf("RowsMask observes %d, want %d", got, 15*28)
	}
	if r[12*28+5] || !r[13*28] {
		t.Errorf("RowsMask hides the wrong rows")
	}
	if Observed(nil, 7) != 7 {
		t.Errorf("nil mask observes all")
	}
	y := ApplyMask([]float64{1, 2, 3}, []bool{true, false, true}, -1)
	if y[1] != -1 || y[0] != 1 {
		t.Errorf("ApplyMask = %v", y)
	}
}
