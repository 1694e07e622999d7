package training

import (
	"math"
	"strings"
	"testing"
)

// curveResult is a history starting at step 1000, 10 steps per epoch, validated every epoch
// from 1 to last with psnr = f(epoch).
func curveResult(last int, f func(e float64) float64) *Result {
	r := &Result{StartStep: 1000}
	for e := 1; e <= last; e++ {
		r.Evals = append(r.Evals, EvalPoint{Step: 1000 + 10*e, Metrics: map[string]float64{"psnr": f(float64(e))}})
	}
	return r
}

func TestBackTest(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		f                    func(e float64) float64
		epoch                float64
		wantLine, wantCurve  float64 // forecast errors
		wantMiss             float64
		wantMeasured, wantAt float64
	}{
		// On an exact log line both fits are exact: no error, bracketed.
		{"log line", func(e float64) float64 { return 12 + 1.5*math.Log2(e) }, 40, 0, 0, 0, 12 + 1.5*math.Log2(40), 40},
		// On a power law with α = 0.5 the curve is exact and the line, which keeps the gain per
		// doubling of epochs 10–20, forecasts high.
		{"power law", func(e float64) float64 { return 30 - 10/math.Sqrt(e) }, 40, math.NaN(), 0, 0, 30 - 10/math.Sqrt(40), 40},
		// A jump after the fitted window: both forecast low by the jump, the nearer (the line)
		// misses by it.
		{"jump", func(e float64) float64 {
			if e > 30 {
				return 13 + math.Log2(e)
			}
			return 12 + math.Log2(e)
		}, 40, -1, -1, 1, 13 + math.Log2(40), 40},
		// Forecast between validations: the measured value is the last one before.
		{"between validations", func(e float64) float64 { return 12 + 1.5*math.Log2(e) }, 40.4, 1.5 * math.Log2(40.4/40), 1.5 * math.Log2(40.4/40), 1.5 * math.Log2(40.4/40), 12 + 1.5*math.Log2(40), 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := curveResult(50, tc.f)
			b, err := r.BackTest("psnr", 10, tc.epoch)
			if err != nil {
				t.Fatal(err)
			}
			const tol = 1e-6
			if b.Line.From != math.Ceil(tc.epoch/4) || b.Line.To != math.Floor(tc.epoch/2) || b.Curve.N != b.Line.N {
				t.Errorf("fitted epochs %g–%g (%d and %d validations), want %g–%g", b.Line.From, b.Line.To, b.Line.N, b.Curve.N, tc.epoch/4, tc.epoch/2)
			}
			if math.Abs(b.Measured-tc.wantMeasured) > 1e-12 || b.MeasuredAt != tc.wantAt {
				t.Errorf("measured %g at epoch %g, want %g at %g", b.Measured, b.MeasuredAt, tc.wantMeasured, tc.wantAt)
			}
			if !math.IsNaN(tc.wantLine) && math.Abs(b.LineError()-tc.wantLine) > tol {
				t.Errorf("line error %g, want %g", b.LineError(), tc.wantLine)
			}
			if math.IsNaN(tc.wantLine) && !(b.LineError() > 0.1) {
				t.Errorf("line error %g, want the line to forecast high", b.LineError())
			}
			if math.Abs(b.CurveError()-tc.wantCurve) > tol || math.Abs(b.Miss()-tc.wantMiss) > tol {
				t.Errorf("curve error %g, miss %g, want %g and %g", b.CurveError(), b.Miss(), tc.wantCurve, tc.wantMiss)
			}
		})
	}
	t.Run("miss", func(t *testing.T) {
		// Forecasts (line, curve) against the measured value 10.
		for _, c := range []struct{ line, curve, miss float64 }{{11, 9, 0}, {9, 11, 0}, {10.5, 10.2, 0.2}, {9.5, 9.7, 0.3}, {10, 12, 0}} {
			b := BackTest{Epoch: 1, Line: LogTrend{Intercept: c.line}, Curve: PowerTrend{Intercept: c.curve}, Measured: 10}
			if got := b.Miss(); math.Abs(got-c.miss) > 1e-12 {
				t.Errorf("line %g, curve %g, measured 10: miss %g, want %g", c.line, c.curve, got, c.miss)
			}
		}
	})
	r := curveResult(50, func(e float64) float64 { return 12 + math.Log2(e) })
	for _, tc := range []struct {
		name, metric string
		epoch        float64
		want         string
	}{
		{"zero epoch", "psnr", 0, "the epoch to forecast must be positive"},
		{"too few validations", "psnr", 10, "back-test for epoch 10: \"psnr\": power trend: 3 validations"},
		{"unknown metric", "ssim", 40, "back-test for epoch 40: log trend of \"ssim\""},
		{"past the history", "psnr", 60, "back-test for epoch 60: the last validation of \"psnr\" is at epoch 50.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.BackTest(tc.metric, 10, tc.epoch)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestDoublingEpochs(t *testing.T) {
	for _, tc := range []struct {
		first, last float64
		want        []float64
	}{
		{20, 196.2, []float64{20, 40, 80, 160, 196.2}},
		{20, 160, []float64{20, 40, 80, 160}},
		{20, 20, []float64{20}},
		{20, 19, nil},
		{0, 100, nil},
	} {
		got := DoublingEpochs(tc.first, tc.last)
		if len(got) != len(tc.want) {
			t.Errorf("DoublingEpochs(%g, %g) = %v, want %v", tc.first, tc.last, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("DoublingEpochs(%g, %g) = %v, want %v", tc.first, tc.last, got, tc.want)
				break
			}
		}
	}
}
