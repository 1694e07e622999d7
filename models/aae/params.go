package aae

import (
	"strconv"
	"strings"
	"time"

	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/solvers"
)

// Experiment hyperparameters beyond the model's (flags of the same names in the notebook and in
// `sparselab aae`).
const (
	ParamDataset     = "dataset"
	ParamSubset      = "subset"
	ParamValFraction = "val_fraction"
	ParamTestOffset  = "test_offset"
	ParamTestCount   = "test_count"
	ParamEvalEvery   = "eval_every"
	ParamRunDir      = "run_dir"
	ParamFromShipped = "from_shipped"
	// ParamInitWeights names weights a new run starts from instead of the shipped ones (see
	// [Train]): a warm start, e.g. of the paper's AE from an AE without its decoder activation.
	ParamInitWeights = "init_weights"
)

// Projected-gradient-descent settings of the super-resolution experiment (Table 2; see
// [SRSettings]). The defaults are the authors' code.
const (
	// ParamPGDRule is the step rule: "best-residual" (the reference code: each iteration tries
	// every step of ParamPGDStepGrid and keeps, per image, the candidate with the smallest residual)
	// or "fixed" (the paper's eq. (9) with the one step ParamPGDStep).
	ParamPGDRule = "pgd_rule"
	// ParamPGDIterations is the number of iterations K.
	ParamPGDIterations = "pgd_iterations"
	// ParamPGDStep is γ of the fixed rule; 0 means 1/‖A‖₂².
	ParamPGDStep = "pgd_step"
	// ParamPGDStepGrid lists the candidate steps of the best-residual rule, comma-separated.
	ParamPGDStepGrid = "pgd_step_grid"
	// ParamPGDEstimate is the iterate returned: "default" (the rule's: "last" for fixed,
	// "min-residual" for best-residual), "last" or "min-residual" (per image, the iterate with the
	// smallest residual).
	ParamPGDEstimate = "pgd_estimate"
	// ParamSRFactor, ParamSRSigma and ParamSRNoise set the measurement y = S·F·x + n of the
	// super-resolution problems ([SRMeasurement]): the subsampling factor, the blur's σ in pixels
	// and the noise's standard deviation. The paper's are ×2, 0.7 and no noise.
	ParamSRFactor = "sr_factor"
	ParamSRSigma  = "sr_sigma"
	ParamSRNoise  = "sr_noise"
)

// Specs returns the hyperparameters of paper 000's experiments with their defaults (paper /
// quick). Channels 0 means the paper's value for the dataset (see [ChannelsFor]).
func Specs() []params.Spec {
	return params.Merge(params.Common(),
		params.Spec{Name: ParamDataset, Default: "mnist", Help: "mnist or fashion-mnist"},
		params.Spec{Name: ParamAggregation, Default: DefaultAggregation, Help: "max (MAX-AAE), sum (SUM-AAE) or ae (autoencoder baseline)"},
		params.Spec{Name: ParamChannels, Default: 0, Help: "c, the convolutions' width (0: 8 for MNIST, 32 for Fashion-MNIST)"},
		params.Spec{Name: ParamBlocks, Default: DefaultBlocks, Help: "number of latent blocks (atoms)"},
		params.Spec{Name: ParamBlockSize, Default: DefaultBlockSize, Help: "size of each latent block"},
		params.Spec{Name: ParamLatentBatchNorm, Default: false, Help: "batch-normalise the latent (no affine) after the encoder, as in the authors' released MNIST MAX-AAE checkpoint (not in the paper)"},
		params.Spec{Name: ParamAEDecoderActivation, Default: DefaultAEDecoderActivation, Help: "ae only: a LeakyReLU after the decoder's second dense layer, as in the paper and the authors' released AEs (loaded weights decide: sparselab's AE weights shipped before 2026-12-07 have none)"},
		params.Spec{Name: params.ParamSteps, Default: 375 * 200, Quick: 50, Help: "training steps (375 steps = one epoch of 24,000 images at batch 64)"},
		params.Spec{Name: params.ParamLearningRate, Default: DefaultLearningRate, Help: "Adam learning rate"},
		params.Spec{Name: params.ParamBatchSize, Default: DefaultBatchSize, Help: "batch size"},
		params.Spec{Name: params.ParamSeed, Default: 0, Help: "seed of the subset, the split, the batch order, the initial weights and the super-resolution noise"},
		params.Spec{Name: params.ParamTimeBudget, Default: time.Duration(0), Help: "stop training after this wall time (0: none)"},
		params.Spec{Name: ParamSubset, Default: DefaultSubset, Quick: 3000, Help: "training images drawn (seeded) from the training split"},
		params.Spec{Name: ParamValFraction, Default: DefaultValidation, Help: "fraction of the subset kept for validation"},
		params.Spec{Name: ParamTestOffset, Default: DefaultTestOffset, Help: "first test image evaluated"},
		params.Spec{Name: ParamTestCount, Default: DefaultTestCount, Quick: 100, Help: "number of test images evaluated"},
		params.Spec{Name: ParamEvalEvery, Default: 375, Quick: 25, Help: "steps between validations (best checkpoint kept)"},
		params.Spec{Name: ParamFromShipped, Default: true, Help: "when the run folder has no checkpoint, start from the shipped weights (continuing their step count and learning curve) instead of from scratch"},
		params.Spec{Name: ParamInitWeights, Default: "", Help: "when the run folder has no checkpoint, start from these weights instead: a file (exported weights, or a run's best.ckpt, of the same dataset, model and sizes; a SUM-AAE's may start a MAX-AAE and back, counting steps from 0) or shipped (the embedded ones), continuing their step count and learning curve; the flags decide the architecture, so --init_weights FILE can start the paper's AE (--ae_decoder_activation, the default) from an AE without it"},
		params.Spec{Name: ParamPGDRule, Default: solvers.BestResidualStep.String(), Help: "super-resolution: PGD step rule, best-residual (the authors' code) or fixed (the paper's eq. 9)"},
		params.Spec{Name: ParamPGDIterations, Default: solvers.DefaultIterations, Help: "super-resolution: PGD iterations"},
		params.Spec{Name: ParamPGDStep, Default: 0.0, Help: "super-resolution: PGD step γ of the fixed rule (0: 1/‖A‖²)"},
		params.Spec{Name: ParamPGDStepGrid, Default: joinSteps(solvers.DefaultSteps), Help: "super-resolution: PGD candidate steps of the best-residual rule, comma-separated"},
		params.Spec{Name: ParamPGDEstimate, Default: solvers.EstimateDefault.String(), Help: "super-resolution: PGD iterate returned: default (last for fixed, min-residual for best-residual), last or min-residual"},
		params.Spec{Name: ParamSRFactor, Default: SRFactor, Help: "super-resolution: subsampling factor (the paper: 2)"},
		params.Spec{Name: ParamSRSigma, Default: SRSigma, Help: "super-resolution: σ of the Gaussian blur in pixels (the paper: 0.7)"},
		params.Spec{Name: ParamSRNoise, Default: 0.0, Help: "super-resolution: standard deviation of Gaussian noise added to the measurements, images in [0,1] (the paper: 0, noise-free; seeded by --seed)"},
		params.Spec{Name: ParamRunDir, Default: "", Help: "folder for checkpoints (default: $SPARSELAB_RUNS or ~/.cache/sparselab/runs, /aae-<dataset>-<aggregation>); commands over several models (superres, notebook 01) use <run_dir>/aae-<dataset>-<aggregation>"},
	)
}

func joinSteps(steps []float64) string {
	parts := make([]string, len(steps))
	for i, g := range steps {
		parts[i] = strconv.FormatFloat(g, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}
