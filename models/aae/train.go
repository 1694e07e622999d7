package aae

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/models/autoenc"
)

// Training hyperparameters (reference code: Adam, learning rate 1e-4, batch 64, MSE only).
const (
	// ParamLearningRate is Adam's learning rate. Default 1e-4.
	ParamLearningRate = "learning_rate"
	// ParamBatchSize is the training batch size. Default 64.
	ParamBatchSize = "batch_size"

	DefaultLearningRate = 1e-4
	DefaultBatchSize    = 64
	// AdamEpsilon is PyTorch's default (GoMLX's is 1e-7).
	AdamEpsilon = 1e-8
)

// ModelFn is the training model function: it reconstructs the batch x [B,28,28,1] and adds the
// MSE loss (no labels needed).
func ModelFn(scope *model.Scope, x *graph.Node) *graph.Node {
	recon := New(scope, x).Done()
	train.AddMainLoss(autoenc.MSE(x, recon))
	return recon
}

// NewTrainer returns a GoMLX trainer of the model configured in store's hyperparameters, with
// Adam (PyTorch's epsilon) at ParamLearningRate. Batches carry the images as their only input.
func NewTrainer(b compute.Backend, store *model.Store) *train.Trainer {
	lr := model.GetParamOr(store.RootScope(), ParamLearningRate, DefaultLearningRate)
	opt := optimizer.Adam().LearningRate(lr).Epsilon(AdamEpsilon).Done()
	return train.NewTrainer(b, store, ModelFn, nil, opt, nil, nil)
}

// ForwardMACs returns the multiply-accumulates of one image's forward pass (convolutions and
// dense layers; activations, bilinear upsampling and the aggregation are not counted). Training
// costs about three times this (forward, and backward for inputs and weights).
func ForwardMACs(cfg Config) int64 {
	c, s := int64(cfg.Channels), int64(ImageSize/4)
	conv := func(h, w, cout, cin int64) int64 { return h * w * cout * cin * 9 }
	enc := conv(2*s, 2*s, c/2, 1) + conv(s, s, c, c/2) + c*s*s*210 + 210*int64(cfg.Blocks*cfg.BlockSize)
	stack := conv(s, s, c, c) + conv(2*s, 2*s, c/2, c) + conv(4*s, 4*s, 1, c/2)
	if cfg.IsAE() {
		return enc + int64(cfg.Blocks*cfg.BlockSize)*210 + 210*c*s*s + stack
	}
	d := int64(cfg.BlockSize)
	atom := d*2*d + 2*d*100 + 100*200 + 200*c*s*s + stack
	return enc + int64(cfg.Blocks)*atom
}
