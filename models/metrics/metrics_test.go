package metrics

import (
	"fmt"
	"math"
	"testing"
)

func TestPSNRKnownValues(t *testing.T) {
	for _, tc := range []struct {
		ref, est []float32
		peak     float64
		want     float64
	}{
		{[]float32{0, 0, 0, 0}, []float32{0.1, 0.1, 0.1, 0.1}, 1, 20},   // MSE 0.01
		{[]float32{1, 0}, []float32{0.9, 0.1}, 1, 20},                   // MSE 0.01
		{[]float32{0, 0}, []float32{1, 0}, 1, 10 * math.Log10(2)},       // MSE 0.5
		{[]float32{0, 0}, []float32{2, 0}, 2, 10 * math.Log10(4.0/2.0)}, // peak 2, MSE 2
	} {
		if got := PSNR(tc.ref, tc.est, tc.peak); math.Abs(got-tc.want) > 1e-5 {
			t.Errorf("PSNR(%v, %v) = %v, want %v", tc.ref, tc.est, got, tc.want)
		}
	}
	if got := PSNR([]float32{0.5}, []float32{0.5}, 1); !math.IsInf(got, 1) {
		t.Errorf("identical images: %v, want +Inf", got)
	}
}

func TestBatchPSNRAndSummary(t *testing.T) {
	ref := []float32{0, 0, 0, 0}
	est := []float32{0.1, 0.1, 0, 1}
	got, err := BatchPSNR(ref, est, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{20, 10 * math.Log10(2)}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-5 {
			t.Errorf("image %d: %v, want %v", i, got[i], want[i])
		}
	}
	s := Summarize([]float64{1, 2, 3, 4})
	if s.Mean != 2.5 || math.Abs(s.Std-math.Sqrt(1.25)) > 1e-12 || s.N != 4 || s.Min != 1 || s.Max != 4 {
		t.Errorf("Summarize = %+v", s)
	}
	if _, err := BatchPSNR(ref, est, 3, 1); err == nil {
		t.Error("want an error for a ragged batch")
	}
}

func TestSNR(t *testing.T) {
	if got := SNR([]float64{3, 4}, []float64{3, 3.5}); math.Abs(got-10*math.Log10(25/0.25)) > 1e-9 {
		t.Errorf("SNR = %v", got)
	}
}

func ExampleSummarize() {
	psnrs, _ := BatchPSNR([]float32{0, 0, 1, 1}, []float32{0.1, 0.1, 0.99, 0.99}, 2, 1)
	fmt.Println(Summarize(psnrs))
	// Output: 30.00 ± 10.00
}

func TestQuantile(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{[]float64{3, 1, 2}, 0.5, 2},
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},
		{[]float64{1, 2, 3, 4}, 0.1, 1.3},
		{[]float64{5, math.NaN(), 1}, 1, 5},
		{[]float64{7}, 0.9, 7},
	} {
		if got := Quantile(c.xs, c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Quantile(%v, %g) = %g, want %g", c.xs, c.p, got, c.want)
		}
	}
	if !math.IsNaN(Quantile([]float64{math.NaN()}, 0.5)) {
		t.Error("Quantile of no values should be NaN")
	}
}
