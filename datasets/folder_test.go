package datasets

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bandImage returns a w×h image that is red inside the centred square of side min(w, h) and
// blue outside (a wide or tall frame), with the given alpha.
func bandImage(w, h int, alpha uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	s := min(w, h)
	x0, y0 := (w-s)/2, (h-s)/2
	for y := range h {
		for x := range w {
			c := color.NRGBA{B: 255, A: alpha}
			if x >= x0 && x < x0+s && y >= y0 && y < y0+s {
				c = color.NRGBA{R: 255, A: alpha}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// checkColor checks that every pixel of image i is (r, g, b) within tol.
func checkColor(t *testing.T, im *Images, i int, rgb [3]float64, tol float64) {
	t.Helper()
	px := im.Image(i)
	for p := 0; p < len(px); p += 3 {
		for c := range 3 {
			if math.Abs(float64(px[p+c])-rgb[c]) > tol {
				t.Fatalf("image %d pixel %d channel %d = %v, want %v ± %v", i, p/3, c, px[p+c], rgb[c], tol)
			}
		}
	}
}

func TestLoadImageFolder(t *testing.T) {
	dir := t.TempDir()
	gray := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(16 * i)
	}
	uniform := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range uniform.Pix {
		uniform.Pix[i] = 128
		if i%4 == 3 {
			uniform.Pix[i] = 255
		}
	}
	writeFile(t, filepath.Join(dir, "zebra", "z.PNG"), pngBytes(t, gray))
	writeFile(t, filepath.Join(dir, "zebra", "tall.png"), pngBytes(t, bandImage(4, 8, 255)))
	writeFile(t, filepath.Join(dir, "zebra", "notes.txt"), []byte("not an image"))
	writeFile(t, filepath.Join(dir, "zebra", ".hidden.png"), []byte("skipped"))
	writeFile(t, filepath.Join(dir, ".cache", "x.png"), []byte("skipped"))
	writeFile(t, filepath.Join(dir, "ant", "a1.png"), pngBytes(t, bandImage(8, 4, 128)))
	writeFile(t, filepath.Join(dir, "ant", "sub", "deep.jpg"), jpegBytes(t, uniform))

	im, err := LoadImageFolder(dir, 4, 4, ImageFolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Validate(); err != nil {
		t.Fatal(err)
	}
	// Sorted paths: ant/a1.png, ant/sub/deep.jpg, zebra/tall.png, zebra/z.PNG.
	if im.N != 4 || im.Channels != 3 || !slices.Equal(im.Classes, []string{"ant", "zebra"}) || !slices.Equal(im.Labels, []int{0, 0, 1, 1}) {
		t.Fatalf("N=%d classes %v labels %v", im.N, im.Classes, im.Labels)
	}
	checkColor(t, im, 0, [3]float64{1, 0, 0}, 1e-6) // Wide image: centre crop is red; alpha dropped.
	checkColor(t, im, 1, [3]float64{128.0 / 255, 128.0 / 255, 128.0 / 255}, 3.0/255)
	checkColor(t, im, 2, [3]float64{1, 0, 0}, 1e-6) // Tall image: centre crop is red.
	z := im.Image(3)                                // Gray, same size: exact values on all channels.
	for p := range 16 {
		for c := range 3 {
			if want := float32(16*p) / 255; z[p*3+c] != want {
				t.Fatalf("gray pixel %d channel %d = %v, want %v", p, c, z[p*3+c], want)
			}
		}
	}

	// Limit keeps the first images in path order; Unlabeled drops the classes.
	small, err := LoadImageFolder(dir, 2, 2, ImageFolderOptions{Limit: 2, Unlabeled: true})
	if err != nil {
		t.Fatal(err)
	}
	if small.N != 2 || small.Labels != nil || small.Classes != nil {
		t.Errorf("Limit/Unlabeled: N=%d labels %v classes %v", small.N, small.Labels, small.Classes)
	}
	checkColor(t, small, 0, [3]float64{1, 0, 0}, 1e-6)
}

func TestLoadImageFolderLayouts(t *testing.T) {
	flat := t.TempDir()
	writeFile(t, filepath.Join(flat, "b.png"), pngBytes(t, bandImage(3, 3, 255)))
	writeFile(t, filepath.Join(flat, "a.jpeg"), jpegBytes(t, bandImage(6, 6, 255)))
	im, err := LoadImageFolder(flat, 5, 7, ImageFolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 2 || im.Labels != nil || im.Height != 5 || im.Width != 7 || im.Name != filepath.Base(flat) {
		t.Errorf("flat folder: %+v", im)
	}

	mixed := t.TempDir()
	writeFile(t, filepath.Join(mixed, "root.png"), pngBytes(t, bandImage(3, 3, 255)))
	writeFile(t, filepath.Join(mixed, "cls", "x.png"), pngBytes(t, bandImage(3, 3, 255)))
	corrupt := t.TempDir()
	writeFile(t, filepath.Join(corrupt, "c", "ok.png"), pngBytes(t, bandImage(3, 3, 255)))
	writeFile(t, filepath.Join(corrupt, "c", "bad.png"), []byte("\x89PNG garbage"))
	tests := []struct {
		name, dir, wantErr string
		h, w               int
	}{
		{"mixed", mixed, "mixes images", 4, 4},
		{"corrupt", corrupt, "bad.png", 4, 4},
		{"empty", t.TempDir(), "no PNG or JPEG", 4, 4},
		{"missing", filepath.Join(flat, "nope"), "no such file", 4, 4},
		{"bad size", flat, "must be positive", 0, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadImageFolder(tc.dir, tc.h, tc.w, ImageFolderOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
	if im, err := LoadImageFolder(mixed, 4, 4, ImageFolderOptions{Unlabeled: true}); err != nil || im.N != 2 {
		t.Errorf("mixed with Unlabeled: %v", err)
	}
}
