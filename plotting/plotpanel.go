package plotting

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var whiteColor = color.White

// plotPanel draws a gonum plot, with an optional legend and colour bar to the
// right of its axes (outside the data area, so they never hide data).
type plotPanel struct {
	p        *plot.Plot
	legend   *legend
	colorbar *colorBar
}

func (pp *plotPanel) title() *string { return &pp.p.Title.Text }

// sidePad separates the plot from the elements drawn beside it.
const sidePad = vg.Length(8)

// legendMax is the widest the legend may be on c (see legendMaxShare).
func legendMax(c draw.Canvas) vg.Length { return vg.Length(legendMaxShare) * (c.Max.X - c.Min.X) }

// sideWidth is the width reserved at the right of c for the colour bar and legend.
func (pp *plotPanel) sideWidth(c draw.Canvas) vg.Length {
	var w vg.Length
	if pp.colorbar != nil {
		w += sidePad + pp.colorbar.width()
	}
	if lw := pp.legend.width(legendMax(c)); lw > 0 {
		w += sidePad + lw + margin
	}
	return w
}

// plotCanvas is the part of c in which the gonum plot itself is drawn.
func (pp *plotPanel) plotCanvas(c draw.Canvas) draw.Canvas {
	// A little room on the right so that the last tick label is not cut.
	return draw.Crop(c, 0, -pp.sideWidth(c)-margin, 0, -margin/2)
}

func (pp *plotPanel) draw(c draw.Canvas) {
	pc := pp.plotCanvas(c)
	pp.p.Draw(pc)
	dc := pp.p.DataCanvas(pc)
	x := pc.Max.X
	if pp.colorbar != nil {
		x += sidePad
		pp.colorbar.draw(c, x, dc.Min.Y, dc.Max.Y)
		x += pp.colorbar.width()
	}
	if lm := legendMax(c); pp.legend.width(lm) > 0 {
		x += sidePad
		top := dc.Max.Y
		if h := pp.legend.height(lm); h < dc.Max.Y-dc.Min.Y {
			// Centre short legends on the upper half of the data area.
			top = dc.Max.Y - vg.Length(math.Max(0, float64((dc.Max.Y-dc.Min.Y)/2-h)/2))
		}
		pp.legend.draw(c, x, top, lm)
	}
}

func (pp *plotPanel) dataArea(c draw.Canvas) (vg.Rectangle, bool) {
	return pp.p.DataCanvas(pp.plotCanvas(c)).Rectangle, true
}

// vline is a plotter drawing a vertical dashed line across the data area with
// a label at its top; it does not widen the Y range.
type vline struct {
	VLine
	style draw.LineStyle
}

func (v vline) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, _ := plt.Transforms(&c)
	x := trX(v.X)
	if x < c.Min.X-0.01 || x > c.Max.X+0.01 {
		return
	}
	c.StrokeLine2(v.style, x, c.Min.Y, x, c.Max.Y)
	if v.Label == "" {
		return
	}
	sty := textStyle(smallSize)
	sty.Color = v.style.Color
	sty.YAlign = draw.YTop
	const pad = 2
	if x+pad+sty.Width(v.Label) <= c.Max.X {
		c.FillText(sty, vg.Point{X: x + pad, Y: c.Max.Y - pad}, v.Label)
	} else {
		sty.XAlign = draw.XRight
		c.FillText(sty, vg.Point{X: x - pad, Y: c.Max.Y - pad}, v.Label)
	}
}

// DataRange makes the X axis include the line; the empty Y range (+Inf,
// −Inf) leaves the Y axis alone.
func (v vline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return v.X, v.X, math.Inf(1), math.Inf(-1)
}

// VLine is a vertical marker line at X with an optional label drawn at its
// top, e.g. {X: 200, Label: "2·n₀"} for a uniqueness threshold.
type VLine struct {
	X     float64
	Label string
}

// addVLines validates and adds marker lines to p.
func addVLines(p *plot.Plot, lines []VLine, logX bool) error {
	for i, l := range lines {
		if math.IsNaN(l.X) || math.IsInf(l.X, 0) || (logX && l.X <= 0) {
			return errorf("vertical line %d (%q) has X = %g, which the X axis cannot show", i, l.Label, l.X)
		}
		p.Add(vline{VLine: l, style: draw.LineStyle{
			Color: color.Gray{Y: 0x40}, Width: 1, Dashes: []vg.Length{4, 3},
		}})
	}
	return nil
}
