package aae

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/sparselab/sparselab/models/autoenc"
	"github.com/sparselab/sparselab/models/params"
)

// Training defaults (reference code: Adam, learning rate 1e-4, batch 64, MSE only); the flags are
// params.ParamLearningRate and params.ParamBatchSize.
const (
	DefaultLearningRate = 1e-4
	DefaultBatchSize    = 64
)

// NewTrainer returns the trainer [Train] uses (through [autoenc.Autoencoder.Train]) for the model
// configured in store's hyperparameters: Adam with PyTorch's ε at params.ParamLearningRate on the
// MSE. Batches carry the images as their only input. The benchmark times its steps.
func NewTrainer(b compute.Backend, store *model.Store) *train.Trainer {
	lr := model.GetParamOr(store.RootScope(), params.ParamLearningRate, DefaultLearningRate)
	return autoenc.NewTrainer(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node { return New(scope, x).Done() }, lr)
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
