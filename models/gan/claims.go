package gan

import (
	"fmt"
	"math"
	"strings"

	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/solvers/invert"
)

// Claim is one of paper 001's qualitative results, checked on our runs.
type Claim struct {
	// Statement is the claim; Paper what the paper reports; Ours what we measured.
	Statement, Paper, Ours string
	// Holds reports whether our measurement supports the claim; Checked is false when our run has
	// no data to check it (e.g. no width in the segment, a method not run).
	Holds, Checked bool
}

// ClaimHeader is the header of ClaimRows.
var ClaimHeader = []string{"claim", "paper", "ours", "holds"}

// ClaimRows formats claims for a table.
func ClaimRows(cs []Claim) [][]string {
	rows := make([][]string, len(cs))
	for i, c := range cs {
		v := "no"
		switch {
		case !c.Checked:
			v = "not checked"
		case c.Holds:
			v = "yes"
		}
		rows[i] = []string{c.Statement, c.Paper, c.Ours, v}
	}
	return rows
}

func has(ms []string, m string) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

func fmtDB(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f dB", v)
}

// SweepSummaryHeader is the header of SweepSummaryRows.
var SweepSummaryHeader = []string{"n₁", "method", "median SNR z / x₁ / x₂ (dB)", "trials with every layer ≥ 60 dB", "mean s₁", "unique (Cor. 1)", "s / inversion"}

// SweepSummaryRows formats a sweep's summary, one row per width and method.
func SweepSummaryRows(res *invert.SweepResult) [][]string {
	var rows [][]string
	for _, r := range res.Summary() {
		var snr []string
		for _, v := range r.MedianSNR {
			snr = append(snr, strings.TrimSuffix(fmtDB(v), " dB"))
		}
		rows = append(rows, []string{fmt.Sprint(r.Width), r.Method, strings.Join(snr, " / "),
			fmt.Sprintf("%.0f%%", 100*r.Success), fmt.Sprintf("%.0f", r.MeanCardinality),
			fmt.Sprintf("%.0f%%", 100*r.UniqueFraction), fmt.Sprintf("%.3f", r.MeanSeconds)})
	}
	return rows
}

// Segment bounds of SweepClaims (in units of n_0 and n_2): below the uniqueness line n_1 < 2·n_0;
// the middle segment 3·n_0 ≤ n_1 ≤ n_2 (a margin above the line, where s_1 ≈ n_1/2 fluctuates, and
// an image at least twice as large as s_1); the large-hidden-layer segment n_1 ≥ 1.5·n_2.
const (
	MiddleFromLatent = 3.0
	LargeFromImage   = 1.5
	FailureSNR       = 20.0
	ExactRecoverySNR = invert.SuccessSNR
)

// SweepClaims checks the paper's Fig. 4 claims on a sweep:
//  1. below the line n_1 = 2·n_0 every method fails to recover z (median SNR of z < 20 dB at every
//     such width);
//  2. in the middle segment Layered Basis-Pursuit and Latent-Pursuit recover every layer exactly
//     (median SNR ≥ 60 dB on every layer at every width);
//  3. where the hidden layer is large within the middle segment (n_2/2 ≤ n_1 ≤ n_2), Latent-Pursuit is at least as good as Layered
//     Basis-Pursuit (median SNR of z, averaged over those widths);
//  4. gradient descent's spread: the 10–90% range of its SNR of z in the middle segment (reported);
//  5. when the hidden layer is much larger than the image (n_1 ≥ 1.5·n_2), gradient descent beats
//     the layer-wise methods.
func SweepClaims(res *invert.SweepResult) []Claim {
	n0, n2 := float64(res.LatentSize), float64(res.ImageSize)
	median := map[string]map[int][]float64{}
	for _, r := range res.Summary() {
		if median[r.Method] == nil {
			median[r.Method] = map[int][]float64{}
		}
		median[r.Method][r.Width] = r.MedianSNR
	}
	var below, middle, large, huge []int
	for _, w := range res.Widths {
		x := float64(w)
		switch {
		case x < 2*n0:
			below = append(below, w)
		case x >= MiddleFromLatent*n0 && x <= n2:
			middle = append(middle, w)
		}
		if x >= n2/2 && x <= n2 && x >= MiddleFromLatent*n0 {
			large = append(large, w)
		}
		if x >= LargeFromImage*n2 {
			huge = append(huge, w)
		}
	}
	var cs []Claim
	// 1.
	c := Claim{Statement: fmt.Sprintf("below the line (n₁ < 2·n₀ = %d) every method fails to recover z", 2*res.LatentSize),
		Paper: "all three methods fail (no unique solution)"}
	if len(below) > 0 {
		worst := math.Inf(-1)
		for _, m := range res.Methods {
			for _, w := range below {
				worst = math.Max(worst, median[m][w][0])
			}
		}
		c.Checked, c.Holds = true, worst < FailureSNR
		c.Ours = fmt.Sprintf("highest median SNR of z over widths %v and methods: %s", below, fmtDB(worst))
	}
	cs = append(cs, c)
	// 2.
	for _, m := range []string{invert.MethodLayeredBP, invert.MethodLatentPursuit} {
		c := Claim{Statement: fmt.Sprintf("%s recovers every layer exactly for %d ≤ n₁ ≤ %d", methodLabel(m), int(MiddleFromLatent*n0), res.ImageSize),
			Paper: "perfect recovery (Cor. 2), beyond the worst-case bound"}
		if has(res.Methods, m) && len(middle) > 0 {
			lowest := math.Inf(1)
			for _, w := range middle {
				for _, v := range median[m][w] {
					lowest = math.Min(lowest, v)
				}
			}
			c.Checked, c.Holds = true, lowest >= ExactRecoverySNR
			c.Ours = fmt.Sprintf("lowest median layer SNR over widths %d…%d: %s", middle[0], middle[len(middle)-1], fmtDB(lowest))
		}
		cs = append(cs, c)
	}
	// 3.
	c = Claim{Statement: "Latent-Pursuit ≥ Layered Basis-Pursuit where the hidden layer is large (n₂/2 ≤ n₁ ≤ n₂)",
		Paper: "Latent-Pursuit outperforms Layered Basis-Pursuit, especially for large n₁"}
	if has(res.Methods, invert.MethodLayeredBP) && has(res.Methods, invert.MethodLatentPursuit) && len(large) > 0 {
		var lp, lbp float64
		for _, w := range large {
			lp += median[invert.MethodLatentPursuit][w][0] / float64(len(large))
			lbp += median[invert.MethodLayeredBP][w][0] / float64(len(large))
		}
		c.Checked, c.Holds = true, lp >= lbp-0.5
		c.Ours = fmt.Sprintf("mean median SNR of z for n₁ = %d…%d: Latent-Pursuit %s, Layered Basis-Pursuit %s", large[0], large[len(large)-1], fmtDB(lp), fmtDB(lbp))
	}
	cs = append(cs, c)
	// 4.
	c = Claim{Statement: "gradient descent's results spread widely (random start)", Paper: "wide ribbons for gradient descent"}
	if has(res.Methods, invert.MethodGD) && len(middle) > 0 {
		var lo, hi float64
		for _, w := range middle {
			_, s := res.Samples(invert.MethodGD, 0)
			i := indexOf(res.Widths, w)
			lo += metrics.Quantile(s[i], 0.1) / float64(len(middle))
			hi += metrics.Quantile(s[i], 0.9) / float64(len(middle))
		}
		c.Checked, c.Holds = true, hi-lo > 10
		c.Ours = fmt.Sprintf("mean 10%%–90%% range of the SNR of z in the middle segment: %s – %s", fmtDB(lo), fmtDB(hi))
	}
	cs = append(cs, c)
	// 5.
	c = Claim{Statement: fmt.Sprintf("gradient descent beats the layer-wise methods when n₁ ≫ n₂ (n₁ ≥ %d)", int(LargeFromImage*n2)),
		Paper: "layer-wise methods fail, gradient descent succeeds"}
	if has(res.Methods, invert.MethodGD) && len(huge) > 0 {
		var gd, best float64
		for _, w := range huge {
			gd += median[invert.MethodGD][w][0] / float64(len(huge))
			b := math.Inf(-1)
			for _, m := range []string{invert.MethodLayeredBP, invert.MethodLatentPursuit} {
				if has(res.Methods, m) {
					b = math.Max(b, median[m][w][0])
				}
			}
			best += b / float64(len(huge))
		}
		c.Checked, c.Holds = true, gd > best
		c.Ours = fmt.Sprintf("mean median SNR of z: gradient descent %s, best layer-wise %s", fmtDB(gd), fmtDB(best))
	} else if len(huge) == 0 {
		c.Ours = "the sweep has no width ≥ 1.5·n₂"
	}
	cs = append(cs, c)
	return cs
}

func indexOf(v []int, x int) int {
	for i, y := range v {
		if y == x {
			return i
		}
	}
	return -1
}

// InversionSummaryHeader is the header of InversionSummaryRows.
func InversionSummaryHeader(res *invert.InversionResult) []string {
	var names []string
	for l := range res.Sizes {
		names = append(names, layerShort(l, len(res.Sizes)-1))
	}
	return []string{"method", "median SNR " + strings.Join(names, " / ") + " (dB)",
		fmt.Sprintf("failures (image SNR < %.0f dB)", res.FailSNR),
		fmt.Sprintf("failures among the %.0f%% samples meeting the uniqueness conditions", 100*res.UniqueFraction()), "s / sample"}
}

func layerShort(l, L int) string {
	if l == 0 {
		return "z"
	}
	return fmt.Sprintf("x%d", l)
}

// InversionSummaryRows formats an inversion experiment's summary, one row per method.
func InversionSummaryRows(res *invert.InversionResult) [][]string {
	var rows [][]string
	for _, r := range res.Summary() {
		var snr []string
		for _, v := range r.MedianSNR {
			snr = append(snr, strings.TrimSuffix(fmtDB(v), " dB"))
		}
		rows = append(rows, []string{r.Method, strings.Join(snr, " / "), fmt.Sprintf("%.0f%%", 100*r.Failures),
			fmt.Sprintf("%.0f%%", 100*r.FailuresUnique), fmt.Sprintf("%.3f", r.MeanSeconds)})
	}
	return rows
}

// InversionClaims checks the paper's trained-GAN claims (Figs. 5–13) on one experiment:
// Latent-Pursuit on par with the oracle (median image SNR within 3 dB, or both ≥ 60 dB); better
// than gradient descent (higher median image SNR) and failing less often.
func InversionClaims(res *invert.InversionResult) []Claim {
	rows := map[string]invert.InversionRow{}
	for _, r := range res.Summary() {
		rows[r.Method] = r
	}
	L := len(res.Sizes) - 1
	lp, okLP := rows[invert.MethodLatentPursuit]
	or, okOr := rows[invert.MethodOracle]
	gd, okGD := rows[invert.MethodGD]
	var cs []Claim
	c := Claim{Statement: "Latent-Pursuit is on par with the oracle", Paper: map[string]string{
		invert.MaskNone: "on par", invert.MaskRandom: "slightly worse than the oracle", invert.MaskRows: "similar to the random mask"}[res.Mask]}
	if okLP && okOr {
		a, b := lp.MedianSNR[L], or.MedianSNR[L]
		c.Checked = true
		c.Holds = math.Abs(a-b) <= 3 || (a >= ExactRecoverySNR && b >= ExactRecoverySNR)
		c.Ours = fmt.Sprintf("median image SNR %s vs oracle %s", fmtDB(a), fmtDB(b))
	}
	cs = append(cs, c)
	c = Claim{Statement: "Latent-Pursuit beats gradient descent (median image SNR)", Paper: "much better than gradient descent"}
	if okLP && okGD {
		c.Checked, c.Holds = true, lp.MedianSNR[L] > gd.MedianSNR[L]
		c.Ours = fmt.Sprintf("%s vs %s", fmtDB(lp.MedianSNR[L]), fmtDB(gd.MedianSNR[L]))
	}
	cs = append(cs, c)
	c = Claim{Statement: "Latent-Pursuit recovers the samples that meet the uniqueness conditions",
		Paper: "guaranteed recovery under the conditions (Theorem 2)"}
	if okLP && !math.IsNaN(lp.FailuresUnique) {
		c.Checked, c.Holds = true, lp.FailuresUnique == 0
		c.Ours = fmt.Sprintf("failures among the %.0f%% samples meeting them: %.0f%% (over all samples: %.0f%%)",
			100*res.UniqueFraction(), 100*lp.FailuresUnique, 100*lp.Failures)
	}
	cs = append(cs, c)
	c = Claim{Statement: fmt.Sprintf("gradient descent fails more often (image SNR < %.0f dB)", res.FailSNR), Paper: "gradient descent often fails utterly on the image"}
	if okLP && okGD {
		c.Checked, c.Holds = true, gd.Failures > lp.Failures
		c.Ours = fmt.Sprintf("failures: gradient descent %.0f%%, Latent-Pursuit %.0f%%", 100*gd.Failures, 100*lp.Failures)
	}
	cs = append(cs, c)
	return cs
}
