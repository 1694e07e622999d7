package plotting

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// Sample is a named set of values for Histograms.
type Sample struct {
	Name   string
	Values []float64
	// Color overrides the colour cycle.
	Color color.Color
}

// HistogramOptions configures Histograms.
type HistogramOptions struct {
	Title, XLabel string
	// YLabel defaults to "count", or "fraction" with Normalize.
	YLabel string
	// Bins is the number of equal-width bins spanning the smallest to the
	// largest value over all samples; 0 picks Sturges' rule,
	// ⌈log₂ n⌉ + 1 for the largest sample size n. Ignored with Integer.
	Bins int
	// Integer uses one bin per integer value (e.g. counts of activated
	// atoms); the values must then be whole numbers. Several samples are
	// drawn as bars side by side within each integer.
	Integer bool
	// Normalize divides each sample's counts by its size, so that samples
	// of different sizes compare.
	Normalize bool
}

// maxIntegerBins bounds the span of integer histograms.
const maxIntegerBins = 10000

// Histogram draws the histogram of values in bins equal-width bins (0 picks
// Sturges' rule). It fails on empty input, negative bins or a non-finite
// value (NaN usually means a diverged run: filter it knowingly).
func Histogram(title, xlabel string, values []float64, bins int) (*Figure, error) {
	return Histograms(HistogramOptions{Title: title, XLabel: xlabel, Bins: bins}, Sample{Values: values})
}

// IntHistogram draws the histogram of integer values with one bar per
// integer, e.g. the number of activated atoms per image.
func IntHistogram(title, xlabel string, values []int) (*Figure, error) {
	f := make([]float64, len(values))
	for i, v := range values {
		f[i] = float64(v)
	}
	return Histograms(HistogramOptions{Title: title, XLabel: xlabel, Integer: true}, Sample{Values: f})
}

// histBins holds the bin edges and the counts of each sample.
type histBins struct {
	edges  []float64   // len(bins)+1
	counts [][]float64 // [sample][bin]
}

// computeBins bins the samples on shared edges.
func computeBins(opts HistogramOptions, samples []Sample) (histBins, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	nmax := 0
	for s, smp := range samples {
		if len(smp.Values) == 0 {
			return histBins{}, errorf("sample %d (%q) is empty", s, smp.Name)
		}
		nmax = max(nmax, len(smp.Values))
		for i, v := range smp.Values {
			if !isFinite(v) {
				return histBins{}, errorf("sample %d (%q) has value %g at index %d: remove non-finite values first", s, smp.Name, v, i)
			}
			if opts.Integer && v != math.Trunc(v) {
				return histBins{}, errorf("sample %d (%q) has non-integer value %g at index %d in an integer histogram", s, smp.Name, v, i)
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	var edges []float64
	if opts.Integer {
		if hi-lo+1 > maxIntegerBins {
			return histBins{}, errorf("integer values span %g…%g, more than %d bins: use a continuous histogram", lo, hi, maxIntegerBins)
		}
		n := int(hi-lo) + 1
		edges = make([]float64, n+1)
		for i := range edges {
			edges[i] = lo - 0.5 + float64(i)
		}
	} else {
		bins := opts.Bins
		if bins < 0 {
			return histBins{}, errorf("%d bins: need a positive number, or 0 to pick one", bins)
		}
		if bins == 0 {
			bins = int(math.Ceil(math.Log2(float64(nmax)))) + 1
		}
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
		edges = make([]float64, bins+1)
		for i := range edges {
			edges[i] = lo + (hi-lo)*float64(i)/float64(bins)
		}
		edges[bins] = hi
	}
	nb := len(edges) - 1
	hb := histBins{edges: edges, counts: make([][]float64, len(samples))}
	for s, smp := range samples {
		cnt := make([]float64, nb)
		for _, v := range smp.Values {
			j := int(float64(nb) * (v - edges[0]) / (edges[nb] - edges[0]))
			j = max(0, min(nb-1, j)) // the largest value belongs to the last bin
			cnt[j]++
		}
		if opts.Normalize {
			for j := range cnt {
				cnt[j] /= float64(len(smp.Values))
			}
		}
		hb.counts[s] = cnt
	}
	return hb, nil
}

// Histograms draws the histograms of one or more samples on shared bins, with
// a legend for named samples. Continuous samples are overlaid as translucent
// bars with an outline; integer samples (Integer) sit side by side. It fails
// on no sample, an empty sample, a non-finite value, negative Bins, or a
// non-integer value with Integer.
func Histograms(opts HistogramOptions, samples ...Sample) (*Figure, error) {
	if len(samples) == 0 {
		return nil, errorf("Histograms %q: no sample", opts.Title)
	}
	hb, err := computeBins(opts, samples)
	if err != nil {
		return nil, errorf("Histograms %q: %w", opts.Title, err)
	}
	ylabel := opts.YLabel
	if ylabel == "" {
		ylabel = "count"
		if opts.Normalize {
			ylabel = "fraction"
		}
	}
	p := newPlot(opts.Title, opts.XLabel, ylabel, false)
	p.Add(&hgrid{style: draw.LineStyle{Color: gridColor, Width: 0.5}})
	leg := &legend{}
	k := len(samples)
	for s, smp := range samples {
		col := seriesColor(smp.Color, s)
		r := &rects{}
		var thumb plot.Thumbnailer
		switch {
		case opts.Integer:
			bw := 0.8 / float64(k)
			for j, c := range hb.counts[s] {
				if c == 0 {
					continue
				}
				xc := hb.edges[j] + 0.5 - 0.4 + bw*(float64(s)+0.5)
				r.rs = append(r.rs, dataRect{x0: xc - bw/2, x1: xc + bw/2, y0: 0, y1: c})
			}
			r.fill = withAlpha(col, 0.9)
			thumb = boxThumb{fill: r.fill, frac: 0.8}
			p.Add(r)
		case k == 1:
			for j, c := range hb.counts[s] {
				r.rs = append(r.rs, dataRect{x0: hb.edges[j], x1: hb.edges[j+1], y0: 0, y1: c})
			}
			r.fill = withAlpha(col, 0.85)
			r.edge = draw.LineStyle{Color: color.White, Width: 0.6}
			thumb = boxThumb{fill: r.fill, frac: 0.8}
			p.Add(r)
		default:
			for j, c := range hb.counts[s] {
				r.rs = append(r.rs, dataRect{x0: hb.edges[j], x1: hb.edges[j+1], y0: 0, y1: c})
			}
			r.fill = withAlpha(col, 0.3)
			outline := stepOutline(hb.edges, hb.counts[s])
			l, err := plotter.NewLine(outline)
			if err != nil {
				return nil, errorf("Histograms %q: %w", opts.Title, err)
			}
			l.LineStyle = draw.LineStyle{Color: col, Width: 1.5}
			p.Add(r, l)
			thumb = boxThumb{fill: r.fill, edge: l.LineStyle, frac: 0.8}
		}
		if smp.Name != "" {
			leg.entries = append(leg.entries, legendEntry{name: smp.Name, thumbs: []plot.Thumbnailer{thumb}})
		}
	}
	if opts.Integer {
		p.X.Tick.Marker = intTicks{}
	}
	p.Y.Min = 0
	return newFigure(&plotPanel{p: p, legend: leg}, DefaultWidth, DefaultHeight), nil
}

// stepOutline is the outline of a histogram: up and down along bin edges.
func stepOutline(edges, counts []float64) plotter.XYs {
	pts := make(plotter.XYs, 0, 2*len(counts)+2)
	pts = append(pts, plotter.XY{X: edges[0], Y: 0})
	for j, c := range counts {
		pts = append(pts, plotter.XY{X: edges[j], Y: c}, plotter.XY{X: edges[j+1], Y: c})
	}
	return append(pts, plotter.XY{X: edges[len(edges)-1], Y: 0})
}

// intTicks places major ticks on whole numbers only, every 1, 2, 5, 10, …
// so that at most about ten are labelled.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	a, b := math.Ceil(lo), math.Floor(hi)
	if a > b {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	step := 1.0
	for mult := 1.0; (b-a)/step > 10; {
		for _, m := range []float64{2, 5, 10} {
			step = m * mult
			if (b-a)/step <= 10 {
				break
			}
		}
		mult *= 10
	}
	var ticks []plot.Tick
	for v := math.Ceil(a/step) * step; v <= b; v += step {
		if v == 0 {
			v = 0 // not −0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: formatValue("%.0f", v)})
	}
	if step > 1 && (b-a) <= 100 {
		for v := a; v <= b; v++ {
			if math.Mod(v, step) != 0 {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}
