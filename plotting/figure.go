package plotting

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Default figure geometry.
const (
	// DefaultDPI is the resolution of PNG output unless Figure.SetDPI changes
	// it: a 6 × 4 inch figure becomes 576 × 384 pixels.
	DefaultDPI = 96
	// DefaultWidth and DefaultHeight are the size of single-plot figures.
	DefaultWidth  = 6 * vg.Inch
	DefaultHeight = 4 * vg.Inch

	// maxPixels bounds the raster size of PNG output (width × height at the
	// figure's DPI) so that a unit mistake cannot allocate gigabytes.
	maxPixels = 100_000_000
)

// Figure is a drawing ready to be encoded: one plot, an image grid, or a grid
// of other figures. Every constructor of the package returns one. Its size is
// in typographic points (vg.Length; 72 points = 1 inch, vg.Inch and
// vg.Centimeter help) and its resolution for PNG output in dots per inch.
//
// A Figure is not safe for concurrent use: encode it from one goroutine at a
// time.
type Figure struct {
	width, height vg.Length
	dpi           int
	title         string // drawn by the figure unless body draws it (plots)
	body          panel
}

// panel is the content of a figure.
type panel interface {
	// draw draws the panel on c.
	draw(c draw.Canvas)
	// dataArea returns the rectangle of c in which the panel draws its data
	// (the inside of its axes), used to line up the axes of panels that sit
	// side by side; ok is false for panels without axes.
	dataArea(c draw.Canvas) (r vg.Rectangle, ok bool)
}

// titledPanel is implemented by panels that draw the figure title themselves
// (gonum plots carry their own title).
type titledPanel interface {
	panel
	title() *string
}

func newFigure(body panel, w, h vg.Length) *Figure {
	return &Figure{width: w, height: h, dpi: DefaultDPI, body: body}
}

// FromPlot wraps a gonum plot, built with any of gonum's plotters, into a
// Figure of the default size, so that it can be combined with the package's
// figures by Panels and saved the same way. The plot is drawn as it is at
// encoding time.
func FromPlot(p *plot.Plot) *Figure {
	if p == nil {
		p = plot.New()
	}
	return newFigure(&plotPanel{p: p}, DefaultWidth, DefaultHeight)
}

// Size returns the figure's width and height in points.
func (f *Figure) Size() (width, height vg.Length) { return f.width, f.height }

// SetSize sets the figure's width and height in points (vg.Inch and
// vg.Centimeter convert), and returns f for chaining. The content is laid out
// again for the new size: fonts keep their size, plots and images scale.
// Non-positive sizes make Encode fail.
func (f *Figure) SetSize(width, height vg.Length) *Figure {
	f.width, f.height = width, height
	return f
}

// DPI returns the resolution of PNG output in dots (pixels) per inch.
func (f *Figure) DPI() int { return f.dpi }

// SetDPI sets the resolution of PNG output in dots per inch (96 by default;
// 150–300 for print) and returns f for chaining. It does not change the size
// in points, so text keeps its size relative to the figure. SVG and PDF are
// vector formats and ignore it.
func (f *Figure) SetDPI(dpi int) *Figure {
	f.dpi = dpi
	return f
}

// Title returns the figure's title.
func (f *Figure) Title() string {
	if tp, ok := f.body.(titledPanel); ok {
		return *tp.title()
	}
	return f.title
}

// SetTitle sets the title drawn above the figure and returns f for chaining.
// For a single plot it is the plot's title; for image grids and multi-panel
// figures it is drawn above all panels.
func (f *Figure) SetTitle(title string) *Figure {
	if tp, ok := f.body.(titledPanel); ok {
		*tp.title() = title
		return f
	}
	f.title = title
	return f
}

// Plot returns the gonum plot behind a single-plot figure (Curves, Histogram,
// Bars, QuantileRibbons, HeatMap, FromPlot), for changes the options do not
// cover (axis ranges, tick marks, extra plotters), or nil for image grids and
// multi-panel figures. Changes show at the next Encode.
func (f *Figure) Plot() *plot.Plot {
	if pp, ok := f.body.(*plotPanel); ok {
		return pp.p
	}
	return nil
}

const (
	titleGap = vg.Length(4)
	margin   = vg.Length(4)
)

// titleHeight is the vertical space the figure-level title takes.
func (f *Figure) titleHeight() vg.Length {
	if _, ok := f.body.(titledPanel); ok || f.title == "" {
		return 0
	}
	sty := textStyle(titleSize)
	return sty.Height(f.title) + titleGap
}

// Draw draws the figure on c, filling c's rectangle (the figure's own size is
// only used by Encode and Save). It lets a figure be placed inside any gonum
// canvas.
func (f *Figure) Draw(c draw.Canvas) {
	c.SetColor(whiteColor)
	c.Fill(c.Rectangle.Path())
	if th := f.titleHeight(); th > 0 {
		sty := textStyle(titleSize)
		sty.XAlign = draw.XCenter
		sty.YAlign = draw.YTop
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - margin/2}, f.title)
		c = draw.Crop(c, 0, 0, 0, -th-margin/2)
	}
	if f.body != nil {
		f.body.draw(c)
	}
}

// dataArea is the figure's data rectangle when drawn on c.
func (f *Figure) dataArea(c draw.Canvas) (vg.Rectangle, bool) {
	if f.body == nil {
		return vg.Rectangle{}, false
	}
	if th := f.titleHeight(); th > 0 {
		c = draw.Crop(c, 0, 0, 0, -th-margin/2)
	}
	return f.body.dataArea(c)
}

// normalizeFormat lower-cases a format name and strips a leading dot.
func normalizeFormat(format string) (string, error) {
	f := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(format), "."))
	switch f {
	case "png", "svg", "pdf":
		return f, nil
	}
	return "", fmt.Errorf("plotting: unknown figure format %q: use png, svg or pdf", format)
}

// Encode writes the figure to w in the given format: "png" (raster at the
// figure's DPI), "svg" or "pdf" (vector; images inside them are embedded as
// rasters). The format is case-insensitive and may start with a dot. The PDF
// writer of gonum/plot only encodes Windows-1252 characters: text such as
// "n₀" shows correctly in PNG and SVG but not in PDF.
func (f *Figure) Encode(w io.Writer, format string) (err error) {
	format, err = normalizeFormat(format)
	if err != nil {
		return err
	}
	if !(f.width > 0 && f.height > 0) {
		return fmt.Errorf("plotting: figure size %.4g×%.4g points must be positive: call SetSize with positive lengths", f.width.Points(), f.height.Points())
	}
	var wt io.WriterTo
	// gonum/plot reports some problems (impossible axis ranges, unencodable
	// text) by panicking: turn those into errors.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plotting: drawing the %s figure failed: %v", format, r)
		}
	}()
	switch format {
	case "png":
		if f.dpi <= 0 {
			return fmt.Errorf("plotting: figure DPI %d must be positive: call SetDPI with e.g. %d", f.dpi, DefaultDPI)
		}
		pw, ph := f.width.Dots(float64(f.dpi)), f.height.Dots(float64(f.dpi))
		if pw*ph > maxPixels {
			return fmt.Errorf("plotting: a %.0f×%.0f pixel PNG is too large (limit %d pixels): reduce the size (%.4g×%.4g points) or the DPI (%d)", pw, ph, maxPixels, f.width.Points(), f.height.Points(), f.dpi)
		}
		c := vgimg.NewWith(vgimg.UseWH(f.width, f.height), vgimg.UseDPI(f.dpi))
		f.Draw(draw.New(c))
		wt = vgimg.PngCanvas{Canvas: c}
	case "svg":
		c := vgsvg.New(f.width, f.height)
		f.Draw(draw.New(c))
		wt = c
	case "pdf":
		c := vgpdf.New(f.width, f.height)
		f.Draw(draw.New(c))
		wt = c
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("plotting: writing the %s figure: %w", format, err)
	}
	return nil
}

// Bytes returns the figure encoded in the given format (see Encode); handy
// for notebook display functions that take PNG bytes or SVG text.
func (f *Figure) Bytes(format string) ([]byte, error) {
	var buf bytes.Buffer
	if err := f.Encode(&buf, format); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the figure to path in the format named by its extension (.png,
// .svg or .pdf). It writes a temporary file in the same folder and renames it,
// so that a reader never sees a half-written figure and a failed save leaves
// any previous file in place. The folder must exist.
func (f *Figure) Save(path string) (err error) {
	format, err := normalizeFormat(filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("plotting: cannot save %q: the extension picks the format: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("plotting: saving figure %q: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriter(tmp)
	if err = f.Encode(bw, format); err != nil {
		return fmt.Errorf("plotting: saving figure %q: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("plotting: saving figure %q: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("plotting: saving figure %q: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("plotting: saving figure %q: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("plotting: saving figure %q: %w", path, err)
	}
	return nil
}

// gridPanel lays out figures in a grid.
type gridPanel struct {
	cols, rows int
	figs       []*Figure
}

// panelGap separates the tiles of a multi-panel figure.
const panelGap = vg.Length(8)

// Panels arranges figures in a grid with the given number of columns, filled
// row by row; a nil figure leaves its tile empty. Panels whose plots have axes
// are aligned: within a column their left and right axis edges line up, within
// a row their bottoms and tops. All tiles have the same size, by default that
// of the largest panel, so that every panel gets at least its own size. The
// figures are drawn as they are at encoding time, at the tile size (their own
// sizes only set the default).
func Panels(cols int, figs ...*Figure) (*Figure, error) {
	if len(figs) == 0 {
		return nil, errors.New("plotting: Panels needs at least one figure")
	}
	if cols < 1 {
		return nil, fmt.Errorf("plotting: Panels needs at least one column, got %d", cols)
	}
	cols = min(cols, len(figs))
	rows := (len(figs) + cols - 1) / cols
	// Tiles are equal, so size them for the largest panel.
	var maxW, maxH vg.Length
	for _, f := range figs {
		if f != nil {
			maxW, maxH = max(maxW, f.width), max(maxH, f.height)
		}
	}
	if maxW <= 0 || maxH <= 0 {
		return nil, errors.New("plotting: Panels got no figure with a positive size")
	}
	w := vg.Length(cols)*maxW + vg.Length(cols-1)*panelGap
	h := vg.Length(rows)*maxH + vg.Length(rows-1)*panelGap
	return newFigure(&gridPanel{cols: cols, rows: rows, figs: figs}, w, h), nil
}

// Row arranges figures side by side (Panels with one row).
func Row(figs ...*Figure) (*Figure, error) {
	return Panels(max(1, len(figs)), figs...)
}

func (g *gridPanel) tiles(c draw.Canvas) []draw.Canvas {
	t := draw.Tiles{Cols: g.cols, Rows: g.rows, PadX: panelGap, PadY: panelGap}
	out := make([]draw.Canvas, len(g.figs))
	type insets struct{ left, right, bottom, top vg.Length }
	ins := make([]insets, len(g.figs))
	ok := make([]bool, len(g.figs))
	colL, colR := make([]vg.Length, g.cols), make([]vg.Length, g.cols)
	rowB, rowT := make([]vg.Length, g.rows), make([]vg.Length, g.rows)
	for i, f := range g.figs {
		out[i] = t.At(c, i%g.cols, i/g.cols)
		if f == nil {
			continue
		}
		r, has := f.dataArea(out[i])
		if !has {
			continue
		}
		tc := out[i]
		ins[i] = insets{r.Min.X - tc.Min.X, tc.Max.X - r.Max.X, r.Min.Y - tc.Min.Y, tc.Max.Y - r.Max.Y}
		ok[i] = true
		col, row := i%g.cols, i/g.cols
		colL[col], colR[col] = max(colL[col], ins[i].left), max(colR[col], ins[i].right)
		rowB[row], rowT[row] = max(rowB[row], ins[i].bottom), max(rowT[row], ins[i].top)
	}
	for i := range g.figs {
		if !ok[i] {
			continue
		}
		col, row := i%g.cols, i/g.cols
		out[i] = draw.Crop(out[i],
			colL[col]-ins[i].left, -(colR[col] - ins[i].right),
			rowB[row]-ins[i].bottom, -(rowT[row] - ins[i].top))
	}
	return out
}

func (g *gridPanel) draw(c draw.Canvas) {
	for i, tc := range g.tiles(c) {
		if g.figs[i] != nil {
			g.figs[i].Draw(tc)
		}
	}
}

func (g *gridPanel) dataArea(draw.Canvas) (vg.Rectangle, bool) { return vg.Rectangle{}, false }
