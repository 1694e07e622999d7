package convae

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/autoenc"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/models/training"
)

// blobs returns n 16×16 images, each a bright axis-aligned rectangle on black.
func blobs(n int, seed uint64) *datasets.Images {
	rng := rand.New(rand.NewPCG(seed, 7))
	const side = 16
	im := &datasets.Images{Name: "blobs", N: n, Height: side, Width: side, Channels: 1, Pixels: make([]float32, n*side*side)}
	for i := 0; i < n; i++ {
		r0, c0 := rng.IntN(10), rng.IntN(10)
		r1, c1 := r0+3+rng.IntN(4), c0+3+rng.IntN(4)
		for r := r0; r < r1; r++ {
			for c := c0; c < c1; c++ {
				im.Pixels[i*side*side+r*side+c] = 1
			}
		}
	}
	return im
}

func TestTrainImprovesAndCheckpointRoundTrips(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	for _, name := range backend.Available() {
		t.Run(name, func(t *testing.T) {
			b, _, err := backend.New(name)
			if err != nil {
				t.Fatal(err)
			}
			trainSet, valSet := blobs(256, 1), blobs(64, 2)
			ae := autoenc.New(b, nil, func(scope *model_Scope, x *node) *node { return New(scope, x).Latent(16).Channels(8).Done() })
			before, err := ae.PSNR(valSet)
			if err != nil {
				t.Fatal(err)
			}
			ckpt := filepath.Join(t.TempDir(), "convae.ckpt")
			res, err := ae.Train(trainSet, autoenc.Settings{BatchSize: 32, LearningRate: 3e-3, Seed: 1, Validation: valSet,
				Training: training.Settings{Steps: 120, CheckpointPath: ckpt}})
			if err != nil {
				t.Fatal(err)
			}
			after := res.Evals[len(res.Evals)-1].Metrics["psnr"]
			b0 := metrics.Summarize(before).Mean
			t.Logf("%s: validation PSNR %.2f → %.2f dB; loss %.4f → %.4f", name, b0, after, res.Losses[0].Loss, res.Losses[len(res.Losses)-1].Loss)
			if after < b0+3 {
				t.Errorf("validation PSNR went from %.2f to %.2f dB; want at least +3 dB after 120 steps", b0, after)
			}
			// A fresh autoencoder loading the checkpoint reconstructs identically.
			ae2 := autoenc.New(b, nil, ae.Fn)
			if _, err := ae2.Load(ckpt); err != nil {
				t.Fatal(err)
			}
			r1, err := ae.Reconstruct(valSet)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := ae2.Reconstruct(valSet)
			if err != nil {
				t.Fatal(err)
			}
			for i := range r1 {
				if r1[i] != r2[i] {
					t.Fatalf("pixel %d: %v vs %v after reload", i, r1[i], r2[i])
				}
			}
		})
	}
}
