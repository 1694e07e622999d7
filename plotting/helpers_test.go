package plotting

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"testing"
)

// decodePNG encodes f as PNG and decodes it back.
func decodePNG(t testing.TB, f *Figure) image.Image {
	t.Helper()
	b, err := f.Bytes("png")
	if err != nil {
		t.Fatalf("encoding PNG: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding PNG: %v", err)
	}
	return img
}

// checkPNG checks that the PNG has the figure's pixel size and is not blank.
func checkPNG(t testing.TB, name string, f *Figure) image.Image {
	t.Helper()
	return checkPNGColors(t, name, f, 20)
}

// checkPNGColors is checkPNG with the minimum number of distinct colours.
func checkPNGColors(t testing.TB, name string, f *Figure, minColors int) image.Image {
	t.Helper()
	img := decodePNG(t, f)
	w, h := f.Size()
	wantW := int(math.Round(w.Dots(float64(f.DPI()))))
	wantH := int(math.Round(h.Dots(float64(f.DPI()))))
	b := img.Bounds()
	if abs(b.Dx()-wantW) > 1 || abs(b.Dy()-wantH) > 1 {
		t.Errorf("%s: PNG is %d×%d pixels, want %d×%d", name, b.Dx(), b.Dy(), wantW, wantH)
	}
	if n := distinctColors(img); n < minColors {
		t.Errorf("%s: only %d distinct colours: the figure looks blank", name, n)
	}
	return img
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// distinctColors counts distinct RGBA values.
func distinctColors(img image.Image) int {
	seen := map[[4]uint32]struct{}{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bb, a}] = struct{}{}
		}
	}
	return len(seen)
}
