package plotting

import (
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Text sizes used throughout the package, in points.
const (
	titleSize     = vg.Length(12)
	axisLabelSize = vg.Length(11)
	tickLabelSize = vg.Length(9)
	legendSize    = vg.Length(10)
	smallSize     = vg.Length(8)
)

// sansFont is the typeface of every text the package draws (gonum/plot's
// default is a serif face). Liberation Sans ships with gonum/plot, so no system
// font is needed and figures render the same everywhere.
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// textStyle returns a text style of the given size, anchored at its left
// baseline.
func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(sansFont, size),
		XAlign:  draw.XLeft,
		YAlign:  draw.YBottom,
		Handler: plot.DefaultTextHandler,
	}
}

// tab10 is the ten-colour qualitative cycle of matplotlib ("tab10"), chosen so
// that figures look familiar to researchers used to Python plots.
var tab10 = [...]color.NRGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// CycleColor returns the i-th colour of the package's qualitative colour cycle
// (matplotlib's ten "tab10" colours, repeating). Series without an explicit
// colour get CycleColor(0), CycleColor(1), … in order; use it to give the same
// method the same colour across figures.
func CycleColor(i int) color.Color {
	n := len(tab10)
	return tab10[((i%n)+n)%n]
}

// seriesColor returns c if it is set, else the i-th cycle colour.
func seriesColor(c color.Color, i int) color.Color {
	if c != nil {
		return c
	}
	return CycleColor(i)
}

// withAlpha returns c with its opacity multiplied by a ∈ [0,1].
func withAlpha(c color.Color, a float64) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = uint8(math.Round(float64(n.A) * a))
	return n
}

var (
	gridColor  = color.Gray{Y: 0xe0}
	frameColor = color.Gray{Y: 0x99}
	// nanPixelColor marks NaN pixels of images and NaN cells of heat maps:
	// magenta never occurs in grayscale images or in the package's colour
	// maps, and is rare in natural images, so it stands out.
	nanPixelColor = color.NRGBA{R: 0xff, G: 0x00, B: 0xff, A: 0xff}
)

// newPlot returns a gonum plot with the package's fonts, labels and a light
// grid behind the data.
func newPlot(title, xlabel, ylabel string, grid bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansFont, titleSize)
	p.Title.Padding = 6
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sansFont, axisLabelSize)
		ax.Tick.Label.Font = font.From(sansFont, tickLabelSize)
		ax.Label.Padding = 2
		ax.Tick.Marker = linearTicks{}
	}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.TextStyle.Font = font.From(sansFont, legendSize)
	if grid {
		g := plotter.NewGrid()
		g.Vertical = draw.LineStyle{Color: gridColor, Width: 0.5}
		g.Horizontal = draw.LineStyle{Color: gridColor, Width: 0.5}
		p.Add(g)
	}
	return p
}

// setLogScale switches an axis to a base-10 logarithmic scale.
func setLogScale(ax *plot.Axis) {
	ax.Scale = plot.LogScale{}
	ax.Tick.Marker = logTicks{}
}

// legendEntry is one row of a legend drawn beside a plot.
type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// legend lays out and draws legend entries in a column.
type legend struct {
	entries []legendEntry
}

const (
	legendThumbWidth = vg.Length(22)
	legendGap        = vg.Length(5)
	// legendMaxShare is the largest share of a panel's width the legend takes: longer names wrap
	// at spaces onto more lines (a word still too long is shortened with "…"), so that long
	// series names never squeeze the data area away.
	legendMaxShare = 0.4
)

func (l *legend) style() text.Style { return textStyle(legendSize) }

func (l *legend) rowHeight() vg.Length {
	e := l.style().FontExtents()
	return (e.Ascent + e.Descent) * 1.35
}

// lines returns each entry's name broken into lines no wider than the text width that a
// legend of total width at most maxWidth leaves (no limit when maxWidth ≤ 0).
func (l *legend) lines(maxWidth vg.Length) [][]string {
	sty := l.style()
	limit := maxWidth - legendThumbWidth - legendGap
	out := make([][]string, len(l.entries))
	for i, e := range l.entries {
		if maxWidth <= 0 || sty.Width(e.name) <= limit {
			out[i] = []string{e.name}
			continue
		}
		out[i] = wrapText(e.name, sty, limit)
	}
	return out
}

// wrapText breaks txt at spaces into lines no wider than width, shortening with "…" a word that
// alone is wider.
func wrapText(txt string, sty text.Style, width vg.Length) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(txt) {
		if cur != "" && sty.Width(cur+" "+w) <= width {
			cur += " " + w
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
		}
		cur = fitText(w, sty, width)
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// width is the horizontal space the legend needs, at most maxWidth when that is positive (and
// the thumbnails fit in it).
func (l *legend) width(maxWidth vg.Length) vg.Length {
	if l == nil || len(l.entries) == 0 {
		return 0
	}
	sty := l.style()
	var w vg.Length
	for _, e := range l.lines(maxWidth) {
		for _, line := range e {
			w = max(w, sty.Width(line))
		}
	}
	return legendThumbWidth + legendGap + w
}

// height is the vertical space the legend needs when its width is at most maxWidth.
func (l *legend) height(maxWidth vg.Length) vg.Length {
	if l == nil {
		return 0
	}
	n := 0
	for _, e := range l.lines(maxWidth) {
		n += len(e)
	}
	return vg.Length(n) * l.rowHeight()
}

// draw draws the legend, at most maxWidth wide, with its top-left corner at (x, top); a
// wrapped name's thumbnail sits beside its first line.
func (l *legend) draw(c draw.Canvas, x, top, maxWidth vg.Length) {
	sty := l.style()
	sty.YAlign = draw.YCenter
	rh := l.rowHeight()
	row := 0
	for i, lines := range l.lines(maxWidth) {
		ymid := top - (vg.Length(row)+0.5)*rh
		icon := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: ymid - rh*0.35},
			Max: vg.Point{X: x + legendThumbWidth, Y: ymid + rh*0.35},
		}}
		for _, t := range l.entries[i].thumbs {
			t.Thumbnail(&icon)
		}
		for j, line := range lines {
			c.FillText(sty, vg.Point{X: x + legendThumbWidth + legendGap, Y: ymid - vg.Length(j)*rh}, line)
		}
		row += len(lines)
	}
}

// lineThumb is a legend thumbnail showing a horizontal line, optionally with a
// marker in its middle.
type lineThumb struct {
	line  draw.LineStyle
	glyph *draw.GlyphStyle
}

func (t lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	if t.line.Width > 0 {
		c.StrokeLine2(t.line, c.Min.X, y, c.Max.X, y)
	}
	if t.glyph != nil {
		c.DrawGlyphNoClip(*t.glyph, c.Center())
	}
}

// boxThumb is a legend thumbnail showing a filled box, optionally outlined.
// frac is the box height as a fraction of the thumbnail height (0 means 1).
type boxThumb struct {
	fill color.Color
	edge draw.LineStyle
	frac float64
}

func (t boxThumb) Thumbnail(c *draw.Canvas) {
	frac := t.frac
	if frac == 0 {
		frac = 1
	}
	cy := c.Center().Y
	h := (c.Max.Y - c.Min.Y) * vg.Length(frac) / 2
	pts := []vg.Point{
		{X: c.Min.X, Y: cy - h}, {X: c.Max.X, Y: cy - h},
		{X: c.Max.X, Y: cy + h}, {X: c.Min.X, Y: cy + h},
	}
	if t.fill != nil {
		c.FillPolygon(t.fill, pts)
	}
	if t.edge.Width > 0 && t.edge.Color != nil {
		c.StrokeLines(t.edge, append(pts, pts[0]))
	}
}

// colormapLUT samples a colour map into n colours (nil: gray ramp).
func colormapLUT(cm palette.ColorMap, n int) []color.NRGBA {
	lut := make([]color.NRGBA, n)
	if cm == nil {
		for i := range lut {
			v := uint8(math.Round(float64(i) * 255 / float64(n-1)))
			lut[i] = color.NRGBA{R: v, G: v, B: v, A: 0xff}
		}
		return lut
	}
	cols := cm.Palette(n).Colors()
	for i := range lut {
		j := i * (len(cols) - 1) / max(1, n-1)
		lut[i] = color.NRGBAModel.Convert(cols[j]).(color.NRGBA)
	}
	return lut
}

// lookup maps t ∈ [0,1] (clipped) to a LUT colour.
func lookup(lut []color.NRGBA, t float64) color.NRGBA {
	t = math.Max(0, math.Min(1, t))
	return lut[int(math.Round(t*float64(len(lut)-1)))]
}

// viridisAnchors are nine evenly spaced samples of matplotlib's viridis colour
// map (public domain, by Stéfan van der Walt and Nathaniel Smith); linear
// interpolation between them stays within a few units of the full table.
var viridisAnchors = [...]color.NRGBA{
	{0x44, 0x01, 0x54, 0xff}, {0x47, 0x2d, 0x7b, 0xff}, {0x3b, 0x52, 0x8b, 0xff},
	{0x2c, 0x72, 0x8e, 0xff}, {0x21, 0x91, 0x8c, 0xff}, {0x28, 0xae, 0x80, 0xff},
	{0x5e, 0xc9, 0x62, 0xff}, {0xad, 0xdc, 0x30, 0xff}, {0xfd, 0xe7, 0x25, 0xff},
}

// viridis implements palette.ColorMap for the viridis colour map.
type viridis struct {
	min, max, alpha float64
}

// Viridis returns matplotlib's perceptually uniform "viridis" colour map
// (dark purple → green → yellow) as a gonum palette.ColorMap over [0, 1].
// It is the default colour map of HeatMap.
func Viridis() palette.ColorMap { return &viridis{min: 0, max: 1, alpha: 1} }

func (v *viridis) At(x float64) (color.Color, error) {
	switch {
	case math.IsNaN(x):
		return nil, palette.ErrNaN
	case x < v.min:
		return nil, palette.ErrUnderflow
	case x > v.max:
		return nil, palette.ErrOverflow
	}
	t := 0.0
	if v.max > v.min {
		t = (x - v.min) / (v.max - v.min)
	}
	f := t * float64(len(viridisAnchors)-1)
	i := min(int(f), len(viridisAnchors)-2)
	w := f - float64(i)
	a, b := viridisAnchors[i], viridisAnchors[i+1]
	mix := func(p, q uint8) uint8 { return uint8(math.Round(float64(p)*(1-w) + float64(q)*w)) }
	return color.NRGBA{
		R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B),
		A: uint8(math.Round(255 * v.alpha)),
	}, nil
}

func (v *viridis) Max() float64       { return v.max }
func (v *viridis) SetMax(x float64)   { v.max = x }
func (v *viridis) Min() float64       { return v.min }
func (v *viridis) SetMin(x float64)   { v.min = x }
func (v *viridis) Alpha() float64     { return v.alpha }
func (v *viridis) SetAlpha(a float64) { v.alpha = a }

func (v *viridis) Palette(n int) palette.Palette {
	cols := make(colorList, n)
	for i := range cols {
		x := v.min
		if n > 1 {
			x += (v.max - v.min) * float64(i) / float64(n-1)
		}
		cols[i], _ = v.At(x)
	}
	return cols
}

type colorList []color.Color

func (l colorList) Colors() []color.Color { return l }

// finiteRange returns the minimum and maximum of the finite values in xs, and
// false if there is none.
func finiteRange(xs []float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi, lo <= hi
}
