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
	for _, c := range []struct {
		method linop.Interpolation
		paper  float64
	}{{linop.Bilinear, 16.4}, {linop.Bicubic, 17.0}} {
		up, err := Interpolate(b, y, []int{14, 14, 1}, 28, 28, c.method)
		if err != nil {
			t.Fatal(err)
		}
		psnr, err := metrics.BatchPSNR(sub.Pixels, up, 28*28, 1)
		if err != nil {
			t.Fatal(err)
		}
		s := metrics.Summarize(psnr)
		t.Logf("%v: %.2f ± %.2f dB over %d images (reference code: about %.1f)", c.method, s.Mean, s.Std, s.N, c.paper)
		if math.Abs(s.Mean-c.paper) > 0.1 {
			t.Errorf("%v: mean PSNR %.3f dB, reference code about %.1f dB", c.method, s.Mean, c.paper)
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
