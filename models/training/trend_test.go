package training

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// logLine returns values a + s·log₂ e, plus ±noise alternately, at the given epochs.
func logLine(epochs []float64, a, s, noise float64) []float64 {
	v := make([]float64, len(epochs))
	for i, e := range epochs {
		v[i] = a + s*math.Log2(e) + noise*float64(1-2*(i%2))
	}
	return v
}

func TestFitLogTrend(t *testing.T) {
	epochs := []float64{1, 2, 3, 4, 6, 8, 12, 16}
	for _, tc := range []struct {
		name             string
		epochs, values   []float64
		from, to         float64
		wantA, wantS     float64
		wantN            int
		wantFrom, wantTo float64
		wantRMSE         float64
	}{
		{"exact line", epochs, logLine(epochs, 12, 1.5, 0), 0, 100, 12, 1.5, 8, 1, 16, 0},
		{"window", epochs, logLine(epochs, 12, 1.5, 0), 3, 12, 12, 1.5, 5, 3, 12, 0},
		{"falling", epochs, logLine(epochs, 30, -0.25, 0), 0, 100, 30, -0.25, 8, 1, 16, 0},
		// ±0.1 alternating around 20 + log₂ e at log₂ e = 1…4: the residual pattern (0.1, −0.1, 0.1,
		// −0.1) regressed on (1, 2, 3, 4) has slope −0.04 and mean 0, so the fit is 20.1 + 0.96·log₂ e
		// and its residuals (0.04, −0.12, 0.12, −0.04) have RMSE √0.008.
		{"noisy", []float64{2, 4, 8, 16}, logLine([]float64{2, 4, 8, 16}, 20, 1, 0.1), 0, 100, 20.1, 0.96, 4, 2, 16, math.Sqrt(0.008)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := FitLogTrend(tc.epochs, tc.values, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			const tol = 1e-9
			if math.Abs(tr.Intercept-tc.wantA) > tol || math.Abs(tr.PerDoubling-tc.wantS) > tol || math.Abs(tr.RMSE-tc.wantRMSE) > tol {
				t.Errorf("line %g + %g·log₂ e (RMSE %g), want %g + %g·log₂ e (RMSE %g)", tr.Intercept, tr.PerDoubling, tr.RMSE, tc.wantA, tc.wantS, tc.wantRMSE)
			}
			if tr.N != tc.wantN || tr.From != tc.wantFrom || tr.To != tc.wantTo {
				t.Errorf("fitted %d points over %g–%g, want %d over %g–%g", tr.N, tr.From, tr.To, tc.wantN, tc.wantFrom, tc.wantTo)
			}
		})
	}
}

func TestLogTrendForecast(t *testing.T) {
	tr := LogTrend{Intercept: 10, PerDoubling: 2}
	if got := tr.At(8); got != 16 {
		t.Errorf("At(8) = %g, want 16", got)
	}
	if got := tr.EpochsTo(16); math.Abs(got-8) > 1e-12 {
		t.Errorf("EpochsTo(16) = %g, want 8", got)
	}
	for _, tc := range []struct {
		tr    LogTrend
		value float64
		want  float64
	}{
		{LogTrend{Intercept: 10, PerDoubling: 0}, 11, math.Inf(1)},
		{LogTrend{Intercept: 10, PerDoubling: -1}, 11, math.Inf(1)},
		{LogTrend{Intercept: 10, PerDoubling: -1}, 9, 0},
	} {
		if got := tc.tr.EpochsTo(tc.value); got != tc.want {
			t.Errorf("%+v.EpochsTo(%g) = %g, want %g", tc.tr, tc.value, got, tc.want)
		}
	}
	s := LogTrend{From: 67, To: 134, N: 68, PerDoubling: 1.664, RMSE: 0.0301}.String()
	if want := "+1.66 dB per doubling of epochs over epochs 67–134 (68 validations, RMSE 0.030)"; s != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
}

func TestFitLogTrendErrors(t *testing.T) {
	for _, tc := range []struct {
		name           string
		epochs, values []float64
		from, to       float64
		want           string
	}{
		{"lengths", []float64{1, 2, 3}, []float64{1, 2}, 0, 10, "3 epochs for 2 values"},
		{"too few", []float64{1, 2, 3}, []float64{1, 2, 3}, 2, 10, "2 validations between epochs 2 and 10"},
		{"one epoch", []float64{4, 4, 4}, []float64{1, 2, 3}, 0, 10, "need three or more at two epochs"},
		{"epoch 0 is left out", []float64{0, 1, 2}, []float64{1, 2, 3}, 0, 10, "2 validations"},
		{"NaN value", []float64{1, 2, 3}, []float64{1, math.NaN(), 3}, 0, 10, "point 1 (epoch 2, value NaN) is not finite"},
		{"infinite epoch", []float64{1, 2, math.Inf(1)}, []float64{1, 2, 3}, 0, math.Inf(1), "point 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FitLogTrend(tc.epochs, tc.values, tc.from, tc.to)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestResultTrend(t *testing.T) {
	// A run that continues another's step count (StartStep 1000) with 10 steps per epoch, validated
	// every 2 epochs on an exact line 20 + 1·log₂ e; a loss-only evaluation is ignored.
	r := &Result{StartStep: 1000}
	for e := 2; e <= 40; e += 2 {
		r.Evals = append(r.Evals, EvalPoint{Step: 1000 + 10*e, Metrics: map[string]float64{"psnr": 20 + math.Log2(float64(e))}})
	}
	r.Evals = append(r.Evals, EvalPoint{Step: 1500, Metrics: map[string]float64{"loss": 1}})
	tr, err := r.Trend("psnr", 10, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tr.From != 20 || tr.To != 40 || tr.N != 11 || math.Abs(tr.PerDoubling-1) > 1e-9 || math.Abs(tr.Intercept-20) > 1e-9 {
		t.Errorf("default window (last doubling): %+v, want epochs 20–40, 11 points, 20 + 1·log₂ e", tr)
	}
	if tr, err = r.Trend("psnr", 10, 4, 8); err != nil || tr.N != 3 || tr.From != 4 || tr.To != 8 {
		t.Errorf("window 4–8: %+v, %v; want 3 points", tr, err)
	}
	for _, tc := range []struct {
		step, at int
		ok       bool
	}{{1019, 0, false}, {1020, 1020, true}, {1055, 1040, true}, {9999, 1400, true}} {
		v, at, ok := r.ValueAt("psnr", tc.step)
		if ok != tc.ok || at != tc.at || (ok && v != 20+math.Log2(float64(at-1000)/10)) {
			t.Errorf("ValueAt(psnr, %d) = %g at %d (%v), want the validation at %d (%v)", tc.step, v, at, ok, tc.at, tc.ok)
		}
	}
	if _, _, ok := r.ValueAt("loss", 1499); ok {
		t.Errorf("ValueAt(loss, 1499) found a value before the only loss validation (1500)")
	}
	if _, err := r.Trend("ssim", 10, 0, 0); !errors.Is(err, ErrNoMetric) || !strings.Contains(err.Error(), `"ssim"`) {
		t.Errorf("unknown metric: %v, want ErrNoMetric naming it", err)
	}
	if _, err := r.Trend("psnr", 0, 0, 0); err == nil || !strings.Contains(err.Error(), "steps per epoch") {
		t.Errorf("zero steps per epoch: %v", err)
	}
	if _, err := r.Trend("psnr", 10, 39, 0); err == nil || !strings.Contains(err.Error(), `"psnr": log trend: 1 validations`) {
		t.Errorf("narrow window: %v", err)
	}
}

// TestTrendStopsAtRateChange checks that the default window (the last doubling) starts after the
// last change of the recorded learning rate, and that validations without a rate do not cut it.
func TestTrendStopsAtRateChange(t *testing.T) {
	lr := LearningRateKey("")
	r := &Result{}
	for e := 1; e <= 8; e++ {
		m := map[string]float64{"psnr": 10 + float64(e)}
		switch {
		case e <= 6:
			m[lr] = 1e-3
		case e == 7:
			// a validation that does not record its rate
		default:
			m[lr] = 1e-4
		}
		r.Evals = append(r.Evals, EvalPoint{Step: e, Metrics: m})
	}
	tr, err := r.Trend("psnr", 1, 0, 0)
	if err == nil || !strings.Contains(err.Error(), "2 validations") {
		t.Errorf("window after the change at epoch 6 (epochs 7–8): %+v, %v; want an error, two validations are too few", tr, err)
	}
	r.Evals[5].Metrics[lr] = 1e-4 // now the rate changes after epoch 5
	if tr, err = r.Trend("psnr", 1, 0, 0); err != nil || tr.From != 6 || tr.To != 8 || tr.N != 3 {
		t.Errorf("window after the change at epoch 5: %+v, %v; want epochs 6–8", tr, err)
	}
	r.Evals[4].Metrics[lr], r.Evals[5].Metrics[lr] = 1e-4, 1e-4 // the last at 1e-3 is at epoch 4, half of 8
	if tr, err = r.Trend("psnr", 1, 0, 0); err != nil || tr.From != 5 || tr.N != 4 {
		t.Errorf("window after the change at epoch 4: %+v, %v; want epochs 5–8", tr, err)
	}
	if tr, err = r.Trend("psnr", 1, 2, 0); err != nil || tr.From != 2 || tr.N != 7 {
		t.Errorf("a given from is kept whatever the rates: %+v, %v; want epochs 2–8", tr, err)
	}
	for _, tc := range []struct{ scope, want string }{{"", "learning_rate"}, {"generator", "learning_rate/generator"}, {"/d/", "learning_rate/d"}} {
		if got := LearningRateKey(tc.scope); got != tc.want {
			t.Errorf("LearningRateKey(%q) = %q, want %q", tc.scope, got, tc.want)
		}
	}
}

// powerCurve returns values limit − scale·e^(−alpha), plus ±noise alternately, at the given epochs.
func powerCurve(epochs []float64, limit, scale, alpha, noise float64) []float64 {
	v := make([]float64, len(epochs))
	for i, e := range epochs {
		v[i] = limit - scale*math.Pow(e, -alpha) + noise*float64(1-2*(i%2))
	}
	return v
}

func TestFitPowerTrend(t *testing.T) {
	var epochs []float64
	for e := 4.0; e <= 160; e += 4 {
		epochs = append(epochs, e)
	}
	for _, tc := range []struct {
		name                string
		values              []float64
		wantAlpha, alphaTol float64
		wantLimit           float64 // NaN: the log line, no limit
		wantRMSE, rmseTol   float64
	}{
		// 30 − 10·e^(−0.3) = 30 − 10/0.3·0.3·e^(−0.3): Intercept 20 at e = 1, Slope 3, Limit 30.
		{"exact power law", powerCurve(epochs, 30, 10, 0.3, 0), 0.3, 1e-6, 30, 0, 1e-9},
		{"steep power law", powerCurve(epochs, 25, 40, 1.5, 0), 1.5, 1e-6, 25, 0, 1e-9},
		// The log line is the curve with exponent 0: the fit keeps it and finds no limit.
		{"log line", logLine(epochs, 12, 1.5, 0), 0, 1e-6, math.NaN(), 0, 1e-9},
		// ±0.02 dB of noise on the first: the exponent within 0.03, the residual about the noise.
		{"noisy power law", powerCurve(epochs, 30, 10, 0.3, 0.02), 0.3, 0.03, 30, 0.02, 0.002},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := FitPowerTrend(epochs, tc.values, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(tr.Exponent-tc.wantAlpha) > tc.alphaTol || math.Abs(tr.RMSE-tc.wantRMSE) > tc.rmseTol {
				t.Errorf("exponent %g (RMSE %g), want %g ± %g (RMSE %g ± %g)", tr.Exponent, tr.RMSE, tc.wantAlpha, tc.alphaTol, tc.wantRMSE, tc.rmseTol)
			}
			if math.IsNaN(tc.wantLimit) {
				if tr.LevelsOff() {
					t.Errorf("a log line levels off: %v", tr)
				}
			} else if !tr.LevelsOff() || math.Abs(tr.Limit()-tc.wantLimit) > 100*tc.alphaTol {
				t.Errorf("limit %g (levels off: %v), want %g", tr.Limit(), tr.LevelsOff(), tc.wantLimit)
			}
			for i, e := range epochs {
				if d := math.Abs(tr.At(e) - tc.values[i]); d > tc.wantRMSE+tc.rmseTol+1e-6 && tc.wantRMSE == 0 {
					t.Errorf("At(%g) = %g, want %g", e, tr.At(e), tc.values[i])
				}
			}
			if tr.N != len(epochs) || tr.From != 4 || tr.To != 160 {
				t.Errorf("fitted %d points over %g–%g, want %d over 4–160", tr.N, tr.From, tr.To, len(epochs))
			}
			// The curve never fits worse than the log line it contains.
			if lt, err := FitLogTrend(epochs, tc.values, 0, 1000); err != nil || tr.RMSE > lt.RMSE+1e-12 {
				t.Errorf("RMSE %g above the log line's %g (%v)", tr.RMSE, lt.RMSE, err)
			}
		})
	}
}

func TestPowerTrendForecast(t *testing.T) {
	// 30 − 10·e^(−1): Intercept 20, Slope 10, Limit 30; 25 at e = 2, 27.5 at e = 4.
	tr := PowerTrend{From: 1, To: 2, N: 4, Exponent: 1, Intercept: 20, Slope: 10}
	for _, tc := range []struct{ epochs, want float64 }{{1, 20}, {2, 25}, {4, 27.5}, {math.Inf(1), 30}} {
		if got := tr.At(tc.epochs); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("At(%g) = %g, want %g", tc.epochs, got, tc.want)
		}
	}
	for _, tc := range []struct {
		tr    PowerTrend
		value float64
		want  float64
	}{
		{tr, 27.5, 4},
		{tr, 30, math.Inf(1)},
		{tr, 31, math.Inf(1)},
		{PowerTrend{Intercept: 10, Slope: 1}, 10 + math.Log(8), 8}, // exponent 0: the log line
		{PowerTrend{Exponent: 0.5, Intercept: 10, Slope: -1}, 11, math.Inf(1)},
		{PowerTrend{Exponent: 0.5, Intercept: 10, Slope: -1}, 9, 0},
	} {
		if got := tc.tr.EpochsTo(tc.value); math.Abs(got-tc.want) > 1e-9 && got != tc.want {
			t.Errorf("%+v.EpochsTo(%g) = %g, want %g", tc.tr, tc.value, got, tc.want)
		}
	}
	if l := (PowerTrend{Intercept: 10, Slope: 1}).Limit(); !math.IsInf(l, 1) {
		t.Errorf("the log line's limit %g, want +Inf", l)
	}
	if want := "levels off towards 30.00 dB, each doubling of epochs gaining 0.50× the one before (+2.50 dB from epoch 2 to 4), over epochs 1–2 (4 validations, RMSE 0.000)"; tr.String() != want {
		t.Errorf("String() = %q, want %q", tr.String(), want)
	}
	flat := PowerTrend{From: 80, To: 160, N: 81, Exponent: 0.005, Intercept: 10, Slope: 1}
	if s := flat.String(); !strings.HasPrefix(s, "does not level off visibly (exponent 0.005; +0.67 dB from epoch 160 to 320)") {
		t.Errorf("String() = %q", s)
	}
}

func TestFitPowerTrendErrors(t *testing.T) {
	for _, tc := range []struct {
		name           string
		epochs, values []float64
		want           string
	}{
		{"lengths", []float64{1, 2, 3}, []float64{1, 2}, "power trend: 3 epochs for 2 values"},
		{"three points", []float64{1, 2, 3}, []float64{1, 2, 3}, "3 validations between epochs 0 and 10, need four or more at three epochs"},
		{"two epochs", []float64{1, 1, 2, 2}, []float64{1, 2, 3, 4}, "need four or more at three epochs"},
		{"NaN value", []float64{1, 2, 3, 4}, []float64{1, math.NaN(), 3, 4}, "point 1 (epoch 2, value NaN) is not finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FitPowerTrend(tc.epochs, tc.values, 0, 10)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestResultPowerTrend checks that Result.PowerTrend fits the window Result.Trend fits.
func TestResultPowerTrend(t *testing.T) {
	r := &Result{StartStep: 1000}
	for e := 2; e <= 40; e += 2 {
		r.Evals = append(r.Evals, EvalPoint{Step: 1000 + 10*e, Metrics: map[string]float64{"psnr": 30 - 10/math.Sqrt(float64(e))}})
	}
	tr, err := r.PowerTrend("psnr", 10, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tr.From != 20 || tr.To != 40 || tr.N != 11 || math.Abs(tr.Exponent-0.5) > 1e-6 || math.Abs(tr.Limit()-30) > 1e-4 {
		t.Errorf("default window (last doubling): %+v (limit %g), want epochs 20–40, 11 points, exponent 0.5, limit 30", tr, tr.Limit())
	}
	if _, err := r.PowerTrend("ssim", 10, 0, 0); !errors.Is(err, ErrNoMetric) || !strings.Contains(err.Error(), `power trend of "ssim"`) {
		t.Errorf("unknown metric: %v, want ErrNoMetric naming it", err)
	}
	if _, err := r.PowerTrend("psnr", 10, 36, 0); err == nil || !strings.Contains(err.Error(), `"psnr": power trend: 3 validations`) {
		t.Errorf("narrow window: %v", err)
	}
}
