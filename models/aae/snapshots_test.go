package aae

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparselab/sparselab/models/training"
)

// TestSnapshotsInRepository reads the run snapshots the repository carries
// (models/aae/experiments) and loads each into a model of the dataset and aggregation it records.
func TestSnapshotsInRepository(t *testing.T) {
	snaps, err := Snapshots("experiments")
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) == 0 {
		t.Fatal("models/aae/experiments holds no run snapshot")
	}
	for i, s := range snaps {
		if i > 0 && snaps[i-1].Name >= s.Name {
			t.Errorf("snapshots not sorted by name: %q before %q", snaps[i-1].Name, s.Name)
		}
		if s.Step() != s.History.EndStep {
			t.Errorf("%s: checkpoint at step %d, its history ends at %d: snapshot them together (`aae snapshot`)", s.Name, s.Step(), s.History.EndStep)
		}
		if len(s.History.Evals) == 0 || s.History.Evals[len(s.History.Evals)-1].Step > s.Step() {
			t.Errorf("%s: history has %d validations, the last after the checkpoint", s.Name, len(s.History.Evals))
		}
		if e := s.Epochs(s.Step()); !(e > 1) {
			t.Errorf("%s: %v epochs at its last step", s.Name, e)
		}
		if e := s.Epochs(s.History.StartStep); e != 0 {
			t.Errorf("%s: %v epochs at its first step, want 0", s.Name, e)
		}
		last := s.Epochs(s.History.Evals[len(s.History.Evals)-1].Step)
		if tr, err := s.Trend(0, 0); err != nil || tr.To != last || tr.From < last/2 || tr.N < 3 || !(tr.RMSE < 1) {
			t.Errorf("%s: trend over its last doubling %+v, %v; want at least 3 validations from epoch %g to %g", s.Name, tr, err, last/2, last)
		}
		// The curve fits the same window at least as well as the line, and forecasts no more.
		if pt, err := s.PowerTrend(0, 0); err != nil || pt.To != last || pt.N < 4 {
			t.Errorf("%s: levelling-off curve over its last doubling %+v, %v", s.Name, pt, err)
		} else if tr, err := s.Trend(0, 0); err == nil && (pt.RMSE > tr.RMSE+1e-9 || pt.At(2*last) > tr.At(2*last)+0.05) {
			t.Errorf("%s: curve (RMSE %.4f, %.2f dB at 2×) against the line (RMSE %.4f, %.2f dB)", s.Name, pt.RMSE, pt.At(2*last), tr.RMSE, tr.At(2*last))
		}
		store := paperStore(t, map[string]string{ParamDataset: s.Dataset, ParamAggregation: s.Aggregation})
		if _, err := LoadWeights(store, s.Checkpoint); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}

func TestSnapshots(t *testing.T) {
	meta := map[string]any{"paper": "000", ParamDataset: "mnist", ParamAggregation: "max",
		"global_step": 1375.0, "batch_size": 64.0, "train_images": 24000.0}
	history := &training.Result{StartStep: 1000, EndStep: 1375,
		Evals: []training.EvalPoint{{Step: 1375, Metrics: map[string]float64{"psnr": 20}}}}
	// write makes a snapshot folder under dir: its checkpoint (with meta, if not nil) and its history
	// (if not nil).
	write := func(t *testing.T, dir, name string, meta map[string]any, h *training.Result) {
		t.Helper()
		sub := filepath.Join(dir, name)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if meta != nil {
			if err := training.WriteCheckpoint(filepath.Join(sub, "last.ckpt"), meta, nil); err != nil {
				t.Fatal(err)
			}
		}
		if h != nil {
			if err := h.SaveJSON(training.HistoryPath(filepath.Join(sub, "last.ckpt"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("read", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "b-run", meta, history)
		write(t, dir, "a-run", meta, history)
		write(t, dir, "no-checkpoint", nil, nil) // skipped
		if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("notes"), 0o644); err != nil {
			t.Fatal(err)
		}
		snaps, err := Snapshots(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != 2 || snaps[0].Name != "a-run" || snaps[1].Name != "b-run" {
			t.Fatalf("got %d snapshots %v, want a-run and b-run", len(snaps), snaps)
		}
		s := snaps[0]
		if s.Dataset != "mnist" || s.Aggregation != "max" || s.Step() != 1375 {
			t.Errorf("got %s %s at step %d, want mnist max at 1375", s.Dataset, s.Aggregation, s.Step())
		}
		if e := s.Epochs(1375); math.Abs(e-1) > 1e-12 { // 375 steps of 64 images from 24,000
			t.Errorf("Epochs(1375) = %v, want 1", e)
		}
		// One validation: no line to fit, and the error names the run.
		if _, err := s.Trend(0, 0); err == nil || !strings.Contains(err.Error(), "a-run") || !strings.Contains(err.Error(), "1 validations") {
			t.Errorf("trend of one validation: %v, want an error naming a-run", err)
		}
	})
	t.Run("trend", func(t *testing.T) {
		// Validations every 375 steps (one epoch) on 15 + 2·log₂ e, from step 1000 on.
		h := &training.Result{StartStep: 1000, EndStep: 1000 + 375*8}
		for e := 1; e <= 8; e++ {
			h.Evals = append(h.Evals, training.EvalPoint{Step: 1000 + 375*e, Metrics: map[string]float64{"psnr": 15 + 2*math.Log2(float64(e))}})
		}
		dir := t.TempDir()
		write(t, dir, "run", meta, h)
		snaps, err := Snapshots(dir)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := snaps[0].Trend(0, 0)
		if err != nil || tr.From != 4 || tr.To != 8 || tr.N != 5 || math.Abs(tr.PerDoubling-2) > 1e-9 || math.Abs(tr.At(16)-23) > 1e-9 {
			t.Errorf("trend %+v, %v; want epochs 4–8 (5 validations), +2 dB per doubling, 23 dB at 16 epochs", tr, err)
		}
		// A log line is the levelling-off curve with exponent 0.
		pt, err := snaps[0].PowerTrend(0, 0)
		if err != nil || pt.N != 5 || pt.LevelsOff() || math.Abs(pt.At(16)-23) > 1e-6 {
			t.Errorf("levelling-off curve %+v, %v; want the line (23 dB at 16 epochs)", pt, err)
		}
		if _, err := snaps[0].PowerTrend(7, 0); err == nil || !strings.Contains(err.Error(), "run snapshot run") {
			t.Errorf("two validations: %v, want an error naming the run", err)
		}
	})
	t.Run("no batch size", func(t *testing.T) {
		dir := t.TempDir()
		m := map[string]any{"paper": "000", ParamDataset: "mnist", ParamAggregation: "sum"}
		write(t, dir, "run", m, history)
		snaps, err := Snapshots(dir)
		if err != nil {
			t.Fatal(err)
		}
		if e := snaps[0].Epochs(1375); !math.IsNaN(e) {
			t.Errorf("Epochs without batch size and training images = %v, want NaN", e)
		}
		if s := snaps[0].Step(); s != 1375 {
			t.Errorf("Step without global_step = %d, want the history's end 1375", s)
		}
	})
	for _, tc := range []struct {
		name string
		meta map[string]any
		h    *training.Result
		want string
	}{
		{"no history", meta, nil, "no readable history"},
		{"not paper 000", map[string]any{"command": "something else"}, history, "not a checkpoint of `sparselab aae train`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "bad-run", tc.meta, tc.h)
			_, err := Snapshots(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad-run") {
				t.Errorf("got %v, want an error naming bad-run with %q", err, tc.want)
			}
		})
	}
	t.Run("missing folder", func(t *testing.T) {
		_, err := Snapshots(filepath.Join(t.TempDir(), "nowhere"))
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nowhere") {
			t.Errorf("got %v, want a not-exist error naming the folder", err)
		}
	})
}

// TestScratchRunBackTests checks what notebook 01 and experiments/README.md say of the
// 1e-4-from-scratch run's forecasts: fitted to epochs E/4–E/2, the log line and the power-law
// curve bracket the validation at epoch E, or miss it by less than 0.3 dB, for every E from 20
// epochs on (each doubling and the run's last validation; the worst, 0.25 dB, at 385 epochs, where
// both forecast high and the validation had dipped 0.06 dB below the best two epochs before).
func TestScratchRunBackTests(t *testing.T) {
	snaps, err := Snapshots("experiments")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		if s.Name != "mnist-max-lr1e-4-scratch-seed0" {
			continue
		}
		last := s.Epochs(s.History.Evals[len(s.History.Evals)-1].Step)
		for _, e := range training.DoublingEpochs(20, last) {
			b, err := s.BackTest(e)
			if err != nil {
				t.Fatal(err)
			}
			if b.Miss() > 0.3 {
				t.Errorf("%v: misses by %.2f dB", b, b.Miss())
			}
		}
		return
	}
	t.Skip("no snapshot mnist-max-lr1e-4-scratch-seed0")
}
