package solvers

import (
	"math"
	"testing"

	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/solvers/linop"
)

// TestBaselinesOnMNIST measures paper 000's interpolation baselines: MNIST test images 0–599,
// y = A·x with A = S·F (×2, σ = 0.7, noise-free), upsampled back to 28×28. The authors' reference code gives about
// 16.4 dB (bilinear) and 17.0 dB (bicubic).
func TestBaselinesOnMNIST(t *testing.T) {
	images, err := datasets.Open("mnist", false, nil)
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	sub := images.Subset(firstN(600))
	b := getBackend(t, "go")
	op := linop.Must(linop.SuperResolution([]int{28, 28, 1}, 2, 0.7))
	e, err := linop.NewExec(b, op)
	if err != nil {
		t.Fatal(err)
	}
	y, err := e.Apply(sub.Pixels)
	if err != nil {
		t.Fatal(err)
	}
	mean := func(method linop.Interpolation, grid linop.Grid) float64 {
		up, err := Interpolate(b, y, []int{14, 14, 1}, 28, 28, method, grid)
		if err != nil {
			t.Fatal(err)
		}
		psnr, err := metrics.BatchPSNR(sub.Pixels, up, 28*28, 1)
		if err != nil {
			t.Fatal(err)
		}
		s := metrics.Summarize(psnr)
		t.Logf("%v, %v grid: %.2f ± %.2f dB over %d images", method, grid, s.Mean, s.Std, s.N)
		return s.Mean
	}
	for _, c := range []struct {
		method linop.Interpolation
		paper  float64
	}{{linop.Bilinear, 16.4}, {linop.Bicubic, 17.0}} {
		half := mean(c.method, linop.HalfPixel)
		if math.Abs(half-c.paper) > 0.1 {
			t.Errorf("%v: mean PSNR %.3f dB, reference code about %.1f dB", c.method, half, c.paper)
		}
		// On the grid y was measured on, interpolation does much better: the half-pixel grid
		// shifts the estimate by half a pixel.
		if dec := mean(c.method, linop.Decimated); !(dec > half+1) {
			t.Errorf("%v: decimated grid %.2f dB, half-pixel %.2f: want the decimated grid at least 1 dB higher", c.method, dec, half)
		}
	}
}

func firstN(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
