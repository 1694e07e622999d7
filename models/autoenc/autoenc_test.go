package autoenc

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/training"
)

// tinyImages is 8 random-looking 4×4 grayscale images in [0, 1].
func tinyImages() *datasets.Images {
	px := make([]float32, 8*16)
	for i := range px {
		px[i] = float32((i*37)%17) / 16
	}
	return &datasets.Images{Name: "tiny", N: 8, Height: 4, Width: 4, Channels: 1, Pixels: px}
}

// dense is x ↦ reshape(W·flatten(x) + b).
func dense(scope *model.Scope, x *graph.Node) *graph.Node {
	flat := graph.Reshape(x, x.Shape().Dimensions[0], 16)
	y := layers.Dense(scope.In("dense"), flat, true, 16)
	return graph.Reshape(y, x.Shape().Dimensions...)
}

func TestTrainLearningRates(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "tiny.ckpt")
	ae := New(b, nil, dense)
	res, err := ae.Train(tinyImages(), Settings{BatchSize: 4, LearningRate: 1e-2, Training: training.Settings{Steps: 40, CheckpointPath: ckpt}})
	if err != nil {
		t.Fatal(err)
	}
	if first, last := res.Losses[0].Loss, res.Losses[len(res.Losses)-1].Loss; !(last < first) {
		t.Errorf("loss did not fall: %g → %g", first, last)
	}
	// A resumed run trains at the rate it is given, not the checkpoint's.
	ae2 := New(b, nil, dense)
	if _, err := ae2.Train(tinyImages(), Settings{BatchSize: 4, LearningRate: 1e-5, Training: training.Settings{Steps: 41, CheckpointPath: ckpt}}); err != nil {
		t.Fatal(err)
	}
	v := ae2.Store.GetVariable("/optimizers/learning_rate")
	if v == nil {
		t.Fatal("no learning-rate variable")
	}
	if got := v.MustValue().Value(); math.Abs(toF64(got)-1e-5) > 1e-12 {
		t.Errorf("resumed run's learning rate = %v, want 1e-5", got)
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		_, err := New(b, nil, dense).Train(tinyImages(), Settings{LearningRate: bad, BatchSize: 4, Training: training.Settings{Steps: 1}})
		if err == nil || !strings.Contains(err.Error(), "learning rate") {
			t.Errorf("learning rate %v: want an error naming it, got %v", bad, err)
		}
	}
}

func toF64(v any) float64 {
	switch x := v.(type) {
	case float32:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// TestResumeContinuesTheRun: a run interrupted after 3 steps and resumed from its checkpoint ends
// with the weights of the same run made in one go (same seeded initial weights, Adam moments kept,
// and the batches the uninterrupted run would have drawn, across an epoch boundary).
func TestResumeContinuesTheRun(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	seeded := func() *model.Store {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(5); err != nil {
			t.Fatal(err)
		}
		return store
	}
	train := func(store *model.Store, ckpt string, steps int) *Autoencoder {
		t.Helper()
		ae := New(b, store, dense)
		if _, err := ae.Train(tinyImages(), Settings{BatchSize: 4, LearningRate: 1e-2, Seed: 2,
			Training: training.Settings{Steps: steps, CheckpointPath: ckpt}}); err != nil {
			t.Fatal(err)
		}
		return ae
	}
	dir := t.TempDir()
	whole := train(seeded(), filepath.Join(dir, "whole.ckpt"), 7)
	parts := filepath.Join(dir, "parts.ckpt")
	train(seeded(), parts, 3)
	resumed := train(model.NewStore(), parts, 7)
	want, err := whole.Reconstruct(tinyImages())
	if err != nil {
		t.Fatal(err)
	}
	got, err := resumed.Reconstruct(tinyImages())
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("resumed run's reconstruction [%d] = %g, uninterrupted run's %g", i, got[i], want[i])
		}
	}
}

// TestFinalizeThenReconstruct: Finalize frees the compiled graph and a later Reconstruct
// compiles it again, with the same result.
func TestFinalizeThenReconstruct(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	ae := New(b, nil, dense)
	r1, err := ae.Reconstruct(tinyImages())
	if err != nil {
		t.Fatal(err)
	}
	ae.Finalize()
	ae.Finalize()
	r2, err := ae.Reconstruct(tinyImages())
	if err != nil {
		t.Fatal(err)
	}
	for i := range r1 {
		if r1[i] != r2[i] {
			t.Fatalf("pixel %d: %g before Finalize, %g after", i, r1[i], r2[i])
		}
	}
}
