package plotting

import (
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// Quantiles returns the p-quantiles of sample for each p in ps (each in
// [0, 1]), by linear interpolation between order statistics: with the n
// finite values sorted as s₀ ≤ … ≤ sₙ₋₁ and h = (n−1)·p, the quantile is
// s⌊h⌋ + (h − ⌊h⌋)·(s⌊h⌋₊₁ − s⌊h⌋) (numpy's default, Hyndman–Fan type 7).
// NaN values are ignored; the result is NaN when none is left. The sample is
// not modified.
func Quantiles(sample []float64, ps ...float64) []float64 {
	s := make([]float64, 0, len(sample))
	for _, v := range sample {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	slices.Sort(s)
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = sortedQuantile(s, p)
	}
	return out
}

// sortedQuantile is the type-7 quantile of sorted values.
func sortedQuantile(s []float64, p float64) float64 {
	if len(s) == 0 || math.IsNaN(p) {
		return math.NaN()
	}
	p = math.Max(0, math.Min(1, p))
	h := float64(len(s)-1) * p
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// RibbonSeries is one method's results along X: Samples[i] holds the values
// observed at X[i] (e.g. the SNR over random trials at one hidden width).
type RibbonSeries struct {
	Name    string
	X       []float64
	Samples [][]float64
	// Color overrides the colour cycle.
	Color color.Color
}

// RibbonOptions configures QuantileRibbons.
type RibbonOptions struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	// Bands are the quantile pairs shaded around the median, widest first;
	// nil means {{0.10, 0.90}, {0.25, 0.75}}.
	Bands [][2]float64
	// VLines are vertical marker lines with labels, e.g. {X: 2*n0,
	// Label: "2·n₀"}.
	VLines []VLine
}

// QuantileRibbons draws, for each series, the median of the sample at each X
// as a line and shaded bands between quantiles (by default 10–90 % light and
// 25–75 % darker), with a legend and optional vertical marker lines.
// Quantiles are computed as by Quantiles.
//
// NaN values in a sample are ignored (e.g. failed trials); an X whose sample
// is then empty is skipped and the ribbon breaks there. ±Inf is an error:
// cap such values first (an exact recovery has infinite SNR). It also fails on
// no series, mismatched X and Samples lengths, a series with no usable X, or
// invalid Bands.
func QuantileRibbons(opts RibbonOptions, series ...RibbonSeries) (*Figure, error) {
	if len(series) == 0 {
		return nil, errorf("QuantileRibbons %q: no series", opts.Title)
	}
	bands := opts.Bands
	if bands == nil {
		bands = [][2]float64{{0.10, 0.90}, {0.25, 0.75}}
	}
	for i, b := range bands {
		if !(0 <= b[0] && b[0] < b[1] && b[1] <= 1) {
			return nil, errorf("QuantileRibbons %q: band %d = %v must satisfy 0 ≤ low < high ≤ 1", opts.Title, i, b)
		}
	}
	p := newPlot(opts.Title, opts.XLabel, opts.YLabel, true)
	if opts.LogX {
		setLogScale(&p.X)
	}
	if opts.LogY {
		setLogScale(&p.Y)
	}
	ps := []float64{0.5}
	for _, b := range bands {
		ps = append(ps, b[0], b[1])
	}
	leg := &legend{}
	var medians []plot.Plotter
	for si, s := range series {
		if len(s.X) != len(s.Samples) {
			return nil, errorf("QuantileRibbons %q: series %d (%q) has %d X values and %d samples", opts.Title, si, s.Name, len(s.X), len(s.Samples))
		}
		// q[i] holds the quantiles ps at X[i]; NaN marks a skipped X.
		x := make([]float64, len(s.X))
		y := make([]float64, len(s.X))
		qs := make([][]float64, len(s.X))
		for i, smp := range s.Samples {
			for j, v := range smp {
				if math.IsInf(v, 0) {
					return nil, errorf("QuantileRibbons %q: series %d (%q) has %g in the sample at X = %g (index %d): cap infinite values first", opts.Title, si, s.Name, v, s.X[i], j)
				}
			}
			x[i] = s.X[i]
			qs[i] = Quantiles(smp, ps...)
			y[i] = qs[i][0]
		}
		segs, err := finiteSegmentIndices(x, y, opts.LogX, opts.LogY)
		if err != nil {
			return nil, errorf("QuantileRibbons %q: series %d (%q): %w", opts.Title, si, s.Name, err)
		}
		col := seriesColor(s.Color, si)
		thumbs := []plot.Thumbnailer{}
		for b := range bands {
			alpha := 0.15 + 0.15*float64(b)
			fill := withAlpha(col, alpha)
			thumbs = append(thumbs, boxThumb{fill: fill, frac: 1 - 0.35*float64(b)})
			for _, seg := range segs {
				poly := make(plotter.XYs, 0, 2*len(seg))
				for _, i := range seg {
					poly = append(poly, plotter.XY{X: x[i], Y: qs[i][2+2*b]})
				}
				for k := len(seg) - 1; k >= 0; k-- {
					i := seg[k]
					poly = append(poly, plotter.XY{X: x[i], Y: qs[i][1+2*b]})
				}
				if opts.LogY && slices.ContainsFunc(poly, func(p plotter.XY) bool { return p.Y <= 0 }) {
					return nil, errorf("QuantileRibbons %q: series %d (%q) has quantiles ≤ 0, which a logarithmic Y axis cannot show", opts.Title, si, s.Name)
				}
				if len(seg) == 1 { // a single X: draw a thin vertical band
					poly = plotter.XYs{poly[0], poly[1]}
					l, err := plotter.NewLine(poly)
					if err != nil {
						return nil, errorf("QuantileRibbons %q: %w", opts.Title, err)
					}
					l.LineStyle = draw.LineStyle{Color: fill, Width: 4}
					p.Add(l)
					continue
				}
				pg, err := plotter.NewPolygon(poly)
				if err != nil {
					return nil, errorf("QuantileRibbons %q: %w", opts.Title, err)
				}
				pg.Color = fill
				pg.LineStyle.Width = 0
				p.Add(pg)
			}
		}
		ls := draw.LineStyle{Color: col, Width: 1.8}
		glyph := draw.GlyphStyle{Color: col, Radius: 2, Shape: draw.CircleGlyph{}}
		for _, seg := range segs {
			pts := make(plotter.XYs, len(seg))
			for k, i := range seg {
				pts[k] = plotter.XY{X: x[i], Y: y[i]}
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, errorf("QuantileRibbons %q: %w", opts.Title, err)
			}
			l.LineStyle = ls
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, errorf("QuantileRibbons %q: %w", opts.Title, err)
			}
			sc.GlyphStyle = glyph
			medians = append(medians, l, sc)
		}
		if s.Name != "" {
			thumbs = append(thumbs, lineThumb{line: ls, glyph: &glyph})
			leg.entries = append(leg.entries, legendEntry{name: s.Name, thumbs: thumbs})
		}
	}
	// Medians above all bands, so that no band hides another method's line.
	p.Add(medians...)
	if err := addVLines(p, opts.VLines, opts.LogX); err != nil {
		return nil, errorf("QuantileRibbons %q: %w", opts.Title, err)
	}
	return newFigure(&plotPanel{p: p, legend: leg}, DefaultWidth, DefaultHeight), nil
}

// finiteSegmentIndices splits indices into runs where x and y are finite.
func finiteSegmentIndices(x, y []float64, logX, logY bool) ([][]int, error) {
	var segs [][]int
	var cur []int
	for i := range x {
		if !isFinite(x[i]) || !isFinite(y[i]) {
			if len(cur) > 0 {
				segs = append(segs, cur)
				cur = nil
			}
			continue
		}
		if logX && x[i] <= 0 {
			return nil, errorf("X[%d] = %g cannot be shown on a logarithmic X axis", i, x[i])
		}
		if logY && y[i] <= 0 {
			return nil, errorf("median %g at X[%d] = %g cannot be shown on a logarithmic Y axis", y[i], i, x[i])
		}
		cur = append(cur, i)
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	if len(segs) == 0 {
		return nil, errorf("no X with a non-empty sample among %d", len(x))
	}
	return segs, nil
}
