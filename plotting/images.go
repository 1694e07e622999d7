package plotting

import (
	"image"
	"image/color"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Images is a batch of N images of Height × Width pixels with Channels
// channels (1: grayscale, 3: RGB), stored channels-last in one flat slice:
// the value of channel c of pixel (y, x) of image n is
//
//	Pixels[((n·Height + y)·Width + x)·Channels + c]
//
// with y = 0 the top row. This is the layout of a row-major [N, H, W, C]
// tensor.
type Images struct {
	N, Height, Width, Channels int
	Pixels                     []float32
}

// Validate reports whether the dimensions are positive, Channels is 1 or 3
// and Pixels holds exactly N·Height·Width·Channels values.
func (im Images) Validate() error {
	switch {
	case im.N <= 0:
		return errorf("images: N = %d, need at least one image", im.N)
	case im.Height <= 0 || im.Width <= 0:
		return errorf("images: size %d×%d (height×width) must be positive", im.Height, im.Width)
	case im.Channels != 1 && im.Channels != 3:
		return errorf("images: %d channels, need 1 (grayscale) or 3 (RGB) in the last axis", im.Channels)
	}
	if want := im.N * im.Height * im.Width * im.Channels; len(im.Pixels) != want {
		return errorf("images: %d pixel values for N=%d, H=%d, W=%d, C=%d, want N·H·W·C = %d",
			len(im.Pixels), im.N, im.Height, im.Width, im.Channels, want)
	}
	return nil
}

// imageSize is the number of values per image.
func (im Images) imageSize() int { return im.Height * im.Width * im.Channels }

// Slice returns images [start, end) sharing the pixel memory of im.
func (im Images) Slice(start, end int) (Images, error) {
	if err := im.Validate(); err != nil {
		return Images{}, err
	}
	if start < 0 || end > im.N || start >= end {
		return Images{}, errorf("images: slice [%d, %d) out of range for %d images", start, end, im.N)
	}
	s := im.imageSize()
	out := im
	out.N = end - start
	out.Pixels = im.Pixels[start*s : end*s]
	return out, nil
}

// ConcatImages joins batches of images of the same size and channel count,
// e.g. originals followed by their reconstructions, to show them in one grid
// with one row each.
func ConcatImages(batches ...Images) (Images, error) {
	if len(batches) == 0 {
		return Images{}, errorf("ConcatImages needs at least one batch")
	}
	out := Images{Height: batches[0].Height, Width: batches[0].Width, Channels: batches[0].Channels}
	for i, b := range batches {
		if err := b.Validate(); err != nil {
			return Images{}, errorf("ConcatImages batch %d: %w", i, err)
		}
		if b.Height != out.Height || b.Width != out.Width || b.Channels != out.Channels {
			return Images{}, errorf("ConcatImages batch %d is %d×%d×%d (H×W×C), batch 0 is %d×%d×%d",
				i, b.Height, b.Width, b.Channels, out.Height, out.Width, out.Channels)
		}
		out.N += b.N
	}
	out.Pixels = make([]float32, 0, out.N*out.imageSize())
	for _, b := range batches {
		out.Pixels = append(out.Pixels, b.Pixels...)
	}
	return out, nil
}

// ImagesFromTensor copies a GoMLX tensor of shape [N, H, W, C] (C = 1 or 3,
// channels last) or [N, H, W] (grayscale) and dtype float32 or float64 into
// Images. Channels-first tensors ([N, C, H, W]) must be transposed first
// (graph.TransposeAllAxes(x, 0, 2, 3, 1)).
func ImagesFromTensor(t *tensors.Tensor) (Images, error) {
	if t == nil {
		return Images{}, errorf("ImagesFromTensor: nil tensor")
	}
	dims := t.Shape().Dimensions
	var im Images
	switch len(dims) {
	case 3:
		im = Images{N: dims[0], Height: dims[1], Width: dims[2], Channels: 1}
	case 4:
		im = Images{N: dims[0], Height: dims[1], Width: dims[2], Channels: dims[3]}
		if im.Channels != 1 && im.Channels != 3 {
			hint := ""
			if dims[1] == 1 || dims[1] == 3 {
				hint = " (it looks channels-first: transpose it to [N, H, W, C])"
			}
			return Images{}, errorf("ImagesFromTensor: shape %v has %d channels in the last axis, need 1 or 3%s", dims, im.Channels, hint)
		}
	default:
		return Images{}, errorf("ImagesFromTensor: shape %v has rank %d, need [N, H, W, C] or [N, H, W]", dims, len(dims))
	}
	switch t.DType() {
	case dtypes.Float32:
		px, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return Images{}, errorf("ImagesFromTensor: %w", err)
		}
		im.Pixels = px
	case dtypes.Float64:
		px, err := tensors.CopyFlatData[float64](t)
		if err != nil {
			return Images{}, errorf("ImagesFromTensor: %w", err)
		}
		im.Pixels = make([]float32, len(px))
		for i, v := range px {
			im.Pixels[i] = float32(v)
		}
	default:
		return Images{}, errorf("ImagesFromTensor: dtype %s, need Float32 or Float64 (convert it in the graph)", t.DType())
	}
	if err := im.Validate(); err != nil {
		return Images{}, errorf("ImagesFromTensor: %w", err)
	}
	return im, nil
}

// ValueScale says how ImageGrid maps pixel values to intensities.
type ValueScale int

const (
	// FixedRange maps GridOptions.Range (default [0, 1]) to black…white,
	// clipping values outside it.
	FixedRange ValueScale = iota
	// PerImageRange stretches each image's own minimum…maximum to
	// black…white (a constant image shows mid-grey).
	PerImageRange
	// SharedRange stretches the minimum…maximum over all images, so that
	// intensities compare across images.
	SharedRange
)

// GridOptions configures ImageGrid. The zero value shows the images in [0, 1]
// in a near-square grid.
type GridOptions struct {
	// Columns is the number of images per row; 0 picks N for up to 10
	// images and ⌈√N⌉ beyond.
	Columns int
	// Title is drawn above the grid.
	Title string
	// Titles, if set, holds one caption per image (len N), drawn above it in
	// a small font, shrunk or shortened with "…" to fit the image width.
	Titles []string
	// RowLabels, if set, holds one label per row (e.g. "original",
	// "reconstruction"), drawn left of the row.
	RowLabels []string
	// ColumnLabels, if set, holds one label per column, drawn above the
	// first row.
	ColumnLabels []string

	// Scale picks the value mapping; Range is its [low, high] for
	// FixedRange, and the zero value means [0, 1]. Use [−1, 1] for images
	// normalised to that range.
	Scale ValueScale
	Range [2]float64
	// Symmetric makes PerImageRange and SharedRange symmetric about zero,
	// [−m, m] with m the largest |value|, so that zero is mid-grey: useful for
	// signed dictionary atoms.
	Symmetric bool
	// Colormap colours single-channel images (e.g. moreland.SmoothBlueRed()
	// for signed atoms); nil means grayscale. It is ignored for RGB.
	Colormap palette.ColorMap

	// CellSize is the displayed size of an image's longer side, in points;
	// 0 picks a whole multiple of the image size near 1 inch at the default
	// DPI (28-pixel MNIST digits show at 3×, 84 pixels), smaller when the
	// grid would exceed about 12 inches. In PNG output images are enlarged
	// by a whole number of device pixels per image pixel whenever they are
	// enlarged at all, so the grid may come out slightly smaller than the
	// space given to it (it is centred).
	CellSize vg.Length
	// Gap is the space between images in points; 0 means 2 points and a
	// negative value means no gap.
	Gap vg.Length
	// Frame draws a thin grey frame around each image, useful when images
	// have white backgrounds.
	Frame bool
}

// gridPanel and imageGrid layout constants.
const (
	defaultGap      = vg.Length(2)
	rowLabelSize    = vg.Length(10)
	columnLabelSize = vg.Length(9)
	captionSize     = vg.Length(8)
	minCaptionSize  = vg.Length(6)
)

// ImageGrid draws images in a grid, each image scaled by pixel replication
// (nearest neighbour, no blur), rows filled left to right. Non-finite pixels:
// NaN shows magenta, ±Inf clips to the ends of the range.
//
// Errors name the problem: no images, a pixel count that does not match the
// dimensions, captions or labels of the wrong length, an empty or reversed
// Range.
func ImageGrid(imgs Images, opts GridOptions) (*Figure, error) {
	if err := imgs.Validate(); err != nil {
		return nil, errorf("ImageGrid: %w", err)
	}
	cols := opts.Columns
	if cols < 0 {
		return nil, errorf("ImageGrid: Columns = %d must not be negative (0 picks a layout)", cols)
	}
	if cols == 0 {
		cols = imgs.N
		if imgs.N > 10 {
			cols = int(math.Ceil(math.Sqrt(float64(imgs.N))))
		}
	}
	cols = min(cols, imgs.N)
	rows := (imgs.N + cols - 1) / cols
	if len(opts.Titles) != 0 && len(opts.Titles) != imgs.N {
		return nil, errorf("ImageGrid: %d titles for %d images: give one per image or none", len(opts.Titles), imgs.N)
	}
	if len(opts.RowLabels) != 0 && len(opts.RowLabels) != rows {
		return nil, errorf("ImageGrid: %d row labels for %d rows (%d images in %d columns): give one per row or none",
			len(opts.RowLabels), rows, imgs.N, cols)
	}
	if len(opts.ColumnLabels) != 0 && len(opts.ColumnLabels) != cols {
		return nil, errorf("ImageGrid: %d column labels for %d columns: give one per column or none", len(opts.ColumnLabels), cols)
	}
	lo, hi := opts.Range[0], opts.Range[1]
	if lo == 0 && hi == 0 {
		lo, hi = 0, 1
	}
	if opts.Scale == FixedRange && !(lo < hi) {
		return nil, errorf("ImageGrid: Range [%g, %g] must have low < high", lo, hi)
	}
	if opts.Scale < FixedRange || opts.Scale > SharedRange {
		return nil, errorf("ImageGrid: unknown Scale %d", opts.Scale)
	}
	if opts.CellSize < 0 {
		return nil, errorf("ImageGrid: CellSize %g must not be negative (0 picks one)", opts.CellSize.Points())
	}

	g := &imageGrid{
		rows: rows, cols: cols, h: imgs.Height, w: imgs.Width,
		titles: opts.Titles, rowLabels: opts.RowLabels, colLabels: opts.ColumnLabels,
		gap: opts.Gap, frame: opts.Frame,
	}
	if g.gap == 0 {
		g.gap = defaultGap
	} else if g.gap < 0 {
		g.gap = 0
	}
	g.imgs = renderImages(imgs, opts, lo, hi)

	cell := opts.CellSize
	if cell == 0 {
		// Replicate pixels k times at the default DPI: about 96 pixels per
		// image, but keep the grid within about 1152 pixels (12 inches).
		longest := max(imgs.Height, imgs.Width)
		k := int(math.Round(96 / float64(longest)))
		k = max(1, min(k, 1152/max(cols*imgs.Width, rows*imgs.Height)))
		cell = vg.Length(k*longest) * vg.Inch / DefaultDPI
	}
	longest := vg.Length(max(imgs.Height, imgs.Width))
	cw, ch := cell*vg.Length(imgs.Width)/longest, cell*vg.Length(imgs.Height)/longest
	left, top, capH := g.margins()
	width := left + vg.Length(cols)*cw + vg.Length(cols-1)*g.gap + margin
	height := top + vg.Length(rows)*(ch+capH) + vg.Length(rows-1)*g.gap + margin
	f := newFigure(g, width, height)
	if opts.Title != "" {
		f.title = opts.Title
		f.height += f.titleHeight() + margin/2
	}
	return f, nil
}

// renderImages maps each image to 8-bit colours.
func renderImages(imgs Images, opts GridOptions, lo, hi float64) []*image.NRGBA {
	var lut []color.NRGBA
	if imgs.Channels == 1 {
		lut = colormapLUT(opts.Colormap, 256)
	}
	size := imgs.imageSize()
	rangeOf := func(px []float32) (float64, float64) {
		l, h := math.Inf(1), math.Inf(-1)
		for _, v := range px {
			x := float64(v)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			if opts.Symmetric {
				x = math.Abs(x)
				l = math.Min(l, -x)
			} else {
				l = math.Min(l, x)
			}
			h = math.Max(h, x)
		}
		if !(l <= h) { // no finite value
			return 0, 1
		}
		return l, h
	}
	if opts.Scale == SharedRange {
		lo, hi = rangeOf(imgs.Pixels)
	}
	out := make([]*image.NRGBA, imgs.N)
	for n := range imgs.N {
		px := imgs.Pixels[n*size : (n+1)*size]
		l, h := lo, hi
		if opts.Scale == PerImageRange {
			l, h = rangeOf(px)
		}
		norm := func(v float32) float64 {
			if h <= l {
				return 0.5
			}
			return (float64(v) - l) / (h - l) // ±Inf clip in lookup/toByte
		}
		img := image.NewNRGBA(image.Rect(0, 0, imgs.Width, imgs.Height))
		for p := range imgs.Height * imgs.Width {
			var c color.NRGBA
			if imgs.Channels == 1 {
				v := px[p]
				if v != v {
					c = nanPixelColor
				} else {
					c = lookup(lut, norm(v))
				}
			} else {
				r, gr, b := px[3*p], px[3*p+1], px[3*p+2]
				if r != r || gr != gr || b != b {
					c = nanPixelColor
				} else {
					c = color.NRGBA{R: toByte(norm(r)), G: toByte(norm(gr)), B: toByte(norm(b)), A: 0xff}
				}
			}
			img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = c.R, c.G, c.B, c.A
		}
		out[n] = img
	}
	return out
}

// toByte maps t ∈ [0, 1] (clipped) to 0…255.
func toByte(t float64) uint8 {
	return uint8(math.Round(255 * math.Max(0, math.Min(1, t))))
}

// imageGrid is the panel drawn by ImageGrid.
type imageGrid struct {
	rows, cols, h, w int
	imgs             []*image.NRGBA
	titles           []string
	rowLabels        []string
	colLabels        []string
	gap              vg.Length
	frame            bool
}

// margins returns the width of the row-label column, the height of the
// column-label band (plus the outer margin) and the caption height per row.
func (g *imageGrid) margins() (left, top, capH vg.Length) {
	left, top = margin, margin
	if len(g.rowLabels) > 0 {
		sty := textStyle(rowLabelSize)
		var w vg.Length
		for _, l := range g.rowLabels {
			w = max(w, sty.Width(l))
		}
		left += w + 6
	}
	if len(g.colLabels) > 0 {
		sty := textStyle(columnLabelSize)
		top += sty.Height("Hg") + 2
	}
	if len(g.titles) > 0 {
		sty := textStyle(captionSize)
		capH = sty.Height("Hg") + 1
	}
	return left, top, capH
}

// layout computes the image size and the grid origin on c, preserving the
// images' aspect ratio and, on raster canvases, using a whole number of
// device pixels per image pixel when the images are enlarged.
func (g *imageGrid) layout(c draw.Canvas) (x0, ytop, cw, ch vg.Length) {
	left, top, capH := g.margins()
	availW := c.Max.X - c.Min.X - left - margin - vg.Length(g.cols-1)*g.gap
	availH := c.Max.Y - c.Min.Y - top - margin - vg.Length(g.rows-1)*g.gap - vg.Length(g.rows)*capH
	availW, availH = max(availW, 1)/vg.Length(g.cols), max(availH, 1)/vg.Length(g.rows)
	// Image-pixel size in points.
	s := min(availW/vg.Length(g.w), availH/vg.Length(g.h))
	if dpi, ok := rasterDPI(c); ok {
		if k := math.Floor(s.Dots(dpi)); k >= 1 {
			s = vg.Length(k) * vg.Inch / vg.Length(dpi)
		}
	}
	cw, ch = s*vg.Length(g.w), s*vg.Length(g.h)
	gridW := vg.Length(g.cols)*cw + vg.Length(g.cols-1)*g.gap
	// Centre the grid in the space right of the row labels.
	x0 = c.Min.X + left + (c.Max.X-c.Min.X-left-margin-gridW)/2
	gridH := vg.Length(g.rows)*(ch+capH) + vg.Length(g.rows-1)*g.gap
	ytop = c.Max.Y - top - max(0, (c.Max.Y-c.Min.Y-top-margin-gridH)/2)
	return x0, ytop, cw, ch
}

func (g *imageGrid) draw(c draw.Canvas) {
	c.SetColor(whiteColor)
	c.Fill(c.Rectangle.Path())
	x0, ytop, cw, ch := g.layout(c)
	_, _, capH := g.margins()
	if len(g.colLabels) > 0 {
		sty := textStyle(columnLabelSize)
		sty.XAlign = draw.XCenter
		for j, l := range g.colLabels {
			x := x0 + vg.Length(j)*(cw+g.gap) + cw/2
			c.FillText(sty, vg.Point{X: x, Y: ytop + 2 + sty.FontExtents().Descent}, fitText(l, sty, cw+g.gap))
		}
	}
	// One caption size for the whole grid: the largest (up to captionSize)
	// at which every caption fits, but not below minCaptionSize; captions
	// still too wide are shortened.
	capSty := textStyle(captionSize)
	capSty.XAlign = draw.XCenter
	for _, txt := range g.titles {
		capSty.Font.Size = fittedSize(txt, capSty, cw+g.gap, minCaptionSize)
	}
	for i, img := range g.imgs {
		r, col := i/g.cols, i%g.cols
		x := x0 + vg.Length(col)*(cw+g.gap)
		yTopCell := ytop - vg.Length(r)*(ch+capH+g.gap)
		if len(g.titles) > 0 {
			txt := fitText(g.titles[i], capSty, cw+g.gap)
			c.FillText(capSty, vg.Point{X: x + cw/2, Y: yTopCell - capH + capSty.FontExtents().Descent}, txt)
		}
		rect := vg.Rectangle{
			Min: vg.Point{X: x, Y: yTopCell - capH - ch},
			Max: vg.Point{X: x + cw, Y: yTopCell - capH},
		}
		drawNearest(c, rect, img)
		if g.frame {
			c.StrokeLines(draw.LineStyle{Color: frameColor, Width: 0.5}, []vg.Point{
				rect.Min, {X: rect.Max.X, Y: rect.Min.Y}, rect.Max, {X: rect.Min.X, Y: rect.Max.Y}, rect.Min,
			})
		}
	}
	if len(g.rowLabels) > 0 {
		sty := textStyle(rowLabelSize)
		sty.XAlign = draw.XRight
		sty.YAlign = draw.YCenter
		for r, l := range g.rowLabels {
			y := ytop - vg.Length(r)*(ch+capH+g.gap) - capH - ch/2
			c.FillText(sty, vg.Point{X: x0 - 6, Y: y}, l)
		}
	}
}

func (g *imageGrid) dataArea(draw.Canvas) (vg.Rectangle, bool) { return vg.Rectangle{}, false }

// fittedSize returns the largest font size ≤ the style's that makes txt fit
// in width, but not below minSize.
func fittedSize(txt string, sty draw.TextStyle, width, minSize vg.Length) vg.Length {
	size := sty.Font.Size
	for size > minSize && sty.Width(txt) > width {
		size -= 0.5
		sty.Font.Size = size
	}
	return size
}

// fitText shortens txt with "…" until it fits width in the given style.
func fitText(txt string, sty draw.TextStyle, width vg.Length) string {
	if sty.Width(txt) <= width {
		return txt
	}
	r := []rune(txt)
	for len(r) > 1 {
		r = r[:len(r)-1]
		if s := string(r) + "…"; sty.Width(s) <= width {
			return s
		}
	}
	return string(r)
}
