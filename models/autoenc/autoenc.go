// Package autoenc trains and evaluates image autoencoders given as GoMLX graph functions
// x ↦ x̂ over a *model.Scope: mean-squared-error training with Adam through
// [training.Run] (checkpoints, resume, NaN stop), batched reconstruction, and per-image PSNR.
// The getting-started notebook's convolutional autoencoder and paper 000's atomic autoencoders
// both run through it.
package autoenc

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/models/training"
)

// ModelFn builds the reconstruction x̂ of images x [B,H,W,C].
type ModelFn func(scope *model.Scope, x *graph.Node) *graph.Node

// Settings of a training run; zero values mean the defaults given per field.
type Settings struct {
	BatchSize    int     // default 64
	LearningRate float64 // Adam's learning rate; default 1e-3
	Seed         int64   // seeds the batch order; the initial weights come from the store's RNG (store.SetRNGStateFromSeed)
	// Steps, TimeBudget, CheckpointPath, EvalEvery, Callback... as in training.Settings.
	Training training.Settings
	// Validation, if set, is evaluated (mean PSNR) every Training.EvalEvery steps and at the end.
	Validation *datasets.Images
}

// Autoencoder couples a model function with a backend and the store of its weights.
type Autoencoder struct {
	Backend compute.Backend
	Store   *model.Store
	Fn      ModelFn
	recon   *model.Exec
	trainer *train.Trainer
}

// New returns an autoencoder whose variables live in store (a new one if nil).
func New(b compute.Backend, store *model.Store, fn ModelFn) *Autoencoder {
	if store == nil {
		store = model.NewStore()
	}
	return &Autoencoder{Backend: b, Store: store, Fn: fn}
}

// MSE is the training loss, mean over pixels and batch of (x̂ − x)².
func MSE(x, recon *graph.Node) *graph.Node {
	return graph.ReduceAllMean(graph.Square(graph.Sub(recon, x)))
}

// AdamEpsilon is Adam's ε, PyTorch's default (GoMLX's is 1e-7).
const AdamEpsilon = 1e-8

// NewTrainer returns the GoMLX trainer [Autoencoder.Train] uses: Adam (ε = [AdamEpsilon]) at
// learning rate lr on the mean squared error between the batch's images x and fn's reconstruction.
// Batches carry the images as their only input.
func NewTrainer(b compute.Backend, store *model.Store, fn func(scope *model.Scope, x *graph.Node) *graph.Node, lr float64) *train.Trainer {
	opt := optimizer.Adam().LearningRate(lr).Epsilon(AdamEpsilon).Done()
	return train.NewTrainer(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		recon := fn(scope, x)
		train.AddMainLoss(MSE(x, recon))
		return recon
	}, nil, opt, nil, nil)
}

// Train runs Adam on the mean squared error over batches of images drawn epoch after epoch in a
// seeded order; a run that resumes a checkpoint goes on with the batches the uninterrupted run
// would have drawn from its global step on. It returns the per-step losses and validations.
func (a *Autoencoder) Train(images *datasets.Images, s Settings) (*training.Result, error) {
	if s.BatchSize <= 0 {
		s.BatchSize = 64
	}
	if s.LearningRate <= 0 {
		s.LearningRate = 1e-3
	}
	if a.trainer == nil {
		a.trainer = NewTrainer(a.Backend, a.Store, a.Fn, s.LearningRate)
	}
	it, err := images.NewIterator(datasets.IteratorOptions{BatchSize: s.BatchSize, Seed: s.Seed, DropLast: true, Loop: true})
	if err != nil {
		return nil, err
	}
	skipped := false
	next := func() (train.Batch, error) {
		if !skipped {
			// The first step runs after training.Run resumed the checkpoint, if any: go on with the
			// batches an uninterrupted run would draw from its global step on.
			skipped = true
			it.Skip(int(optimizer.GetGlobalStep(a.Store)))
		}
		t, _, ok := it.Next()
		if !ok {
			return train.Batch{}, fmt.Errorf("autoenc: the batch iterator over %q ended", images.Name)
		}
		return train.Batch{Inputs: []*tensors.Tensor{t}}, nil
	}
	ts := s.Training
	if ts.LearningRates == nil {
		// A resumed checkpoint holds the rate it was trained with: this run's setting wins.
		ts.LearningRates = map[string]float64{"": s.LearningRate}
	}
	if s.Validation != nil && ts.Eval == nil {
		val := s.Validation
		ts.Eval = func() (map[string]float64, error) {
			p, err := a.PSNR(val)
			if err != nil {
				return nil, err
			}
			sum := metrics.Summarize(p)
			return map[string]float64{"psnr": sum.Mean, "psnr_std": sum.Std}, nil
		}
	}
	return training.Run(a.trainer, next, ts)
}

// Reconstruct returns x̂ for the images, computed in batches of up to 256 images, as one flat
// channels-last slice.
func (a *Autoencoder) Reconstruct(images *datasets.Images) ([]float32, error) {
	if a.recon == nil {
		fn := a.Fn
		exec, err := model.NewExec(a.Backend, a.Store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			return fn(scope, x)
		})
		if err != nil {
			return nil, fmt.Errorf("autoenc: building the reconstruction graph: %w", err)
		}
		a.recon = exec
	}
	out := make([]float32, 0, len(images.Pixels))
	const chunk = 256
	for lo := 0; lo < images.N; lo += chunk {
		hi := min(lo+chunk, images.N)
		idx := make([]int, hi-lo)
		for i := range idx {
			idx[i] = lo + i
		}
		in := images.Batch(idx)
		res, err := a.recon.Call(in)
		in.MustFinalizeAll()
		if err != nil {
			return nil, fmt.Errorf("autoenc: reconstructing images %d–%d: %w", lo, hi-1, err)
		}
		// Free the output at once: on ONNX Runtime it lives on the C heap, unseen by Go's
		// garbage collector, and a finalized buffer goes back to the executable's pool.
		v, err := tensors.CopyFlatData[float32](res[0])
		res[0].MustFinalizeAll()
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// Finalize frees the compiled reconstruction graph (on ONNX Runtime or XLA its buffers live
// outside Go's heap, so an autoencoder made per call, as a PGD projector is, should be finalized);
// a later Reconstruct compiles it again.
func (a *Autoencoder) Finalize() {
	if a.recon != nil {
		a.recon.Finalize()
		a.recon = nil
	}
}

// PSNR returns each image's PSNR (peak 1, unclamped reconstruction).
func (a *Autoencoder) PSNR(images *datasets.Images) ([]float64, error) {
	recon, err := a.Reconstruct(images)
	if err != nil {
		return nil, err
	}
	return metrics.BatchPSNR(images.Pixels, recon, images.ImageSize(), 1)
}

// Save writes the weights (and optimizer state) to path atomically, with meta in its header.
func (a *Autoencoder) Save(path string, meta map[string]any) error {
	return training.SaveCheckpoint(a.Store, path, meta)
}

// Load reads weights written by Save or by a training run's checkpoint.
func (a *Autoencoder) Load(path string) (*training.Checkpoint, error) {
	return training.LoadCheckpoint(a.Store, path)
}
