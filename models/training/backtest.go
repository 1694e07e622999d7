package training

import (
	"fmt"
	"math"
)

// BackTest measures the two trends against the run's own later validation: [LogTrend] and
// [PowerTrend] fitted to the doubling of epochs that ends halfway to Epoch (epochs Epoch/4 to
// Epoch/2), read at Epoch, beside the validation there. A run's back-tests say how far to trust
// its forecasts: on this project's runs the line tends to forecast high and the power law low.
type BackTest struct {
	Epoch      float64    // the epoch forecast
	Line       LogTrend   // the line fitted to epochs Epoch/4 to Epoch/2
	Curve      PowerTrend // the power law fitted to the same validations
	Measured   float64    // the metric at the last validation at or before Epoch
	MeasuredAt float64    // that validation's epoch
}

// LineError is the line's forecast for Epoch less the measured value (positive: it forecast high).
func (b BackTest) LineError() float64 { return b.Line.At(b.Epoch) - b.Measured }

// CurveError is the power law's forecast for Epoch less the measured value.
func (b BackTest) CurveError() float64 { return b.Curve.At(b.Epoch) - b.Measured }

// Miss is how far the measured value lies outside the two forecasts: 0 when they bracket it,
// else its distance from the nearer one.
func (b BackTest) Miss() float64 {
	lo, hi := math.Min(b.LineError(), b.CurveError()), math.Max(b.LineError(), b.CurveError())
	return math.Max(0, math.Max(lo, -hi))
}

// String describes the back-test in one line, such as "epoch 196 from epochs 49–98: line 24.36
// (+0.22), power law 24.03 (−0.10, exponent 0.27), measured 24.14".
func (b BackTest) String() string {
	return fmt.Sprintf("epoch %.0f from epochs %.0f–%.0f: line %.2f (%+.2f), power law %.2f (%+.2f, exponent %.2f), measured %.2f",
		b.Epoch, b.Line.From, b.Line.To, b.Line.At(b.Epoch), b.LineError(), b.Curve.At(b.Epoch), b.CurveError(), b.Curve.Exponent, b.Measured)
}

// BackTest fits both trends to the metric's validations in r between epochs epoch/4 and epoch/2
// (counted as [Result.Trend] counts them) and reads them, and the validation, at epoch. It fails
// where either fit does, such as with too few validations in the window, and where the history
// ends before epoch.
func (r *Result) BackTest(metric string, stepsPerEpoch, epoch float64) (BackTest, error) {
	if !(epoch > 0) {
		return BackTest{}, fmt.Errorf("back-test of %q: the epoch to forecast must be positive, got %g", metric, epoch)
	}
	b := BackTest{Epoch: epoch}
	var err error
	if b.Line, err = r.Trend(metric, stepsPerEpoch, epoch/4, epoch/2); err != nil {
		return BackTest{}, fmt.Errorf("back-test for epoch %g: %w", epoch, err)
	}
	if b.Curve, err = r.PowerTrend(metric, stepsPerEpoch, epoch/4, epoch/2); err != nil {
		return BackTest{}, fmt.Errorf("back-test for epoch %g: %w", epoch, err)
	}
	step := r.StartStep + int(math.Round(epoch*stepsPerEpoch))
	last := math.MinInt
	for _, e := range r.Evals {
		if _, ok := e.Metrics[metric]; ok {
			last = max(last, e.Step)
		}
	}
	if last < step {
		return BackTest{}, fmt.Errorf("back-test for epoch %g: the last validation of %q is at epoch %.1f, nothing to compare the forecast with", epoch, metric, float64(last-r.StartStep)/stepsPerEpoch)
	}
	// The fits found validations before epoch/2, so there is one to read.
	v, at, _ := r.ValueAt(metric, step)
	b.Measured, b.MeasuredAt = v, float64(at-r.StartStep)/stepsPerEpoch
	return b, nil
}

// DoublingEpochs lists first, 2·first, 4·first, … while below last, then last: the epochs a run of
// last epochs is back-tested at by default ([Result.BackTest]). It is empty when last < first or
// first is not positive.
func DoublingEpochs(first, last float64) []float64 {
	var es []float64
	if !(first > 0) || last < first {
		return es
	}
	for e := first; e < last; e *= 2 {
		es = append(es, e)
	}
	return append(es, last)
}
