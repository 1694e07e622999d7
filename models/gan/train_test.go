package gan

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/backend/backendtest"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
)

// forEachTrainingBackend runs fn on every backend available, the pure-Go one configured with
// SafeBackendConfig (its default parallel scheduler can deadlock on the GAN training graph).
func forEachTrainingBackend(t *testing.T, fn func(t *testing.T, b compute.Backend, name string)) {
	t.Helper()
	for _, name := range backend.Available() {
		t.Run(name, func(t *testing.T) { fn(t, backendtest.Get(t, SafeBackendConfig(name)), name) })
	}
}

// TestResumeIsExact: 3 steps, a checkpoint, then 3 more steps in a new trainer give the same
// networks and optimizer moments as 6 uninterrupted steps (same initialisation, same batches,
// same Adam state).
func TestResumeIsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three times")
	}
	forEachTrainingBackend(t, func(t *testing.T, b compute.Backend, name string) {
		straight, split := t.TempDir(), t.TempDir()
		run := func(dir, steps string) {
			store := quickStore(t, dir)
			if err := params.Set(store, params.ParamSteps, steps); err != nil {
				t.Fatal(err)
			}
			if _, err := Train(context.Background(), b, store, "test", 256, nil); err != nil {
				t.Fatal(err)
			}
		}
		run(straight, "6")
		run(split, "3")
		run(split, "6")
		a, err := training.ReadCheckpoint(filepath.Join(straight, "last.ckpt"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := training.ReadCheckpoint(filepath.Join(split, "last.ckpt"))
		if err != nil {
			t.Fatal(err)
		}
		compared := 0
		for _, e := range a.Header.Variables {
			if strings.HasPrefix(e.Path, "/metrics/") || strings.Contains(e.Path, "#") {
				continue // moving-average display metrics and the unused random state
			}
			fa, fc := asFloat64s(a.Value(e.Path)), []float64(nil)
			if v := c.Value(e.Path); v != nil {
				fc = asFloat64s(v)
			}
			if len(fa) != len(fc) {
				t.Errorf("%s: %d values uninterrupted, %d resumed", e.Path, len(fa), len(fc))
				continue
			}
			for i := range fa {
				if math.Abs(fa[i]-fc[i]) > 1e-6*(1+math.Abs(fa[i])) {
					t.Errorf("%s[%d]: uninterrupted %g, resumed %g", e.Path, i, fa[i], fc[i])
					break
				}
			}
			compared++
		}
		// 26 model variables (weights, BatchNorm and spectral-norm state), 32 Adam moments, 2
		// Adam step counters, 2 learning rates, the global step.
		if compared < 60 {
			t.Errorf("compared only %d variables", compared)
		}
	})
}

// TestNaNStopsKeepingCheckpoint: a resumed run whose learning rate is absurdly large (1e38; the
// flag overrides the rate stored in the checkpoint) overflows the weights and stops on the first
// non-finite loss with ErrNonFinite, and the checkpoint of the good run is left as it was.
func TestNaNStopsKeepingCheckpoint(t *testing.T) {
	forEachTrainingBackend(t, func(t *testing.T, b compute.Backend, name string) {
		dir := t.TempDir()
		store := quickStore(t, dir)
		if err := params.Set(store, params.ParamSteps, "2"); err != nil {
			t.Fatal(err)
		}
		if _, err := Train(context.Background(), b, store, "test", 256, nil); err != nil {
			t.Fatal(err)
		}
		ckpt := filepath.Join(dir, "last.ckpt")
		before, err := os.ReadFile(ckpt)
		if err != nil {
			t.Fatal(err)
		}
		store = quickStore(t, dir)
		for k, v := range map[string]string{params.ParamSteps: "8", params.ParamLearningRate: "1e38"} {
			if err := params.Set(store, k, v); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := Train(context.Background(), b, store, "test", 256, nil)
		if !errors.Is(err, training.ErrNonFinite) {
			t.Fatalf("error %v, want one wrapping training.ErrNonFinite", err)
		}
		if !strings.Contains(err.Error(), ckpt) {
			t.Errorf("error %q does not name the kept checkpoint %s", err, ckpt)
		}
		// Step 3 updates with the huge rate; step 4's loss is the first non-finite one.
		if rep.Result.EndStep != 4 {
			t.Errorf("stopped at step %d, want 4", rep.Result.EndStep)
		}
		after, err := os.ReadFile(ckpt)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Error("the checkpoint changed after the NaN step")
		}
	})
}

func TestBatchSourceEpochs(t *testing.T) {
	const n, batch = 10, 4
	images := make([]float32, n*784)
	for i := range n {
		images[i*784] = float32(i) // image i is marked by its first pixel
	}
	src := &batchSource{images: images, n: n, batch: batch, latent: 3, seed: 7}
	var order []int
	for step := range 5 { // 20 images: epochs 0 and 1
		x, z := src.batchAt(step)
		xs := tensors.MustCopyFlatData[float32](x)
		for i := range batch {
			order = append(order, int(xs[i*784]))
		}
		if z.Shape().Dimensions[0] != batch || z.Shape().Dimensions[1] != 3 {
			t.Fatalf("z shape %s", z.Shape())
		}
	}
	for e := range 2 {
		seen := map[int]bool{}
		for _, j := range order[e*n : (e+1)*n] {
			seen[j] = true
		}
		if len(seen) != n {
			t.Errorf("epoch %d visits %d distinct images, want %d: %v", e, len(seen), n, order)
		}
	}
	// A fresh source (a resumed run) gives the same batch and latent vectors for a step.
	x1, z1 := src.batchAt(3)
	x2, z2 := (&batchSource{images: images, n: n, batch: batch, latent: 3, seed: 7}).batchAt(3)
	if !equal32(x1, x2) || !equal32(z1, z2) {
		t.Error("batch 3 differs between two sources with the same seed")
	}
	if _, z3 := src.batchAt(4); equal32(z1, z3) {
		t.Error("steps 3 and 4 draw the same latent vectors")
	}
}

func equal32(a, b *tensors.Tensor) bool {
	x, y := tensors.MustCopyFlatData[float32](a), tensors.MustCopyFlatData[float32](b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func TestSafeBackendConfig(t *testing.T) {
	for in, want := range map[string]string{"go": "go:ops_sequential", "go:parallelism=2": "go:parallelism=2", "onnx:cpu": "onnx:cpu"} {
		if got := SafeBackendConfig(in); got != want {
			t.Errorf("SafeBackendConfig(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestShippedWeights: the shipped checkpoint holds only model variables, its folded generator
// is 20 → 128 → 392 → 784 and matches the GoMLX generator (inference mode) on each backend,
// and its samples are images in about [−1, 1] (within [−2, 2]) with a dark background, as
// MNIST's, and little salt noise.
func TestShippedWeights(t *testing.T) {
	c, err := ShippedCheckpoint()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Header.Variables {
		if strings.Contains(e.Path, "Adam") || strings.Contains(e.Path, "optimizers") {
			t.Errorf("shipped weights hold optimizer state %s", e.Path)
		}
	}
	net, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if sizes := net.Sizes(); len(sizes) != 4 || sizes[0] != 20 || sizes[1] != 128 || sizes[2] != 392 || sizes[3] != 784 {
		t.Fatalf("sizes %v, want [20 128 392 784]", sizes)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 16
	z := make([]float32, n*DefaultLatent)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	host := make([][]float64, n)
	dark := 0
	for i := range n {
		z64 := make([]float64, DefaultLatent)
		for j := range z64 {
			z64[j] = float64(z[i*DefaultLatent+j])
		}
		host[i] = net.Generate(z64)
		for _, v := range host[i] {
			// PLU's tails (slope 0.1 beyond ±1) let pixels leave [−1, 1] a little: over 2,000
			// samples of the shipped weights the range is about [−1.8, 1.7].
			if math.IsNaN(v) || v < -2 || v > 2 {
				t.Fatalf("sample %d has pixel %g outside [−2, 2]", i, v)
			}
			if v < -0.5 {
				dark++
			}
		}
	}
	// MNIST: about 80% of the pixels are background (−1 after scaling).
	if frac := float64(dark) / (n * 784); frac < 0.6 {
		t.Errorf("only %.0f%% of the pixels are dark", 100*frac)
	}
	// Salt noise: MNIST's test images have no bright pixel with a dark 8-neighbourhood; the
	// shipped generator has a few (0.2–0.3% of the pixels).
	salt := 0.0
	for _, img := range host {
		salt += isolatedBright(img)
	}
	if salt /= n; salt > 0.01 {
		t.Errorf("%.2f%% of the pixels are isolated bright dots", 100*salt)
	}
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		store, err := params.NewStore(Specs()...)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(store); err != nil {
			t.Fatal(err)
		}
		got := generateOnGraph(t, b, store, z, n)
		for i := range n {
			for j, want := range host[i] {
				if g := float64(got[i*784+j]); math.Abs(g-want) > 1e-4*(1+math.Abs(want)) {
					t.Fatalf("sample %d pixel %d: graph %g, folded %g", i, j, g, want)
				}
			}
		}
	})
}

// isolatedBright returns the fraction of the pixels of a 28×28 image in [−1, 1] that are bright
// (> 0) with all their 8 neighbours dark (< −0.5).
func isolatedBright(img []float64) float64 {
	n := 0
	for r := range ImageSide {
		for c := range ImageSide {
			if img[r*ImageSide+c] <= 0 {
				continue
			}
			alone := true
			for dr := -1; dr <= 1; dr++ {
				for dc := -1; dc <= 1; dc++ {
					rr, cc := r+dr, c+dc
					if (dr != 0 || dc != 0) && rr >= 0 && rr < ImageSide && cc >= 0 && cc < ImageSide && img[rr*ImageSide+cc] >= -0.5 {
						alone = false
					}
				}
			}
			if alone {
				n++
			}
		}
	}
	return float64(n) / float64(ImageSide*ImageSide)
}

func TestIsolatedBright(t *testing.T) {
	img := make([]float64, 784)
	for i := range img {
		img[i] = -1
	}
	img[5*28+5] = 1   // alone: counts
	img[20*28+20] = 1 // with a grey neighbour: does not count
	img[20*28+21] = -0.2
	if got, want := isolatedBright(img), 1.0/784; got != want {
		t.Errorf("isolatedBright = %g, want %g", got, want)
	}
}

// TestBadLearningRateIsRefused: a learning rate that is not a positive number is refused before
// any training, with an error naming the flags.
func TestBadHyperparametersAreRefused(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ flag, value, want string }{
		{params.ParamLearningRate, "NaN", "--" + params.ParamLearningRate},
		{params.ParamLearningRate, "-1e-4", "--" + params.ParamLearningRate},
		{ParamDiscLearningRate, "+Inf", "--" + params.ParamLearningRate},
		{ParamDiscLearningRate, "-2e-4", "--" + params.ParamLearningRate},
		{ParamLatent, "0", "--latent 0"},
		{ParamHidden1, "-1", "--hidden1 -1"},
		{ParamBeta1, "2", "β₁ must lie in [0, 1)"},
		{params.ParamTimeBudget, "-1m", "--time_budget -1m0s"},
	} {
		dir := t.TempDir()
		store := quickStore(t, dir)
		if err := params.Set(store, tc.flag, tc.value); err != nil {
			t.Fatal(err)
		}
		_, err := Train(context.Background(), b, store, "test", 256, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--%s %s: want an error containing %q, got %v", tc.flag, tc.value, tc.want, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "last.ckpt")); err == nil {
			t.Errorf("--%s %s: a checkpoint was written", tc.flag, tc.value)
		}
	}
}
