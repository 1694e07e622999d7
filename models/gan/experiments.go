package gan

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/solvers/invert"
)

// Hyperparameters of paper 001's inversion experiments (flags of the same names in notebook 02 and
// in `sparselab invert sweep|run`). The paper's text lost its numbers; the defaults are our
// documented choices (see the solvers/invert package documentation).
const (
	// ParamSweepLatent is n_0 of the random-weights sweep (Fig. 4).
	ParamSweepLatent = "sweep_latent"
	// ParamSweepImage is n_2, the image size of the random-weights sweep.
	ParamSweepImage = "sweep_image"
	// ParamSweepWidths lists the hidden widths n_1: "from:to:step" or comma-separated values.
	ParamSweepWidths = "sweep_widths"
	// ParamSweepTrials is the number of random networks per width.
	ParamSweepTrials = "sweep_trials"
	// ParamMethods lists the inversion methods (gd, layered-bp, latent-pursuit, oracle).
	ParamMethods = "methods"
	// ParamSamples is the number of generated samples inverted in the trained-GAN experiments.
	ParamSamples = "samples"
	// ParamMask is the measurement: none (clean inversion), random (inpainting with a random mask)
	// or rows (the upper rows hidden).
	ParamMask = "mask"
	// ParamHiddenFraction is the fraction of pixels a random mask hides.
	ParamHiddenFraction = "hidden_fraction"
	// ParamHiddenRows is the number of upper rows the rows mask hides.
	ParamHiddenRows = "hidden_rows"
	// ParamGDSteps, ParamGDRestarts and ParamGDLearningRate configure the gradient-descent baseline
	// (0: solvers/invert's defaults).
	ParamGDSteps        = "gd_steps"
	ParamGDRestarts     = "gd_restarts"
	ParamGDLearningRate = "gd_learning_rate"
	// ParamGDStepGrid lists initial step sizes for gradient descent on the trained GAN
	// (comma-separated; per sample the run with the smallest residual is kept; empty: one run
	// with gd_learning_rate).
	ParamGDStepGrid = "gd_step_grid"
	// ParamDebias switches the debiasing step of the layer-wise methods on.
	ParamDebias = "debias"
	// ParamSupportThreshold is the relative threshold under which a recovered entry counts as
	// zero (0: solvers/invert's default).
	ParamSupportThreshold = "support_threshold"
	// ParamInvertSeed seeds the random networks, latent vectors and masks.
	ParamInvertSeed = "invert_seed"
)

// ExperimentSpecs returns the hyperparameters of the inversion experiments with their defaults
// (full / quick).
func ExperimentSpecs() []params.Spec {
	return []params.Spec{
		{Name: params.ParamQuick, Default: false, Help: "quick configuration: small sizes that run in minutes on 2 CPU cores (env " + params.EnvQuick + "=1)"},
		{Name: ParamSweepLatent, Default: invert.DefaultSweepLatent, Quick: 20, Help: "random-weights sweep: latent size n_0"},
		{Name: ParamSweepImage, Default: invert.DefaultSweepImage, Quick: 200, Help: "random-weights sweep: image size n_2"},
		{Name: ParamSweepWidths, Default: "50:1500:50", Quick: "10:400:30", Help: "random-weights sweep: hidden widths n_1, from:to:step or a comma-separated list"},
		{Name: ParamSweepTrials, Default: invert.DefaultSweepTrials, Quick: 5, Help: "random-weights sweep: random networks per width"},
		{Name: ParamMethods, Default: "", Help: "inversion methods, comma-separated (gd, layered-bp, latent-pursuit, oracle); empty: the experiment's default"},
		{Name: ParamSamples, Default: invert.DefaultInversionSamples, Quick: 16, Help: "trained GAN: generated samples to invert"},
		{Name: ParamMask, Default: invert.MaskNone, Help: "trained GAN: none (clean inversion), random (random inpainting mask) or rows (upper rows hidden)"},
		{Name: ParamHiddenFraction, Default: invert.DefaultHiddenFraction, Help: "random mask: fraction of the pixels hidden"},
		{Name: ParamHiddenRows, Default: invert.DefaultHiddenRows, Help: "rows mask: number of upper rows hidden (the paper: 13 of 28)"},
		{Name: ParamGDSteps, Default: 0, Quick: 300, Help: "gradient descent: steps (0: the solver's default)"},
		{Name: ParamGDRestarts, Default: 0, Quick: 2, Help: "gradient descent: random restarts per sample (0: the solver's default)"},
		{Name: ParamGDLearningRate, Default: 0.0, Help: "gradient descent: step size (0: the solver's default)"},
		{Name: ParamGDStepGrid, Default: "0.01,0.03,0.1,0.3", Help: "trained GAN: gradient-descent initial steps tried per sample (best residual kept); empty: one run with gd_learning_rate"},
		{Name: ParamDebias, Default: true, Help: "layer-wise methods: refit the values on the recovered supports (debiasing)"},
		{Name: ParamSupportThreshold, Default: 0.0, Help: "layer-wise methods: relative threshold for an entry to count as non-zero (0: the solver's default)"},
		{Name: ParamInvertSeed, Default: 1, Help: "seed of the random networks, latent vectors and masks"},
	}
}

// ParseWidths parses "from:to:step" or a comma-separated list of positive integers.
func ParseWidths(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if parts := strings.Split(s, ":"); len(parts) == 3 {
		var v [3]int
		for i, p := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return nil, fmt.Errorf("widths %q: %q is not an integer (want from:to:step)", s, p)
			}
			v[i] = n
		}
		if v[0] < 1 || v[2] < 1 || v[1] < v[0] {
			return nil, fmt.Errorf("widths %q: want 1 ≤ from ≤ to and step ≥ 1", s)
		}
		var out []int
		for n := v[0]; n <= v[1]; n += v[2] {
			out = append(out, n)
		}
		return out, nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("widths %q: %q is not a positive integer (want from:to:step or a comma-separated list)", s, p)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseMethods(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func pursuitSettings(store *model.Store) *invert.Settings {
	return &invert.Settings{
		Debias:           params.MustGet[bool](store, ParamDebias),
		SupportThreshold: params.MustGet[float64](store, ParamSupportThreshold),
	}
}

func gdSettings(store *model.Store) *invert.GDSettings {
	return &invert.GDSettings{
		Steps:        params.MustGet[int](store, ParamGDSteps),
		Restarts:     params.MustGet[int](store, ParamGDRestarts),
		LearningRate: params.MustGet[float64](store, ParamGDLearningRate),
		Seed:         uint64(params.MustGet[int](store, ParamInvertSeed)),
	}
}

// checkFlags returns an error naming the first of the given flags whose value the solvers would
// reject, so that the message names the flag rather than a field of solvers/invert's settings
// and comes before any work starts.
func checkFlags(store *model.Store, names ...string) error {
	for _, name := range names {
		var bad string
		switch name {
		case ParamSweepLatent, ParamSweepImage, ParamSweepTrials, ParamSamples, ParamHiddenRows:
			if v := params.MustGet[int](store, name); v < 1 {
				bad = fmt.Sprintf("%d: must be at least 1", v)
			}
		case ParamGDSteps, ParamGDRestarts:
			if v := params.MustGet[int](store, name); v < 0 {
				bad = fmt.Sprintf("%d: must be ≥ 0 (0: the solver's default)", v)
			}
		case ParamGDLearningRate, ParamSupportThreshold:
			if v := params.MustGet[float64](store, name); !(v >= 0) || math.IsInf(v, 0) {
				bad = fmt.Sprintf("%g: must be finite and ≥ 0 (0: the solver's default)", v)
			}
		case ParamHiddenFraction:
			if v := params.MustGet[float64](store, name); !(v > 0 && v < 1) {
				bad = fmt.Sprintf("%g: must be in (0, 1)", v)
			}
		default:
			panic(fmt.Sprintf("gan.checkFlags: no rule for flag %q", name))
		}
		if bad != "" {
			return fmt.Errorf("flag --%s = %s", name, bad)
		}
	}
	return nil
}

// SweepSettings returns the random-weights sweep configured by the store's parameters
// (ExperimentSpecs), running gradient descent on backend b. A flag the solver would reject is
// reported by name.
func SweepSettings(store *model.Store, b compute.Backend) (invert.SweepSettings, error) {
	if err := checkFlags(store, ParamSweepLatent, ParamSweepImage, ParamSweepTrials, ParamGDSteps, ParamGDRestarts,
		ParamGDLearningRate, ParamSupportThreshold); err != nil {
		return invert.SweepSettings{}, err
	}
	widths, err := ParseWidths(params.MustGet[string](store, ParamSweepWidths))
	if err != nil {
		return invert.SweepSettings{}, fmt.Errorf("flag --%s: %w", ParamSweepWidths, err)
	}
	return invert.SweepSettings{
		LatentSize: params.MustGet[int](store, ParamSweepLatent),
		ImageSize:  params.MustGet[int](store, ParamSweepImage),
		Widths:     widths,
		Trials:     params.MustGet[int](store, ParamSweepTrials),
		Methods:    parseMethods(params.MustGet[string](store, ParamMethods)),
		Seed:       uint64(params.MustGet[int](store, ParamInvertSeed)),
		Pursuit:    pursuitSettings(store),
		GD:         gdSettings(store),
		Backend:    b,
	}, nil
}

// InversionSettings returns the trained-GAN experiment configured by the store's parameters
// (ExperimentSpecs), running gradient descent on backend b. A flag the solver would reject is
// reported by name.
func InversionSettings(store *model.Store, b compute.Backend) (invert.InversionSettings, error) {
	if err := checkFlags(store, ParamSamples, ParamHiddenFraction, ParamHiddenRows, ParamGDSteps, ParamGDRestarts,
		ParamGDLearningRate, ParamSupportThreshold); err != nil {
		return invert.InversionSettings{}, err
	}
	var grid []float64
	for _, f := range parseMethods(params.MustGet[string](store, ParamGDStepGrid)) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) {
			return invert.InversionSettings{}, fmt.Errorf("flag --%s: %q is not a positive number", ParamGDStepGrid, f)
		}
		grid = append(grid, v)
	}
	return invert.InversionSettings{
		GDStepGrid:     grid,
		Samples:        params.MustGet[int](store, ParamSamples),
		Seed:           uint64(params.MustGet[int](store, ParamInvertSeed)),
		Mask:           params.MustGet[string](store, ParamMask),
		HiddenFraction: params.MustGet[float64](store, ParamHiddenFraction),
		HiddenRows:     params.MustGet[int](store, ParamHiddenRows),
		Methods:        parseMethods(params.MustGet[string](store, ParamMethods)),
		Pursuit:        pursuitSettings(store),
		GD:             gdSettings(store),
		Backend:        b,
	}, nil
}
