package training

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// LogTrend is a straight line through a validation metric against the base-2 logarithm of the
// training length,
//
//	v(e) ≈ Intercept + PerDoubling · log₂ e,
//
// fitted by least squares over the validations with From ≤ e ≤ To (e in epochs). At one learning
// rate the validation PSNR of the paper-000 autoencoders follows such a line closely for hundreds of
// epochs (the curves are straight on a log-epoch axis), so PerDoubling answers "what would training
// twice as long give?". As a forecast it is optimistic: a curve that levels off falls below the
// line, never above it for long, and a change of learning rate inside the window breaks the fit
// ([Result.Trend]'s default window stops at the last change the history records). [PowerTrend] is
// the pessimistic counterpart.
type LogTrend struct {
	From, To    float64 // epochs of the first and last validation fitted
	N           int     // validations fitted
	Intercept   float64 // the line's value at epoch 1
	PerDoubling float64 // gain per doubling of the epochs
	RMSE        float64 // root mean square distance of the fitted validations from the line
}

// At is the line's value after epochs epochs.
func (t LogTrend) At(epochs float64) float64 { return t.Intercept + t.PerDoubling*math.Log2(epochs) }

// EpochsTo is the number of epochs at which the line reaches value: +Inf when it never does (a
// line that does not rise, below value); 0 when it is there from the start.
func (t LogTrend) EpochsTo(value float64) float64 {
	if !(t.PerDoubling > 0) {
		if t.Intercept >= value {
			return 0
		}
		return math.Inf(1)
	}
	return math.Exp2((value - t.Intercept) / t.PerDoubling)
}

// String describes the line in one phrase, such as
// "+1.66 dB per doubling of epochs over epochs 67–134 (68 validations, RMSE 0.030)".
func (t LogTrend) String() string {
	return fmt.Sprintf("%+.2f dB per doubling of epochs over epochs %.0f–%.0f (%d validations, RMSE %.3f)",
		t.PerDoubling, t.From, t.To, t.N, t.RMSE)
}

// FitLogTrend fits a [LogTrend] to values measured after epochs, keeping the points with
// from ≤ epoch ≤ to and epoch > 0 (log₂ 0 is not a number). It needs at least three of them, at
// two or more distinct epochs, all finite; the error says which condition failed.
func FitLogTrend(epochs, values []float64, from, to float64) (LogTrend, error) {
	e, y, err := trendPoints("log trend", epochs, values, from, to, 2)
	if err != nil {
		return LogTrend{}, err
	}
	x := make([]float64, len(e))
	for i := range e {
		x[i] = math.Log2(e[i])
	}
	t := LogTrend{From: floats.Min(e), To: floats.Max(e), N: len(e)}
	t.Intercept, t.PerDoubling = stat.LinearRegression(x, y, nil, false)
	t.RMSE = rmse(x, y, t.Intercept, t.PerDoubling)
	return t, nil
}

// trendPoints keeps the points with from ≤ epoch ≤ to and epoch > 0, which must be finite and
// number at least distinct+1, at distinct epochs or more (one per parameter of the fit, and one to
// spare).
func trendPoints(kind string, epochs, values []float64, from, to float64, distinct int) (e, y []float64, err error) {
	if len(epochs) != len(values) {
		return nil, nil, fmt.Errorf("%s: %d epochs for %d values", kind, len(epochs), len(values))
	}
	seen := map[float64]bool{}
	for i, ep := range epochs {
		if ep < from || ep > to || ep <= 0 {
			continue
		}
		if math.IsInf(ep, 0) || math.IsNaN(ep) || math.IsNaN(values[i]) || math.IsInf(values[i], 0) {
			return nil, nil, fmt.Errorf("%s: point %d (epoch %g, value %g) is not finite", kind, i, ep, values[i])
		}
		e, y = append(e, ep), append(y, values[i])
		seen[ep] = true
	}
	if len(e) < distinct+1 || len(seen) < distinct {
		return nil, nil, fmt.Errorf("%s: %d validations between epochs %g and %g, need %s or more at %s epochs at least (widen the window, or validate more often with --eval_every)",
			kind, len(e), from, to, numberWords[distinct+1], numberWords[distinct])
	}
	return e, y, nil
}

var numberWords = []string{"zero", "one", "two", "three", "four", "five"}

// rmse is the root mean square distance of the points (x, y) from the line a + b·x.
func rmse(x, y []float64, a, b float64) float64 {
	var ss float64
	for i := range x {
		r := y[i] - (a + b*x[i])
		ss += r * r
	}
	return math.Sqrt(ss / float64(len(x)))
}

// PowerTrend is a validation curve that levels off: against the training length e (in epochs),
//
//	v(e) ≈ Intercept + Slope · (1 − e^(−Exponent)) / Exponent,
//
// fitted by least squares over the validations with From ≤ e ≤ To. With Exponent α > 0 it is the
// power law v∞ − b·e^(−α) of learning-curve studies, rising towards the limit v∞ = Intercept +
// Slope/α (see [PowerTrend.Limit]); each doubling of the epochs then gains 2^(−α) times what the
// doubling before gained, where a [LogTrend] gains the same every time. At α = 0 it is the log line
// Intercept + Slope·ln e, so over the fitted validations it fits at least as well as the line.
// Intercept is the value at epoch 1, Slope the gain per unit of ln e there.
//
// Where the log line tends to forecast high, this curve tends to forecast low: on this project's
// 1e-4-from-scratch MNIST MAX-AAE run (models/aae/experiments has the back-tests) the two together
// bracket what the next doubling of epochs gave, or miss it by little. A history whose learning rate
// drops inside the window rises in steps that neither describes; there the fit usually settles on
// the line (Exponent near 0).
type PowerTrend struct {
	From, To  float64 // epochs of the first and last validation fitted
	N         int     // validations fitted
	Exponent  float64 // α ≥ 0: each doubling of epochs gains 2^(−α) times the one before
	Intercept float64 // the curve's value at epoch 1
	Slope     float64 // the gain per unit of ln e at epoch 1
	RMSE      float64 // root mean square distance of the fitted validations from the curve
}

// MaxPowerExponent bounds the exponent [FitPowerTrend] tries; MinLevelling is the smallest one
// [PowerTrend.LevelsOff] reports as levelling off: below it the gain per doubling shrinks by under
// 7% per doubling, too little to tell from a line over one or two doublings of noisy validations,
// and the limit, Slope/Exponent above Intercept, is then too uncertain to quote.
const (
	MaxPowerExponent = 4.0
	MinLevelling     = 0.1
)

// powerX is the curve's shape at epochs e: (1 − e^(−α))/α, ln e at α = 0.
func powerX(alpha, e float64) float64 {
	if alpha == 0 {
		return math.Log(e)
	}
	return -math.Expm1(-alpha*math.Log(e)) / alpha
}

// At is the curve's value after epochs epochs.
func (t PowerTrend) At(epochs float64) float64 {
	return t.Intercept + t.Slope*powerX(t.Exponent, epochs)
}

// Limit is the value the curve tends to with unlimited training: Intercept + Slope/Exponent, ±Inf at
// Exponent 0 (the log line).
func (t PowerTrend) Limit() float64 {
	if t.Exponent == 0 {
		return t.Intercept + t.Slope*math.Inf(1)
	}
	return t.Intercept + t.Slope/t.Exponent
}

// LevelsOff reports whether the fit found a curve that levels off (Exponent ≥ [MinLevelling]) and
// rises towards its limit.
func (t PowerTrend) LevelsOff() bool { return t.Exponent >= MinLevelling && t.Slope > 0 }

// EpochsTo is the number of epochs at which the curve reaches value: +Inf when it never does (at
// or above its limit, or a curve that does not rise, below value); 0 when a curve that does not
// rise is there from the start.
func (t PowerTrend) EpochsTo(value float64) float64 {
	if !(t.Slope > 0) {
		if t.Intercept >= value {
			return 0
		}
		return math.Inf(1)
	}
	u := (value - t.Intercept) / t.Slope // the x at which the curve reaches value
	if t.Exponent == 0 {
		return math.Exp(u)
	}
	if r := 1 - t.Exponent*u; r > 0 {
		return math.Exp(-math.Log(r) / t.Exponent)
	}
	return math.Inf(1)
}

// String describes the curve in one phrase, such as "levels off towards 34.39 dB, each doubling of
// epochs gaining 0.87× the one before (+1.44 dB from epoch 160 to 320), over epochs 40–160 (121
// validations, RMSE 0.033)", or, below [MinLevelling], "does not level off visibly (exponent
// 0.005) …".
func (t PowerTrend) String() string {
	next := fmt.Sprintf("%+.2f dB from epoch %.0f to %.0f", t.At(2*t.To)-t.At(t.To), t.To, 2*t.To)
	fit := fmt.Sprintf("over epochs %.0f–%.0f (%d validations, RMSE %.3f)", t.From, t.To, t.N, t.RMSE)
	if !t.LevelsOff() {
		return fmt.Sprintf("does not level off visibly (exponent %.3f; %s), %s", t.Exponent, next, fit)
	}
	return fmt.Sprintf("levels off towards %.2f dB, each doubling of epochs gaining %.2f× the one before (%s), %s",
		t.Limit(), math.Exp2(-t.Exponent), next, fit)
}

// FitPowerTrend fits a [PowerTrend] to values measured after epochs, keeping the points with
// from ≤ epoch ≤ to and epoch > 0. For a given exponent the curve is linear in Intercept and
// Slope, so it fits those by linear regression (gonum's stat.LinearRegression) and searches the
// exponent in [0, [MaxPowerExponent]] for the smallest residual: a log-spaced grid, then golden-
// section search around its best point. It needs at least four points, at three or more distinct
// epochs, all finite; the error says which condition failed.
func FitPowerTrend(epochs, values []float64, from, to float64) (PowerTrend, error) {
	e, y, err := trendPoints("power trend", epochs, values, from, to, 3)
	if err != nil {
		return PowerTrend{}, err
	}
	x := make([]float64, len(e))
	fit := func(alpha float64) PowerTrend {
		for i := range e {
			x[i] = powerX(alpha, e[i])
		}
		t := PowerTrend{Exponent: alpha}
		t.Intercept, t.Slope = stat.LinearRegression(x, y, nil, false)
		t.RMSE = rmse(x, y, t.Intercept, t.Slope)
		return t
	}
	// The grid: 0, then 96 exponents from 10⁻³ to MaxPowerExponent, evenly spaced in log.
	const n = 96
	alphas := []float64{0}
	for i := 0; i < n; i++ {
		alphas = append(alphas, 1e-3*math.Pow(MaxPowerExponent/1e-3, float64(i)/(n-1)))
	}
	best, t := 0, fit(alphas[0])
	for i, a := range alphas[1:] {
		if f := fit(a); f.RMSE < t.RMSE {
			best, t = i+1, f
		}
	}
	lo, hi := alphas[max(best-1, 0)], alphas[min(best+1, len(alphas)-1)]
	const phi = 0.6180339887498949 // (√5 − 1)/2
	a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fb := fit(a), fit(b)
	for i := 0; i < 60 && hi-lo > 1e-9*(1+hi); i++ {
		if fa.RMSE < fb.RMSE {
			hi, b, fb = b, a, fa
			a = hi - phi*(hi-lo)
			fa = fit(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + phi*(hi-lo)
			fb = fit(b)
		}
	}
	for _, c := range []PowerTrend{fa, fb} {
		if c.RMSE < t.RMSE {
			t = c
		}
	}
	t.From, t.To, t.N = floats.Min(e), floats.Max(e), len(e)
	return t, nil
}

// ErrNoMetric is wrapped by the error of [Result.Trend] when no validation records the metric.
var ErrNoMetric = errors.New("no validation records the metric")

// Trend fits a [LogTrend] to the metric's validations in r between epochs from and to, where
// the epoch of a validation is (Step − StartStep) / stepsPerEpoch. A zero to means the last
// validation's epoch, a zero from means half of to: the last doubling of the run, cut short at
// the last change of learning rate where the validations record it ([LearningRateKey] of the
// root scope; validations that do not record it, such as those of histories written before
// [Run] did, count as at the last rate, so the line may then span several).
func (r *Result) Trend(metric string, stepsPerEpoch, from, to float64) (LogTrend, error) {
	epochs, values, from, to, err := r.trendWindow("log trend", metric, stepsPerEpoch, from, to)
	if err != nil {
		return LogTrend{}, err
	}
	t, err := FitLogTrend(epochs, values, from, to)
	if err != nil {
		return LogTrend{}, fmt.Errorf("%q: %w", metric, err)
	}
	return t, nil
}

// PowerTrend fits a [PowerTrend] to the metric's validations in r between epochs from and to,
// chosen as [Result.Trend] chooses them.
func (r *Result) PowerTrend(metric string, stepsPerEpoch, from, to float64) (PowerTrend, error) {
	epochs, values, from, to, err := r.trendWindow("power trend", metric, stepsPerEpoch, from, to)
	if err != nil {
		return PowerTrend{}, err
	}
	t, err := FitPowerTrend(epochs, values, from, to)
	if err != nil {
		return PowerTrend{}, fmt.Errorf("%q: %w", metric, err)
	}
	return t, nil
}

// trendWindow returns the epochs and values of the metric's validations and the window [from, to]
// of [Result.Trend].
func (r *Result) trendWindow(kind, metric string, stepsPerEpoch, from, to float64) (epochs, values []float64, _, _ float64, _ error) {
	if !(stepsPerEpoch > 0) {
		return nil, nil, 0, 0, fmt.Errorf("%s of %q: steps per epoch must be positive, got %g", kind, metric, stepsPerEpoch)
	}
	var rates []float64
	for _, e := range r.Evals {
		if v, ok := e.Metrics[metric]; ok {
			lr, ok := e.Metrics[LearningRateKey("")]
			if !ok {
				lr = math.NaN()
			}
			epochs, values, rates = append(epochs, float64(e.Step-r.StartStep)/stepsPerEpoch), append(values, v), append(rates, lr)
		}
	}
	if len(epochs) == 0 {
		return nil, nil, 0, 0, fmt.Errorf("%s of %q: %w (%d validations)", kind, metric, ErrNoMetric, len(r.Evals))
	}
	if to == 0 {
		to = floats.Max(epochs)
	}
	if from == 0 {
		from = to / 2
		// The rate of the window's last validation; the window then starts just after the latest
		// validation recorded at another rate.
		last, lastRate := math.Inf(-1), math.NaN()
		for i, e := range epochs {
			if e <= to && e > last {
				last, lastRate = e, rates[i]
			}
		}
		cut := math.Inf(-1)
		for i, e := range epochs {
			if e <= to && !math.IsNaN(lastRate) && !math.IsNaN(rates[i]) && rates[i] != lastRate {
				cut = math.Max(cut, e)
			}
		}
		if cut >= from {
			from = math.Nextafter(cut, math.Inf(1))
		}
	}
	return epochs, values, from, to, nil
}

// ValueAt is the metric's value at the last validation at or before step, and that validation's
// step; ok is false when no validation up to step records the metric.
func (r *Result) ValueAt(metric string, step int) (v float64, at int, ok bool) {
	at = math.MinInt
	for _, e := range r.Evals {
		if x, has := e.Metrics[metric]; has && e.Step <= step && e.Step >= at {
			v, at, ok = x, e.Step, true
		}
	}
	if !ok {
		at = 0
	}
	return v, at, ok
}
