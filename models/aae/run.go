package aae

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/models/autoenc"
	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
)

// Resolve fills in the hyperparameters that depend on others (channels 0 → the dataset's c) and
// checks them. Call it once the flags are parsed.
func Resolve(store *model.Store) error {
	ds := params.MustGet[string](store, ParamDataset)
	c, err := ChannelsFor(ds)
	if err != nil {
		return err
	}
	if params.MustGet[int](store, ParamChannels) == 0 {
		if err := params.Set(store, ParamChannels, fmt.Sprint(c)); err != nil {
			return err
		}
	}
	if _, err := AggregatorByName(params.MustGet[string](store, ParamAggregation)); err != nil {
		return err
	}
	for _, name := range []string{ParamChannels, ParamBlocks, ParamBlockSize} {
		if v := params.MustGet[int](store, name); v <= 0 {
			return fmt.Errorf("--%s must be positive, got %d (the paper's sizes are the defaults)", name, v)
		}
	}
	if v := params.MustGet[int](store, ParamTestOffset); v < 0 {
		return fmt.Errorf("--%s must be 0 or more, got %d", ParamTestOffset, v)
	}
	if f := params.MustGet[float64](store, ParamValFraction); !(f > 0 && f < 1) {
		return fmt.Errorf("--%s must lie strictly between 0 and 1 (validation picks the best checkpoint), got %v", ParamValFraction, f)
	}
	if lr := params.MustGet[float64](store, params.ParamLearningRate); !(lr > 0) || math.IsInf(lr, 1) {
		return fmt.Errorf("--%s must be a positive number (the paper's is 1e-4), got %v", params.ParamLearningRate, lr)
	}
	if d := params.MustGet[time.Duration](store, params.ParamTimeBudget); d < 0 {
		return fmt.Errorf("--%s must be 0 (none) or a positive duration such as 90m, got %v", params.ParamTimeBudget, d)
	}
	return nil
}

// RunDir is the folder of a run's checkpoints: ParamRunDir, else training.RunDir("aae-<dataset>-<aggregation>").
func RunDir(store *model.Store) string {
	if d := params.MustGet[string](store, ParamRunDir); d != "" {
		return d
	}
	return training.RunDir(fmt.Sprintf("aae-%s-%s", params.MustGet[string](store, ParamDataset), params.MustGet[string](store, ParamAggregation)))
}

// SplitsFrom loads the experiment's data as configured in store.
func SplitsFrom(store *model.Store) (*Splits, error) {
	return LoadSplits(params.MustGet[string](store, ParamDataset), params.MustGet[int](store, ParamSubset),
		params.MustGet[float64](store, ParamValFraction), int64(params.MustGet[int](store, params.ParamSeed)),
		params.MustGet[int](store, ParamTestOffset), params.MustGet[int](store, ParamTestCount))
}

// TrainReport summarises a training run.
type TrainReport struct {
	Result   *training.Result
	BestPSNR float64 // best validation PSNR in the run folder (dB): this run's, or an earlier run's it resumed
	BestStep int     // global step of the best checkpoint (0 if the folder has none)
	Last     string  // checkpoint to resume from
	Best     string  // checkpoint with the best validation PSNR
}

// Train trains the model configured in store on its dataset, resuming from RunDir/last.ckpt if
// present, validating every ParamEvalEvery steps and keeping RunDir/best.ckpt (the weights with
// the best validation PSNR, for model selection). progress, if set, is called after every step.
// Cancelling ctx stops the run after the current step with a checkpoint (StoppedBy
// "interrupted"), so the same command resumes it.
func Train(ctx context.Context, b compute.Backend, store *model.Store, command string, progress func(training.Progress)) (*TrainReport, error) {
	if err := Resolve(store); err != nil {
		return nil, err
	}
	splits, err := SplitsFrom(store)
	if err != nil {
		return nil, err
	}
	dir := RunDir(store)
	rep := &TrainReport{Last: filepath.Join(dir, "last.ckpt"), Best: filepath.Join(dir, "best.ckpt")}
	rep.BestPSNR, rep.BestStep = bestSoFar(rep.Best)
	ae := autoenc.New(b, store, func(scope *model.Scope, x *graphNode) *graphNode { return New(scope, x).Done() })
	defer ae.Finalize()
	if err := seedInit(store); err != nil {
		return nil, err
	}
	meta := map[string]any{
		"paper": "000", "command": command, "backend": b.Name(),
		"dataset": params.MustGet[string](store, ParamDataset), "aggregation": params.MustGet[string](store, ParamAggregation),
		"channels": params.MustGet[int](store, ParamChannels), "blocks": params.MustGet[int](store, ParamBlocks),
		"block_size": params.MustGet[int](store, ParamBlockSize), "seed": params.MustGet[int](store, params.ParamSeed),
		"train_images": splits.Train.N, "batch_size": params.MustGet[int](store, params.ParamBatchSize),
		"learning_rate":    params.MustGet[float64](store, params.ParamLearningRate),
		"latent_batchnorm": params.MustGet[bool](store, ParamLatentBatchNorm),
	}
	if params.MustGet[string](store, ParamAggregation) == "ae" {
		meta[ParamAEDecoderActivation] = params.MustGet[bool](store, ParamAEDecoderActivation)
	}
	if err := checkResume(rep.Last, meta); err != nil {
		return nil, err
	}
	if init, err := startFromInit(store, rep.Last, splits.Train.N); err != nil {
		return nil, err
	} else if !init {
		if err := startFromShipped(store, rep.Last, splits.Train.N); err != nil {
			return nil, err
		}
	}
	t0 := time.Now()
	var saveErr error
	res, err := ae.Train(splits.Train, autoenc.Settings{
		BatchSize:    params.MustGet[int](store, params.ParamBatchSize),
		LearningRate: params.MustGet[float64](store, params.ParamLearningRate),
		Seed:         int64(params.MustGet[int](store, params.ParamSeed)),
		Validation:   splits.Validation,
		Training: training.Settings{
			Steps:          params.MustGet[int](store, params.ParamSteps),
			TimeBudget:     params.MustGet[time.Duration](store, params.ParamTimeBudget),
			CheckpointPath: rep.Last,
			EvalEvery:      params.MustGet[int](store, ParamEvalEvery),
			Meta:           meta,
			Context:        ctx,
			Callback: func(p training.Progress) bool {
				if p.Eval != nil && p.Eval["psnr"] > rep.BestPSNR {
					rep.BestPSNR, rep.BestStep = p.Eval["psnr"], p.Step
					m := map[string]any{}
					for k, v := range meta {
						m[k] = v
					}
					m["global_step"], m["val_psnr"] = p.Step, p.Eval["psnr"]
					m["epochs"] = float64(p.Step) * float64(params.MustGet[int](store, params.ParamBatchSize)) / float64(splits.Train.N)
					m["wall_time_this_run_s"] = time.Since(t0).Seconds()
					if err := ae.Save(rep.Best, m); err != nil {
						saveErr = err
						return false
					}
				}
				if progress != nil {
					progress(p)
				}
				return true
			},
		},
	})
	rep.Result = res
	if err == nil {
		err = saveErr
	}
	return rep, err
}

// bestSoFar reads the validation PSNR and global step recorded in an existing best checkpoint
// (−1e300 and 0 if there is none or it records no PSNR, so any evaluation beats it).
func bestSoFar(path string) (psnr float64, step int) {
	c, err := training.ReadCheckpoint(path)
	if err != nil {
		return -1e300, 0
	}
	v, ok := c.Header.Meta["val_psnr"].(float64)
	if !ok {
		return -1e300, 0
	}
	s, _ := c.Header.Meta["global_step"].(float64)
	return v, int(s)
}

// Eval is the autoencoding evaluation of a trained model on test images (Table 1).
type Eval struct {
	Dataset     string    `json:"dataset"`
	Aggregation string    `json:"aggregation"`
	Weights     string    `json:"weights"`
	TestOffset  int       `json:"test_offset"`
	TestCount   int       `json:"test_count"`
	PSNRMean    float64   `json:"psnr_mean"`
	PSNRStd     float64   `json:"psnr_std"`
	PSNR        []float64 `json:"psnr"`
}

// Evaluate loads weights (a checkpoint path, or "" for the shipped weights) into a model
// configured by store and computes the per-image PSNR over the configured test range.
func Evaluate(b compute.Backend, store *model.Store, weights string) (*Eval, error) {
	if err := Resolve(store); err != nil {
		return nil, err
	}
	c, err := LoadWeights(store, weights)
	if err != nil {
		return nil, err
	}
	ev, err := EvaluateLoaded(b, store)
	if err != nil {
		return nil, err
	}
	ev.Weights = c.Path
	return ev, nil
}

// EvaluateLoaded computes the per-image PSNR over the configured test range of the model store
// holds, with the weights already loaded into it ([LoadWeights], or training): the store a
// notebook's loadModel returns. Weights in the result is empty.
func EvaluateLoaded(b compute.Backend, store *model.Store) (*Eval, error) {
	if err := Resolve(store); err != nil {
		return nil, err
	}
	ds := params.MustGet[string](store, ParamDataset)
	off, n := params.MustGet[int](store, ParamTestOffset), params.MustGet[int](store, ParamTestCount)
	test, err := LoadTest(ds, off, n)
	if err != nil {
		return nil, err
	}
	ae := autoenc.New(b, store, func(scope *model.Scope, x *graphNode) *graphNode { return New(scope, x).Done() })
	defer ae.Finalize()
	p, err := ae.PSNR(test)
	if err != nil {
		return nil, err
	}
	s := metrics.Summarize(p)
	return &Eval{Dataset: ds, Aggregation: params.MustGet[string](store, ParamAggregation),
		TestOffset: off, TestCount: n, PSNRMean: s.Mean, PSNRStd: s.Std, PSNR: p}, nil
}

// WriteSummary prints a one-line summary of an evaluation.
func (e *Eval) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "%s %s: PSNR %.2f ± %.2f dB over test images %d–%d (%s)\n", e.Dataset, strings.ToUpper(e.Aggregation),
		e.PSNRMean, e.PSNRStd, e.TestOffset, e.TestOffset+e.TestCount-1, e.Weights)
}

// seedInit seeds the store's random number generator with ParamSeed, so that the initial weights of
// a run from scratch are repeatable: the seed decides them as it decides the subset, the split and
// the batch order (a GoMLX store otherwise draws a fresh random seed). A run that resumes a
// checkpoint or starts from shipped weights overwrites them.
func seedInit(store *model.Store) error {
	seed := params.MustGet[int](store, params.ParamSeed)
	if err := store.SetRNGStateFromSeed(int64(seed)); err != nil {
		return fmt.Errorf("aae: seeding the initial weights with --%s=%d: %w", params.ParamSeed, seed, err)
	}
	return nil
}

// resumeKeys are the recorded settings a run must keep to resume a checkpoint: the model (its
// sizes), the data (seed, and through the subset and validation fraction the number of training
// images) and the batch size. The learning rate may change between runs (a step decay).
var resumeKeys = []string{ParamDataset, ParamAggregation, ParamChannels, ParamBlocks, ParamBlockSize,
	ParamLatentBatchNorm, ParamAEDecoderActivation, params.ParamSeed, "train_images", params.ParamBatchSize}

// checkResume returns an error if the run folder's checkpoint lastCkpt (if any) was made with
// other settings than meta records for this run (see [training.CheckResume]).
func checkResume(lastCkpt string, meta map[string]any) error {
	if meta[ParamAEDecoderActivation] == true {
		// AE checkpoints from before the option record nothing: they have no activation there.
		if c, err := training.ReadCheckpoint(lastCkpt); err == nil && c.Header.Meta[ParamAggregation] == "ae" && !aeDecoderActivation(c) {
			return fmt.Errorf("the run in %s was trained without --%s, this one asks for it: resume it without, "+
				"or pass another --run_dir (or remove that folder) to start a new run", filepath.Dir(lastCkpt), ParamAEDecoderActivation)
		}
	}
	return training.CheckResume(lastCkpt, meta, resumeKeys, map[string]string{
		"train_images": fmt.Sprintf("training images (--%s, --%s)", ParamSubset, ParamValFraction)})
}

// startFromShipped loads the shipped weights (and their global step and training history) into
// store when ParamFromShipped is set, the run folder has no checkpoint to resume, and weights
// for the store's dataset and aggregation are shipped with the same sizes (c, the latent blocks
// and their size, the latent batch normalisation); otherwise training starts from scratch.
// Training then continues the shipped model across machines and sessions (with fresh Adam
// moments). It returns an error, rather than train nothing or validate on training images, when
// the shipped weights are already at or past ParamSteps, were trained on another split of the
// data (another seed or number of training images, trainImages) than the run asks for, or are an
// AE with(out) the decoder activation the run asks for (ParamInitWeights starts one from them).
func startFromShipped(store *model.Store, lastCkpt string, trainImages int) error {
	if !params.MustGet[bool](store, ParamFromShipped) {
		return nil
	}
	if _, err := os.Stat(lastCkpt); err == nil {
		return nil
	}
	ds, agg := params.MustGet[string](store, ParamDataset), params.MustGet[string](store, ParamAggregation)
	c, err := Shipped(ds, agg)
	if err != nil {
		return nil // nothing shipped: train from scratch
	}
	if CheckWeights(c, store) != nil {
		return nil // other sizes (c, latent blocks) than the shipped model's
	}
	if params.MustGet[bool](store, ParamLatentBatchNorm) != hasLatentBatchNorm(c) {
		return nil // another architecture than the shipped model's
	}
	if act := params.MustGet[bool](store, ParamAEDecoderActivation); agg == "ae" && act != aeDecoderActivation(c) {
		return fmt.Errorf("aae: the shipped %s AE weights were trained %s the decoder activation of the paper's AE: "+
			"pass --%s=%v to continue them, --%s=false to train this AE from scratch, or --%s %s to start this AE from them",
			ds, map[bool]string{true: "with", false: "without"}[!act], ParamAEDecoderActivation, !act, ParamFromShipped, ParamInitWeights, InitShipped)
	}
	h, _ := ShippedHistory(ds, agg)
	return continueWeights(store, c, h, lastCkpt, trainImages,
		fmt.Sprintf("the shipped %s %s weights", ds, DisplayName(agg)), fmt.Sprintf("pass --%s=false to train from scratch", ParamFromShipped))
}

// InitShipped is the value of ParamInitWeights that names the shipped weights of the run's
// dataset and aggregation (embedded in the binary).
const InitShipped = "shipped"

// startFromInit loads the weights named by ParamInitWeights (a file, or [InitShipped]) into store
// when that is set and the run folder has no checkpoint to resume (it reports whether it was set).
// The weights must be of the store's dataset, aggregation and sizes, with its latent batch
// normalisation or not; the plain autoencoder's decoder activation may differ (the flag decides
// the model, so an AE without it can start the paper's AE), and so may the aggregation of an
// atomic model (a SUM-AAE's weights can start a MAX-AAE, whose step count and history then start
// at zero; beyond the paper, which trains each from scratch). Otherwise their global step and history go on
// as from the shipped weights ([startFromShipped], the same refusals); the history is looked up
// beside them: <name>.history.json (exported), <path>.history.json (a run's last.ckpt), or the
// run folder's last.ckpt.history.json for its best.ckpt. Adam's moments start afresh unless the
// checkpoint holds them (a run's, not exported weights).
func startFromInit(store *model.Store, lastCkpt string, trainImages int) (bool, error) {
	path := params.MustGet[string](store, ParamInitWeights)
	if path == "" {
		return false, nil
	}
	if _, err := os.Stat(lastCkpt); err == nil {
		return true, nil // the run began from them: it resumes its folder
	}
	ds, agg := params.MustGet[string](store, ParamDataset), params.MustGet[string](store, ParamAggregation)
	var c *training.Checkpoint
	var err error
	if path == InitShipped {
		c, err = Shipped(ds, agg)
	} else {
		c, err = training.ReadCheckpoint(path)
	}
	if err != nil {
		return true, fmt.Errorf("aae: --%s: %w", ParamInitWeights, err)
	}
	cross := false
	if from, _ := c.Header.Meta[ParamAggregation].(string); from != agg && from != "" && from != "ae" && agg != "ae" {
		// The atomic models share every variable, so one aggregation's weights can start the
		// other's model; they are not its past: its step count and history start afresh.
		cross, c = true, crossAggregation(c, agg)
	}
	if err := CheckWeights(c, store); err != nil {
		return true, fmt.Errorf("aae: --%s: %w", ParamInitWeights, err)
	}
	if want := params.MustGet[bool](store, ParamLatentBatchNorm); want != hasLatentBatchNorm(c) {
		return true, fmt.Errorf("aae: --%s: the weights %s %s a latent batch normalisation: pass --%s=%v",
			ParamInitWeights, path, map[bool]string{true: "have", false: "lack"}[!want], ParamLatentBatchNorm, !want)
	}
	var h *training.Result
	switch {
	case cross:
	case path == InitShipped:
		h, _ = ShippedHistory(ds, agg)
		path = c.Path
	default:
		candidates := []string{strings.TrimSuffix(path, ".ckpt") + ".history.json", training.HistoryPath(path)}
		if filepath.Base(path) == "best.ckpt" {
			candidates = append(candidates, training.HistoryPath(filepath.Join(filepath.Dir(path), "last.ckpt")))
		}
		for _, hp := range candidates {
			if h, err = training.LoadResultJSON(hp); err == nil {
				break
			} else if !errors.Is(err, fs.ErrNotExist) {
				return true, fmt.Errorf("aae: --%s: the history beside the weights: %w (remove or mend it)", ParamInitWeights, err)
			}
		}
	}
	return true, continueWeights(store, c, h, lastCkpt, trainImages, fmt.Sprintf("the weights %s", path),
		fmt.Sprintf("pass other --%s", ParamInitWeights))
}

// crossAggregation returns c as the start of a model with the aggregation agg: the same weights,
// recorded as agg's, with no global step (see startFromInit).
func crossAggregation(c *training.Checkpoint, agg string) *training.Checkpoint {
	out := *c
	out.Header.Meta = maps.Clone(c.Header.Meta)
	out.Header.Meta[ParamAggregation] = agg
	delete(out.Header.Meta, "global_step")
	return &out
}

// continueWeights applies the weights c (called what in errors) to store, sets the global step
// they record and writes their history h (if any; cut at that step) beside lastCkpt, so that
// training goes on from them. It refuses weights trained on another split than the run's (their
// seed or number of training images), or already at or past ParamSteps; alt is the way out
// offered besides using their split.
func continueWeights(store *model.Store, c *training.Checkpoint, h *training.Result, lastCkpt string, trainImages int, what, alt string) error {
	for key, want := range map[string]int{params.ParamSeed: params.MustGet[int](store, params.ParamSeed), "train_images": trainImages} {
		if got, ok := c.Header.Meta[key].(float64); ok && int(got) != want {
			trained := fmt.Sprintf("--%s %d", key, int(got))
			if key == "train_images" {
				trained = fmt.Sprintf("%d training images (--%s, --%s give %d)", int(got), ParamSubset, ParamValFraction, want)
			}
			return fmt.Errorf("aae: %s were trained with %s; continuing them on another split would "+
				"validate on images they trained on: %s, or use their split", what, trained, alt)
		}
	}
	step, ok := c.Header.Meta["global_step"].(float64)
	if steps := params.MustGet[int](store, params.ParamSteps); ok && steps > 0 && int(step) >= steps {
		perStep := float64(params.MustGet[int](store, params.ParamBatchSize)) / float64(trainImages) // epochs per step
		return fmt.Errorf("aae: %s are at step %d (%.0f epochs), at or past --%s %d, so nothing would be trained: "+
			"--%s counts their steps too, so pass a larger one (e.g. --%s %d for 100 more epochs), or %s",
			what, int(step), step*perStep, params.ParamSteps, steps,
			params.ParamSteps, params.ParamSteps, int(step)+int(math.Round(100/perStep)), alt)
	}
	if err := c.Apply(store); err != nil {
		return err
	}
	if ok && step > 0 {
		v := optimizer.GetGlobalStepVar(store)
		if err := v.SetValue(tensors.FromScalar(int64(step))); err != nil {
			return err
		}
	}
	if h != nil {
		// The weights are a run's best checkpoint; its history may go on past them.
		if ok {
			h = h.Upto(int(step))
		}
		if err := h.SaveJSON(training.HistoryPath(lastCkpt)); err != nil {
			return err
		}
	}
	return nil
}
