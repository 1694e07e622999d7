package aae

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/training"
)

// The weights sparselab ships, trained with this package's code (see weights/README.md for the
// command, seed, steps, epochs and wall time of each). They are embedded in the binary.
//
//go:embed weights
var shipped embed.FS

// ShippedName is the file name of the shipped weights of a dataset and aggregation.
func ShippedName(dataset, aggregation string) string {
	return fmt.Sprintf("%s-%s.ckpt", dataset, aggregation)
}

// Shipped returns the shipped weights of a dataset ("mnist", "fashion-mnist") and aggregation
// ("max", "sum", "ae").
func Shipped(dataset, aggregation string) (*training.Checkpoint, error) {
	name := ShippedName(dataset, aggregation)
	raw, err := fs.ReadFile(shipped, "weights/"+name)
	if err != nil {
		return nil, fmt.Errorf("no shipped weights %s for %s %s: train them with `sparselab aae train --dataset %s --aggregation %s`",
			name, dataset, aggregation, dataset, aggregation)
	}
	return training.ParseCheckpoint("shipped:"+name, raw)
}

// LoadWeights loads weights into store: from path if it is not empty, else the shipped weights
// of the store's dataset and aggregation.
//
// The latent batch normalisation ([ParamLatentBatchNorm]) follows the weights: it is switched on
// when they hold its running statistics, off when they do not. So does the plain autoencoder's
// decoder activation ([ParamAEDecoderActivation]): on when the weights record it.
//
// Weights made for another model than the store's (the dataset, aggregation, c or latent sizes
// they record differ) are refused with an error naming both, before anything is loaded.
func LoadWeights(store *model.Store, path string) (*training.Checkpoint, error) {
	var c *training.Checkpoint
	var err error
	if path != "" {
		c, err = training.ReadCheckpoint(path)
	} else {
		if err := Resolve(store); err != nil {
			return nil, err
		}
		c, err = Shipped(model.GetParamOr(store.RootScope(), ParamDataset, "mnist"), model.GetParamOr(store.RootScope(), ParamAggregation, DefaultAggregation))
	}
	if err != nil {
		return nil, err
	}
	if err := CheckWeights(c, store); err != nil {
		return nil, err
	}
	if err := c.Apply(store); err != nil {
		return nil, err
	}
	store.RootScope().SetParam(ParamLatentBatchNorm, hasLatentBatchNorm(c))
	store.RootScope().SetParam(ParamAEDecoderActivation, aeDecoderActivation(c))
	return c, nil
}

// CheckWeights returns an error if a checkpoint records another model than the one store
// configures: another dataset, aggregation, c (ParamChannels), number of latent blocks or block
// size. What the checkpoint does not record, or the store does not set (c = 0: the dataset's,
// not yet resolved), is not checked; the blocks and block size of a checkpoint made by [Train]
// default to [DefaultBlocks] and [DefaultBlockSize] (it records them since 2026-12-06; every model
// sparselab ships was trained with them).
func CheckWeights(c *training.Checkpoint, store *model.Store) error {
	str := func(key string) string {
		v, _ := store.GetParam(key)
		s, _ := v.(string)
		return s
	}
	what := strings.TrimSpace(fmt.Sprintf("%s %s", str(ParamDataset), DisplayName(str(ParamAggregation))))
	for _, key := range []string{ParamDataset, ParamAggregation} {
		if got, ok := c.Header.Meta[key].(string); ok && str(key) != "" && got != str(key) {
			return fmt.Errorf("weights %s are for %s %q, not the %s asked for: pass the --%s of the weights, or other --weights",
				c.Path, key, got, what, key)
		}
	}
	for _, key := range []string{ParamChannels, ParamBlocks, ParamBlockSize} {
		got, ok := c.Header.Meta[key].(float64)
		switch {
		case !ok && c.Header.Meta["paper"] != "000":
			continue // not made by this package's training: nothing to default to
		case !ok && key == ParamBlocks:
			got = DefaultBlocks
		case !ok && key == ParamBlockSize:
			got = DefaultBlockSize
		case !ok:
			continue
		}
		v, _ := store.GetParam(key)
		want, isInt := v.(int)
		if isInt && want > 0 && int(got) != want {
			return fmt.Errorf("weights %s were trained with --%s %d, the %s asked for has %d: pass --%s %d, or other --weights",
				c.Path, key, int(got), what, want, key, int(got))
		}
	}
	return nil
}

// hasLatentBatchNorm reports whether a checkpoint holds the latent batch normalisation's state.
func hasLatentBatchNorm(c *training.Checkpoint) bool {
	for _, v := range c.Header.Variables {
		if strings.Contains(v.Path, "/encoder/"+LatentBatchNormScope+"/") {
			return true
		}
	}
	return false
}

// aeDecoderActivation reports whether a checkpoint records a LeakyReLU after the plain
// autoencoder's second dense layer (ParamAEDecoderActivation); checkpoints that record nothing,
// such as the AEs shipped before 2026-12-07, have none.
func aeDecoderActivation(c *training.Checkpoint) bool {
	v, _ := c.Header.Meta[ParamAEDecoderActivation].(bool)
	return v
}

// ShippedHistory returns the training history (losses and validations of every run) of the
// shipped weights of a dataset and aggregation. It ends where the exporting run ended, which may
// be after the step of the shipped (best) weights; [training.Result.Upto] cuts it there.
func ShippedHistory(dataset, aggregation string) (*training.Result, error) {
	name := strings.TrimSuffix(ShippedName(dataset, aggregation), ".ckpt") + ".history.json"
	raw, err := fs.ReadFile(shipped, "weights/"+name)
	if err != nil {
		return nil, fmt.Errorf("no shipped training history %s", name)
	}
	var r training.Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("shipped training history %s: %w", name, err)
	}
	return &r, nil
}

// ShippedTrend is the line through the validation PSNR of the shipped weights' training history
// over its last doubling of epochs ([training.LogTrend]): what training them twice as long would
// add at the same pace. That doubling spans the learning-rate changes of their schedule (in
// weights/README.md; their history does not record them), so it is what repeating the schedule
// gave, and, as every such line, an optimistic forecast.
func ShippedTrend(dataset, aggregation string) (training.LogTrend, error) {
	h, err := ShippedHistory(dataset, aggregation)
	if err != nil {
		return training.LogTrend{}, err
	}
	c, err := Shipped(dataset, aggregation)
	if err != nil {
		return training.LogTrend{}, err
	}
	t, err := h.Trend("psnr", StepsPerEpoch(c.Header.Meta), 0, 0)
	if err != nil {
		return t, fmt.Errorf("shipped %s: %w", ShippedName(dataset, aggregation), err)
	}
	return t, nil
}

// ShippedHistoryLosses is the most loss points [Export] keeps in a shipped training history: a
// longer one is thinned by [training.Result.Thinned] (means over consecutive steps), which keeps
// the loss curve readable and the embedded file small (a run logs every step: 100,000 steps are
// about 6 MB of JSON). Validations are all kept.
const ShippedHistoryLosses = 10000

// ExportReport says what [Export] did.
type ExportReport struct {
	From, To string // the run's best checkpoint and the weights file written
	History  string // the training history written beside the weights ("" if the run had none)
	// ValPSNR is the validation PSNR of the exported weights; Replaced that of the weights they
	// replaced (NaN if there were none, or they recorded none).
	ValPSNR, Replaced float64
}

// Export writes the trainable weights of the store's run (RunDir/best.ckpt, the best validation
// PSNR; no optimizer state) to toDir/<dataset>-<aggregation>.ckpt, with the run's training history
// (<dataset>-<aggregation>.history.json, thinned to [ShippedHistoryLosses]) beside them, as
// `sparselab aae export` does for the shipped weights. Weights are only replaced by better ones:
// if the file already there recorded a higher validation PSNR, Export returns an error naming both
// and writes nothing, unless force.
func Export(store *model.Store, toDir string, force bool) (*ExportReport, error) {
	dataset := model.GetParamOr(store.RootScope(), ParamDataset, "mnist")
	agg := model.GetParamOr(store.RootScope(), ParamAggregation, DefaultAggregation)
	rep := &ExportReport{From: filepath.Join(RunDir(store), "best.ckpt"), To: filepath.Join(toDir, ShippedName(dataset, agg)), Replaced: math.NaN()}
	src, err := training.ReadCheckpoint(rep.From)
	if err != nil {
		return nil, fmt.Errorf("export: %w (train first: sparselab aae train --dataset %s --aggregation %s)", err, dataset, agg)
	}
	for key, want := range map[string]string{"dataset": dataset, "aggregation": agg} {
		if got, ok := src.Header.Meta[key].(string); ok && got != want {
			return nil, fmt.Errorf("export: %s was trained with %s %q, not %q: choose the run with --run_dir or the model with --dataset/--aggregation", rep.From, key, got, want)
		}
	}
	rep.ValPSNR = metaFloat(src.Header.Meta, "val_psnr")
	if old, err := training.ReadCheckpoint(rep.To); err == nil {
		rep.Replaced = metaFloat(old.Header.Meta, "val_psnr")
		if rep.Replaced > rep.ValPSNR && !force {
			return nil, fmt.Errorf("export: the weights in %s have a validation PSNR of %.2f dB, the run's best (%s) only %.2f dB: "+
				"kept them (train longer, or pass --force to replace them anyway)", rep.To, rep.Replaced, rep.From, rep.ValPSNR)
		}
	}
	if err := training.ExportWeights(rep.From, rep.To, map[string]any{"exported_from": rep.From}); err != nil {
		return nil, err
	}
	if hist, err := training.LoadHistory(filepath.Join(RunDir(store), "last.ckpt")); err == nil {
		rep.History = strings.TrimSuffix(rep.To, ".ckpt") + ".history.json"
		if err := hist.Thinned(ShippedHistoryLosses).SaveJSON(rep.History); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// metaFloat returns a number recorded in a checkpoint header, NaN if absent.
func metaFloat(meta map[string]any, key string) float64 {
	if v, ok := meta[key].(float64); ok {
		return v
	}
	return math.NaN()
}
