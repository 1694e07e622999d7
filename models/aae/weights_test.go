package aae

import (
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
)

// writeRun writes a run folder's best.ckpt (one trainable and one optimizer variable) and
// last.ckpt's history, as a training run leaves them.
func writeRun(t *testing.T, dir string, w float32, meta map[string]any) {
	t.Helper()
	s := model.NewStore()
	for path, trainable := range map[string]bool{"/decoder/conv1/weight": true, "/optimizer/adam/m": false} {
		v, err := s.CreateVariable(path, tensors.FromValue([]float32{w, 2 * w}))
		if err != nil {
			t.Fatal(err)
		}
		v.Trainable = trainable
	}
	if err := training.SaveCheckpoint(s, filepath.Join(dir, "best.ckpt"), meta); err != nil {
		t.Fatal(err)
	}
	// A long loss curve (one point per step), which Export thins.
	losses := make([]training.LossPoint, 3*ShippedHistoryLosses)
	for i := range losses {
		losses[i] = training.LossPoint{Step: i + 1, Loss: float64(i % 3)}
	}
	hist := &training.Result{EndStep: len(losses), Losses: losses, Evals: []training.EvalPoint{{Step: 10, Metrics: map[string]float64{"psnr": meta["val_psnr"].(float64)}}}}
	if err := hist.SaveJSON(training.HistoryPath(filepath.Join(dir, "last.ckpt"))); err != nil {
		t.Fatal(err)
	}
}

// TestExport: the run's best weights (no optimizer state) and history go to the target folder;
// better weights already there are kept unless forced; a run of another model is refused.
func TestExport(t *testing.T) {
	store, err := params.NewStore(Specs()...)
	if err != nil {
		t.Fatal(err)
	}
	run, to := filepath.Join(t.TempDir(), "run"), t.TempDir()
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{ParamRunDir: run, ParamDataset: "fashion-mnist", ParamAggregation: "sum"} {
		if err := params.Set(store, name, v.(string)); err != nil {
			t.Fatal(err)
		}
	}
	meta := func(psnr float64, agg string) map[string]any {
		return map[string]any{"dataset": "fashion-mnist", "aggregation": agg, "val_psnr": psnr}
	}
	weightOf := func(path string) float32 {
		t.Helper()
		c, err := training.ReadCheckpoint(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Header.Variables) != 1 || c.Header.Variables[0].Path != "/decoder/conv1/weight" {
			t.Fatalf("exported variables %+v, want only the trainable weight", c.Header.Variables)
		}
		s := model.NewStore()
		if err := c.Apply(s); err != nil {
			t.Fatal(err)
		}
		return s.GetVariable("/decoder/conv1/weight").MustValue().Value().([]float32)[0]
	}

	for _, tc := range []struct {
		name      string
		w, psnr   float64
		agg       string
		force     bool
		wantErr   string
		wantW     float32
		wantPrior float64 // NaN: nothing replaced
	}{
		{"first export", 1, 21.5, "sum", false, "", 1, math.NaN()},
		{"better run replaces", 2, 22.0, "sum", false, "", 2, 21.5},
		{"worse run is refused", 3, 21.0, "sum", false, "validation PSNR of 22.00 dB", 2, 0},
		{"worse run with force", 4, 21.0, "sum", true, "", 4, 22.0},
		{"another model's run", 5, 30.0, "max", true, `aggregation "max", not "sum"`, 4, 0},
	} {
		writeRun(t, run, float32(tc.w), meta(tc.psnr, tc.agg))
		rep, err := Export(store, to, tc.force)
		target := filepath.Join(to, "fashion-mnist-sum.ckpt")
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
			}
		} else if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		} else {
			if rep.To != target || rep.ValPSNR != tc.psnr || !(rep.Replaced == tc.wantPrior || math.IsNaN(rep.Replaced) && math.IsNaN(tc.wantPrior)) {
				t.Errorf("%s: report %+v, want %s, %.2f dB replacing %v", tc.name, rep, target, tc.psnr, tc.wantPrior)
			}
			h, err := training.LoadResultJSON(rep.History)
			if err != nil || len(h.Evals) != 1 || h.Evals[0].Metrics["psnr"] != tc.psnr {
				t.Errorf("%s: history %+v, %v", tc.name, h, err)
			} else if n := len(h.Losses); n != ShippedHistoryLosses || h.Losses[0].Step != 3 || h.Losses[n-1].Step != 3*ShippedHistoryLosses || h.Losses[0].Loss != 1 {
				t.Errorf("%s: history thinned to %d losses (first %+v), want %d means of 3 steps, each 1", tc.name, n, h.Losses[0], ShippedHistoryLosses)
			}
		}
		if got := weightOf(target); got != tc.wantW {
			t.Errorf("%s: the weights in %s are those of run %v, want %v", tc.name, target, got, tc.wantW)
		}
	}
	// No run at all: an error that says to train.
	if err := params.Set(store, ParamRunDir, filepath.Join(t.TempDir(), "none")); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(store, to, false); err == nil || !strings.Contains(err.Error(), "train first") {
		t.Errorf("export without a run: %v", err)
	}
}

// TestCheckWeights: weights recorded for another model than the one asked for are refused before
// anything is loaded, with an error naming the flag to change.
func TestCheckWeights(t *testing.T) {
	raw, err := fs.ReadFile(shipped, "weights/"+ShippedName("mnist", "max"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mnist-max.ckpt")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags map[string]string
		want  string // "": loads
	}{
		{map[string]string{}, ""},
		{map[string]string{ParamAggregation: "sum"}, `aggregation "max"`},
		{map[string]string{ParamDataset: "fashion-mnist"}, `dataset "mnist"`},
		{map[string]string{ParamChannels: "16"}, "--channels 8"},
		{map[string]string{ParamBlocks: "10"}, "--blocks 20"},
		{map[string]string{ParamBlockSize: "5"}, "--block_size 10"},
	} {
		_, err := LoadWeights(paperStore(t, tc.flags), path)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.flags, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want one containing %q", tc.flags, err, tc.want)
		}
	}
}

// TestShippedTrend fits the line of each shipped model's last doubling of epochs: it spans the
// second half of the epochs its history covers, and the validations stay close to it.
func TestShippedTrend(t *testing.T) {
	for _, ds := range Datasets {
		for _, agg := range Aggregations {
			tr, err := ShippedTrend(ds, agg)
			if err != nil {
				t.Errorf("%s %s: %v", ds, agg, err)
				continue
			}
			c, err := Shipped(ds, agg)
			if err != nil {
				t.Fatal(err)
			}
			epochs := metaFloat(c.Header.Meta, "epochs")
			if tr.To < epochs || tr.To > 1.05*epochs || math.Abs(tr.From-tr.To/2) > 5 || tr.N < 10 || !(tr.RMSE < 0.1) {
				t.Errorf("%s %s (%.1f epochs): %v; want the last doubling of its history, within 0.1 dB of the line", ds, agg, epochs, tr)
			}
		}
	}
	if _, err := ShippedTrend("cifar", "max"); err == nil {
		t.Error("a trend for weights that are not shipped")
	}
}
