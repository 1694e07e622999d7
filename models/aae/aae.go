// Package aae holds the atomic autoencoders of paper 000 (Joundi, Traonmilin, Newson,
// "Max-sparsity atomic autoencoders with application to inverse problems", SSVM 2025) and their
// plain autoencoder (AE) baseline.
//
// An atomic autoencoder encodes an image x into a latent θ made of K blocks θ_1…θ_K (20 blocks of
// 10 numbers), decodes every block with one shared network g into an image-sized atom g(θ_k),
// and aggregates the atoms pixelwise:
//
//	SUM-AAE: x̂ = Σ_k g(θ_k)      (sum-sparsity model Σ_k)
//	MAX-AAE: x̂ = max_k g(θ_k)    (max-sparsity model Σ_k^max)
//
// The aggregation is an [Aggregator] (the σ of the paper's eq. 2), so other choices can be
// plugged in: [Builder.Aggregator] for one graph, [RegisterAggregator] to train, evaluate and
// project with it by name. Architecture (LeakyReLU slope 0.01 everywhere, images [B,28,28,1] in [0,1],
// c = 8 for MNIST and 32 for Fashion-MNIST):
//
//	encoder: Conv(1→c/2, 3×3, stride 2, pad 1) → Conv(c/2→c, 3×3, s2, p1) → flatten →
//	         Dense(c·7·7→210) → Dense(210→K·d), LeakyReLU after each
//	atom g:  Dense d→2d→100→200→c·7·7 (LeakyReLU between) → reshape (7,7,c) → Conv(c→c) →
//	         bilinear ×2 → LReLU → Conv(c→c/2) → bilinear ×2 → LReLU → Conv(c/2→1), no output activation
//	AE:      the same encoder; Dense(K·d→210) → LReLU → Dense(210→c·7·7) → LReLU → the same conv stack.
//
// The AE's second LReLU is the paper's ("Leaky ReLU for all hidden layers") and in the authors'
// released AEs; [ParamAEDecoderActivation] (default true) switches it, since sparselab's first AE
// weights were trained without it (the shipped ones have it since 2026-12-07, warm-started from
// those). The authors' released models convert to sparselab
// checkpoints with [ImportReference] and compute the same outputs as in PyTorch.
//
// Option (off by default): [ParamLatentBatchNorm] normalises θ with a batch normalisation without
// scale and offset, as in the authors' released MNIST MAX-AAE checkpoint (not in the paper or code).
//
// All convolutions are 3×3 with padding 1 (as in the authors' code).
//
// Super-resolution (section 4.2, Table 2): [NewSRProblem] measures test images with A = S·F
// (circular Gaussian blur σ = 0.7, every second pixel kept) and [SRProblem.PGD] inverts them by
// projected gradient descent x_{k+1} = P(x_k − γ Aᵀ(A x_k − y)) with a trained autoencoder as the
// projector P. The step rule is the authors' by default (each iteration tries γ ∈ {1, 10, 5} and
// keeps the smallest residual; minimum-residual iterate); the paper's eq. (9) with one γ is
// [solvers.FixedStep]. [SRSettings] reads either from the pgd_* flags.
package aae

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/nn"
)

// Hyperparameters, stored in the model.Store (defaults below) and overridable by flags of the
// same name (see models/params).
const (
	// ParamAggregation is the decoder's aggregation: "max" (MAX-AAE), "sum" (SUM-AAE) or "ae" (the
	// plain autoencoder baseline). Default "max".
	ParamAggregation = "aggregation"
	// ParamChannels is c, the width of the convolutions: 8 for MNIST, 32 for Fashion-MNIST. Default 8.
	ParamChannels = "channels"
	// ParamBlocks is K, the number of latent blocks (atoms). Default 20.
	ParamBlocks = "blocks"
	// ParamBlockSize is d, the size of each latent block. Default 10.
	ParamBlockSize = "block_size"
	// ParamLatentBatchNorm adds a batch normalisation without scale and offset (PyTorch's
	// BatchNorm1d(K·d, affine=False)) after the encoder's last LeakyReLU. The paper and the
	// authors' code have none; their released MNIST MAX-AAE checkpoint has one (and gives
	// 27.36 dB, not the paper's 28.42). Default false.
	ParamLatentBatchNorm = "latent_batchnorm"
	// ParamAEDecoderActivation puts a LeakyReLU after the plain autoencoder's second dense layer,
	// before the convolutions, as the paper's "Leaky ReLU for all hidden layers" and the authors'
	// released AEs have it. Default true. sparselab's AE weights shipped before 2026-12-07 were
	// trained without it; loading weights sets it from them (false unless they record it).
	ParamAEDecoderActivation = "ae_decoder_activation"
)

// Defaults of the hyperparameters.
const (
	DefaultAggregation = "max"
	// DefaultAEDecoderActivation is the paper's AE (see ParamAEDecoderActivation).
	DefaultAEDecoderActivation = true
	DefaultChannels            = 8
	DefaultBlocks              = 20
	DefaultBlockSize           = 10
	// ImageSize is the side of the square images the models take (MNIST, Fashion-MNIST).
	ImageSize = 28
)

// Aggregator combines K atoms [B,K,H,W,C] into an image [B,H,W,C] (the σ of eq. 2).
type Aggregator interface {
	Name() string
	Aggregate(atoms *graph.Node) *graph.Node
}

type sumAgg struct{}

func (sumAgg) Name() string                            { return "sum" }
func (sumAgg) Aggregate(atoms *graph.Node) *graph.Node { return graph.ReduceSum(atoms, 1) }

type maxAgg struct{}

func (maxAgg) Name() string                            { return "max" }
func (maxAgg) Aggregate(atoms *graph.Node) *graph.Node { return graph.ReduceMax(atoms, 1) }

// Sum and Max are the aggregations of SUM-AAE and MAX-AAE.
var (
	Sum Aggregator = sumAgg{}
	Max Aggregator = maxAgg{}
)

var (
	registryMu sync.RWMutex
	registry   = map[string]Aggregator{}
)

// RegisterAggregator makes a custom aggregation (another σ of eq. 2) available by its name
// wherever the package takes one: ParamAggregation (the --aggregation flag), and through it
// [Train], [Evaluate], [NewAnalyzer] and [SRProblem.PGD], as the built-in "sum" and "max" are.
// The name must be new (registering an equal aggregator again is a no-op) and may not be "ae",
// "sum" or "max". Models of a registered aggregation
// have no shipped weights: they train from scratch.
func RegisterAggregator(a Aggregator) error {
	if a == nil {
		return fmt.Errorf("aae: RegisterAggregator: nil aggregator")
	}
	name := a.Name()
	if name == "" || strings.ContainsAny(name, " ,/") {
		return fmt.Errorf("aae: RegisterAggregator: invalid name %q (a non-empty word, used in flags and file names)", name)
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if old, taken := registry[name]; taken && reflect.DeepEqual(old, a) {
		return nil // the same aggregator again (a test run twice, say)
	} else if taken || name == "ae" || name == "sum" || name == "max" {
		return fmt.Errorf("aae: RegisterAggregator: the aggregation %q exists already", name)
	}
	registry[name] = a
	return nil
}

// AggregatorByName returns Sum for "sum", Max for "max" and an aggregator registered with
// [RegisterAggregator] for its name; "ae" returns nil (no atoms).
func AggregatorByName(name string) (Aggregator, error) {
	switch name {
	case "sum":
		return Sum, nil
	case "max":
		return Max, nil
	case "ae":
		return nil, nil
	}
	registryMu.RLock()
	a, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown aggregation %q: want max, sum, ae or a name registered with aae.RegisterAggregator", name)
	}
	return a, nil
}

// Config holds a model's sizes; [FromScope] reads it from the store's hyperparameters.
type Config struct {
	Aggregation string // "max", "sum" or "ae"
	Aggregator  Aggregator
	Channels    int
	Blocks      int
	BlockSize   int
	// LatentBatchNorm: batch normalisation (no affine) of θ after the encoder (scope
	// "encoder/latent_bn"); see ParamLatentBatchNorm.
	LatentBatchNorm bool
	// AEDecoderActivation: a LeakyReLU after the plain autoencoder's second dense layer; see
	// ParamAEDecoderActivation.
	AEDecoderActivation bool
}

// FromScope reads the hyperparameters from scope (with the package defaults).
func FromScope(scope *model.Scope) Config {
	c := Config{
		Aggregation:         model.GetParamOr(scope, ParamAggregation, DefaultAggregation),
		Channels:            model.GetParamOr(scope, ParamChannels, DefaultChannels),
		Blocks:              model.GetParamOr(scope, ParamBlocks, DefaultBlocks),
		BlockSize:           model.GetParamOr(scope, ParamBlockSize, DefaultBlockSize),
		LatentBatchNorm:     model.GetParamOr(scope, ParamLatentBatchNorm, false),
		AEDecoderActivation: model.GetParamOr(scope, ParamAEDecoderActivation, DefaultAEDecoderActivation),
	}
	return c
}

func (c Config) check() {
	if c.Channels < 2 || c.Channels%2 != 0 {
		panic(fmt.Sprintf("aae: channels must be even and ≥ 2, got %d", c.Channels))
	}
	if c.Blocks < 1 || c.BlockSize < 1 {
		panic(fmt.Sprintf("aae: blocks and block_size must be ≥ 1, got %d and %d", c.Blocks, c.BlockSize))
	}
	if c.Aggregator == nil && c.Aggregation != "ae" {
		if _, err := AggregatorByName(c.Aggregation); err != nil {
			panic("aae: " + err.Error())
		}
	}
}

func (c Config) aggregator() Aggregator {
	if c.Aggregator != nil {
		return c.Aggregator
	}
	a, _ := AggregatorByName(c.Aggregation)
	return a
}

// IsAE reports whether the config is the plain autoencoder baseline.
func (c Config) IsAE() bool { return c.Aggregator == nil && c.Aggregation == "ae" }

// Builder builds an autoencoder graph on images x [B,28,28,1]; create it with [New].
type Builder struct {
	scope *model.Scope
	x     *graph.Node
	cfg   Config
}

// New starts an autoencoder on x [B,28,28,1] with the hyperparameters in scope.
func New(scope *model.Scope, x *graph.Node) *Builder {
	return &Builder{scope: scope, x: x, cfg: FromScope(scope)}
}

// Aggregator sets a custom aggregation (overrides ParamAggregation).
func (b *Builder) Aggregator(a Aggregator) *Builder { b.cfg.Aggregator = a; return b }

// Aggregation sets ParamAggregation for this graph ("max", "sum" or "ae").
func (b *Builder) Aggregation(name string) *Builder { b.cfg.Aggregation = name; return b }

// Channels sets c.
func (b *Builder) Channels(c int) *Builder { b.cfg.Channels = c; return b }

// LatentBatchNorm sets whether θ is batch-normalised after the encoder (see ParamLatentBatchNorm).
func (b *Builder) LatentBatchNorm(use bool) *Builder { b.cfg.LatentBatchNorm = use; return b }

// AEDecoderActivation sets whether the plain autoencoder's decoder has a LeakyReLU after its
// second dense layer (see ParamAEDecoderActivation).
func (b *Builder) AEDecoderActivation(use bool) *Builder { b.cfg.AEDecoderActivation = use; return b }

// Config returns the configuration the builder will use.
func (b *Builder) Config() Config { return b.cfg }

// Done returns the reconstruction x̂ [B,28,28,1].
func (b *Builder) Done() *graph.Node {
	recon, _ := b.DoneWithAtoms()
	return recon
}

// DoneWithAtoms returns the reconstruction and, for atomic models, the atoms [B,K,28,28,1]
// (nil for the AE).
func (b *Builder) DoneWithAtoms() (recon, atoms *graph.Node) {
	b.cfg.check()
	theta := Encode(b.scope, b.x, b.cfg)
	if b.cfg.IsAE() {
		return DecodeAE(b.scope, theta, b.cfg), nil
	}
	atoms = DecodeAtoms(b.scope, theta, b.cfg)
	return b.cfg.aggregator().Aggregate(atoms), atoms
}

// Encode maps images x [B,28,28,1] to the latent θ [B, K·d] (scope "encoder").
func Encode(scope *model.Scope, x *graph.Node, cfg Config) *graph.Node {
	x.AssertDims(-1, ImageSize, ImageSize, 1)
	s := scope.At("encoder")
	c := cfg.Channels
	h := nn.LeakyReLU(nn.Conv(s.In("conv1"), x).Channels(c / 2).Kernel(3).Stride(2).Padding(1).Done())
	h = nn.LeakyReLU(nn.Conv(s.In("conv2"), h).Channels(c).Kernel(3).Stride(2).Padding(1).Done())
	h = graph.Reshape(h, h.Shape().Dimensions[0], -1)
	h = nn.LeakyReLU(nn.Dense(s.In("fc1"), h).Units(210).Done())
	theta := nn.LeakyReLU(nn.Dense(s.In("fc2"), h).Units(cfg.Blocks * cfg.BlockSize).Done())
	if cfg.LatentBatchNorm {
		theta = nn.BatchNorm(s.In(LatentBatchNormScope), theta).Affine(false).Done()
	}
	return theta
}

// LatentBatchNormScope is the encoder's sub-scope of the optional latent batch normalisation.
const LatentBatchNormScope = "latent_bn"

// convStack is the shared upsampling convolution stack: [N,7,7,c] → [N,28,28,1].
func convStack(scope *model.Scope, h *graph.Node, c int) *graph.Node {
	h = nn.Conv(scope.In("conv1"), h).Channels(c).Kernel(3).Padding(1).Done()
	h = nn.LeakyReLU(nn.UpsampleBilinear2x(h))
	h = nn.Conv(scope.In("conv2"), h).Channels(c / 2).Kernel(3).Padding(1).Done()
	h = nn.LeakyReLU(nn.UpsampleBilinear2x(h))
	return nn.Conv(scope.In("conv3"), h).Channels(1).Kernel(3).Padding(1).Done()
}

// DecodeAtoms maps θ [B, K·d] to the atoms g(θ_k), [B,K,28,28,1], with one decoder network
// shared by all blocks (scope "decoder").
func DecodeAtoms(scope *model.Scope, theta *graph.Node, cfg Config) *graph.Node {
	batch := theta.Shape().Dimensions[0]
	s := scope.At("decoder")
	c, side := cfg.Channels, ImageSize/4
	h := graph.Reshape(theta, batch*cfg.Blocks, cfg.BlockSize)
	h = nn.LeakyReLU(nn.Dense(s.In("fc1"), h).Units(2 * cfg.BlockSize).Done())
	h = nn.LeakyReLU(nn.Dense(s.In("fc2"), h).Units(100).Done())
	h = nn.LeakyReLU(nn.Dense(s.In("fc3"), h).Units(200).Done())
	h = nn.Dense(s.In("fc4"), h).Units(c * side * side).Done()
	h = graph.Reshape(h, batch*cfg.Blocks, side, side, c)
	atoms := convStack(s, h, c)
	return graph.Reshape(atoms, batch, cfg.Blocks, ImageSize, ImageSize, 1)
}

// DecodeAE is the plain autoencoder's decoder: θ [B, K·d] → [B,28,28,1] (scope "decoder").
func DecodeAE(scope *model.Scope, theta *graph.Node, cfg Config) *graph.Node {
	batch := theta.Shape().Dimensions[0]
	s := scope.At("decoder")
	c, side := cfg.Channels, ImageSize/4
	h := nn.LeakyReLU(nn.Dense(s.In("fc1"), theta).Units(210).Done())
	h = nn.Dense(s.In("fc2"), h).Units(c * side * side).Done()
	if cfg.AEDecoderActivation {
		h = nn.LeakyReLU(h)
	}
	return convStack(s, graph.Reshape(h, batch, side, side, c), c)
}

type graphNode = graph.Node
