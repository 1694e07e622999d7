package plotting

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func rgbaAt(img image.Image, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

// bbox returns the bounding box of the pixels for which keep is true.
func bbox(img image.Image, keep func(c color.NRGBA, x, y int) bool) image.Rectangle {
	b := img.Bounds()
	r := image.Rectangle{Min: b.Max, Max: b.Min}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if keep(rgbaAt(img, x, y), x, y) {
				r.Min.X, r.Min.Y = min(r.Min.X, x), min(r.Min.Y, y)
				r.Max.X, r.Max.Y = max(r.Max.X, x+1), max(r.Max.Y, y+1)
			}
		}
	}
	return r
}

func gray(v uint8) color.NRGBA { return color.NRGBA{R: v, G: v, B: v, A: 255} }

// TestImageGridPixels checks, on the decoded PNG, that each cell shows its
// image: pixel replication by exactly 3 (28-pixel images at the default
// size), no blur, no flip, the right grey levels and NaN in magenta.
func TestImageGridPixels(t *testing.T) {
	const h, w = 28, 28
	const s = h * w
	im := Images{N: 4, Height: h, Width: w, Channels: 1, Pixels: make([]float32, 4*s)}
	// Image 0 black; image 1 black with one white pixel at (y=5, x=7);
	// image 2 mid-grey; image 3 white with a NaN at (0, 0).
	im.Pixels[s+5*w+7] = 1
	for i := range s {
		im.Pixels[2*s+i] = 0.5
		im.Pixels[3*s+i] = 1
	}
	im.Pixels[3*s] = float32(math.NaN())
	grid, err := ImageGrid(im, GridOptions{Columns: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Inside a multi-panel figure the grid draws on a wrapped canvas: it
	// must still write pixels directly.
	tiled, err := Panels(1, grid)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]*Figure{"grid": grid, "tiled": tiled} {
		t.Run(name, func(t *testing.T) { checkGridPixels(t, f, h, w) })
	}
}

func checkGridPixels(t *testing.T, f *Figure, h, w int) {
	img := checkPNGColors(t, "grid", f, 4)

	// Without text or frames the figure may only hold the four levels used:
	// any other colour would be interpolation (blur) at an edge.
	allowed := map[color.NRGBA]bool{gray(0): true, gray(255): true, gray(128): true, nanPixelColor: true}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := rgbaAt(img, x, y); !allowed[c] {
				t.Fatalf("pixel (%d, %d) has colour %v: images must be scaled without blending", x, y, c)
			}
		}
	}
	const k = 3 // expected replication factor
	blackBox := bbox(img, func(c color.NRGBA, _, _ int) bool { return c == gray(0) })
	if blackBox.Dy() != k*h {
		t.Fatalf("black region is %d pixels tall, want %d (= %d × %d)", blackBox.Dy(), k*h, k, h)
	}
	// Image 0 fills the first k·w columns of the black region.
	x0, y0 := blackBox.Min.X, blackBox.Min.Y
	for y := y0; y < y0+k*h; y++ {
		for x := x0; x < x0+k*w; x++ {
			if c := rgbaAt(img, x, y); c != gray(0) {
				t.Fatalf("image 0 (black) has %v at (%d, %d)", c, x, y)
			}
		}
	}
	if c := rgbaAt(img, x0+k*w, y0); c != gray(255) {
		t.Errorf("pixel right of image 0 is %v, want the white gap", c)
	}
	// Image 1: find its left edge, then its white pixel as a k×k block.
	x1 := x0 + k*w
	for rgbaAt(img, x1, y0) != gray(0) {
		x1++
	}
	white := bbox(img, func(c color.NRGBA, x, y int) bool {
		return c == gray(255) && x >= x1 && x < x1+k*w && y >= y0 && y < y0+k*h
	})
	if want := image.Rect(x1+k*7, y0+k*5, x1+k*8, y0+k*6); white != want {
		t.Errorf("image 1's white pixel covers %v, want %v", white, want)
	}
	greyBox := bbox(img, func(c color.NRGBA, _, _ int) bool { return c == gray(128) })
	if greyBox.Dx() != k*w || greyBox.Dy() != k*h || greyBox.Min.Y != y0 {
		t.Errorf("grey image covers %v, want a %d×%d square at y=%d", greyBox, k*w, k*h, y0)
	}
	nanBox := bbox(img, func(c color.NRGBA, _, _ int) bool { return c == nanPixelColor })
	if nanBox.Dx() != k || nanBox.Dy() != k || nanBox.Min.Y != y0 || nanBox.Min.X <= greyBox.Max.X {
		t.Errorf("NaN pixel covers %v, want a %d×%d block at the top-left of image 3 (right of %v)", nanBox, k, k, greyBox)
	}
}

// TestImageGridRGB checks channel order and orientation of an RGB image.
func TestImageGridRGB(t *testing.T) {
	// 2×2 image: red, green / blue, white.
	px := []float32{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}
	f, err := ImageGrid(Images{N: 1, Height: 2, Width: 2, Channels: 3, Pixels: px}, GridOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, f)
	red := bbox(img, func(c color.NRGBA, _, _ int) bool { return c == color.NRGBA{R: 255, A: 255} })
	green := bbox(img, func(c color.NRGBA, _, _ int) bool { return c == color.NRGBA{G: 255, A: 255} })
	blue := bbox(img, func(c color.NRGBA, _, _ int) bool { return c == color.NRGBA{B: 255, A: 255} })
	if red.Empty() || green.Empty() || blue.Empty() {
		t.Fatalf("missing colour blocks: red %v, green %v, blue %v", red, green, blue)
	}
	if red.Dx() != red.Dy() || red.Dx() < 10 {
		t.Errorf("red block %v should be a square of at least 10 pixels", red)
	}
	if !(red.Max.X <= green.Min.X && red.Min.Y == green.Min.Y && red.Max.Y <= blue.Min.Y && red.Min.X == blue.Min.X) {
		t.Errorf("layout: red %v, green %v, blue %v: want red top-left, green top-right, blue bottom-left", red, green, blue)
	}
}

// TestValueScales checks the value-to-intensity mappings.
func TestValueScales(t *testing.T) {
	one := func(vals ...float32) Images {
		return Images{N: 1, Height: 1, Width: len(vals), Channels: 1, Pixels: vals}
	}
	levels := func(img *image.NRGBA) []uint8 {
		out := make([]uint8, img.Bounds().Dx())
		for i := range out {
			out[i] = img.Pix[4*i]
		}
		return out
	}
	tests := []struct {
		name string
		im   Images
		opts GridOptions
		want [][]uint8 // per image
	}{
		{"default [0,1] clips", one(-1, 0, 0.5, 1, 2), GridOptions{}, [][]uint8{{0, 0, 128, 255, 255}}},
		{"[-1,1]", one(-1, 0, 1, float32(math.Inf(1))), GridOptions{Range: [2]float64{-1, 1}}, [][]uint8{{0, 128, 255, 255}}},
		{"per image", one(0.2, 0.3, 0.4), GridOptions{Scale: PerImageRange}, [][]uint8{{0, 128, 255}}},
		{"per image symmetric", one(-0.5, 0, 0.25), GridOptions{Scale: PerImageRange, Symmetric: true}, [][]uint8{{0, 128, 191}}},
		{"constant per image", one(3, 3), GridOptions{Scale: PerImageRange}, [][]uint8{{128, 128}}},
		{
			"shared", Images{N: 2, Height: 1, Width: 2, Channels: 1, Pixels: []float32{0, 0.5, 0, 1}},
			GridOptions{Scale: SharedRange}, [][]uint8{{0, 128}, {0, 255}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := tc.opts.Range[0], tc.opts.Range[1]
			if lo == 0 && hi == 0 {
				lo, hi = 0, 1
			}
			imgs := renderImages(tc.im, tc.opts, lo, hi)
			for n, want := range tc.want {
				if got := levels(imgs[n]); !bytes.Equal(got, want) {
					t.Errorf("image %d: levels %v, want %v", n, got, want)
				}
			}
		})
	}
}

func TestImageGridErrors(t *testing.T) {
	ok := Images{N: 2, Height: 2, Width: 2, Channels: 1, Pixels: make([]float32, 8)}
	tests := []struct {
		name string
		im   Images
		opts GridOptions
		want string
	}{
		{"no images", Images{Height: 2, Width: 2, Channels: 1}, GridOptions{}, "at least one image"},
		{"pixel count", Images{N: 2, Height: 2, Width: 2, Channels: 1, Pixels: make([]float32, 7)}, GridOptions{}, "7 pixel values"},
		{"channels", Images{N: 1, Height: 2, Width: 2, Channels: 2, Pixels: make([]float32, 8)}, GridOptions{}, "2 channels"},
		{"titles", ok, GridOptions{Titles: []string{"a"}}, "1 titles for 2 images"},
		{"row labels", ok, GridOptions{Columns: 1, RowLabels: []string{"a"}}, "1 row labels for 2 rows"},
		{"column labels", ok, GridOptions{ColumnLabels: []string{"a", "b", "c"}}, "3 column labels"},
		{"range", ok, GridOptions{Range: [2]float64{1, -1}}, "low < high"},
		{"columns", ok, GridOptions{Columns: -1}, "Columns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ImageGrid(tc.im, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestImagesFromTensor(t *testing.T) {
	data := make([]float32, 2*3*4)
	for i := range data {
		data[i] = float32(i)
	}
	im, err := ImagesFromTensor(tensors.FromFlatDataAndDimensions(data, 2, 3, 4))
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 2 || im.Height != 3 || im.Width != 4 || im.Channels != 1 || im.Pixels[23] != 23 {
		t.Errorf("rank 3: got %+v", im)
	}
	d64 := make([]float64, 2*2*2*3)
	d64[5] = 0.25
	im, err = ImagesFromTensor(tensors.FromFlatDataAndDimensions(d64, 2, 2, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	if im.Channels != 3 || im.Pixels[5] != 0.25 {
		t.Errorf("rank 4 float64: got %+v", im)
	}
	for _, tc := range []struct {
		name string
		t    *tensors.Tensor
		want string
	}{
		{"nil", nil, "nil tensor"},
		{"channels first", tensors.FromFlatDataAndDimensions(make([]float32, 2*3*4*4), 2, 3, 4, 4), "channels-first"},
		{"rank 2", tensors.FromFlatDataAndDimensions(make([]float32, 4), 2, 2), "rank 2"},
		{"int", tensors.FromFlatDataAndDimensions(make([]int32, 4), 1, 2, 2), "dtype"},
	} {
		if _, err := ImagesFromTensor(tc.t); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	m, err := MatrixFromTensor(tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	if r, c := m.Dims(); r != 2 || c != 3 || m.At(1, 0) != 4 {
		t.Errorf("MatrixFromTensor: got %v", mat.Formatted(m))
	}
	if _, err := MatrixFromTensor(tensors.FromFlatDataAndDimensions([]float32{1, 2}, 2)); err == nil {
		t.Error("MatrixFromTensor accepted a rank-1 tensor")
	}
}

func TestConcatAndSlice(t *testing.T) {
	a := Images{N: 1, Height: 1, Width: 2, Channels: 1, Pixels: []float32{1, 2}}
	b := Images{N: 2, Height: 1, Width: 2, Channels: 1, Pixels: []float32{3, 4, 5, 6}}
	c, err := ConcatImages(a, b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Slice(1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 2 || s.Pixels[0] != 3 || s.Pixels[3] != 6 {
		t.Errorf("slice: got %+v", s)
	}
	if _, err := ConcatImages(a, Images{N: 1, Height: 2, Width: 1, Channels: 1, Pixels: []float32{1, 2}}); err == nil {
		t.Error("ConcatImages accepted images of different sizes")
	}
	if _, err := c.Slice(2, 2); err == nil {
		t.Error("Slice accepted an empty range")
	}
}

// svgTexts parses SVG as XML (failing on malformed output) and returns the
// text of its <text> elements and the number of <image> elements.
func svgTexts(t *testing.T, f *Figure) (texts []string, images int) {
	t.Helper()
	b, err := f.Bytes("svg")
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			inText = e.Name.Local == "text"
			if e.Name.Local == "image" {
				images++
			}
		case xml.CharData:
			if inText {
				texts = append(texts, string(e))
			}
		case xml.EndElement:
			inText = false
		}
	}
	return texts, images
}

func TestSVG(t *testing.T) {
	f, err := Curves("loss <&> \"quotes\"", "step", "MSE",
		Series{Name: "alpha", Y: []float64{3, 2, 1}}, Series{Name: "beta", Y: []float64{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	texts, _ := svgTexts(t, f)
	joined := strings.Join(texts, "\n")
	for _, want := range []string{"loss <&> \"quotes\"", "alpha", "beta", "step", "MSE"} {
		if !strings.Contains(joined, want) {
			t.Errorf("SVG text %q missing; have %q", want, texts)
		}
	}
	g, err := ImageGrid(Images{N: 3, Height: 4, Width: 4, Channels: 1, Pixels: make([]float32, 48)}, GridOptions{Title: "atoms"})
	if err != nil {
		t.Fatal(err)
	}
	texts, images := svgTexts(t, g)
	if images != 3 || len(texts) != 1 || texts[0] != "atoms" {
		t.Errorf("image grid SVG: %d images and texts %q, want 3 images and the title", images, texts)
	}
	pdf, err := f.Bytes("pdf")
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("PDF: %d bytes, err %v", len(pdf), err)
	}
}

// TestHeatMapOrientation checks that row 0 is drawn at the top and that NaN
// cells get the missing-value colour.
func TestHeatMapOrientation(t *testing.T) {
	m := mat.NewDense(3, 2, []float64{0, 0, math.NaN(), math.NaN(), 1, 1})
	f, err := HeatMap(HeatMapOptions{Title: "orientation"}, m)
	if err != nil {
		t.Fatal(err)
	}
	img := checkPNG(t, "heat map", f)
	lut := colormapLUT(Viridis(), 256)
	// The colour bar sits at the right: look at the left 70 % only.
	xmax := img.Bounds().Dx() * 7 / 10
	// Rows of the figure in which a colour fills a long run of pixels: cells
	// are hundreds of pixels wide, anti-aliased text and lines are not.
	find := func(want color.NRGBA) image.Rectangle {
		b := img.Bounds()
		r := image.Rectangle{Min: b.Max, Max: b.Min}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			n, x0, x1 := 0, b.Max.X, b.Min.X
			for x := b.Min.X; x < xmax; x++ {
				if rgbaAt(img, x, y) == want {
					n, x0, x1 = n+1, min(x0, x), max(x1, x+1)
				}
			}
			if n >= 100 {
				r = r.Union(image.Rect(x0, y, x1, y+1))
			}
		}
		return r
	}
	low, nan, high := find(lut[0]), find(nanPixelColor), find(lut[255])
	if low.Empty() || nan.Empty() || high.Empty() {
		t.Fatalf("cell colours missing: low %v, NaN %v, high %v", low, nan, high)
	}
	if !(low.Max.Y <= nan.Min.Y && nan.Max.Y <= high.Min.Y) {
		t.Errorf("rows out of order: row 0 (low) %v, row 1 (NaN) %v, row 2 (high) %v; want top to bottom", low, nan, high)
	}
	if d := low.Dy() - high.Dy(); d < -1 || d > 1 {
		t.Errorf("rows have unequal heights %d and %d", low.Dy(), high.Dy())
	}
	if _, err := HeatMap(HeatMapOptions{}, mat.NewDense(1, 1, []float64{math.NaN()})); err != nil {
		t.Errorf("all-NaN matrix: %v", err)
	}
}

func TestCurveSegments(t *testing.T) {
	nan := math.NaN()
	segs, err := finiteSegments([]float64{0, 1, 2, 3, 4, 5}, []float64{1, 2, nan, 4, nan, 6}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	var lens []int
	for _, s := range segs {
		lens = append(lens, len(s))
	}
	if len(lens) != 3 || lens[0] != 2 || lens[1] != 1 || lens[2] != 1 {
		t.Errorf("segment lengths %v, want [2 1 1]", lens)
	}
}

func TestPlotErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		make func() (*Figure, error)
		want string
	}{
		{"curves none", func() (*Figure, error) { return Curves("t", "x", "y") }, "no series"},
		{"curves lengths", func() (*Figure, error) {
			return Curves("t", "x", "y", Series{Name: "a", X: []float64{1, 2}, Y: []float64{1}})
		}, "2 X values and 1 Y values"},
		{"curves all NaN", func() (*Figure, error) { return Curves("t", "x", "y", Series{Y: []float64{nan, nan}}) }, "no finite point"},
		{"curves log zero", func() (*Figure, error) {
			return CurvesWith(CurveOptions{LogY: true}, Series{Y: []float64{1, 0}})
		}, "logarithmic Y"},
		{"vline NaN", func() (*Figure, error) {
			return CurvesWith(CurveOptions{VLines: []VLine{{X: nan}}}, Series{Y: []float64{1, 2}})
		}, "vertical line 0"},
		{"hist empty", func() (*Figure, error) { return Histogram("t", "x", nil, 10) }, "empty"},
		{"hist NaN", func() (*Figure, error) { return Histogram("t", "x", []float64{1, nan}, 10) }, "NaN at index 1"},
		{"hist bins", func() (*Figure, error) { return Histogram("t", "x", []float64{1}, -2) }, "-2 bins"},
		{"hist non-integer", func() (*Figure, error) {
			return Histograms(HistogramOptions{Integer: true}, Sample{Values: []float64{1.5}})
		}, "non-integer"},
		{"hist huge span", func() (*Figure, error) { return IntHistogram("t", "x", []int{0, 1 << 30}) }, "continuous histogram"},
		{"bars groups", func() (*Figure, error) { return Bars(BarOptions{}, nil, BarSeries{}) }, "no groups"},
		{"bars values", func() (*Figure, error) {
			return Bars(BarOptions{}, []string{"a", "b"}, BarSeries{Values: []float64{1}})
		}, "1 values for 2 groups"},
		{"bars inf", func() (*Figure, error) {
			return Bars(BarOptions{}, []string{"a"}, BarSeries{Values: []float64{inf}})
		}, "+Inf"},
		{"bars negative error", func() (*Figure, error) {
			return Bars(BarOptions{}, []string{"a"}, BarSeries{Values: []float64{1}, Errors: []float64{-1}})
		}, "non-negative"},
		{"ribbons lengths", func() (*Figure, error) {
			return QuantileRibbons(RibbonOptions{}, RibbonSeries{X: []float64{1, 2}, Samples: [][]float64{{1}}})
		}, "2 X values and 1 samples"},
		{"ribbons inf", func() (*Figure, error) {
			return QuantileRibbons(RibbonOptions{}, RibbonSeries{X: []float64{1}, Samples: [][]float64{{1, inf}}})
		}, "cap infinite"},
		{"ribbons empty", func() (*Figure, error) {
			return QuantileRibbons(RibbonOptions{}, RibbonSeries{X: []float64{1}, Samples: [][]float64{{nan}}})
		}, "no X with a non-empty sample"},
		{"ribbons band", func() (*Figure, error) {
			return QuantileRibbons(RibbonOptions{Bands: [][2]float64{{0.9, 0.1}}}, RibbonSeries{X: []float64{1}, Samples: [][]float64{{1}}})
		}, "band 0"},
		{"heat empty", func() (*Figure, error) { return HeatMap(HeatMapOptions{}, &mat.Dense{}) }, "empty"},
		{"panels none", func() (*Figure, error) { return Panels(2) }, "at least one figure"},
		{"panels cols", func() (*Figure, error) { return Panels(0, FromPlot(nil)) }, "at least one column"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := func() (f *Figure, err error) {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panicked: %v", r)
					}
				}()
				return tc.make()
			}()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got figure %v, error %v; want an error mentioning %q", f != nil, err, tc.want)
			}
		})
	}
}

func TestHistogramBins(t *testing.T) {
	hb, err := computeBins(HistogramOptions{Bins: 4}, []Sample{{Values: []float64{0, 0.1, 0.3, 0.5, 0.99, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{2, 1, 1, 2}; !equalFloats(hb.counts[0], want) {
		t.Errorf("counts %v, want %v (the maximum belongs to the last bin)", hb.counts[0], want)
	}
	hb, err = computeBins(HistogramOptions{Integer: true, Normalize: true},
		[]Sample{{Values: []float64{3, 3, 5}}, {Values: []float64{4}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{2.5, 3.5, 4.5, 5.5}; !equalFloats(hb.edges, want) {
		t.Errorf("integer edges %v, want %v", hb.edges, want)
	}
	if !equalFloats(hb.counts[0], []float64{2.0 / 3, 0, 1.0 / 3}) || !equalFloats(hb.counts[1], []float64{0, 1, 0}) {
		t.Errorf("normalized integer counts %v", hb.counts)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

func TestQuantiles(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		sample, ps, want []float64
	}{
		// Values from numpy.quantile(..., method="linear").
		{[]float64{4, 1, 3, 2}, []float64{0, 0.1, 0.25, 0.5, 0.9, 1}, []float64{1, 1.3, 1.75, 2.5, 3.7, 4}},
		{[]float64{5}, []float64{0.1, 0.9}, []float64{5, 5}},
		{[]float64{nan, 2, nan, 0}, []float64{0.5}, []float64{1}},
	}
	for _, tc := range tests {
		if got := Quantiles(tc.sample, tc.ps...); !equalFloats(got, tc.want) {
			t.Errorf("Quantiles(%v, %v) = %v, want %v", tc.sample, tc.ps, got, tc.want)
		}
	}
	if got := Quantiles([]float64{nan}, 0.5); !math.IsNaN(got[0]) {
		t.Errorf("quantile of an all-NaN sample = %v, want NaN", got[0])
	}
}

func TestTicks(t *testing.T) {
	labels := func(ts []string) string { return strings.Join(ts, " ") }
	get := func(lo, hi float64, log bool) string {
		var out []string
		ticks := linearTicks{}.Ticks(lo, hi)
		if log {
			ticks = logTicks{}.Ticks(lo, hi)
		}
		for _, tk := range ticks {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return labels(out)
	}
	tests := []struct {
		lo, hi float64
		log    bool
		want   string
	}{
		{0, 1, false, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{-0.9, 0.9, false, "-0.75 -0.50 -0.25 0.00 0.25 0.50 0.75"},
		{0, 1990, false, "0 500 1000 1500"},
		{0.011, 0.12, true, "0.02 0.05 0.1"},
		{1e-4, 10, true, "0.0001 0.001 0.01 0.1 1 10"},
		{3, 4, true, "3 4"},
	}
	for _, tc := range tests {
		if got := get(tc.lo, tc.hi, tc.log); got != tc.want {
			t.Errorf("ticks(%g, %g, log=%v) = %q, want %q", tc.lo, tc.hi, tc.log, got, tc.want)
		}
	}
	var ints []string
	for _, tk := range (intTicks{}).Ticks(-0.5, 19.5) {
		if tk.Label != "" {
			ints = append(ints, tk.Label)
		}
	}
	if got := labels(ints); got != "0 2 4 6 8 10 12 14 16 18" {
		t.Errorf("integer ticks on [-0.5, 19.5] = %q", got)
	}
}

// TestPanelsAlign checks that stacked plots with different tick label widths
// get their Y axes lined up.
func TestPanelsAlign(t *testing.T) {
	a, err := Curves("wide labels", "x", "y", Series{Y: []float64{1e6, 3e6}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Curves("narrow labels", "x", "y", Series{Y: []float64{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Panels(1, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := f.Size(); w != DefaultWidth || h != 2*DefaultHeight+panelGap {
		t.Errorf("default size %v×%v, want %v×%v", w, h, DefaultWidth, 2*DefaultHeight+panelGap)
	}
	w, h := f.Size()
	c := draw.New(vgimg.New(w, h))
	g := f.body.(*gridPanel)
	raw := draw.Tiles{Cols: 1, Rows: 2, PadX: panelGap, PadY: panelGap}
	ra, _ := a.dataArea(raw.At(c, 0, 0))
	rb, _ := b.dataArea(raw.At(c, 0, 1))
	if math.Abs(float64(ra.Min.X-rb.Min.X)) < 5 {
		t.Fatalf("test needs different label widths: unaligned left edges %v and %v", ra.Min.X, rb.Min.X)
	}
	tiles := g.tiles(c)
	ra, _ = a.dataArea(tiles[0])
	rb, _ = b.dataArea(tiles[1])
	if math.Abs(float64(ra.Min.X-rb.Min.X)) > 0.5 || math.Abs(float64(ra.Max.X-rb.Max.X)) > 0.5 {
		t.Errorf("aligned data areas %v and %v differ horizontally", ra, rb)
	}
	checkPNG(t, "panels", f)
}

func TestEncodeAndSave(t *testing.T) {
	f, err := Histogram("h", "x", []float64{1, 2, 2, 3, 3, 3}, 3)
	if err != nil {
		t.Fatal(err)
	}
	f.SetSize(3*vg.Inch, 2*vg.Inch).SetDPI(150)
	img := checkPNG(t, "small", f)
	if img.Bounds().Dx() != 450 || img.Bounds().Dy() != 300 {
		t.Errorf("3×2 in at 150 DPI gave %v", img.Bounds())
	}
	if _, err := f.Bytes(".PNG"); err != nil {
		t.Errorf("format .PNG: %v", err)
	}
	if _, err := f.Bytes("gif"); err == nil || !strings.Contains(err.Error(), "png, svg or pdf") {
		t.Errorf("format gif: %v", err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "fig.png")
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A failing save keeps the previous file and leaves no temporary file.
	bad := FromPlot(nil).SetSize(0, 100)
	if err := bad.Save(path); err == nil || !strings.Contains(err.Error(), "must be positive") {
		t.Errorf("saving a zero-size figure: %v", err)
	}
	huge := FromPlot(nil).SetSize(1000*vg.Inch, 1000*vg.Inch)
	if err := huge.Save(path); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("saving a huge figure: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a failed save changed the existing file")
	}
	if err := f.Save(filepath.Join(dir, "fig.svg")); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(filepath.Join(dir, "fig.jpg")); err == nil {
		t.Error("saving .jpg should fail")
	}
	if err := f.Save(filepath.Join(dir, "missing", "fig.png")); err == nil {
		t.Error("saving into a missing folder should fail")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "fig.png,fig.svg" {
		t.Errorf("folder holds %v, want only fig.png and fig.svg", names)
	}
}

func TestTitles(t *testing.T) {
	c, err := Curves("a", "x", "y", Series{Y: []float64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	c.SetTitle("b")
	if c.Title() != "b" || c.Plot().Title.Text != "b" {
		t.Errorf("plot title %q / %q, want b", c.Title(), c.Plot().Title.Text)
	}
	g, err := ImageGrid(Images{N: 1, Height: 1, Width: 1, Channels: 1, Pixels: []float32{0}}, GridOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Plot() != nil {
		t.Error("an image grid has no gonum plot")
	}
	texts, _ := svgTexts(t, g.SetTitle("grid title"))
	if len(texts) != 1 || texts[0] != "grid title" {
		t.Errorf("texts %q, want the title", texts)
	}
}

func TestGridSizing(t *testing.T) {
	mk := func(n, h, w int) Images {
		return Images{N: n, Height: h, Width: w, Channels: 1, Pixels: make([]float32, n*h*w)}
	}
	tests := []struct {
		name       string
		im         Images
		opts       GridOptions
		cellPixels float64 // expected displayed image width at the default DPI
	}{
		{"MNIST row", mk(8, 28, 28), GridOptions{}, 84},
		{"CIFAR 8x8", mk(64, 32, 32), GridOptions{}, 96},
		{"many atoms capped", mk(512, 16, 16), GridOptions{}, 48},
		{"large images", mk(2, 256, 256), GridOptions{}, 256},
		{"explicit 96 px snaps to 3×", mk(2, 28, 28), GridOptions{CellSize: 72}, 84},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ImageGrid(tc.im, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			w, h := f.Size()
			c := draw.New(vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DefaultDPI)))
			_, _, cw, _ := f.body.(*imageGrid).layout(c)
			if got := cw.Dots(DefaultDPI); math.Abs(got-tc.cellPixels) > 0.01 {
				t.Errorf("images shown %.2f pixels wide, want %v", got, tc.cellPixels)
			}
			if w > 13*vg.Inch && tc.opts.CellSize == 0 && tc.im.Width < 100 {
				t.Errorf("default grid is %.1f inches wide", w/vg.Inch)
			}
		})
	}
	sty := textStyle(captionSize)
	long := "a caption far too long for a small cell"
	if got := fitText(long, sty, 40); !strings.HasSuffix(got, "…") || sty.Width(got) > 40 {
		t.Errorf("fitText gave %q (%.1f points wide)", got, sty.Width(got).Points())
	}
	if got := fitText("ok", sty, 40); got != "ok" {
		t.Errorf("fitText changed a short text to %q", got)
	}
}

// TestLegendWrapsLongNames: long series names wrap onto more legend lines instead of squeezing
// the data area (a legend of 60-character names once left it a few points wide); short names are
// laid out as before, one line each.
func TestLegendWrapsLongNames(t *testing.T) {
	long := "mnist-max-lr1e-4-scratch-seed0: line of its last doubling, to 2×"
	short, err := Curves("short", "x", "y", Series{Name: "a", Y: []float64{0, 1}}, Series{Name: "b", Y: []float64{1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := Curves("long", "x", "y", Series{Name: "shipped", Y: []float64{0, 1}}, Series{Name: long, Y: []float64{1, 0}},
		Series{Name: "averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword", Y: []float64{1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	c := draw.New(vgimg.New(DefaultWidth, DefaultHeight))
	width := c.Max.X - c.Min.X
	rs, _ := short.dataArea(c)
	rw, _ := wrapped.dataArea(c)
	if got := rw.Max.X - rw.Min.X; got < 0.4*width {
		t.Errorf("data area %v wide of %v with long legend names, want at least 40%%", got, width)
	}
	if rw.Max.X-rw.Min.X > rs.Max.X-rs.Min.X {
		t.Errorf("the long legend left a wider data area (%v) than the short one (%v)", rw.Max.X-rw.Min.X, rs.Max.X-rs.Min.X)
	}
	leg := wrapped.body.(*plotPanel).legend
	lines := leg.lines(legendMax(c))
	if len(lines[0]) != 1 || len(lines[1]) < 2 || len(lines[2]) != 1 || !strings.HasSuffix(lines[2][0], "…") {
		t.Errorf("legend lines %q: want the short name on one line, the long one wrapped, the long word shortened with …", lines)
	}
	if got := strings.Join(lines[1], " "); got != long {
		t.Errorf("wrapped name reads %q, want %q", got, long)
	}
	sty := leg.style()
	for _, e := range lines {
		for _, l := range e {
			if w := sty.Width(l); w > legendMax(c)-legendThumbWidth-legendGap {
				t.Errorf("legend line %q is %v wide, more than the legend allows", l, w)
			}
		}
	}
	if h, want := leg.height(legendMax(c)), vg.Length(len(lines[1])+2)*leg.rowHeight(); h != want {
		t.Errorf("legend height %v, want %v (one row per line)", h, want)
	}
	if sl := short.body.(*plotPanel).legend; sl.width(legendMax(c)) != sl.width(0) {
		t.Errorf("short names: legend width %v with the limit, %v without", sl.width(legendMax(c)), sl.width(0))
	}
	checkPNG(t, "legend-wrap", wrapped)
}

// TestLineStyles checks that solid, dashed and dotted series are drawn with their dash patterns,
// in the plot and in the legend.
func TestLineStyles(t *testing.T) {
	f, err := Curves("styles", "x", "y",
		Series{Name: "solid", Y: []float64{1, 2, 3}},
		Series{Name: "dashed", Y: []float64{2, 3, 4}, Dashed: true},
		Series{Name: "dotted", Y: []float64{3, 4, 5}, Dotted: true, Dashed: true})
	if err != nil {
		t.Fatal(err)
	}
	svg, err := f.Bytes("svg")
	if err != nil {
		t.Fatal(err)
	}
	// gonum's SVG canvas writes a dash pattern in points as stroke-dasharray.
	for _, tc := range []struct {
		name string
		want string
		n    int
	}{{"dashed", "stroke-dasharray:5,3", 2}, {"dotted", "stroke-dasharray:1.5,2.5", 2}} {
		if got := bytes.Count(svg, []byte(tc.want)); got != tc.n {
			t.Errorf("%s: %d paths with %q, want %d (the line and its legend thumbnail)", tc.name, got, tc.want, tc.n)
		}
	}
}
