package plotting

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named curve. X may be nil, meaning 0, 1, …, len(Y)−1 (e.g.
// a loss per step); otherwise it must have the length of Y. Points are joined
// in the given order.
//
// Non-finite values (NaN, ±Inf) in X or Y mark missing points: the line
// breaks there, so NaN can stand for "not evaluated at this step". A point
// between two missing ones is drawn as a dot.
type Series struct {
	Name string
	X, Y []float64
	// Color overrides the colour cycle (CycleColor).
	Color color.Color
	// Dashed draws a dashed line, e.g. for a reference or a paper's value.
	Dashed bool
	// Dotted draws a dotted line, e.g. for a second forecast beside a dashed one; it wins over
	// Dashed.
	Dotted bool
	// Points draws a marker at every point.
	Points bool
}

// The dash patterns of Series.Dashed and Series.Dotted: lengths drawn, skipped, drawn, ….
var (
	dashed = []vg.Length{5, 3}
	dotted = []vg.Length{1.5, 2.5}
)

// CurveOptions configures CurvesWith.
type CurveOptions struct {
	Title, XLabel, YLabel string
	// LogX and LogY use base-10 logarithmic axes; all shown values on such
	// an axis must then be positive.
	LogX, LogY bool
	// VLines are vertical marker lines with labels.
	VLines []VLine
}

// Curves draws line plots of several series with a legend (for series with a
// name) on linear axes. See CurvesWith for logarithmic axes and marker lines.
func Curves(title, xlabel, ylabel string, series ...Series) (*Figure, error) {
	return CurvesWith(CurveOptions{Title: title, XLabel: xlabel, YLabel: ylabel}, series...)
}

// CurvesWith draws line plots of several series with a legend. It fails if
// there is no series, a series' X and Y lengths differ, a series has no finite
// point, or a finite value cannot be shown on a logarithmic axis (≤ 0).
func CurvesWith(opts CurveOptions, series ...Series) (*Figure, error) {
	if len(series) == 0 {
		return nil, errorf("Curves %q: no series to draw", opts.Title)
	}
	p := newPlot(opts.Title, opts.XLabel, opts.YLabel, true)
	if opts.LogX {
		setLogScale(&p.X)
	}
	if opts.LogY {
		setLogScale(&p.Y)
	}
	leg := &legend{}
	for i, s := range series {
		if s.X != nil && len(s.X) != len(s.Y) {
			return nil, errorf("Curves %q: series %d (%q) has %d X values and %d Y values", opts.Title, i, s.Name, len(s.X), len(s.Y))
		}
		x := s.X
		if x == nil {
			x = make([]float64, len(s.Y))
			for j := range x {
				x[j] = float64(j)
			}
		}
		segs, err := finiteSegments(x, s.Y, opts.LogX, opts.LogY)
		if err != nil {
			return nil, errorf("Curves %q: series %d (%q): %w", opts.Title, i, s.Name, err)
		}
		col := seriesColor(s.Color, i)
		ls := draw.LineStyle{Color: col, Width: 1.5}
		switch {
		case s.Dotted:
			ls.Dashes = dotted
		case s.Dashed:
			ls.Dashes = dashed
		}
		glyph := draw.GlyphStyle{Color: col, Radius: 2.2, Shape: draw.CircleGlyph{}}
		for _, seg := range segs {
			if len(seg) > 1 {
				l, err := plotter.NewLine(seg)
				if err != nil {
					return nil, errorf("Curves %q: series %d (%q): %w", opts.Title, i, s.Name, err)
				}
				l.LineStyle = ls
				p.Add(l)
			}
			if s.Points || len(seg) == 1 {
				sc, err := plotter.NewScatter(seg)
				if err != nil {
					return nil, errorf("Curves %q: series %d (%q): %w", opts.Title, i, s.Name, err)
				}
				sc.GlyphStyle = glyph
				p.Add(sc)
			}
		}
		if s.Name != "" {
			th := lineThumb{line: ls}
			if s.Points {
				th.glyph = &glyph
			}
			leg.entries = append(leg.entries, legendEntry{name: s.Name, thumbs: []plot.Thumbnailer{th}})
		}
	}
	if err := addVLines(p, opts.VLines, opts.LogX); err != nil {
		return nil, errorf("Curves %q: %w", opts.Title, err)
	}
	return newFigure(&plotPanel{p: p, legend: leg}, DefaultWidth, DefaultHeight), nil
}

// finiteSegments splits the points into runs of finite points. It fails if
// there is no finite point, or a finite point cannot be shown on a log axis.
func finiteSegments(x, y []float64, logX, logY bool) ([]plotter.XYs, error) {
	var segs []plotter.XYs
	var cur plotter.XYs
	for j := range y {
		xv, yv := x[j], y[j]
		if !isFinite(xv) || !isFinite(yv) {
			if len(cur) > 0 {
				segs = append(segs, cur)
				cur = nil
			}
			continue
		}
		if logX && xv <= 0 {
			return nil, errorf("X[%d] = %g cannot be shown on a logarithmic X axis: use a linear axis or drop the point (set it to NaN)", j, xv)
		}
		if logY && yv <= 0 {
			return nil, errorf("Y[%d] = %g cannot be shown on a logarithmic Y axis: use a linear axis, clamp it, or drop the point (set it to NaN)", j, yv)
		}
		cur = append(cur, plotter.XY{X: xv, Y: yv})
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	if len(segs) == 0 {
		return nil, errorf("no finite point among %d", len(y))
	}
	return segs, nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
