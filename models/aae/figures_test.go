package aae

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/plotting"
	"github.com/sparselab/sparselab/solvers"
)

// synthImage returns a 28×28 image: a horizontal ramp from 0 towards v.
func synthImage(v float32) []float32 {
	im := make([]float32, ImageSize*ImageSize)
	for i := range im {
		im[i] = v * float32(i%ImageSize) / ImageSize
	}
	return im
}

// decodedSize decodes PNG bytes and returns the image's width and height in pixels.
func decodedSize(t *testing.T, name string, b []byte) (int, int) {
	t.Helper()
	im, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: the PNG does not decode: %v", name, err)
	}
	return im.Bounds().Dx(), im.Bounds().Dy()
}

func TestFigures(t *testing.T) {
	const K = 20
	dec := func(index int) Decomposition {
		d := Decomposition{Index: index, Input: synthImage(1), Recon: synthImage(0.9)}
		for k := range K {
			d.Atoms = append(d.Atoms, synthImage(1/float32(k+1)))
			d.Ratios = append(d.Ratios, 1/float64(k+1))
			d.Blocks = append(d.Blocks, k)
		}
		return d
	}
	act := func(counts ...int) *Activation {
		a := &Activation{Norm: NormClipped, Threshold: DefaultThreshold, Counts: counts, SortedMean: make([]float64, K), SortedMeanNorm: make([]float64, K)}
		for j := range a.SortedMean {
			a.SortedMean[j] = 0.5 / float64(j+1)
			a.SortedMeanNorm[j] = 5 / float64(j+1)
		}
		return a
	}
	tr := &Traversal{Block: 3, Coord: 4}
	for i := range 5 {
		tr.Values = append(tr.Values, float64(i))
		tr.Images = append(tr.Images, synthImage(float32(i)))
		tr.Atoms = append(tr.Atoms, synthImage(float32(i)/2))
	}

	// Figures that draw: a decomposition of two rows of 2+10 images is wider than tall, all
	// encode as PNG, and the title is kept.
	decFig, err := DecompositionFigure("Fig. 3 test", []Decomposition{dec(0), dec(5)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	allFig, err := DecompositionFigure("all atoms", []Decomposition{dec(0)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	trFig, err := TraversalFigure("Fig. 5 test", tr)
	if err != nil {
		t.Fatal(err)
	}
	actFig, err := ActivationFigure("mnist", []string{"SUM-AAE", "MAX-AAE"}, []*Activation{act(17, 15, 16), act(7, 8, 6)})
	if err != nil {
		t.Fatal(err)
	}
	if decFig.Title() != "Fig. 3 test" || trFig.Title() != "Fig. 5 test" {
		t.Errorf("titles %q and %q", decFig.Title(), trFig.Title())
	}
	for name, f := range map[string]*plotting.Figure{"decomposition": decFig, "all atoms": allFig, "traversal": trFig, "activation": actFig} {
		b, err := f.Bytes("png")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w, h := decodedSize(t, name, b); w <= h {
			t.Errorf("%s: %d×%d pixels, want a figure wider than tall", name, w, h)
		}
	}
	// One row of 22 images (all 20 atoms) is a longer strip than two rows of 12.
	dw, dh := decFig.Size()
	aw, ah := allFig.Size()
	if aw/ah <= dw/dh {
		t.Errorf("all 20 atoms: %v×%v, not a longer strip than two rows of 10 atoms' %v×%v", aw, ah, dw, dh)
	}

	// Bad input is an error naming the function.
	short := dec(1)
	short.Atoms, short.Ratios = short.Atoms[:3], short.Ratios[:3]
	for name, err := range map[string]error{
		"no decomposition": func() error { _, err := DecompositionFigure("x", nil, 0); return err }(),
		"rows differ":      func() error { _, err := DecompositionFigure("x", []Decomposition{dec(0), short}, 10); return err }(),
		"no traversal":     func() error { _, err := TraversalFigure("x", nil); return err }(),
		"atoms ≠ images": func() error {
			_, err := TraversalFigure("x", &Traversal{Values: tr.Values, Images: tr.Images, Atoms: tr.Atoms[:2]})
			return err
		}(),
		"names ≠ activations": func() error {
			_, err := ActivationFigure("mnist", []string{"SUM-AAE"}, []*Activation{act(1), act(2)})
			return err
		}(),
		"no images measured": func() error {
			_, err := ActivationFigure("mnist", []string{"SUM-AAE"}, []*Activation{act()})
			return err
		}(),
	} {
		if err == nil || !strings.Contains(err.Error(), "aae.") {
			t.Errorf("%s: error %v, want one naming the aae function", name, err)
		}
	}
}

// TestPGDIterationFigure: curves of the fixed and best-residual rules and a flat baseline draw
// into one plot whose axes span every value; results without per-iteration PSNR are errors.
func TestPGDIterationFigure(t *testing.T) {
	pgdResult := func(method string, rule solvers.StepRule, psnr ...float64) *SRResult {
		res := &solvers.PGDResult{Rule: rule}
		for k, p := range psnr {
			res.Iterations = append(res.Iterations, solvers.PGDIteration{Iteration: k, PSNR: []float64{p - 1, p + 1}})
		}
		return &SRResult{Method: method, PGD: res}
	}
	bicubic := &SRResult{Method: "bicubic"}
	bicubic.Sum.Mean = 17
	fig, err := PGDIterationFigure("PGD", pgdResult("PGD-MAX", solvers.FixedStep, 5, 20, 24), pgdResult("PGD-MAX", solvers.BestResidualStep, 5, 22, 26), bicubic)
	if err != nil {
		t.Fatal(err)
	}
	p := fig.Plot()
	if p == nil || p.X.Min > 0 || p.X.Max < 2 || p.Y.Min > 5 || p.Y.Max < 26 {
		t.Fatalf("axes x [%v, %v], y [%v, %v]: want them to span iterations 0–2 and 5–26 dB", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
	}
	if _, err := fig.Bytes("png"); err != nil {
		t.Fatal(err)
	}
	noTruth := pgdResult("PGD-AE", solvers.FixedStep, 1)
	noTruth.PGD.Iterations[0].PSNR = nil
	for name, results := range map[string][]*SRResult{
		"only baselines":  {bicubic},
		"no ground truth": {noTruth},
		"nil result":      {nil},
	} {
		if _, err := PGDIterationFigure("x", results...); err == nil || !strings.Contains(err.Error(), "aae.PGDIterationFigure") {
			t.Errorf("%s: error %v, want one naming aae.PGDIterationFigure", name, err)
		}
	}
}

// TestSuperResolutionFigure: the original row and one row per result, n columns, as a grid wider
// than tall for 6 columns and 3 rows; results that do not match the images are errors.
func TestSuperResolutionFigure(t *testing.T) {
	truth := &datasets.Images{Name: "synth", N: 8, Height: ImageSize, Width: ImageSize, Channels: 1}
	for i := range truth.N {
		truth.Pixels = append(truth.Pixels, synthImage(float32(i+1)/8)...)
	}
	est := func(method string, v float32) *SRResult {
		r := &SRResult{Method: method}
		for range truth.N {
			r.X = append(r.X, synthImage(v)...)
		}
		return r
	}
	fig, err := SuperResolutionFigure("Fig. 6 test", truth, []*SRResult{est("bicubic", 0.5), est("PGD-MAX-AAE", 0.9)}, 6)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fig.Bytes("png")
	if err != nil {
		t.Fatal(err)
	}
	if w, h := decodedSize(t, "superres", b); w <= h {
		t.Errorf("%d×%d pixels: 3 rows of 6 images should be wider than tall", w, h)
	}
	if fig.Title() != "Fig. 6 test" {
		t.Errorf("title %q", fig.Title())
	}
	short := est("PGD-AE", 1)
	short.X = short.X[:ImageSize*ImageSize]
	for name, err := range map[string]error{
		"no images": func() error { _, err := SuperResolutionFigure("x", &datasets.Images{}, nil, 6); return err }(),
		"short":     func() error { _, err := SuperResolutionFigure("x", truth, []*SRResult{short}, 6); return err }(),
		"nil":       func() error { _, err := SuperResolutionFigure("x", truth, []*SRResult{nil}, 6); return err }(),
	} {
		if err == nil || !strings.Contains(err.Error(), "aae.SuperResolutionFigure") {
			t.Errorf("%s: error %v, want one naming aae.SuperResolutionFigure", name, err)
		}
	}
}
