package gan

import (
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/sparselab/sparselab/models/nn"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/solvers/invert"
)

// Hyperparameters of the GAN (flags of the same names in notebook 02 and `sparselab invert
// gan-train`), besides params.Common's steps, batch_size, learning_rate, seed and time_budget.
const (
	// ParamLatent is n_0, the latent size (paper: 20).
	ParamLatent = "latent"
	// ParamHidden1 and ParamHidden2 are the hidden sizes (paper: 128 and 392).
	ParamHidden1 = "hidden1"
	ParamHidden2 = "hidden2"
	// ParamBeta1 is Adam's β₁ for both players (DCGAN's 0.5).
	ParamBeta1 = "beta1"
	// ParamDiscLearningRate is the discriminator's Adam learning rate; 0 means the same as
	// params.ParamLearningRate (the generator's). A larger value (e.g. 4e-4 with 1e-4 for the
	// generator) is the two time-scale update rule (Heusel et al. 2017).
	ParamDiscLearningRate = "d_learning_rate"
	// ParamEvalEvery is the number of steps between progress evaluations (D(x), D(G(z)), losses
	// on a fixed batch) and checkpoints of the run's history.
	ParamEvalEvery = "eval_every"
	// ParamRunDir is the folder of the run's checkpoints.
	ParamRunDir = "run_dir"
)

// Defaults.
const (
	DefaultLatent       = 20
	DefaultHidden1      = 128
	DefaultHidden2      = 392
	DefaultLearningRate = 2e-4
	DefaultBeta1        = 0.5
	DefaultBatchSize    = 64
	// Discriminator sizes: 784 → 512 → 256 → 1, LeakyReLU(0.2), spectral normalisation on every
	// dense weight.
	DiscHidden1 = 512
	DiscHidden2 = 256
	// DiscSlope is the discriminator's LeakyReLU slope.
	DiscSlope = 0.2
	// ImageSide is the MNIST image side; images are 784-vectors in [−1, 1].
	ImageSide = 28
)

// Specs returns the GAN's hyperparameters with their defaults (full / quick).
func Specs() []params.Spec {
	return params.Merge(params.Common(),
		params.Spec{Name: ParamLatent, Default: DefaultLatent, Help: "latent size n_0"},
		params.Spec{Name: ParamHidden1, Default: DefaultHidden1, Help: "first hidden layer size"},
		params.Spec{Name: ParamHidden2, Default: DefaultHidden2, Help: "second hidden layer size"},
		params.Spec{Name: params.ParamSteps, Default: 30000, Quick: 20, Help: "training steps (one epoch of MNIST's 60,000 images is 938 steps at batch 64)"},
		params.Spec{Name: params.ParamLearningRate, Default: DefaultLearningRate, Help: "Adam learning rate of the generator (and of the discriminator unless --" + ParamDiscLearningRate + " is set)"},
		params.Spec{Name: ParamDiscLearningRate, Default: 0.0, Help: "Adam learning rate of the discriminator (0: --" + params.ParamLearningRate + ")"},
		params.Spec{Name: ParamBeta1, Default: DefaultBeta1, Help: "Adam β₁ of both networks"},
		params.Spec{Name: params.ParamBatchSize, Default: DefaultBatchSize, Help: "batch size"},
		params.Spec{Name: params.ParamSeed, Default: 0, Help: "seed of the initialisation, the batch order and the latent draws"},
		params.Spec{Name: params.ParamTimeBudget, Default: time.Duration(0), Help: "stop training after this wall time (0: none)"},
		params.Spec{Name: ParamEvalEvery, Default: 500, Quick: 10, Help: "steps between progress evaluations"},
		params.Spec{Name: ParamRunDir, Default: "", Help: "folder for checkpoints (default: $SPARSELAB_RUNS or ~/.cache/sparselab/runs, /gan-mnist)"},
	)
}

// PLU returns the piecewise linear unit PLU(x) = max(α(x+c)−c, min(α(x−c)+c, x)) (Nicolae 2018):
// the identity on [−c, c], slope α outside. Built from Max and Min only (ONNX Runtime has no
// Clamp).
func PLU(x *graph.Node, alpha, c float64) *graph.Node {
	return invert.ActivationGraph(&invert.Layer{Act: invert.PLU, PLUAlpha: alpha, PLUC: c}, x)
}

// Config holds the generator's sizes.
type Config struct{ Latent, Hidden1, Hidden2 int }

// ConfigFrom reads the sizes from store.
func ConfigFrom(store *model.Store) Config {
	return Config{Latent: params.MustGet[int](store, ParamLatent), Hidden1: params.MustGet[int](store, ParamHidden1),
		Hidden2: params.MustGet[int](store, ParamHidden2)}
}

// Generator returns G(z) [B, 784] for z [B, n_0]: Dense → BatchNorm → ReLU twice, then Dense →
// PLU(α = 0.1, c = 1). Variables live in scope (GAN training uses scope "generator"); BatchNorm
// uses batch statistics in training graphs and running statistics otherwise.
func Generator(scope *model.Scope, z *graph.Node) *graph.Node {
	cfg := ConfigFrom(scope.Store())
	if z.Rank() != 2 || z.Shape().Dimensions[1] != cfg.Latent {
		exceptions.Panicf("gan.Generator: z must be [batch, %d], got %s", cfg.Latent, z.Shape())
	}
	x := z
	for i, units := range []int{cfg.Hidden1, cfg.Hidden2} {
		s := scope.In("%s", layerScope(i))
		x = nn.Dense(s.In("dense"), x).Units(units).Done()
		x = nn.BatchNorm(s.In("bn"), x).Done()
		x = graph.Max(x, graph.ScalarZero(x.Graph(), x.DType()))
	}
	x = nn.Dense(scope.In("%s", layerScope(2)).In("dense"), x).Units(ImageSide * ImageSide).Done()
	return PLU(x, invert.DefaultPLUAlpha, invert.DefaultPLUC)
}

func layerScope(i int) string { return []string{"layer1", "layer2", "layer3"}[i] }

// Discriminator returns the logits [B] of x [B, 784]: Dense 784 → 512 → 256 → 1 with
// LeakyReLU(0.2) and spectral normalisation on every weight (Miyato et al. 2018).
func Discriminator(scope *model.Scope, x *graph.Node) *graph.Node {
	h := x
	for i, units := range []int{DiscHidden1, DiscHidden2} {
		h = nn.Dense(scope.In("%s", layerScope(i)), h).Units(units).SpectralNorm(true).Done()
		h = nn.LeakyReLUWith(h, DiscSlope)
	}
	h = nn.Dense(scope.In("%s", layerScope(2)), h).Units(1).SpectralNorm(true).Done()
	return graph.Reshape(h, h.Shape().Dimensions[0])
}

// Scope names of the two players.
const (
	GeneratorScope     = "generator"
	DiscriminatorScope = "discriminator"
)
