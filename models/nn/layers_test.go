package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"gonum.org/v1/gonum/mat"
)

// runModel executes fn once with a model.Exec over store, in training mode or not.
func runModel(t *testing.T, b compute.Backend, store *model.Store, training bool,
	fn func(scope *model.Scope, x *Node) *Node, x *tensors.Tensor) ([]float64, []int) {
	t.Helper()
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *Node) *Node {
		scope.Store().SetTraining(x.Graph(), training)
		return fn(scope, x)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	out, err := exec.Call(x)
	if err != nil {
		t.Fatalf("model exec: %v", err)
	}
	d, dims, err := toFloat64(out[0])
	if err != nil {
		t.Fatal(err)
	}
	return d, dims
}

func variableData(t *testing.T, store *model.Store, path string) []float64 {
	t.Helper()
	v := store.GetVariable(path)
	if v == nil {
		t.Fatalf("variable %q not found", path)
	}
	val, err := v.Value()
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := toFloat64(val)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func setVariable(t *testing.T, store *model.Store, path string, data []float64, dims ...int) {
	t.Helper()
	if _, err := store.CreateVariable(path, f32Tensor(data, dims...)); err != nil {
		t.Fatal(err)
	}
}

// checkUniform checks that values lie in ±bound and have the variance bound²/3 of U(±bound).
func checkUniform(t *testing.T, what string, v []float64, bound float64) {
	t.Helper()
	sum, sq := 0.0, 0.0
	for _, x := range v {
		if math.Abs(x) > bound {
			t.Fatalf("%s: value %g outside ±%g", what, x, bound)
		}
		sum += x
		sq += x * x
	}
	n := float64(len(v))
	mean := sum / n
	std := math.Sqrt(sq/n - mean*mean)
	want := bound / math.Sqrt(3)
	// The sample std of n uniform values has relative spread ≈ 0.45/√n.
	if math.Abs(std-want) > 5*0.45/math.Sqrt(n)*want || math.Abs(mean) > 5*want/math.Sqrt(n) {
		t.Errorf("%s: mean %.4g std %.4g, want ≈0 and %.4g (U(±%.4g), n=%d)", what, mean, std, want, bound, len(v))
	}
}

func TestDenseLayer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		store := model.NewStore()
		xd := []int{3, 4, 5}
		x := randData(101, prod(xd...))
		got, dims := runModel(t, b, store, false, func(scope *model.Scope, x *Node) *Node {
			return Dense(scope.In("fc"), x).Units(6).Done()
		}, f32Tensor(x, xd...))
		w := variableData(t, store, "/fc/weight")
		bias := variableData(t, store, "/fc/bias")
		want := make([]float64, 12*6)
		for r := range 12 {
			for o := range 6 {
				s := bias[o]
				for i := range 5 {
					s += x[r*5+i] * w[i*6+o]
				}
				want[r*6+o] = s
			}
		}
		assertClose(t, "dense", got, dims, want, []int{3, 4, 6}, 1e-5)

		// PyTorch's default initialisation on a larger layer.
		big := model.NewStore()
		runModel(t, b, big, false, func(scope *model.Scope, x *Node) *Node {
			return Dense(scope.In("fc"), x).Units(300).Done()
		}, f32Tensor(randData(102, 2*400), 2, 400))
		checkUniform(t, "dense weight", variableData(t, big, "/fc/weight"), 1/math.Sqrt(400))
		checkUniform(t, "dense bias", variableData(t, big, "/fc/bias"), 1/math.Sqrt(400))

		// Gradient of the functional form.
		r, err := GradCheckWith(b, GradCheckOptions{}, func(xs []*Node) *Node { return Linear(xs[0], xs[1], xs[2]) },
			f64Tensor(randData(103, 2*3*4), 2, 3, 4), f64Tensor(randData(104, 4*5), 4, 5), f64Tensor(randData(105, 5), 5))
		if err != nil || r.MaxRelErr > 1e-8 {
			t.Errorf("Linear gradient: %v %v", r, err)
		}
	})
}

func TestConvLayers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		store := model.NewStore()
		xd := []int{2, 7, 7, 16}
		x := randData(111, prod(xd...))
		got, dims := runModel(t, b, store, false, func(scope *model.Scope, x *Node) *Node {
			return Conv(scope.In("conv"), x).Channels(32).Kernel(3).Stride(2).Padding(1).Done()
		}, f32Tensor(x, xd...))
		w := variableData(t, store, "/conv/weight")
		bias := variableData(t, store, "/conv/bias")
		want, wantDims := refConv2D(x, xd, w, []int{3, 3, 16, 32}, 2, 1)
		for i := range want {
			want[i] += bias[i%32]
		}
		assertClose(t, "conv layer", got, dims, want, wantDims, 1e-5)
		checkUniform(t, "conv weight", w, 1/math.Sqrt(16*9))
		checkUniform(t, "conv bias", bias, 1/math.Sqrt(16*9))

		store = model.NewStore()
		got, dims = runModel(t, b, store, false, func(scope *model.Scope, x *Node) *Node {
			return ConvTranspose(scope.In("up"), x).Channels(24).Kernel(3).Stride(2).Padding(1).OutputPadding(1).Done()
		}, f32Tensor(x, xd...))
		w = variableData(t, store, "/up/weight")
		bias = variableData(t, store, "/up/bias")
		want, wantDims = refConvTranspose2D(x, xd, w, []int{3, 3, 16, 24}, 2, 1, 1)
		for i := range want {
			want[i] += bias[i%24]
		}
		assertClose(t, "conv-transpose layer", got, dims, want, wantDims, 1e-5)
		// PyTorch computes ConvTranspose2d's fan-in from the output channels.
		checkUniform(t, "conv-transpose weight", w, 1/math.Sqrt(24*9))
	})
}

func TestBatchNorm(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, xd := range [][]int{{8, 5}, {3, 4, 5, 2}} {
			f := xd[len(xd)-1]
			n := prod(xd...) / f
			x := randData(121, prod(xd...))
			for i := range x {
				x[i] = 3*x[i] + float64(i%f) // distinct per-feature means
			}
			gamma, beta := randData(122, f), randData(123, f)
			store := model.NewStore()
			setVariable(t, store, "/bn/weight", gamma, f)
			setVariable(t, store, "/bn/bias", beta, f)
			layer := func(scope *model.Scope, x *Node) *Node { return BatchNorm(scope.In("bn"), x).Done() }
			got, dims := runModel(t, b, store, true, layer, f32Tensor(x, xd...))

			mean, varB := make([]float64, f), make([]float64, f)
			for i, v := range x {
				mean[i%f] += v / float64(n)
			}
			for i, v := range x {
				varB[i%f] += (v - mean[i%f]) * (v - mean[i%f]) / float64(n)
			}
			want := make([]float64, len(x))
			for i, v := range x {
				c := i % f
				want[i] = (v-mean[c])/math.Sqrt(varB[c]+1e-5)*gamma[c] + beta[c]
			}
			name := fmt.Sprintf("%v", xd)
			assertClose(t, name+" training output", got, dims, want, xd, 1e-5)

			rm, rv := variableData(t, store, "/bn/running_mean"), variableData(t, store, "/bn/running_var")
			wantRM, wantRV := make([]float64, f), make([]float64, f)
			for c := range f {
				wantRM[c] = 0.1 * mean[c]
				wantRV[c] = 0.9 + 0.1*varB[c]*float64(n)/float64(n-1)
			}
			assertClose(t, name+" running_mean", rm, []int{f}, wantRM, []int{f}, 1e-6)
			assertClose(t, name+" running_var", rv, []int{f}, wantRV, []int{f}, 1e-6)

			// Inference uses (and keeps) the running statistics.
			got, dims = runModel(t, b, store, false, layer, f32Tensor(x, xd...))
			for i, v := range x {
				c := i % f
				want[i] = (v-wantRM[c])/math.Sqrt(wantRV[c]+1e-5)*gamma[c] + beta[c]
			}
			assertClose(t, name+" inference output", got, dims, want, xd, 1e-5)
			assertClose(t, name+" running_mean unchanged", variableData(t, store, "/bn/running_mean"), []int{f}, rm, []int{f}, 0)
		}

		// Training-mode gradient, through the batch statistics, w.r.t. x, γ and β.
		r, err := GradCheckWith(b, GradCheckOptions{}, func(xs []*Node) *Node {
			mean, variance := batchStatistics(xs[0])
			return batchNormalize(xs[0], mean, variance, xs[1], xs[2], 1e-5)
		}, f64Tensor(randData(124, 2*3*3*2), 2, 3, 3, 2), f64Tensor(randData(125, 2), 2), f64Tensor(randData(126, 2), 2))
		if err != nil || r.MaxRelErr > 1e-6 {
			t.Errorf("batch norm gradient: %v %v", r, err)
		}
	})
}

// TestBatchNormWithTrainer checks that a train.Trainer step updates the running averages (the
// layer integrates with GoMLX's training loop) and that affine=false creates no parameters.
func TestBatchNormWithTrainer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		store := model.NewStore()
		modelFn := func(scope *model.Scope, x *Node) *Node {
			y := BatchNorm(scope.In("bn"), x).Affine(false).Done()
			return Dense(scope.In("fc"), y).Units(1).Done()
		}
		trainer := train.NewTrainer(b, store, modelFn, loss.MeanSquaredError,
			optimizer.StochasticGradientDescent().WithDecay(false).WithLearningRate(0.01), nil, nil)
		x := randData(131, 16*3)
		for i := range x {
			x[i] += 2
		}
		labels := randData(132, 16)
		if _, err := trainer.TrainStep(train.Batch{Inputs: []*tensors.Tensor{f32Tensor(x, 16, 3)},
			Labels: []*tensors.Tensor{f32Tensor(labels, 16, 1)}}); err != nil {
			t.Fatal(err)
		}
		rm := variableData(t, store, "/bn/running_mean")
		for c := range 3 {
			mean := 0.0
			for r := range 16 {
				mean += x[r*3+c] / 16
			}
			if math.Abs(rm[c]-0.1*mean) > 1e-5 {
				t.Errorf("running_mean[%d] = %g after one trainer step, want %g", c, rm[c], 0.1*mean)
			}
		}
		if store.GetVariable("/bn/weight") != nil {
			t.Error("Affine(false) created a weight variable")
		}
	})
}

func TestSpectralNorm(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		in, out := 7, 4
		w := randData(141, in*out)
		// Singular values of W (any orientation) from gonum.
		var svd mat.SVD
		if !svd.Factorize(mat.NewDense(in, out, w), mat.SVDNone) {
			t.Fatal("gonum SVD failed")
		}
		top := svd.Values(nil)[0]

		sigmaOf := func(store *model.Store, training bool, iterations int) float64 {
			got, _ := runModel(t, b, store, training, func(scope *model.Scope, x *Node) *Node {
				_, sigma := SpectralNorm(scope.In("sn"), x).Iterations(iterations).DoneWithSigma()
				return sigma
			}, f32Tensor(w, in, out))
			return got[0]
		}
		// Many iterations in one call converge to the top singular value.
		if s := sigmaOf(model.NewStore(), true, 60); math.Abs(s-top) > 1e-4*top {
			t.Errorf("σ after 60 iterations = %.7g, gonum SVD = %.7g", s, top)
		}
		// One iteration per training step, persisted in u and v, converges across steps.
		store := model.NewStore()
		u0, v0 := randData(142, out), randData(143, in)
		setVariable(t, store, "/sn/spectral_u", u0, out)
		setVariable(t, store, "/sn/spectral_v", v0, in)
		s1 := sigmaOf(store, true, 1)
		// Host replay of the first step: v = normalise(Wᵀu), u = normalise(W·v), σ = uᵀ·W·v, with
		// W = wᵀ ([out, in]).
		normalize := func(a []float64) []float64 {
			n := 0.0
			for _, x := range a {
				n += x * x
			}
			n = math.Sqrt(n)
			r := make([]float64, len(a))
			for i, x := range a {
				r[i] = x / n
			}
			return r
		}
		v := make([]float64, in)
		for i := range in {
			for o := range out {
				v[i] += w[i*out+o] * u0[o]
			}
		}
		v = normalize(v)
		u := make([]float64, out)
		for o := range out {
			for i := range in {
				u[o] += w[i*out+o] * v[i]
			}
		}
		u = normalize(u)
		want := 0.0
		for o := range out {
			for i := range in {
				want += u[o] * w[i*out+o] * v[i]
			}
		}
		if math.Abs(s1-want) > 1e-5*want {
			t.Errorf("σ after one step = %.7g, host power iteration = %.7g", s1, want)
		}
		assertClose(t, "stored u", variableData(t, store, "/sn/spectral_u"), []int{out}, u, []int{out}, 1e-5)
		for range 30 {
			sigmaOf(store, true, 1)
		}
		// Inference reuses u and v without updating them.
		uBefore := variableData(t, store, "/sn/spectral_u")
		if s := sigmaOf(store, false, 1); math.Abs(s-top) > 1e-4*top {
			t.Errorf("σ after 31 training steps (inference read) = %.7g, gonum SVD = %.7g", s, top)
		}
		assertClose(t, "u unchanged by inference", variableData(t, store, "/sn/spectral_u"), []int{out}, uBefore, []int{out}, 0)

		// Gradient of w/σ with u, v fixed (as PyTorch treats them).
		r, err := GradCheckWith(b, GradCheckOptions{}, func(xs []*Node) *Node {
			normalized, _ := spectralDivide(xs[0], xs[1], xs[2])
			return normalized
		}, f64Tensor(w, in, out), f64Tensor(normalize(u0), out), f64Tensor(normalize(v0), in))
		if err != nil || r.Checked != in*out+out+in || r.MaxRelErr > 1e-6 {
			t.Errorf("spectral gradient: %v %v", r, err)
		}

		// Dense with spectral normalisation: y = x·(W/σ) + b, with σ from the stored u, v.
		store = model.NewStore()
		got, _ := runModel(t, b, store, true, func(scope *model.Scope, x *Node) *Node {
			return Dense(scope.In("fc"), x).Units(3).SpectralNorm(true).Done()
		}, f32Tensor([]float64{1, 0, 0, 0}, 1, 4))
		wd := variableData(t, store, "/fc/weight")
		bd := variableData(t, store, "/fc/bias")
		ud := variableData(t, store, "/fc/spectral_u")
		vd := variableData(t, store, "/fc/spectral_v")
		sigma := 0.0
		for o := range 3 {
			for i := range 4 {
				sigma += ud[o] * wd[i*3+o] * vd[i]
			}
		}
		for o := range 3 {
			if wantY := wd[o]/sigma + bd[o]; math.Abs(got[o]-wantY) > 1e-5 {
				t.Errorf("spectral dense output[%d] = %g, want %g", o, got[o], wantY)
			}
		}
	})
}
