package aae

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/sparselab/sparselab/models/training"
)

// Snapshot is a training run carried in the repository rather than in a run folder: what
// `sparselab aae snapshot --run_dir R --to DIR` writes, the run's resumable last.ckpt (weights and
// Adam moments) and its history. The runs in models/aae/experiments take longer than a session, so
// they travel this way between machines; [Snapshots] reads them, and notebook 01 evaluates them
// beside the shipped weights.
type Snapshot struct {
	// Name is the snapshot's folder name, such as "mnist-max-lr1e-4-scratch-seed0".
	Name string
	// Checkpoint is the path of its last.ckpt, which [LoadWeights] loads and `aae train --run_dir`
	// resumes (once copied into the run folder).
	Checkpoint string
	// Dataset and Aggregation are the model the checkpoint records.
	Dataset, Aggregation string
	// Meta is the checkpoint's metadata (the command that trained it, global_step, learning_rate…).
	Meta map[string]any
	// History holds every validation of the run and its (thinned) loss curve.
	History *training.Result
}

// Step is the global step the snapshot stopped at (the checkpoint's, else its history's end).
func (s *Snapshot) Step() int {
	if v := metaFloat(s.Meta, "global_step"); !math.IsNaN(v) {
		return int(v)
	}
	return s.History.EndStep
}

// Epochs returns the passes over the training images from the run's first step to step, counted
// from where the run started (a run started from other weights, such as a MAX-AAE from a SUM-AAE's,
// continues their step count); NaN if the checkpoint records no batch size or training-set size.
func (s *Snapshot) Epochs(step int) float64 {
	return float64(step-s.History.StartStep) / StepsPerEpoch(s.Meta)
}

// Trend fits a line to the run's validation PSNR against log₂ of its epochs (counted as
// [Snapshot.Epochs] counts them) between epochs from and to; zero values mean the run's last
// doubling (to: its last validation; from: half of to). See [training.LogTrend] for what the line
// forecasts and where it misleads.
func (s *Snapshot) Trend(from, to float64) (training.LogTrend, error) {
	t, err := s.History.Trend("psnr", StepsPerEpoch(s.Meta), from, to)
	if err != nil {
		return t, fmt.Errorf("run snapshot %s: %w", s.Name, err)
	}
	return t, nil
}

// PowerTrend fits the levelling-off curve of [training.PowerTrend] to the run's validation PSNR
// over the window [Snapshot.Trend] uses: the pessimistic counterpart of its line.
func (s *Snapshot) PowerTrend(from, to float64) (training.PowerTrend, error) {
	t, err := s.History.PowerTrend("psnr", StepsPerEpoch(s.Meta), from, to)
	if err != nil {
		return t, fmt.Errorf("run snapshot %s: %w", s.Name, err)
	}
	return t, nil
}

// BackTest fits both trends to the run's validation PSNR over epochs epoch/4 to epoch/2 and reads
// them, and the validation, at epoch ([training.Result.BackTest]): how well the run's own
// forecasts did one doubling ahead.
func (s *Snapshot) BackTest(epoch float64) (training.BackTest, error) {
	b, err := s.History.BackTest("psnr", StepsPerEpoch(s.Meta), epoch)
	if err != nil {
		return b, fmt.Errorf("run snapshot %s: %w", s.Name, err)
	}
	return b, nil
}

// StepsPerEpoch is the number of training steps in one pass over the training images, from the
// training-set size and batch size a checkpoint's metadata records (24,000 / 64 = 375 for the
// paper's 30k subset); NaN if it records either not.
func StepsPerEpoch(meta map[string]any) float64 {
	batch, images := metaFloat(meta, "batch_size"), metaFloat(meta, "train_images")
	if !(batch > 0 && images > 0) {
		return math.NaN()
	}
	return images / batch
}

// Snapshots reads the run snapshots in dir: each sub-folder holding a last.ckpt and its history,
// sorted by name. A missing dir is an error that wraps [fs.ErrNotExist]; a sub-folder with a
// checkpoint but no history, or a checkpoint that is not one of paper 000's models, is an error
// naming it. Sub-folders without last.ckpt are skipped.
func Snapshots(dir string) ([]Snapshot, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("run snapshots: %w (the repository's are in models/aae/experiments)", err)
	}
	var out []Snapshot
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		ckpt := filepath.Join(dir, e.Name(), "last.ckpt")
		if _, err := os.Stat(ckpt); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		c, err := training.ReadCheckpoint(ckpt)
		if err != nil {
			return nil, fmt.Errorf("run snapshot %s: %w", e.Name(), err)
		}
		s := Snapshot{Name: e.Name(), Checkpoint: ckpt, Meta: c.Header.Meta}
		s.Dataset, _ = c.Header.Meta[ParamDataset].(string)
		s.Aggregation, _ = c.Header.Meta[ParamAggregation].(string)
		if s.Dataset == "" || s.Aggregation == "" || c.Header.Meta["paper"] != "000" {
			return nil, fmt.Errorf("run snapshot %s: %s is not a checkpoint of `sparselab aae train` (it records no paper-000 dataset and aggregation)", e.Name(), ckpt)
		}
		if s.History, err = training.LoadHistory(ckpt); err != nil {
			return nil, fmt.Errorf("run snapshot %s has no readable history beside its checkpoint: %w (`aae snapshot` writes both)", e.Name(), err)
		}
		out = append(out, s)
	}
	return out, nil // os.ReadDir sorts by name
}
