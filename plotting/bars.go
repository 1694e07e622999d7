package plotting

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// dataRect is an axis-aligned rectangle in data coordinates.
type dataRect struct{ x0, x1, y0, y1 float64 }

// rects is a plotter that fills (and optionally outlines) rectangles given in
// data coordinates: the bars of bar charts and histograms.
type rects struct {
	rs   []dataRect
	fill color.Color
	edge draw.LineStyle
}

func (r *rects) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for _, d := range r.rs {
		x0, x1, y0, y1 := trX(d.x0), trX(d.x1), trY(d.y0), trY(d.y1)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		if r.fill != nil {
			c.FillPolygon(r.fill, c.ClipPolygonXY(pts))
		}
		if r.edge.Width > 0 && r.edge.Color != nil {
			c.StrokeLines(r.edge, c.ClipLinesXY(append(pts, pts[0]))...)
		}
	}
}

func (r *rects) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, d := range r.rs {
		xmin, xmax = math.Min(xmin, math.Min(d.x0, d.x1)), math.Max(xmax, math.Max(d.x0, d.x1))
		ymin, ymax = math.Min(ymin, math.Min(d.y0, d.y1)), math.Max(ymax, math.Max(d.y0, d.y1))
	}
	return
}

// errBars draws vertical error bars y ± e with caps.
type errBars struct {
	x, y, e []float64
	style   draw.LineStyle
	cap     vg.Length
}

func (b *errBars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for i := range b.x {
		x, lo, hi := trX(b.x[i]), trY(b.y[i]-b.e[i]), trY(b.y[i]+b.e[i])
		c.StrokeLines(b.style, c.ClipLinesXY([]vg.Point{{X: x, Y: lo}, {X: x, Y: hi}})...)
		for _, y := range []vg.Length{lo, hi} {
			c.StrokeLines(b.style, c.ClipLinesXY([]vg.Point{{X: x - b.cap, Y: y}, {X: x + b.cap, Y: y}})...)
		}
	}
}

func (b *errBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for i := range b.x {
		xmin, xmax = math.Min(xmin, b.x[i]), math.Max(xmax, b.x[i])
		ymin, ymax = math.Min(ymin, b.y[i]-b.e[i]), math.Max(ymax, b.y[i]+b.e[i])
	}
	return
}

// valueLabels writes a text above (or, for downward bars, below) points;
// its glyph boxes make the plot leave room for the text.
type valueLabels struct {
	x, y  []float64
	texts []string
	down  []bool
}

const valueLabelPad = vg.Length(2)

func (v *valueLabels) style(i int) draw.TextStyle {
	sty := textStyle(smallSize)
	sty.XAlign = draw.XCenter
	if v.down[i] {
		sty.YAlign = draw.YTop
	}
	return sty
}

func (v *valueLabels) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for i, t := range v.texts {
		pad := valueLabelPad
		if v.down[i] {
			pad = -pad
		}
		c.FillText(v.style(i), vg.Point{X: trX(v.x[i]), Y: trY(v.y[i]) + pad}, t)
	}
}

func (v *valueLabels) GlyphBoxes(plt *plot.Plot) []plot.GlyphBox {
	boxes := make([]plot.GlyphBox, len(v.texts))
	for i, t := range v.texts {
		sty := v.style(i)
		w, h := sty.Width(t), sty.Height(t)
		r := vg.Rectangle{Min: vg.Point{X: -w / 2, Y: valueLabelPad}, Max: vg.Point{X: w / 2, Y: valueLabelPad + h}}
		if v.down[i] {
			r.Min.Y, r.Max.Y = -valueLabelPad-h, -valueLabelPad
		}
		boxes[i] = plot.GlyphBox{X: plt.X.Norm(v.x[i]), Y: plt.Y.Norm(v.y[i]), Rectangle: r}
	}
	return boxes
}

// BarSeries is one bar per group, e.g. one model's PSNR on each data set.
type BarSeries struct {
	Name string
	// Values has one value per group; NaN means no bar in that group.
	Values []float64
	// Errors, if set, has one error-bar half-length per group (e.g. a
	// standard deviation, drawn as value ± error); NaN means no error bar.
	Errors []float64
	// Color overrides the colour cycle.
	Color color.Color
}

// BarOptions configures Bars.
type BarOptions struct {
	Title, XLabel, YLabel string
	// Baseline is the value bars start from (default 0).
	Baseline float64
	// ShowValues writes each bar's value above it, formatted with
	// ValueFormat (default "%.2f").
	ShowValues  bool
	ValueFormat string
}

// Bars draws a grouped bar chart: for each group (label under the X axis) one
// bar per series, side by side, with a legend naming the series and optional
// error bars. It fails if there are no groups or series, a series has the
// wrong number of values or errors, a value is ±Inf, or an error is negative.
func Bars(opts BarOptions, groups []string, series ...BarSeries) (*Figure, error) {
	if len(groups) == 0 {
		return nil, errorf("Bars %q: no groups", opts.Title)
	}
	if len(series) == 0 {
		return nil, errorf("Bars %q: no series", opts.Title)
	}
	if math.IsNaN(opts.Baseline) || math.IsInf(opts.Baseline, 0) {
		return nil, errorf("Bars %q: Baseline %g must be finite", opts.Title, opts.Baseline)
	}
	format := opts.ValueFormat
	if format == "" {
		format = "%.2f"
	}
	p := newPlot(opts.Title, opts.XLabel, opts.YLabel, false)
	p.Add(&hgrid{style: draw.LineStyle{Color: gridColor, Width: 0.5}})
	k := len(series)
	bw := 0.8 / float64(k)
	leg := &legend{}
	labels := &valueLabels{}
	var errs []*errBars
	for s, ser := range series {
		if len(ser.Values) != len(groups) {
			return nil, errorf("Bars %q: series %d (%q) has %d values for %d groups", opts.Title, s, ser.Name, len(ser.Values), len(groups))
		}
		if ser.Errors != nil && len(ser.Errors) != len(groups) {
			return nil, errorf("Bars %q: series %d (%q) has %d errors for %d groups: give one per group or none", opts.Title, s, ser.Name, len(ser.Errors), len(groups))
		}
		col := seriesColor(ser.Color, s)
		r := &rects{fill: col}
		eb := &errBars{style: draw.LineStyle{Color: color.Gray{Y: 0x20}, Width: 1}, cap: 3}
		for g, v := range ser.Values {
			if math.IsInf(v, 0) {
				return nil, errorf("Bars %q: series %d (%q) has value %g in group %q", opts.Title, s, ser.Name, v, groups[g])
			}
			if math.IsNaN(v) {
				continue
			}
			xc := float64(g) - 0.4 + bw*(float64(s)+0.5)
			r.rs = append(r.rs, dataRect{x0: xc - 0.45*bw, x1: xc + 0.45*bw, y0: opts.Baseline, y1: v})
			top := v
			if ser.Errors != nil {
				e := ser.Errors[g]
				if e < 0 || math.IsInf(e, 0) {
					return nil, errorf("Bars %q: series %d (%q) has error %g in group %q: errors are non-negative half-lengths", opts.Title, s, ser.Name, e, groups[g])
				}
				if !math.IsNaN(e) {
					eb.x, eb.y, eb.e = append(eb.x, xc), append(eb.y, v), append(eb.e, e)
					if v >= opts.Baseline {
						top = v + e
					} else {
						top = v - e
					}
				}
			}
			if opts.ShowValues {
				labels.x, labels.y = append(labels.x, xc), append(labels.y, top)
				labels.texts = append(labels.texts, formatValue(format, v))
				labels.down = append(labels.down, v < opts.Baseline)
			}
		}
		if len(r.rs) > 0 {
			p.Add(r)
		}
		if len(eb.x) > 0 {
			errs = append(errs, eb)
		}
		if ser.Name != "" {
			leg.entries = append(leg.entries, legendEntry{name: ser.Name, thumbs: []plot.Thumbnailer{boxThumb{fill: col, frac: 0.8}}})
		}
	}
	for _, eb := range errs {
		p.Add(eb)
	}
	if len(labels.texts) > 0 {
		p.Add(labels)
	}
	// Make the baseline part of the Y range even if every bar is NaN.
	p.Y.Min, p.Y.Max = math.Min(p.Y.Min, opts.Baseline), math.Max(p.Y.Max, opts.Baseline)
	p.NominalX(groups...)
	p.X.Min, p.X.Max = -0.5, float64(len(groups))-0.5
	p.X.Padding = 0
	return newFigure(&plotPanel{p: p, legend: leg}, DefaultWidth, DefaultHeight), nil
}

// formatValue formats v with a printf verb, falling back to %g.
func formatValue(format string, v float64) string {
	s := fmt.Sprintf(format, v)
	if strings.Contains(s, "%!") {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return s
}

// hgrid draws horizontal grid lines at the major Y ticks.
type hgrid struct{ style draw.LineStyle }

func (g *hgrid) Plot(c draw.Canvas, plt *plot.Plot) {
	_, trY := plt.Transforms(&c)
	for _, t := range plt.Y.Tick.Marker.Ticks(plt.Y.Min, plt.Y.Max) {
		if t.IsMinor() {
			continue
		}
		y := trY(t.Value)
		c.StrokeLine2(g.style, c.Min.X, y, c.Max.X, y)
	}
}
