package invert

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/sparselab/sparselab/models/backend/backendtest"
)

// TestSweepSegments runs a small random-weights sweep (n_0 = 10, n_2 = 150) and checks the
// theory's predictions: below n_1 = 2·n_0 the latent vector is not recovered by any method; well
// above it the layer-wise methods recover every layer exactly.
func TestSweepSegments(t *testing.T) {
	b := backendtest.Get(t, "go")
	res, err := Sweep(SweepSettings{LatentSize: 10, ImageSize: 150, Widths: []int{8, 60, 100}, Trials: 3, Seed: 1,
		Backend: b, GD: &GDSettings{Steps: 500}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) != 3*3*3 {
		t.Fatalf("%d trials, want 27", len(res.Trials))
	}
	for _, r := range res.Summary() {
		t.Logf("n1=%d %-15s median SNR %.1f success %.0f%% s1=%.0f unique %.0f%% %.3fs", r.Width, r.Method, r.MedianSNR, 100*r.Success, r.MeanCardinality, 100*r.UniqueFraction, r.MeanSeconds)
		switch {
		case r.Width == 8 && r.MedianSNR[0] > 30:
			t.Errorf("n1=%d < 2·n0: %s recovered z (median %.1f dB); uniqueness says it cannot", r.Width, r.Method, r.MedianSNR[0])
		case r.Width >= 60 && r.Method != MethodGD && r.Success < 1:
			t.Errorf("n1=%d: %s recovered only %.0f%% of the trials exactly", r.Width, r.Method, 100*r.Success)
		}
		if r.Width == 8 && r.UniqueFraction != 0 {
			t.Errorf("n1=8: uniqueness holds in %.0f%% of trials", 100*r.UniqueFraction)
		}
	}
	x, s := res.Samples(MethodLatentPursuit, 2)
	if len(x) != 3 || len(s[1]) != 3 {
		t.Errorf("Samples: %v, %v", x, s)
	}
	// JSON round trip keeps NaN as null.
	res.Trials[0].LayerSNR[0] = math.NaN()
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back SweepResult
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.Trials[0].LayerSNR[0]) || back.Trials[1].LayerSNR[0] != res.Trials[1].LayerSNR[0] {
		t.Errorf("JSON round trip: %v vs %v", back.Trials[:2], res.Trials[:2])
	}
}

func TestSweepSettingsErrors(t *testing.T) {
	b := backendtest.Get(t, "go")
	for name, tc := range map[string]struct {
		set  SweepSettings
		want string
	}{
		"gd without backend": {SweepSettings{Methods: []string{MethodGD}}, "Backend"},
		"unknown method":     {SweepSettings{Methods: []string{"magic"}}, "magic"},
		"bad width":          {SweepSettings{Widths: []int{0}, Methods: []string{MethodOracle}}, "width 0"},
		"negative threshold": {SweepSettings{Methods: []string{MethodLayeredBP}, Pursuit: &Settings{SupportThreshold: -1}}, "SupportThreshold"},
		// Gradient-descent settings every trial would reject fail the call before any trial runs,
		// instead of counting each trial as a failed inversion.
		"negative GD steps": {SweepSettings{Widths: []int{20}, Trials: 1, Methods: []string{MethodGD}, Backend: b,
			GD: &GDSettings{Steps: -3}}, "gradient-descent settings"},
		"negative GD step": {SweepSettings{Widths: []int{20}, Trials: 1, Methods: []string{MethodGD}, Backend: b,
			GD: &GDSettings{LearningRate: -1}}, "LearningRate > 0"},
	} {
		res, err := Sweep(tc.set)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", name, err, tc.want)
		}
		if res != nil {
			t.Errorf("%s: a result beside the error", name)
		}
	}
}

// TestInvertSamples inverts a few samples of a random 3-layer generator with a rows mask and
// checks that Latent-Pursuit and the oracle recover them and the summary is consistent.
func TestInvertSamples(t *testing.T) {
	b := backendtest.Get(t, "go")
	net, _ := gdProblem(11, []int{8, 40, 120, 400}, PLU, 0)
	res, err := InvertSamples(net, InversionSettings{Samples: 4, Mask: MaskRows, Height: 20, Width: 20, HiddenRows: 5,
		Backend: b, GD: &GDSettings{Steps: 300}, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Observed != 300 || len(res.Truth) != 4 || len(res.Images[MethodGD]) != 4 {
		t.Fatalf("observed %d, %d truths, %d GD images", res.Observed, len(res.Truth), len(res.Images[MethodGD]))
	}
	rows := res.Summary()
	if len(rows) != 3 {
		t.Fatalf("%d summary rows", len(rows))
	}
	for _, r := range rows {
		t.Logf("%-15s median SNR %.1f failures %.0f%% %.3fs", r.Method, r.MedianSNR, 100*r.Failures, r.MeanSeconds)
		if r.Method != MethodGD && r.MedianSNR[len(r.MedianSNR)-1] < 60 {
			t.Errorf("%s: median image SNR %.1f dB < 60", r.Method, r.MedianSNR[len(r.MedianSNR)-1])
		}
	}
	if got := res.Cases(MethodLatentPursuit, MethodGD, 2); len(got) != 2 {
		t.Errorf("Cases: %v", got)
	}
	if _, err := InvertSamples(net, InversionSettings{Mask: MaskRows, Methods: []string{MethodOracle}}); err == nil {
		t.Errorf("rows mask on a 400-pixel generator with the default 28×28: no error")
	}
	// Settings every sample would reject fail the call, naming the setting, instead of counting
	// each sample as a failed inversion.
	for name, tc := range map[string]struct {
		set  InversionSettings
		want string
	}{
		"negative support threshold": {InversionSettings{Samples: 2, Methods: []string{MethodOracle}, Pursuit: &Settings{SupportThreshold: -1}}, "SupportThreshold"},
		"negative GD step":           {InversionSettings{Samples: 2, Methods: []string{MethodGD}, Backend: b, GD: &GDSettings{LearningRate: -1}}, "LearningRate > 0"},
		"rows mask hiding every row": {InversionSettings{Samples: 2, Mask: MaskRows, Height: 20, Width: 20, HiddenRows: 20, Methods: []string{MethodOracle}}, "hiding 20 of 20 rows"},
		"negative hidden rows":       {InversionSettings{Samples: 2, Mask: MaskRows, Height: 20, Width: 20, HiddenRows: -1, Methods: []string{MethodOracle}}, "need 1 to 19"},
	} {
		if _, err := InvertSamples(net, tc.set); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", name, err, tc.want)
		}
	}
}
