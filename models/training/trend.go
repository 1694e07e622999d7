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
// ([Result.Trend]'s default window stops at the last change the history records).
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
	if len(epochs) != len(values) {
		return LogTrend{}, fmt.Errorf("log trend: %d epochs for %d values", len(epochs), len(values))
	}
	var x, y []float64
	t := LogTrend{From: math.Inf(1), To: math.Inf(-1)}
	for i, e := range epochs {
		if e < from || e > to || e <= 0 {
			continue
		}
		if math.IsInf(e, 0) || math.IsNaN(e) || math.IsNaN(values[i]) || math.IsInf(values[i], 0) {
			return LogTrend{}, fmt.Errorf("log trend: point %d (epoch %g, value %g) is not finite", i, e, values[i])
		}
		x, y = append(x, math.Log2(e)), append(y, values[i])
		t.From, t.To = math.Min(t.From, e), math.Max(t.To, e)
	}
	if len(x) < 3 || t.From == t.To {
		return LogTrend{}, fmt.Errorf("log trend: %d validations between epochs %g and %g, need three or more at two epochs at least (widen the window, or validate more often with --eval_every)", len(x), from, to)
	}
	t.N = len(x)
	t.Intercept, t.PerDoubling = stat.LinearRegression(x, y, nil, false)
	var ss float64
	for i := range x {
		r := y[i] - (t.Intercept + t.PerDoubling*x[i])
		ss += r * r
	}
	t.RMSE = math.Sqrt(ss / float64(len(x)))
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
	if !(stepsPerEpoch > 0) {
		return LogTrend{}, fmt.Errorf("log trend of %q: steps per epoch must be positive, got %g", metric, stepsPerEpoch)
	}
	var epochs, values, rates []float64
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
		return LogTrend{}, fmt.Errorf("log trend of %q: %w (%d validations)", metric, ErrNoMetric, len(r.Evals))
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
	t, err := FitLogTrend(epochs, values, from, to)
	if err != nil {
		return LogTrend{}, fmt.Errorf("%q: %w", metric, err)
	}
	return t, nil
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
