// Package convae is the small convolutional autoencoder of the getting-started notebook:
//
//	encoder: Conv(1→c, 3×3, stride 2, pad 1) → LReLU → Conv(c→2c, 3×3, s2, p1) → LReLU →
//	         flatten → Dense(2c·(H/4)·(W/4) → latent)
//	decoder: Dense(latent → 2c·(H/4)·(W/4)) → LReLU → reshape → bilinear ×2 → Conv(2c→c) → LReLU →
//	         bilinear ×2 → Conv(c→C) → sigmoid
//
// with LeakyReLU slope 0.01 and images [B,H,W,C] in [0,1] (H and W multiples of 4). It is built
// from the same blocks as the papers' models (models/nn), so it runs and trains on every backend.
package convae

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/nn"
)

// Hyperparameters (store parameters; flags of the same names in the notebook and CLI).
const (
	// ParamLatent is the size of the latent code. Default 32.
	ParamLatent = "latent"
	// ParamChannels is c, the width of the first convolution. Default 16.
	ParamChannels = "channels"

	DefaultLatent   = 32
	DefaultChannels = 16
)

// Builder builds the autoencoder graph; create it with [New].
type Builder struct {
	scope            *model.Scope
	x                *graph.Node
	latent, channels int
}

// New starts the autoencoder on x [B,H,W,C], reading ParamLatent and ParamChannels from scope.
func New(scope *model.Scope, x *graph.Node) *Builder {
	return &Builder{scope: scope, x: x,
		latent:   model.GetParamOr(scope, ParamLatent, DefaultLatent),
		channels: model.GetParamOr(scope, ParamChannels, DefaultChannels)}
}

// Latent sets the latent size.
func (b *Builder) Latent(n int) *Builder { b.latent = n; return b }

// Channels sets c.
func (b *Builder) Channels(c int) *Builder { b.channels = c; return b }

// Encode returns the latent code [B, latent].
func (b *Builder) Encode() *graph.Node {
	dims := b.x.Shape().Dimensions
	if len(dims) != 4 || dims[1]%4 != 0 || dims[2]%4 != 0 {
		panic(fmt.Sprintf("convae: want images [B,H,W,C] with H and W multiples of 4, got shape %s", b.x.Shape()))
	}
	if b.latent < 1 || b.channels < 1 {
		panic(fmt.Sprintf("convae: latent (%d) and channels (%d) must be positive", b.latent, b.channels))
	}
	s := b.scope.At("encoder")
	h := nn.LeakyReLU(nn.Conv(s.In("conv1"), b.x).Channels(b.channels).Stride(2).Padding(1).Done())
	h = nn.LeakyReLU(nn.Conv(s.In("conv2"), h).Channels(2 * b.channels).Stride(2).Padding(1).Done())
	h = graph.Reshape(h, dims[0], -1)
	return nn.Dense(s.In("fc"), h).Units(b.latent).Done()
}

// Decode maps codes z [B, latent] to images shaped like x.
func (b *Builder) Decode(z *graph.Node) *graph.Node {
	dims := b.x.Shape().Dimensions
	hh, ww := dims[1]/4, dims[2]/4
	s := b.scope.At("decoder")
	h := nn.LeakyReLU(nn.Dense(s.In("fc"), z).Units(2 * b.channels * hh * ww).Done())
	h = graph.Reshape(h, z.Shape().Dimensions[0], hh, ww, 2*b.channels)
	h = nn.LeakyReLU(nn.Conv(s.In("conv1"), nn.UpsampleBilinear2x(h)).Channels(b.channels).Padding(1).Done())
	h = nn.Conv(s.In("conv2"), nn.UpsampleBilinear2x(h)).Channels(dims[3]).Padding(1).Done()
	return graph.Sigmoid(h)
}

// Done returns the reconstruction x̂, shaped like x.
func (b *Builder) Done() *graph.Node { return b.Decode(b.Encode()) }

// Model is the autoencoder as a model function x ↦ x̂ (for autoenc.New).
func Model(scope *model.Scope, x *graph.Node) *graph.Node { return New(scope, x).Done() }
