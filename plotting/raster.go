package plotting

import (
	"fmt"
	"image"
	"image/draw"
	"math"

	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// errorf returns an error prefixed with the package name.
func errorf(format string, args ...any) error {
	return fmt.Errorf("plotting: "+format, args...)
}

// vectorRasterDPI is the resolution at which images are embedded in vector
// output (SVG, PDF): images are enlarged by an integer factor by pixel
// replication until they reach about this resolution, so that viewers which
// smooth embedded images still show sharp pixels.
const vectorRasterDPI = 150

// imageCanvas returns the vgimg canvas under c, if any. Cropping and tiling
// wrap a draw.Canvas around another (without changing coordinates), so the
// wrappers are peeled off.
func imageCanvas(c vg.Canvas) (*vgimg.Canvas, bool) {
	for {
		switch w := c.(type) {
		case *vgimg.Canvas:
			return w, true
		case vgdraw.Canvas:
			c = w.Canvas
		case *vgdraw.Canvas:
			c = w.Canvas
		default:
			return nil, false
		}
	}
}

// rasterDPI returns the resolution of c if it draws into pixels directly.
func rasterDPI(c vgdraw.Canvas) (float64, bool) {
	if ic, ok := imageCanvas(c.Canvas); ok {
		return ic.DPI(), true
	}
	return 0, false
}

// drawNearest draws src into rect of c, scaled by nearest-neighbour sampling:
// every source pixel becomes a block of identical pixels, never a blur.
//
// On a raster canvas (PNG) the pixels are written straight into the canvas
// image at device resolution, the rectangle snapped to whole pixels; on vector
// canvases the image is enlarged by pixel replication (see vectorRasterDPI)
// and embedded.
func drawNearest(c vgdraw.Canvas, rect vg.Rectangle, src *image.NRGBA) {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	if sw == 0 || sh == 0 || rect.Size().X <= 0 || rect.Size().Y <= 0 {
		return
	}
	if ic, ok := imageCanvas(c.Canvas); ok {
		dpi := ic.DPI()
		dst := ic.Image()
		hpx := dst.Bounds().Dy()
		x0 := int(math.Round(rect.Min.X.Dots(dpi)))
		y0 := hpx - int(math.Round(rect.Max.Y.Dots(dpi)))
		dw := int(math.Round(rect.Size().X.Dots(dpi)))
		dh := int(math.Round(rect.Size().Y.Dots(dpi)))
		if dw <= 0 || dh <= 0 {
			return
		}
		draw.Draw(dst, image.Rect(x0, y0, x0+dw, y0+dh), scaleNearest(src, dw, dh), image.Point{}, draw.Over)
		return
	}
	target := rect.Size().X.Dots(vectorRasterDPI)
	k := int(math.Ceil(target / float64(sw)))
	k = max(1, min(k, 32, 4096/max(sw, sh)))
	img := src
	if k > 1 {
		img = scaleNearest(src, k*sw, k*sh)
	}
	c.DrawImage(rect, img)
}

// scaleNearest resamples src to w×h pixels by nearest neighbour: destination
// pixel (i, j) takes source pixel (⌊(i+½)·sw/w⌋, ⌊(j+½)·sh/h⌋).
func scaleNearest(src *image.NRGBA, w, h int) *image.NRGBA {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	if w == sw && h == sh {
		return src
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	xs := make([]int, w)
	for i := range xs {
		xs[i] = min(sw-1, (2*i+1)*sw/(2*w))
	}
	for j := range h {
		sy := min(sh-1, (2*j+1)*sh/(2*h))
		srow := src.Pix[(sy)*src.Stride:]
		drow := dst.Pix[j*dst.Stride:]
		for i, sx := range xs {
			copy(drow[4*i:4*i+4], srow[4*sx:4*sx+4])
		}
	}
	return dst
}
