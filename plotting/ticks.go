package plotting

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// linearTicks labels about six "nice" values (1, 2, 2.5 or 5 × 10ᵏ apart)
// with as many decimals as the step needs, and adds unlabelled minor ticks.
// gonum's DefaultTicks aims at three labels, too few to read values off.
type linearTicks struct{}

func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	// Pick the step whose label count is closest to six, preferring
	// 1-2-5 steps to 2.5 ones.
	mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/6)))
	var step, minor float64
	best := math.Inf(1)
	for _, scale := range [...]float64{0.1, 1, 10} {
		for _, m := range [...]struct{ step, minor, penalty float64 }{{1, 0.2, 0}, {2, 0.5, 0}, {2.5, 0.5, 0.6}, {5, 1, 0}} {
			st := m.step * mag * scale
			n := math.Floor(hi/st+1e-9) - math.Ceil(lo/st-1e-9) + 1
			if score := math.Abs(n-6) + m.penalty; n >= 2 && score < best {
				best, step, minor = score, st, m.minor*mag*scale
			}
		}
	}
	// Decimals needed by the step (2.5 × 10ᵏ needs one more than 10ᵏ).
	prec := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	if r := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9)); math.Abs(r-2.5) < 1e-9 {
		prec++
	}
	big := math.Max(math.Abs(lo), math.Abs(hi))
	useExp := big >= 1e6 || (big < 1e-3 && big > 0)
	var ticks []plot.Tick
	first := math.Ceil(lo/step-1e-9) * step
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if v > hi+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		label := strconv.FormatFloat(v, 'f', prec, 64)
		if useExp {
			label = strconv.FormatFloat(v, 'g', 4, 64)
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	for v := math.Ceil(lo/minor-1e-9) * minor; v <= hi+minor*1e-9; v += minor {
		if r := math.Abs(math.Remainder(v, step)); r > minor*1e-6 {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	return ticks
}

// logTicks labels powers of ten on wide ranges and 1-2-5 (or finer) values on
// ranges of a decade or two, so that a log axis always has at least two
// labels; minor ticks mark 2…9 × 10ᵏ.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0 && hi > lo) {
		return plot.LogTicks{Prec: -1}.Ticks(lo, hi)
	}
	k0, k1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	inRange := func(v float64) bool { return v >= lo*(1-1e-9) && v <= hi*(1+1e-9) }
	label := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	decades := k1 - k0
	var ticks []plot.Tick
	labelled := map[float64]bool{}
	if decades > 2 {
		every := max(1, (decades+7)/8)
		for k := k0; k <= k1; k++ {
			v := math.Pow(10, float64(k))
			if inRange(v) && ((k%every)+every)%every == 0 {
				ticks = append(ticks, plot.Tick{Value: v, Label: label(v)})
				labelled[v] = true
			}
		}
	}
	if len(ticks) < 2 {
		ticks, labelled = nil, map[float64]bool{}
		for _, set := range [][]float64{{1, 2, 5}, {1, 2, 3, 5, 7}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
			ticks = ticks[:0]
			for k := k0; k <= k1; k++ {
				for _, m := range set {
					v := m * math.Pow(10, float64(k))
					if inRange(v) {
						ticks = append(ticks, plot.Tick{Value: v, Label: label(v)})
					}
				}
			}
			if len(ticks) >= 3 {
				break
			}
		}
		for _, t := range ticks {
			labelled[t.Value] = true
		}
	}
	if decades <= 12 {
		for k := k0; k <= k1; k++ {
			for m := 1; m <= 9; m++ {
				v := float64(m) * math.Pow(10, float64(k))
				if inRange(v) && !labelled[v] {
					ticks = append(ticks, plot.Tick{Value: v})
				}
			}
		}
	}
	if len(labelled) < 2 {
		// A range narrower than the gaps between 1…9 × 10ᵏ: label it
		// linearly, the values still sit where the log scale puts them.
		return linearTicks{}.Ticks(lo, hi)
	}
	return ticks
}
