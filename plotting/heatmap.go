package plotting

import (
	"image"
	"image/color"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatMapOptions configures HeatMap.
type HeatMapOptions struct {
	// XLabel and YLabel default to "column" and "row".
	Title, XLabel, YLabel string
	// Colormap maps values to colours; nil means Viridis, or
	// moreland.SmoothBlueRed() (blue–white–red) with Symmetric.
	Colormap palette.ColorMap
	// Min and Max fix the colour range when Min < Max (values outside are
	// clipped to the end colours); otherwise it spans the finite values.
	Min, Max float64
	// Symmetric makes the automatic colour range [−m, m] with m the largest
	// |value|, so that zero is the middle colour (for signed matrices).
	Symmetric bool
	// ColorbarLabel is written beside the colour bar.
	ColorbarLabel string
}

// HeatMap draws a matrix as a grid of coloured cells, row 0 at the top (as
// the matrix is printed), with a colour bar. Cells are drawn as an image with
// nearest-neighbour scaling, so large matrices (a 256 × 512 dictionary) stay
// fast and small files. NaN cells are magenta and ±Inf take the end
// colours; neither affects the automatic range.
func HeatMap(opts HeatMapOptions, m mat.Matrix) (*Figure, error) {
	if m == nil {
		return nil, errorf("HeatMap %q: nil matrix", opts.Title)
	}
	rows, cols := m.Dims()
	if rows == 0 || cols == 0 {
		return nil, errorf("HeatMap %q: empty %d×%d matrix", opts.Title, rows, cols)
	}
	if math.IsNaN(opts.Min) || math.IsNaN(opts.Max) || math.IsInf(opts.Min, 0) || math.IsInf(opts.Max, 0) {
		return nil, errorf("HeatMap %q: colour range [%g, %g] must be finite", opts.Title, opts.Min, opts.Max)
	}
	lo, hi := opts.Min, opts.Max
	if !(lo < hi) {
		vals := make([]float64, 0, rows*cols)
		for i := range rows {
			for j := range cols {
				vals = append(vals, m.At(i, j))
			}
		}
		var ok bool
		lo, hi, ok = finiteRange(vals)
		if !ok {
			lo, hi = 0, 1
		}
		if opts.Symmetric {
			a := math.Max(math.Abs(lo), math.Abs(hi))
			lo, hi = -a, a
		}
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
	}
	cm := opts.Colormap
	if cm == nil {
		if opts.Symmetric {
			cm = moreland.SmoothBlueRed()
		} else {
			cm = Viridis()
		}
	}
	lut := colormapLUT(cm, 256)
	img := image.NewNRGBA(image.Rect(0, 0, cols, rows))
	for i := range rows {
		for j := range cols {
			v := m.At(i, j)
			c := nanPixelColor
			if !math.IsNaN(v) {
				c = lookup(lut, (v-lo)/(hi-lo))
			}
			img.SetNRGBA(j, i, c)
		}
	}
	xl, yl := opts.XLabel, opts.YLabel
	if xl == "" {
		xl = "column"
	}
	if yl == "" {
		yl = "row"
	}
	p := newPlot(opts.Title, xl, yl, false)
	p.Add(&rasterPlotter{img: img, x0: -0.5, x1: float64(cols) - 0.5, y0: -0.5, y1: float64(rows) - 0.5})
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Marker, p.Y.Tick.Marker = intTicks{}, intTicks{}
	p.Y.Scale = plot.InvertedScale{Normalizer: p.Y.Scale}
	cb := &colorBar{lut: lut, min: lo, max: hi, label: opts.ColorbarLabel}

	// Default size: 6 inches wide, the height following the matrix shape.
	w := DefaultWidth
	dataW := w - 1.6*vg.Inch
	h := max(2.5*vg.Inch, min(7*vg.Inch, dataW*vg.Length(rows)/vg.Length(cols)+1.1*vg.Inch))
	return newFigure(&plotPanel{p: p, colorbar: cb}, w, h), nil
}

// MatrixFromTensor copies a rank-2 float32 or float64 GoMLX tensor into a
// gonum matrix, e.g. a dictionary or a batch of codes for HeatMap.
func MatrixFromTensor(t *tensors.Tensor) (*mat.Dense, error) {
	if t == nil {
		return nil, errorf("MatrixFromTensor: nil tensor")
	}
	dims := t.Shape().Dimensions
	if len(dims) != 2 || dims[0] == 0 || dims[1] == 0 {
		return nil, errorf("MatrixFromTensor: shape %v, need a non-empty rank-2 [rows, cols] tensor", dims)
	}
	var data []float64
	switch t.DType() {
	case dtypes.Float64:
		d, err := tensors.CopyFlatData[float64](t)
		if err != nil {
			return nil, errorf("MatrixFromTensor: %w", err)
		}
		data = d
	case dtypes.Float32:
		d, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, errorf("MatrixFromTensor: %w", err)
		}
		data = make([]float64, len(d))
		for i, v := range d {
			data[i] = float64(v)
		}
	default:
		return nil, errorf("MatrixFromTensor: dtype %s, need Float32 or Float64", t.DType())
	}
	return mat.NewDense(dims[0], dims[1], data), nil
}

// rasterPlotter draws an image over a data rectangle with nearest-neighbour
// scaling; image row 0 goes to y0 (the top on an inverted Y axis).
type rasterPlotter struct {
	img            *image.NRGBA
	x0, x1, y0, y1 float64
}

func (r *rasterPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	ax, bx := trX(r.x0), trX(r.x1)
	ay, by := trY(r.y0), trY(r.y1)
	img := r.img
	if ay < by { // row 0 would be at the bottom: flip the image
		img = flipVertical(img)
	}
	rect := vg.Rectangle{
		Min: vg.Point{X: min(ax, bx), Y: min(ay, by)},
		Max: vg.Point{X: max(ax, bx), Y: max(ay, by)},
	}
	drawNearest(c, rect, img)
}

func (r *rasterPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	return r.x0, r.x1, r.y0, r.y1
}

func flipVertical(src *image.NRGBA) *image.NRGBA {
	b := src.Bounds()
	dst := image.NewNRGBA(b)
	for y := range b.Dy() {
		copy(dst.Pix[y*dst.Stride:(y+1)*dst.Stride], src.Pix[(b.Dy()-1-y)*src.Stride:(b.Dy()-y)*src.Stride])
	}
	return dst
}

// colorBar is a vertical colour scale with ticks, drawn beside a heat map.
type colorBar struct {
	lut      []color.NRGBA
	min, max float64
	label    string
}

const (
	colorBarWidth = vg.Length(12)
	colorBarTick  = vg.Length(3)
)

func (cb *colorBar) ticks() []plot.Tick {
	var out []plot.Tick
	for _, t := range (linearTicks{}).Ticks(cb.min, cb.max) {
		if !t.IsMinor() && t.Value >= cb.min && t.Value <= cb.max {
			out = append(out, t)
		}
	}
	return out
}

func (cb *colorBar) width() vg.Length {
	sty := textStyle(tickLabelSize)
	var w vg.Length
	for _, t := range cb.ticks() {
		w = max(w, sty.Width(t.Label))
	}
	w += colorBarWidth + colorBarTick + 2
	if cb.label != "" {
		w += 4 + textStyle(axisLabelSize).Height(cb.label)
	}
	return w
}

// draw draws the bar with its left edge at x, spanning ymin…ymax.
func (cb *colorBar) draw(c draw.Canvas, x, ymin, ymax vg.Length) {
	n := len(cb.lut)
	img := image.NewNRGBA(image.Rect(0, 0, 1, n))
	for i, col := range cb.lut {
		img.SetNRGBA(0, n-1-i, col) // top row = maximum
	}
	rect := vg.Rectangle{Min: vg.Point{X: x, Y: ymin}, Max: vg.Point{X: x + colorBarWidth, Y: ymax}}
	drawNearest(c, rect, img)
	frame := draw.LineStyle{Color: color.Black, Width: 0.5}
	c.StrokeLines(frame, []vg.Point{rect.Min, {X: rect.Max.X, Y: rect.Min.Y}, rect.Max, {X: rect.Min.X, Y: rect.Max.Y}, rect.Min})
	sty := textStyle(tickLabelSize)
	sty.YAlign = draw.YCenter
	var lw vg.Length
	for _, t := range cb.ticks() {
		y := ymin + (ymax-ymin)*vg.Length((t.Value-cb.min)/(cb.max-cb.min))
		c.StrokeLine2(frame, rect.Max.X, y, rect.Max.X+colorBarTick, y)
		c.FillText(sty, vg.Point{X: rect.Max.X + colorBarTick + 2, Y: y}, t.Label)
		lw = max(lw, sty.Width(t.Label))
	}
	if cb.label != "" {
		// Rotated to read bottom to top, like the Y axis label; with the
		// rotation the text's baseline is vertical and it extends leftwards.
		ls := textStyle(axisLabelSize)
		ls.Rotation = math.Pi / 2
		ls.XAlign = draw.XCenter
		xl := rect.Max.X + colorBarTick + 2 + lw + 4
		c.FillText(ls, vg.Point{X: xl + ls.Height(cb.label) - ls.FontExtents().Descent, Y: (ymin + ymax) / 2}, cb.label)
	}
}
