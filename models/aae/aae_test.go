package aae

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/nn"
)

// TestParameterCounts checks the architecture against the parameter counts of the same models
// written in PyTorch (scripts/bench_torch.py's MaxAAE, counted with sum(p.numel())).
func TestParameterCounts(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		agg      string
		channels int
		want     int
	}{
		{"max", 8, 227291}, {"sum", 8, 227291}, {"ae", 8, 250901}, {"max", 32, 728195}, {"ae", 32, 763565},
	} {
		store := model.NewStore()
		store.SetParam(ParamAggregation, tc.agg)
		store.SetParam(ParamChannels, tc.channels)
		exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			return New(scope, x).Done()
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(tensors.FromShape(tensorsShape(2)))
		if err != nil {
			t.Fatalf("%s c=%d: %v", tc.agg, tc.channels, err)
		}
		if dims := out[0].Shape().Dimensions; len(dims) != 4 || dims[0] != 2 || dims[1] != 28 || dims[2] != 28 || dims[3] != 1 {
			t.Errorf("%s c=%d: output dims %v, want [2 28 28 1]", tc.agg, tc.channels, dims)
		}
		if got := trainableParameters(store); got != tc.want {
			t.Errorf("%s c=%d: %d parameters, PyTorch's model has %d", tc.agg, tc.channels, got, tc.want)
		}
	}
}

// TestAggregations checks that MAX-AAE's output is the pixelwise max of its atoms and SUM-AAE's
// their sum, with the same weights.
func TestAggregations(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
		rm, atoms := New(scope, x).Aggregation("max").DoneWithAtoms()
		rs := Sum.Aggregate(atoms)
		return []*graph.Node{rm, rs, atoms}
	})
	if err != nil {
		t.Fatal(err)
	}
	x := tensors.FromShape(tensorsShape(1))
	x.MutableFlatData(func(flat any) {
		for i := range flat.([]float32) {
			flat.([]float32)[i] = float32(i%7) / 7
		}
	})
	out, err := exec.Call(x)
	if err != nil {
		t.Fatal(err)
	}
	maxV := tensors.MustCopyFlatData[float32](out[0])
	sumV := tensors.MustCopyFlatData[float32](out[1])
	atoms := tensors.MustCopyFlatData[float32](out[2])
	const px = 28 * 28
	for p := 0; p < px; p++ {
		m, s := float32(math.Inf(-1)), float32(0)
		for k := 0; k < DefaultBlocks; k++ {
			v := atoms[k*px+p]
			s += v
			if v > m {
				m = v
			}
		}
		if math.Abs(float64(m-maxV[p])) > 1e-6 || math.Abs(float64(s-sumV[p])) > 1e-4 {
			t.Fatalf("pixel %d: max %v vs %v, sum %v vs %v", p, maxV[p], m, sumV[p], s)
		}
	}
}

func TestBadConfigPanicsWithContext(t *testing.T) {
	if _, err := AggregatorByName("median"); err == nil {
		t.Error("want an error for an unknown aggregation")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("want a panic for odd channels")
		}
	}()
	Config{Aggregation: "max", Channels: 3, Blocks: 20, BlockSize: 10}.check()
}

// TestAggregationGradient checks the gradients of the aggregations (the pixelwise sum and max of
// the atoms, a reduction over axis 1 of [B, K, H, W, 1]) against finite differences on every
// backend.
func TestAggregationGradient(t *testing.T) {
	atoms := make([]float64, 2*4*5*5)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range atoms {
		atoms[i] = rng.NormFloat64()
	}
	x := tensors.FromFlatDataAndDimensions(atoms, 2, 4, 5, 5, 1)
	for _, name := range backend.Available() {
		b, _, err := backend.New(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, agg := range []Aggregator{Sum, Max} {
			r, err := nn.GradCheckWith(b, nn.GradCheckOptions{}, func(xs []*graph.Node) *graph.Node { return agg.Aggregate(xs[0]) }, x)
			if err != nil || !(r.MaxRelErr <= 1e-6) {
				t.Errorf("%s, %T: %v, %v", name, agg, r, err)
			}
		}
	}
}

// TestModelGradient checks the gradient of a whole atomic autoencoder (and of the AE baseline)
// with respect to its input image against central finite differences, in float64, on every
// backend: encoder, the atom decoder shared by every block, bilinear upsampling and the
// aggregation, chained as training differentiates them. The model is piecewise linear in its
// input (LeakyReLU, max, bilinear upsampling), so central differences are exact between kinks and
// a step of 1e-3 loses nothing but rounding; at the initial weights, though, the gradient can be
// as small as 1e-9 against a loss of order 10, below what rounding lets differences resolve, so
// the check takes the first seed whose initial weights give a gradient above 1e-6.
func TestModelGradient(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles three models per backend")
	}
	const n = ImageSize * ImageSize
	rng := rand.New(rand.NewPCG(5, 6))
	img, weight := make([]float64, n), make([]float64, n)
	for i := range img {
		img[i], weight[i] = rng.Float64(), rng.NormFloat64()
	}
	for _, name := range backend.Available() {
		b, _, err := backend.New(name)
		if err != nil {
			t.Fatal(err)
		}
		// "ae+act": the AE with the authors' decoder activation (ParamAEDecoderActivation).
		for _, agg := range []string{"sum", "max", "ae", "ae+act"} {
			var call func(px []float64) (float64, []float64)
			var grad []float64
			scale := 0.0
			for seed := int64(1); seed <= 10 && scale < 1e-6; seed++ {
				store := tinyStore(strings.TrimSuffix(agg, "+act"))
				store.SetParam(ParamAEDecoderActivation, strings.HasSuffix(agg, "+act"))
				if err := store.SetRNGStateFromSeed(seed); err != nil {
					t.Fatal(err)
				}
				// L(x) = Σ x̂(x)⊙R: every output pixel matters.
				exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
					r := graph.Const(x.Graph(), tensors.FromFlatDataAndDimensions(weight, 1, ImageSize, ImageSize, 1))
					loss := graph.ReduceAllSum(graph.Mul(New(scope, x).Done(), r))
					return []*graph.Node{loss, graph.Gradient(loss, x)[0]}
				})
				if err != nil {
					t.Fatal(err)
				}
				defer exec.Finalize()
				call = func(px []float64) (float64, []float64) {
					out, err := exec.Call(tensors.FromFlatDataAndDimensions(px, 1, ImageSize, ImageSize, 1))
					if err != nil {
						t.Fatalf("%s %s: %v", name, agg, err)
					}
					return tensors.MustCopyFlatData[float64](out[0])[0], tensors.MustCopyFlatData[float64](out[1])
				}
				_, grad = call(img)
				scale = 0
				for _, g := range grad {
					scale = math.Max(scale, math.Abs(g))
				}
			}
			if scale < 1e-6 {
				t.Fatalf("%s %s: the input gradient stays below 1e-6 (%.3g) at the initial weights of seeds 1–10", name, agg, scale)
			}
			const h = 1e-3
			worst := 0.0
			for range 12 {
				i := rng.IntN(n)
				px := append([]float64(nil), img...)
				px[i] = img[i] + h
				lp, _ := call(px)
				px[i] = img[i] - h
				lm, _ := call(px)
				worst = math.Max(worst, math.Abs((lp-lm)/(2*h)-grad[i])/scale)
			}
			if worst > 1e-4 {
				t.Errorf("%s %s: largest relative gradient error %.3g against finite differences (tolerance 1e-4)", name, agg, worst)
			} else {
				t.Logf("%s %s: largest relative gradient error %.3g (largest gradient %.3g)", name, agg, worst, scale)
			}
		}
	}
}

type scaledMax struct{ s float64 }

func (a scaledMax) Name() string { return "scaledmax" }
func (a scaledMax) Aggregate(atoms *graph.Node) *graph.Node {
	return graph.MulScalar(graph.ReduceMax(atoms, 1), a.s)
}

// TestRegisterAggregator: registered names resolve, bad or taken names are refused, and the
// name-driven paths (the flags' Resolve, the analyzer) build the registered σ.
func TestRegisterAggregator(t *testing.T) {
	if err := RegisterAggregator(scaledMax{2}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a    Aggregator
		want string
	}{
		{scaledMax{2}, ""}, // the same again: a no-op
		{scaledMax{3}, "exists already"},
		{Max, "exists already"},
		{nil, "nil aggregator"},
		{badName{}, "invalid name"},
	} {
		err := RegisterAggregator(tc.a)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("RegisterAggregator(%v): %v, want %q", tc.a, err, tc.want)
		}
	}
	if a, err := AggregatorByName("scaledmax"); err != nil || a.(scaledMax).s != 2 {
		t.Errorf("AggregatorByName(scaledmax) = %v, %v", a, err)
	}
	paperStore(t, map[string]string{ParamAggregation: "scaledmax"}) // Resolve accepts the registered name
	// The analyzer builds the model by name: twice the max of the atoms.
	s := tinyStore("scaledmax")
	an := newAnalyzer(t, s)
	defer an.Finalize()
	ds, err := an.Decompose(testImages(1), []int{0}, ActivationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := ds[0]
	if len(d.Atoms) != testBlocks {
		t.Fatalf("%d atoms, want %d", len(d.Atoms), testBlocks)
	}
	for p := range pixels {
		m := math.Inf(-1)
		for _, atom := range d.Atoms {
			m = math.Max(m, float64(atom[p]))
		}
		if got := float64(d.Recon[p]); math.Abs(got-2*m) > 1e-5 {
			t.Fatalf("pixel %d: reconstruction %v, want twice the largest atom %v", p, got, 2*m)
		}
	}
}

type badName struct{}

func (badName) Name() string                            { return "a b" }
func (badName) Aggregate(atoms *graph.Node) *graph.Node { return atoms }
