package invert

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/backend/backendtest"
	"github.com/sparselab/sparselab/models/nn"
	"gonum.org/v1/gonum/mat"
)

// gdProblem returns a random network with ReLU hidden layers and the image activation last, and
// the activations [z, x_1, …, x_L] of samples random latent vectors z ~ N(0, I).
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

// TestGradientDescentRecovers: on an expansive random 2-layer network (20 → 200 → 500, the
// setting the defaults are tuned for) both optimizers with their default steps recover z from a
// clean image, from one random start, for every sample.
func TestGradientDescentRecovers(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		for _, last := range []Activation{Identity, PLU} {
			for _, opt := range []GDOptimizer{GDMomentum, GDAdam} {
				net, truths := gdProblem(3, []int{20, 200, 500}, last, 8)
				ests, err := GradientDescent(b, net, images(truths), nil, &GDSettings{Optimizer: opt, Seed: 1})
				if err != nil {
					t.Fatalf("%s, %s output: %v", opt, last, err)
				}
				var snr []float64
				for i, e := range ests {
					if e.Method != opt.String() || len(e.Layers) != 3 || e.Iterations < 1 || e.Iterations > DefaultGDSteps || e.Duration <= 0 {
						t.Fatalf("%s: estimate %d: method %q, %d layers, %d iterations, duration %v", opt, i, e.Method, len(e.Layers), e.Iterations, e.Duration)
					}
					if want := maskedResidual(truths[i][2], e.Layers[2], nil); math.Abs(e.Residual-want) > 1e-12 {
						t.Errorf("estimate %d: Residual %g, ‖y − G(ẑ)‖ %g", i, e.Residual, want)
					}
					snr = append(snr, SNR(truths[i][0], e.Layers[0]))
				}
				sort.Float64s(snr)
				t.Logf("%s, %s output, on %s: SNR of ẑ over 8 samples (dB): %.1f; %d iterations", opt, last, name, snr, ests[0].Iterations)
				if snr[0] < 30 {
					t.Errorf("%s, %s output: worst SNR of ẑ %.1f dB < 30 dB", opt, last, snr[0])
				}
				if med := snr[len(snr)/2]; med < 60 {
					t.Errorf("%s, %s output: median SNR of ẑ %.1f dB < 60 dB", opt, last, med)
				}
			}
		}
	})
}

// TestGradientDescentMask: hidden pixels do not influence the result (bit for bit), and the
// residual counts the observed pixels only.
func TestGradientDescentMask(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
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
		changed[2][0] += 0.5 // sample 2 observes every pixel
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
			if want := maskedResidual(ys[i], a[i].Layers[2], masks[i]); a[i].Residual != want || a[i].Residual != c[i].Residual {
				t.Errorf("sample %d: residuals %g and %g, want the masked residual %g", i, a[i].Residual, c[i].Residual, want)
			}
		}
		if a[2].Layers[0][0] == c[2].Layers[0][0] {
			t.Errorf("the unmasked sample 2 did not see its changed pixels")
		}
	})
}

// TestGradientDescentRestartsAndCallback: the objective decreases; more restarts never give a
// larger residual than the first restart alone (restart 0 starts at the same z whatever the
// number of restarts), and on a hard (barely expansive) network they help.
func TestGradientDescentRestartsAndCallback(t *testing.T) {
	b := backendtest.Get(t, "go")
	net, truths := gdProblem(7, []int{20, 50, 300}, Tanh, 8)
	var objs []float64
	var steps []int
	one, err := GradientDescent(b, net, images(truths), nil, &GDSettings{Steps: 300, Restarts: 1, Seed: 2, Tolerance: -1,
		Callback: func(step int, obj float64) error { steps = append(steps, step); objs = append(objs, obj); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 300/DefaultGDStepsPerCall || steps[0] != DefaultGDStepsPerCall || steps[len(steps)-1] != 300 {
		t.Fatalf("callback at steps %v: want every %d steps up to 300", steps, DefaultGDStepsPerCall)
	}
	if !(objs[len(objs)-1] < 0.1*objs[0]) {
		t.Errorf("mean objective %g → %g: want a decrease by 10×", objs[0], objs[len(objs)-1])
	}
	many, err := GradientDescent(b, net, images(truths), nil, &GDSettings{Steps: 300, Restarts: 6, Seed: 2, Tolerance: -1})
	if err != nil {
		t.Fatal(err)
	}
	sumOne, sumMany := 0.0, 0.0
	for i := range one {
		if many[i].Residual > one[i].Residual {
			t.Errorf("sample %d: 6 restarts residual %g > 1 restart %g", i, many[i].Residual, one[i].Residual)
		}
		sumOne += one[i].Residual
		sumMany += many[i].Residual
	}
	t.Logf("mean residual: 1 restart %.3g, 6 restarts %.3g", sumOne/8, sumMany/8)
	if !(sumMany < 0.9*sumOne) {
		t.Errorf("6 restarts did not lower the mean residual: %g vs %g", sumMany/8, sumOne/8)
	}
	// A callback error stops the descent.
	stop := errTest("stop")
	if _, err := GradientDescent(b, net, images(truths)[:1], nil, &GDSettings{Steps: 100,
		Callback: func(int, float64) error { return stop }}); err != stop {
		t.Errorf("callback error: got %v", err)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

// TestGradientDescentAutoDiff: graph.Gradient and the explicit backpropagation take the same
// path (up to float32 rounding).
func TestGradientDescentAutoDiff(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		net, truths := gdProblem(11, []int{8, 40, 60}, PLU, 3)
		mask := [][]bool{nil, RandomMask(rand.New(rand.NewPCG(1, 2)), 60, 0.5), nil}
		for _, opt := range []GDOptimizer{GDMomentum, GDAdam} {
			set := &GDSettings{Optimizer: opt, Steps: 50, Seed: 3, Tolerance: -1}
			a, err := GradientDescent(b, net, images(truths), mask, set)
			if err != nil {
				t.Fatal(err)
			}
			set.AutoDiff = true
			c, err := GradientDescent(b, net, images(truths), mask, set)
			if err != nil {
				t.Fatal(err)
			}
			for i := range a {
				if snr := SNR(a[i].Layers[0], c[i].Layers[0]); snr < 60 {
					t.Errorf("%s, sample %d: autodiff and explicit gradients end %.1f dB apart", opt, i, snr)
				}
			}
		}
	})
}

// TestGradientDescentStridedWeights: weights that are views into larger matrices give the same
// result as compact copies.
func TestGradientDescentStridedWeights(t *testing.T) {
	b := backendtest.Get(t, "go")
	net, truths := gdProblem(13, []int{5, 20, 30}, Identity, 2)
	view := &Network{Layers: append([]Layer(nil), net.Layers...)}
	for i := range view.Layers {
		out, in := net.Layers[i].Dims()
		big := mat.NewDense(out+1, in+3, nil)
		w := big.Slice(1, out+1, 2, in+2).(*mat.Dense)
		w.Copy(net.Layers[i].W)
		view.Layers[i].W = w
	}
	set := &GDSettings{Steps: 30, Seed: 1}
	a, err := GradientDescent(b, net, images(truths), nil, set)
	if err != nil {
		t.Fatal(err)
	}
	c, err := GradientDescent(b, view, images(truths), nil, set)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if !slices.Equal(a[i].Layers[0], c[i].Layers[0]) {
			t.Errorf("sample %d: ẑ %v with compact weights, %v with strided views", i, a[i].Layers[0], c[i].Layers[0])
		}
	}
}

func TestGradientDescentErrors(t *testing.T) {
	b := backendtest.Get(t, "go")
	net, truths := gdProblem(1, []int{4, 10, 20}, Identity, 1)
	ys := images(truths)
	run := func(ys [][]float64, masks [][]bool, s *GDSettings) func() error {
		return func() error { _, err := GradientDescent(b, net, ys, masks, s); return err }
	}
	cases := map[string]func() error{
		"no backend": func() error { _, err := GradientDescent(nil, net, ys, nil, nil); return err },
		"no network": func() error { _, err := GradientDescent(b, &Network{}, ys, nil, nil); return err },
		"short y":    run([][]float64{ys[0][:5]}, nil, nil),
		"mask count": run(ys, [][]bool{nil, nil}, nil),
		"short mask": run(ys, [][]bool{{true}}, nil),
		"no data":    run(nil, nil, nil),
		"optimizer":  run(ys, nil, &GDSettings{Optimizer: 7}),
		"steps":      run(ys, nil, &GDSettings{Steps: -1}),
		"per call":   run(ys, nil, &GDSettings{StepsPerCall: -1}),
		"momentum":   run(ys, nil, &GDSettings{Momentum: 1}),
		"final step": run(ys, nil, &GDSettings{FinalStep: 2}),
		"diverges":   run(ys, nil, &GDSettings{LearningRate: 1e6, Steps: 100}),
		"nan y":      run([][]float64{append([]float64{math.NaN()}, ys[0][1:]...)}, nil, nil),
	}
	for name, fn := range cases {
		if err := fn(); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestGeneratorGraph: the graph generator matches Network.Forward for every activation, with
// biases and non-default PLU parameters.
func TestGeneratorGraph(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		for _, layer := range []Layer{{Act: ReLU}, {Act: Identity}, {Act: PLU}, {Act: PLU, PLUAlpha: 0.3, PLUC: 0.5}, {Act: Tanh}} {
			net, z := biasedNetwork(layer)
			want := net.Generate(z)
			ex, err := graph.NewExec(b, func(in []*graph.Node) *graph.Node {
				return generatorGraph(net, in[0], in[1:3], in[3:5])
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := ex.Call(networkArgs(net, [][]float64{z})...)
			if err != nil {
				t.Fatal(err)
			}
			got := tensors.MustCopyFlatData[float32](out[0])
			for i := range want {
				if math.Abs(float64(got[i])-want[i]) > 1e-5*(1+math.Abs(want[i])) {
					t.Fatalf("%s on %s: pixel %d: graph %g, host %g", layer.Act, name, i, got[i], want[i])
				}
			}
		}
	})
}

// TestObjectiveGradient: the explicit backpropagation of ½‖M ⊙ (G(z) − y)‖² equals graph.Gradient
// and host float64 central finite differences, for every activation, with a mask.
func TestObjectiveGradient(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		for _, layer := range []Layer{{Act: ReLU}, {Act: Identity}, {Act: PLU}, {Act: PLU, PLUAlpha: 0.3, PLUC: 0.5}, {Act: Tanh}} {
			net, z := biasedNetwork(layer)
			rng := rand.New(rand.NewPCG(5, 6))
			y := RandomLatent(rng, 40)
			mask := RandomMask(rng, 40, 0.4)
			m := make([]float32, 40)
			for i, o := range mask {
				if o {
					m[i] = 1
				}
			}
			var grads [2][]float32
			for k, autodiff := range []bool{false, true} {
				ex, err := graph.NewExec(b, func(in []*graph.Node) *graph.Node {
					_, g := objectiveGraph(net, in[0], in[5], in[6], in[1:3], in[3:5], autodiff)
					return g
				})
				if err != nil {
					t.Fatal(err)
				}
				args := append(networkArgs(net, [][]float64{z}),
					tensors.FromFlatDataAndDimensions(toF32(y), 1, 40), tensors.FromFlatDataAndDimensions(m, 1, 40))
				out, err := ex.Call(args...)
				if err != nil {
					t.Fatal(err)
				}
				grads[k] = tensors.MustCopyFlatData[float32](out[0])
			}
			f := func(z []float64) float64 {
				r := maskedResidual(y, net.Generate(z), mask)
				return r * r / 2
			}
			scale := 0.0
			fd := make([]float64, len(z))
			for j := range z {
				zp := append([]float64(nil), z...)
				zm := append([]float64(nil), z...)
				zp[j] += 1e-6
				zm[j] -= 1e-6
				fd[j] = (f(zp) - f(zm)) / 2e-6
				scale = max(scale, math.Abs(fd[j]))
			}
			maxErr := 0.0
			for j := range z {
				for k := range grads {
					maxErr = max(maxErr, math.Abs(float64(grads[k][j])-fd[j])/scale)
				}
				if math.Abs(float64(grads[0][j]-grads[1][j])) > 1e-5*scale {
					t.Errorf("%s on %s: ∂f/∂z[%d]: explicit %g, autodiff %g", layer.Act, name, j, grads[0][j], grads[1][j])
				}
			}
			t.Logf("%s on %s: max relative error against finite differences %.2g", layer.Act, name, maxErr)
			if maxErr > 1e-4 {
				t.Errorf("%s on %s: gradient differs from finite differences by %.2g (relative to its largest entry)", layer.Act, name, maxErr)
			}
		}
	})
}

// biasedNetwork returns a 6 → 30 → 40 network with ReLU hidden layer, the given image layer
// settings, random biases on both layers, and a latent vector.
func biasedNetwork(last Layer) (*Network, []float64) {
	rng := rand.New(rand.NewPCG(2, 3))
	net := RandomNetwork(rng, []int{6, 30, 40}, last.Act)
	net.Layers[1].PLUAlpha, net.Layers[1].PLUC = last.PLUAlpha, last.PLUC
	for i := range net.Layers {
		out, _ := net.Layers[i].Dims()
		net.Layers[i].B = RandomLatent(rng, out)
		for j := range net.Layers[i].B {
			net.Layers[i].B[j] *= 0.3
		}
	}
	return net, RandomLatent(rng, 6)
}

// networkArgs returns the tensors z [B, n_0], W_1 … W_L, b_1 … b_L.
func networkArgs(net *Network, zs [][]float64) []any {
	var flat []float64
	for _, z := range zs {
		flat = append(flat, z...)
	}
	args := []any{tensors.FromFlatDataAndDimensions(toF32(flat), len(zs), net.LatentSize())}
	for i := range net.Layers {
		out, in := net.Layers[i].Dims()
		args = append(args, tensors.FromFlatDataAndDimensions(toF32(net.Layers[i].W.RawMatrix().Data), out, in))
	}
	for i := range net.Layers {
		out, _ := net.Layers[i].Dims()
		bias := make([]float64, out)
		copy(bias, net.Layers[i].B)
		args = append(args, tensors.FromFlatDataAndDimensions(toF32(bias), out))
	}
	return args
}

// TestActivationGraphGradient: finite-difference gradient check (nn.CheckGradient, float64) of
// the graph activations, PLU with default and other parameters; the inputs avoid the kinks.
func TestActivationGraphGradient(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		for _, l := range []Layer{{Act: ReLU}, {Act: PLU}, {Act: PLU, PLUAlpha: 0.3, PLUC: 0.5}, {Act: Tanh}} {
			x := []float64{-2.3, -1.4, -0.6, -0.3, 0.2, 0.7, 1.3, 2.9, -3.1}
			nn.CheckGradient(t, b, 1e-6, func(xs []*graph.Node) *graph.Node {
				return graph.ReduceAllSum(graph.Square(ActivationGraph(&l, xs[0])))
			}, x)
		}
	})
}

// BenchmarkGradientDescent times the inversion of 256 images × 5 restarts × 1000 steps (one
// batch of 1280 problems) for a 20 → 128 → 392 → 784 ReLU/PLU network, the size of paper 001's
// MNIST generator, on every backend: go test -run XXX -bench GradientDescent -benchtime 1x.
func BenchmarkGradientDescent(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	net := RandomNetwork(rng, []int{20, 128, 392, 784}, PLU)
	var ys [][]float64
	for range 256 {
		ys = append(ys, net.Generate(RandomLatent(rng, 20)))
	}
	for _, name := range backend.Available() {
		for _, opt := range []GDOptimizer{GDMomentum, GDAdam} {
			b.Run(name+"/"+opt.String(), func(b *testing.B) {
				be := backendtest.Get(b, name)
				set := &GDSettings{Optimizer: opt, Steps: 1000, Restarts: 5, Tolerance: -1}
				// Compile outside the timing.
				if _, err := GradientDescent(be, net, ys, nil, &GDSettings{Optimizer: opt, Steps: 1, Restarts: 5}); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					if _, err := GradientDescent(be, net, ys, nil, set); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/batch")
				b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N*len(ys)), "ms/image")
			})
		}
	}
}
