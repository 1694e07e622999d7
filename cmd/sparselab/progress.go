package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/sparselab/sparselab/models/aae"
	"github.com/sparselab/sparselab/models/training"
)

// progress is what `aae info`, and `aae train` when it stops, say of a training history's
// validation PSNR: the best; the line and the levelling-off curve through its last doubling of
// epochs (what training twice as long would give, if the learning rate stays: the line's forecast
// tends high, the curve's low); the epochs each needs to the paper's Table 1 value; and, for
// `aae info`, the trends' back-tests, another history beside a run's (the shipped model's, or the
// one --beside names) and the epochs to that history's best validation PSNR. Its text and its
// JSON are two views of the same numbers.
type progress struct {
	stepsPerEpoch float64
	validated     bool // some validation records the PSNR
	best          float64
	bestStep      int
	bestEpoch     float64
	lastEpoch     float64
	trend         *training.LogTrend // nil where trendErr says why
	trendErr      error
	curve         *training.PowerTrend // over the line's validations; nil where it cannot be fitted
	paper         float64              // the paper's Table 1 value for the model; 0: none
	toPaperLine   float64              // epochs to it by the line (+Inf: never)
	toPaperCurve  float64              // … by the curve
	pace          float64              // seconds per epoch of the history's last run; 0: not recorded
	backTests     []backTestRow
	besideName    string // whose history beside holds: "the shipped mnist MAX-AAE", or a checkpoint's path
	beside        []besideRow
	// That history's best validation PSNR, the epoch of it, and the epochs the run needs to it
	// by the line and the curve (+Inf: never; NaN: no trend); shippedBest 0: not read.
	shippedBest, shippedBestEpoch float64
	toShippedLine, toShippedCurve float64
}

// backTestRow is one back-test of [progress]: the back-test, or why there is none at Epoch.
type backTestRow struct {
	epoch float64
	bt    training.BackTest
	err   error
}

// besideRow reads a run's validation and the other history's at the same step (ok: both
// histories reach it).
type besideRow struct {
	epoch           float64
	psnr, shipped   float64
	atEpoch, shipAt float64
	ok              bool
}

// readProgress computes the progress of history h of a model recorded by meta. With backTests,
// it back-tests the trends at the given epochs (nil: [training.DoublingEpochs] from 20 to the
// last validation) and, when shipped is not nil, reads that history (named by besideName: the
// shipped model's, or another run's) at the same epochs.
func readProgress(h *training.Result, meta map[string]any, backTests bool, epochs []float64, shipped *training.Result, besideName string) progress {
	p := progress{stepsPerEpoch: aae.StepsPerEpoch(meta)}
	epoch := func(step, start int) float64 { return float64(step-start) / p.stepsPerEpoch }
	var last int
	p.best, p.bestStep, last, p.validated = bestPSNR(h)
	if !p.validated {
		return p
	}
	p.bestEpoch, p.lastEpoch = epoch(p.bestStep, h.StartStep), epoch(last, h.StartStep)
	if h.StepsPerSecond > 0 {
		p.pace = p.stepsPerEpoch / h.StepsPerSecond
	}
	if tr, err := h.Trend("psnr", p.stepsPerEpoch, 0, 0); err != nil {
		p.trendErr = err
	} else {
		p.trend = &tr
		if pt, err := h.PowerTrend("psnr", p.stepsPerEpoch, tr.From, tr.To); err == nil {
			p.curve = &pt
			ds, _ := meta[aae.ParamDataset].(string)
			agg, _ := meta[aae.ParamAggregation].(string)
			if v, ok := aae.PaperTable1[ds][agg]; ok {
				p.paper, p.toPaperLine, p.toPaperCurve = v.Mean, tr.EpochsTo(v.Mean), pt.EpochsTo(v.Mean)
			}
		}
	}
	if !backTests {
		return p
	}
	if epochs == nil {
		epochs = training.DoublingEpochs(20, p.lastEpoch)
	}
	for _, e := range epochs {
		bt, err := h.BackTest("psnr", p.stepsPerEpoch, e)
		p.backTests = append(p.backTests, backTestRow{epoch: e, bt: bt, err: err})
	}
	if shipped == nil {
		return p
	}
	p.besideName = besideName
	shippedBest, shippedBestStep, shippedLast, shippedOK := bestPSNR(shipped)
	if shippedOK {
		p.shippedBest, p.shippedBestEpoch = shippedBest, epoch(shippedBestStep, shipped.StartStep)
		p.toShippedLine, p.toShippedCurve = math.NaN(), math.NaN()
		if p.trend != nil {
			p.toShippedLine = p.trend.EpochsTo(p.shippedBest)
		}
		if p.curve != nil {
			p.toShippedCurve = p.curve.EpochsTo(p.shippedBest)
		}
	}
	for _, e := range epochs {
		step, shipStep := h.StartStep+int(math.Round(e*p.stepsPerEpoch)), shipped.StartStep+int(math.Round(e*p.stepsPerEpoch))
		v, at, ok := h.ValueAt("psnr", step)
		sv, sat, sok := shipped.ValueAt("psnr", shipStep)
		// Both read where each history reaches the epoch, not at its end.
		ok = ok && sok && last >= step && shippedLast >= shipStep
		p.beside = append(p.beside, besideRow{epoch: e, psnr: v, shipped: sv, atEpoch: epoch(at, h.StartStep), shipAt: epoch(sat, shipped.StartStep), ok: ok})
	}
	return p
}

// bestPSNR is the best validation PSNR of history h, its step and the last validation's step; ok
// is false where no validation records the PSNR.
func bestPSNR(h *training.Result) (best float64, bestStep, last int, ok bool) {
	best = math.Inf(-1)
	for _, e := range h.Evals {
		if v, found := e.Metrics["psnr"]; found {
			ok = true
			if v > best {
				best, bestStep = v, e.Step
			}
			last = max(last, e.Step)
		}
	}
	return best, bestStep, last, ok
}

// printProgress writes the progress of history h at the end of `aae train`: no back-tests.
func printProgress(w io.Writer, h *training.Result, meta map[string]any) {
	readProgress(h, meta, false, nil, nil, "").write(w)
}

// write prints p as text.
func (p progress) write(w io.Writer) {
	if !p.validated {
		fmt.Fprintln(w, "training history: no validation yet")
		return
	}
	fmt.Fprintf(w, "validation PSNR: best %.2f dB at step %d (epoch %.1f); last validation at epoch %.1f\n", p.best, p.bestStep, p.bestEpoch, p.lastEpoch)
	if tr := p.trend; tr == nil {
		fmt.Fprintf(w, "no trend over the last doubling of epochs: %v\n", p.trendErr)
	} else {
		fmt.Fprintf(w, "trend: %s; at that rate %.2f dB after %.0f epochs (optimistic: the gain per doubling shrinks as a curve levels off, and a change of learning rate breaks the line)\n",
			tr, tr.At(2*tr.To), 2*tr.To)
	}
	if pt := p.curve; pt != nil {
		fmt.Fprintf(w, "levelling-off curve (power law) over the same validations: %s; %.2f dB after %.0f epochs (it tends low where the line tends high)\n",
			pt, pt.At(2*pt.To), 2*pt.To)
	}
	if p.paper != 0 {
		now := p.trend.To
		fmt.Fprintf(w, "the paper's Table 1 value for this model, %.2f dB, read as a validation PSNR: %s", p.paper, forecastPhrase(p.toPaperLine, p.toPaperCurve, now))
		// The wall time that would take at the last run's pace, where the history records it.
		if p.toPaperLine > now && !math.IsInf(p.toPaperCurve, 1) && p.pace > 0 {
			more := approxDuration((p.toPaperLine - now) * p.pace)
			if c := approxDuration((p.toPaperCurve - now) * p.pace); c != more {
				more += " (line) to " + c + " (curve)"
			}
			fmt.Fprintf(w, "; at the last run's pace, %.0f s per epoch, %s more", p.pace, more)
		}
		fmt.Fprintln(w)
	}
	if len(p.backTests) > 0 {
		fmt.Fprintln(w, "back-tests: each trend fitted to epochs E/4–E/2 and read at E, beside the validation there (the line tends to forecast high, the power law low)")
	}
	for _, r := range p.backTests {
		if r.err != nil {
			fmt.Fprintf(w, "  epoch %.0f: no back-test (%v)\n", r.epoch, r.err)
		} else {
			fmt.Fprintf(w, "  %s\n", r.bt)
		}
	}
	if len(p.beside) > 0 {
		fmt.Fprintf(w, "validation PSNR beside %s's history at the same step (this / that, dB):\n", p.besideName)
	}
	for _, r := range p.beside {
		if !r.ok {
			fmt.Fprintf(w, "  epoch %.0f: not reached by both histories\n", r.epoch)
			continue
		}
		fmt.Fprintf(w, "  epoch %.0f: %.2f (epoch %.1f) / %.2f (epoch %.1f), %+.2f dB\n", r.epoch, r.psnr, r.atEpoch, r.shipped, r.shipAt, r.psnr-r.shipped)
	}
	if p.shippedBest > 0 && p.trend != nil {
		fmt.Fprintf(w, "%s's best validation PSNR, %.2f dB (epoch %.0f): %s\n", p.besideName, p.shippedBest, p.shippedBestEpoch,
			forecastPhrase(p.toShippedLine, p.toShippedCurve, p.trend.To))
	}
}

// forecastPhrase says when the line and the curve reach a value: after line and curve epochs, from
// a run at epoch now (NaN: that trend could not be fitted).
func forecastPhrase(line, curve, now float64) string {
	l, c := epochsTo(line, now), epochsTo(curve, now)
	switch {
	case math.IsNaN(curve):
		return l + " by the line"
	case l == c:
		return l + " by the line and the curve alike"
	}
	return l + " by the line, " + c + " by the curve"
}

// finite is x, or nil where JSON cannot hold it (±Inf, NaN).
func finite(x float64) any {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return nil
	}
	return x
}

// jsonMap is p for `aae info --json`; keys follow the other sub-commands' JSON (snake case).
// Epochs a forecast never reaches are null.
func (p progress) jsonMap() map[string]any {
	out := map[string]any{"validated": p.validated}
	if !p.validated {
		return out
	}
	out["best_psnr"], out["best_step"], out["best_epoch"], out["last_epoch"] = p.best, p.bestStep, p.bestEpoch, p.lastEpoch
	if p.pace > 0 {
		out["seconds_per_epoch"] = p.pace
	}
	if tr := p.trend; tr != nil {
		out["trend"] = map[string]any{"from": tr.From, "to": tr.To, "validations": tr.N, "intercept": tr.Intercept, "per_doubling": tr.PerDoubling, "rmse": tr.RMSE, "at_twice": tr.At(2 * tr.To)}
	} else {
		out["trend_error"] = p.trendErr.Error()
	}
	if pt := p.curve; pt != nil {
		c := map[string]any{"from": pt.From, "to": pt.To, "validations": pt.N, "exponent": pt.Exponent, "intercept": pt.Intercept, "slope": pt.Slope, "rmse": pt.RMSE,
			"at_twice": pt.At(2 * pt.To), "levels_off": pt.LevelsOff()}
		if pt.LevelsOff() {
			c["limit"] = pt.Limit()
		}
		out["power_trend"] = c
	}
	if p.paper != 0 {
		out["paper_table1"] = p.paper
		out["epochs_to_paper"] = map[string]any{"line": finite(p.toPaperLine), "curve": finite(p.toPaperCurve)}
	}
	var bts []map[string]any
	for _, r := range p.backTests {
		if r.err != nil {
			bts = append(bts, map[string]any{"epoch": r.epoch, "error": r.err.Error()})
			continue
		}
		b := r.bt
		bts = append(bts, map[string]any{"epoch": r.epoch, "fit_from": b.Line.From, "fit_to": b.Line.To, "line": b.Line.At(b.Epoch), "curve": b.Curve.At(b.Epoch),
			"exponent": b.Curve.Exponent, "measured": b.Measured, "measured_epoch": b.MeasuredAt})
	}
	if bts != nil {
		out["backtests"] = bts
	}
	var bs []map[string]any
	for _, r := range p.beside {
		m := map[string]any{"epoch": r.epoch}
		if r.ok {
			m["psnr"], m["epoch_read"], m["shipped_psnr"], m["shipped_epoch_read"] = r.psnr, r.atEpoch, r.shipped, r.shipAt
		}
		bs = append(bs, m)
	}
	if bs != nil {
		out["beside_shipped"], out["beside"] = bs, p.besideName
	}
	if p.shippedBest > 0 {
		out["shipped_best_psnr"], out["shipped_best_epoch"] = p.shippedBest, p.shippedBestEpoch
		out["epochs_to_shipped_best"] = map[string]any{"line": finite(p.toShippedLine), "curve": finite(p.toShippedCurve)}
	}
	return out
}

// parseEpochs reads --backtest_epochs: positive numbers of epochs, comma-separated; nil for "".
func parseEpochs(list string) ([]float64, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var epochs []float64
	for _, f := range strings.Split(list, ",") {
		e, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(e > 0) || math.IsInf(e, 0) {
			return nil, fmt.Errorf("--backtest_epochs %q: want positive numbers of epochs, comma-separated, such as 20,40,80", list)
		}
		epochs = append(epochs, e)
	}
	return epochs, nil
}

// epochsTo phrases a forecast's epochs to a value, from a run at epoch now.
func epochsTo(e, now float64) string {
	switch {
	case math.IsInf(e, 1):
		return "never"
	case e <= now:
		return "reached"
	}
	return fmt.Sprintf("after about %.0f epochs (%.1f doublings from %.0f)", e, math.Log2(e/now), now)
}

// approxDuration phrases seconds as about so many minutes, hours or days.
func approxDuration(s float64) string {
	switch {
	case s < 90*60:
		return fmt.Sprintf("about %.0f minutes", s/60)
	case s < 72*3600:
		return fmt.Sprintf("about %.0f hours", s/3600)
	}
	return fmt.Sprintf("about %.1f days", s/86400)
}
