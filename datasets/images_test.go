package datasets

import (
	"image"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// pixelCode is the value makeImages stores at (n, y, x, c): distinct for small sizes, exact
// in float32 and inside [0, 1].
func pixelCode(n, y, x, c int) float32 {
	return float32(((n*16+y)*16+x)*4+c) / (1 << 16)
}

// makeImages returns n synthetic h×w×c images with pixelCode values and labels n mod classes.
func makeImages(n, h, w, c, classes int) *Images {
	im := &Images{Name: "synthetic", N: n, Height: h, Width: w, Channels: c, Pixels: make([]float32, n*h*w*c)}
	for i := range n {
		for y := range h {
			for x := range w {
				for ch := range c {
					im.Pixels[((i*h+y)*w+x)*c+ch] = pixelCode(i, y, x, ch)
				}
			}
		}
	}
	if classes > 0 {
		im.Labels = make([]int, n)
		for i := range n {
			im.Labels[i] = i % classes
		}
		for k := range classes {
			im.Classes = append(im.Classes, string(rune('a'+k)))
		}
	}
	return im
}

func TestValidate(t *testing.T) {
	good := makeImages(3, 2, 2, 1, 2)
	tests := []struct {
		name    string
		modify  func(im *Images)
		wantErr string
	}{
		{"valid", func(*Images) {}, ""},
		{"valid unlabeled", func(im *Images) { im.Labels, im.Classes = nil, nil }, ""},
		{"valid empty", func(im *Images) { im.N, im.Pixels, im.Labels = 0, nil, nil }, ""},
		{"zero height", func(im *Images) { im.Height = 0 }, "invalid size"},
		{"short pixels", func(im *Images) { im.Pixels = im.Pixels[1:] }, "len(Pixels)=11"},
		{"label count", func(im *Images) { im.Labels = im.Labels[:2] }, "len(Labels)=2"},
		{"label range", func(im *Images) { im.Labels[1] = 2 }, "label 2 of image 1"},
		{"negative label", func(im *Images) { im.Labels[0] = -1 }, "label -1 of image 0"},
		{"bad range", func(im *Images) { im.Range = 7 }, "unknown pixel range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im := good.Clone()
			tc.modify(im)
			err := im.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestImageAndSubset(t *testing.T) {
	im := makeImages(5, 3, 2, 2, 3)
	img := im.Image(3)
	if len(img) != 12 || img[0] != pixelCode(3, 0, 0, 0) || img[11] != pixelCode(3, 2, 1, 1) {
		t.Fatalf("Image(3) = %v", img)
	}
	sub := im.Subset([]int{4, 1, 4})
	if sub.N != 3 || !slices.Equal(sub.Labels, []int{1, 1, 1}) {
		t.Fatalf("Subset: N=%d labels=%v", sub.N, sub.Labels)
	}
	for k, i := range []int{4, 1, 4} {
		if !slices.Equal(sub.Image(k), im.Image(i)) {
			t.Errorf("Subset image %d differs from image %d", k, i)
		}
	}
	sub.Pixels[0] = -1 // The subset must not share memory with the source.
	if im.Pixels[4*12] == -1 {
		t.Error("Subset shares pixels with its source")
	}
	if err := sub.Validate(); err != nil {
		t.Error(err)
	}
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "out of range") {
			t.Errorf("Image(5) did not panic with a range message: %v", r)
		}
	}()
	im.Image(5)
}

func TestSampleIndices(t *testing.T) {
	t.Run("golden", func(t *testing.T) {
		// Pins the PCG + Fisher–Yates sequence: a change here changes every seeded subset.
		got, err := SampleIndices(20, 5, 42)
		if err != nil {
			t.Fatal(err)
		}
		want := []int{1, 3, 4, 9, 16}
		if !slices.Equal(got, want) {
			t.Fatalf("SampleIndices(20, 5, 42) = %v, want %v", got, want)
		}
	})
	t.Run("properties", func(t *testing.T) {
		for _, tc := range []struct{ total, n int }{{0, 0}, {1, 1}, {10, 0}, {10, 10}, {1000, 300}} {
			a, err := SampleIndices(tc.total, tc.n, 7)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := SampleIndices(tc.total, tc.n, 7)
			if !slices.Equal(a, b) {
				t.Errorf("%v: not deterministic", tc)
			}
			if len(a) != tc.n || !slices.IsSorted(a) || len(slices.Compact(slices.Clone(a))) != tc.n {
				t.Errorf("%v: not %d sorted distinct indices: %v", tc, tc.n, a)
			}
			for _, i := range a {
				if i < 0 || i >= tc.total {
					t.Errorf("%v: index %d out of range", tc, i)
				}
			}
		}
		small, _ := SampleIndices(1000, 10, 3)
		large, _ := SampleIndices(1000, 500, 3)
		for _, i := range small {
			if _, found := slices.BinarySearch(large, i); !found {
				t.Errorf("index %d of the 10-sample is not in the 500-sample of the same seed", i)
			}
		}
		other, _ := SampleIndices(1000, 500, 4)
		if slices.Equal(large, other) {
			t.Error("seeds 3 and 4 gave the same sample")
		}
	})
	t.Run("uniform", func(t *testing.T) {
		// Each of 10 indices is picked with probability 3/10; over 4000 seeds the count is
		// Binomial(4000, 0.3): mean 1200, standard deviation 29. Allow 5 deviations.
		counts := make([]int, 10)
		for s := range int64(4000) {
			idx, _ := SampleIndices(10, 3, s)
			for _, i := range idx {
				counts[i]++
			}
		}
		for i, c := range counts {
			if math.Abs(float64(c)-1200) > 5*29 {
				t.Errorf("index %d picked %d times, want 1200 ± 145", i, c)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct{ total, n int }{{5, 6}, {5, -1}, {-1, 0}} {
			if _, err := SampleIndices(tc.total, tc.n, 1); err == nil {
				t.Errorf("SampleIndices(%d, %d) gave no error", tc.total, tc.n)
			}
		}
	})
}

func TestRandomSubsetAndSplit(t *testing.T) {
	im := makeImages(50, 2, 2, 1, 5)
	sub, err := im.RandomSubset(20, 9)
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := SampleIndices(50, 20, 9)
	if want := im.Subset(idx); !slices.Equal(sub.Pixels, want.Pixels) || !slices.Equal(sub.Labels, want.Labels) {
		t.Error("RandomSubset differs from Subset(SampleIndices)")
	}
	if _, err := im.RandomSubset(51, 9); err == nil {
		t.Error("RandomSubset(51) of 50 images gave no error")
	}

	for _, tc := range []struct {
		frac   float64
		wantNA int
	}{{0, 0}, {0.8, 40}, {0.31, 16}, {1, 50}} {
		a, b, err := im.Split(tc.frac, 11)
		if err != nil {
			t.Fatal(err)
		}
		if a.N != tc.wantNA || b.N != 50-tc.wantNA {
			t.Errorf("Split(%v): sizes %d + %d, want %d + %d", tc.frac, a.N, b.N, tc.wantNA, 50-tc.wantNA)
		}
		// Every image lands in exactly one part: identify images by their first pixel.
		seen := map[float32]int{}
		for _, part := range []*Images{a, b} {
			for i := range part.N {
				seen[part.Image(i)[0]]++
			}
		}
		if len(seen) != 50 {
			t.Errorf("Split(%v): %d distinct images, want 50", tc.frac, len(seen))
		}
		a2, b2, _ := im.Split(tc.frac, 11)
		if !slices.Equal(a.Pixels, a2.Pixels) || !slices.Equal(b.Pixels, b2.Pixels) {
			t.Errorf("Split(%v) is not deterministic", tc.frac)
		}
	}
	for _, frac := range []float64{-0.1, 1.5, math.NaN()} {
		if _, _, err := im.Split(frac, 1); err == nil {
			t.Errorf("Split(%v) gave no error", frac)
		}
	}
}

func TestRescale(t *testing.T) {
	im := makeImages(2, 2, 2, 1, 0)
	im.Pixels[0], im.Pixels[1] = 0, 1
	sym := im.Symmetric()
	if sym.Range != RangeSymmetric || im.Range != RangeUnit {
		t.Fatalf("ranges: %v (copy), %v (source)", sym.Range, im.Range)
	}
	for i, v := range im.Pixels {
		if want := 2*v - 1; math.Abs(float64(sym.Pixels[i]-want)) > 1e-7 {
			t.Fatalf("pixel %d: %v, want %v", i, sym.Pixels[i], want)
		}
	}
	if sym.Pixels[0] != -1 || sym.Pixels[1] != 1 {
		t.Errorf("end points map to %v, %v; want -1, 1", sym.Pixels[0], sym.Pixels[1])
	}
	back, err := sym.Rescale(RangeUnit)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range im.Pixels {
		if math.Abs(float64(back.Pixels[i]-v)) > 1e-7 {
			t.Fatalf("round trip pixel %d: %v, want %v", i, back.Pixels[i], v)
		}
	}
	if _, err := im.Rescale(PixelRange(5)); err == nil {
		t.Error("Rescale to an unknown range gave no error")
	}
}

func TestMeanStd(t *testing.T) {
	im := &Images{N: 1, Height: 1, Width: 4, Channels: 1, Pixels: []float32{0, 0, 1, 1}}
	m, s := im.MeanStd()
	if math.Abs(m-0.5) > 1e-12 || math.Abs(s-0.5) > 1e-12 {
		t.Errorf("MeanStd = %v, %v; want 0.5, 0.5", m, s)
	}
}

func TestBatch(t *testing.T) {
	im := makeImages(6, 3, 2, 2, 3)
	idx := []int{5, 0, 2}
	b1 := im.Batch(idx)
	b2 := im.Batch(idx)
	if b1 == b2 {
		t.Fatal("Batch returned the same tensor twice")
	}
	if got := b1.Shape().Dimensions; !slices.Equal(got, []int{3, 3, 2, 2}) {
		t.Fatalf("Batch shape %v, want [3 3 2 2]", got)
	}
	flat := tensors.MustCopyFlatData[float32](b1)
	for k, i := range idx {
		if !slices.Equal(flat[k*12:(k+1)*12], im.Image(i)) {
			t.Errorf("batch entry %d differs from image %d", k, i)
		}
	}
	// Freeing one batch (as the trainer does) must leave the other and the dataset intact.
	if err := b1.FinalizeAll(); err != nil {
		t.Fatal(err)
	}
	if flat2 := tensors.MustCopyFlatData[float32](b2); !slices.Equal(flat2, flat) {
		t.Error("second batch changed after freeing the first")
	}
	labels := tensors.MustCopyFlatData[int32](im.BatchLabels(idx))
	if !slices.Equal(labels, []int32{2, 0, 2}) {
		t.Errorf("BatchLabels = %v, want [2 0 2]", labels)
	}
	unlabeled := makeImages(2, 1, 1, 1, 0)
	if unlabeled.BatchLabels([]int{0}) != nil {
		t.Error("BatchLabels of unlabeled images is not nil")
	}
}

func TestGoImage(t *testing.T) {
	gray := &Images{N: 1, Height: 1, Width: 3, Channels: 1, Pixels: []float32{0, 0.5, 2}}
	g, ok := gray.GoImage(0).(*image.Gray)
	if !ok || !slices.Equal(g.Pix, []uint8{0, 128, 255}) {
		t.Errorf("gray GoImage = %#v", gray.GoImage(0))
	}
	rgb := &Images{N: 1, Height: 1, Width: 1, Channels: 3, Pixels: []float32{-1, 0, 1}, Range: RangeSymmetric}
	c, ok := rgb.GoImage(0).(*image.NRGBA)
	if !ok || !slices.Equal(c.Pix, []uint8{0, 128, 255, 255}) {
		t.Errorf("RGB GoImage = %#v", rgb.GoImage(0))
	}
}
