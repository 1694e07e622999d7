package aae

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/solvers"
	"github.com/sparselab/sparselab/solvers/linop"
)

// TestSRMeasurement: the zero measurement is the paper's; other factors shrink y accordingly, the
// noise has the asked standard deviation and is reproducible from its seed; bad values are
// errors, naming the flag when they come from flags.
func TestSRMeasurement(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	truth := &datasets.Images{Name: "synth", N: 20, Height: ImageSize, Width: ImageSize, Channels: 1}
	for i := range truth.N {
		truth.Pixels = append(truth.Pixels, synthImage(float32(i+1)/20)...)
	}
	if m := (SRMeasurement{}); !m.IsPaper() || m.String() != "×2, blur σ = 0.7, noise-free" {
		t.Errorf("zero measurement: paper %v, %q", m.IsPaper(), m)
	}
	clean, err := NewSRProblem(b, truth)
	if err != nil {
		t.Fatal(err)
	}
	if len(clean.Y) != truth.N*14*14 || clean.Measurement != (SRMeasurement{Factor: 2, Sigma: 0.7}) {
		t.Fatalf("paper's problem: %d measurements, %+v", len(clean.Y), clean.Measurement)
	}
	x4, err := NewSRProblemWith(b, truth, SRMeasurement{Factor: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(x4.Y) != truth.N*7*7 || x4.Measurement.IsPaper() {
		t.Errorf("×4: %d measurements, want %d; paper %v", len(x4.Y), truth.N*7*7, x4.Measurement.IsPaper())
	}
	for _, grid := range []linop.Grid{linop.HalfPixel, linop.Decimated} {
		if bl, err := x4.Baseline(b, linop.Bicubic, grid); err != nil || len(bl.X) != len(truth.Pixels) {
			t.Errorf("×4 %v baseline: %v", grid, err)
		} else if want := BaselineName(linop.Bicubic, grid); bl.Method != want {
			t.Errorf("×4 %v baseline named %q, want %q", grid, bl.Method, want)
		}
	}
	noisy := func(seed uint64) []float32 {
		p, err := NewSRProblemWith(b, truth, SRMeasurement{Noise: 0.05, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return p.Y
	}
	a, a2, c := noisy(1), noisy(1), noisy(2)
	var ss float64
	same := true
	for i := range a {
		d := float64(a[i] - clean.Y[i])
		ss += d * d
		same = same && a[i] == a2[i]
	}
	if std := math.Sqrt(ss / float64(len(a))); math.Abs(std-0.05) > 0.005 || !same || a[0] == c[0] {
		t.Errorf("noise: std %.4f (want 0.05), same seed reproduces %v, other seed differs %v", std, same, a[0] != c[0])
	}
	for _, m := range []SRMeasurement{{Factor: 3}, {Factor: -1}, {Sigma: -1}, {Noise: math.NaN()}, {Noise: -0.1}} {
		if _, err := NewSRProblemWith(b, truth, m); err == nil || !strings.Contains(err.Error(), "aae: super-resolution") {
			t.Errorf("%+v: error %v", m, err)
		}
	}
	for _, tc := range []struct{ name, value, want string }{
		{ParamSRFactor, "3", "--sr_factor must divide the image size 28 (2, 4, 7 or 14), got 3"},
		{ParamSRFactor, "0", "--sr_factor must divide"},
		{ParamSRSigma, "0", "--sr_sigma must be a positive number, got 0"},
		{ParamSRNoise, "-0.1", "--sr_noise must be 0 (noise-free) or a positive number, got -0.1"},
		{ParamSRNoise, "+Inf", "--sr_noise must be 0"},
		{ParamSRFactor, "4", ""},
	} {
		store, err := params.NewStore(Specs()...)
		if err != nil {
			t.Fatal(err)
		}
		if err := params.Set(store, tc.name, tc.value); err != nil {
			t.Fatal(err)
		}
		m, err := SRMeasurementOf(store)
		switch {
		case tc.want == "" && (err != nil || m.Factor != 4 || m.Sigma != SRSigma || m.Noise != 0):
			t.Errorf("%s=%s: %+v, %v", tc.name, tc.value, m, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s=%s: error %v, want one containing %q", tc.name, tc.value, err, tc.want)
		}
	}
}

// TestFinalize: PGD frees the projector it compiles, so solving the same problem again (or
// another) gives the same answer; a finalized problem or analyzer returns an error, not a panic.
func TestFinalize(t *testing.T) {
	b := goBackend(t)
	store := tinyStore("max")
	prob, err := NewSRProblem(b, testImages(3))
	if err != nil {
		t.Fatal(err)
	}
	set := &solvers.PGDSettings{Rule: solvers.BestResidualStep, Iterations: 2}
	r1, err := prob.PGD(b, store, "MAX", set)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := prob.PGD(b, store, "MAX", set)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r1.X, r2.X) {
		t.Error("a second PGD solve of the same problem gave another answer")
	}
	prob.Finalize()
	prob.Finalize() // twice is harmless
	if _, err := prob.PGD(b, store, "MAX", set); err == nil || !strings.Contains(err.Error(), "finalized") {
		t.Errorf("PGD after Finalize: want an error saying so, got %v", err)
	}
	a := newAnalyzer(t, tinyStore("max"))
	if _, err := a.Atoms(testImages(2)); err != nil {
		t.Fatal(err)
	}
	a.Finalize()
	if _, err := a.Atoms(testImages(2)); err == nil || !strings.Contains(err.Error(), "NewAnalyzer") {
		t.Errorf("Atoms after Finalize: want an error naming NewAnalyzer, got %v", err)
	}
	if _, err := a.Decode(make([]float32, testBlocks*testBlockSize)); err == nil || !strings.Contains(err.Error(), "finalized") {
		t.Errorf("Decode after Finalize: want an error saying so, got %v", err)
	}
}
