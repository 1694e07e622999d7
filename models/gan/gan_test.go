package gan

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/backend/backendtest"
	"github.com/sparselab/sparselab/models/nn"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
	"github.com/sparselab/sparselab/solvers/invert"
)

func quickStore(t *testing.T, dir string) *model.Store {
	t.Helper()
	store, err := params.NewStore(Specs()...)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{params.ParamQuick: "true", params.ParamSteps: "6", ParamEvalEvery: "3", ParamRunDir: dir, params.ParamBatchSize: "16"} {
		if err := params.Set(store, k, v); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

// TestTrainResumeFold: a few training steps give finite losses; a second run resumes the step
// count from the checkpoint; the folded network equals the generator in inference mode.
func TestTrainResumeFold(t *testing.T) {
	// The go backend runs as go:ops_sequential: its parallel op scheduler (compute v0.1.2
	// workerspool) deadlocked on this training graph under load.
	forEachTrainingBackend(t, func(t *testing.T, b compute.Backend, name string) {
		dir := t.TempDir()
		store := quickStore(t, dir)
		rep, err := Train(context.Background(), b, store, "test", 512, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Result.EndStep != 6 || len(rep.Result.Evals) == 0 {
			t.Fatalf("end step %d, %d evaluations", rep.Result.EndStep, len(rep.Result.Evals))
		}
		for k, v := range rep.Result.Evals[len(rep.Result.Evals)-1].Metrics {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("metric %s = %g", k, v)
			}
		}
		store2 := quickStore(t, dir)
		if err := params.Set(store2, params.ParamSteps, "9"); err != nil {
			t.Fatal(err)
		}
		rep2, err := Train(context.Background(), b, store2, "test", 512, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep2.Result.StartStep != 6 || rep2.Result.EndStep != 9 {
			t.Errorf("resumed run: steps %d→%d, want 6→9", rep2.Result.StartStep, rep2.Result.EndStep)
		}
		// Fold equivalence, from the store and from the checkpoint file.
		net, err := Fold(store2)
		if err != nil {
			t.Fatal(err)
		}
		fromFile, err := LoadNetwork(filepath.Join(dir, "last.ckpt"))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		const n = 5
		z := make([]float32, n*DefaultLatent)
		for i := range z {
			z[i] = float32(rng.NormFloat64())
		}
		got := generateOnGraph(t, b, store2, z, n)
		for i := range n {
			z64 := make([]float64, DefaultLatent)
			for j := range z64 {
				z64[j] = float64(z[i*DefaultLatent+j])
			}
			a, c := net.Generate(z64), fromFile.Generate(z64)
			for j := range a {
				g := float64(got[i*784+j])
				if math.Abs(a[j]-g) > 1e-4*(1+math.Abs(g)) || a[j] != c[j] {
					t.Fatalf("sample %d pixel %d: folded %g, file %g, graph %g", i, j, a[j], c[j], g)
				}
			}
		}
	})
}

func TestPLUGradient(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, name string) {
		nn.CheckGradient(t, b, 1e-2, func(xs []*graph.Node) *graph.Node {
			return graph.ReduceAllSum(graph.Square(PLU(xs[0], 0.1, 1)))
		}, []float64{-2.5, -1.5, -0.3, 0.4, 0.9, 1.7, 3.2})
	})
	l := invert.Layer{Act: invert.PLU}
	for _, c := range []struct{ in, want float64 }{{0.5, 0.5}, {2, 1.1}, {-3, -1.2}} {
		if got := l.Activate(c.in); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("PLU(%g) = %g, want %g", c.in, got, c.want)
		}
	}
}

func TestFoldErrors(t *testing.T) {
	if _, err := LoadNetwork(filepath.Join(t.TempDir(), "missing.ckpt")); err == nil {
		t.Error("missing file: no error")
	}
	store, _ := params.NewStore(Specs()...)
	if _, err := Fold(store); err == nil {
		t.Error("empty store: no error")
	} else {
		t.Log(err)
	}
	// A checkpoint holding a dense layer's weight but not its bias: an error, not a panic.
	src := model.NewStore()
	if _, err := src.CreateVariable("/"+GeneratorScope+"/layer1/dense/weight", tensors.FromValue([][]float32{{1}})); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "partial.ckpt")
	if err := training.SaveCheckpoint(src, ckpt, nil); err != nil {
		t.Fatal(err)
	}
	loaded, _ := params.NewStore(Specs()...)
	if _, err := training.LoadCheckpoint(loaded, ckpt); err != nil {
		t.Fatal(err)
	}
	var missing *training.MissingVariableError
	if _, err := Fold(loaded); !errors.As(err, &missing) || missing.Variable != "/"+GeneratorScope+"/layer1/dense/bias" {
		t.Errorf("checkpoint without a layer's bias: error %v, want a MissingVariableError naming the bias", err)
	}
}

// generateOnGraph runs the GoMLX generator of store (inference mode) on n latent vectors z
// (row-major [n, DefaultLatent]) and returns the images, row-major [n, 784].
func generateOnGraph(t *testing.T, b compute.Backend, store *model.Store, z []float32, n int) []float32 {
	t.Helper()
	exec, err := model.NewExec(b, store, func(scope *model.Scope, z *graph.Node) *graph.Node {
		return Generator(scope.In(GeneratorScope), z)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(z, n, DefaultLatent))
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](out[0])
}
