package plotting

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/vg"
)

// galleryFigures builds one figure of each kind from synthetic data resembling
// the experiments' outputs.
func galleryFigures(t testing.TB) map[string]*Figure {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	must := func(f *Figure, err error) *Figure {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	figs := map[string]*Figure{}

	// Digit-like blobs and noisy "reconstructions".
	const n, h, w = 8, 28, 28
	orig := Images{N: n, Height: h, Width: w, Channels: 1, Pixels: make([]float32, n*h*w)}
	for k := range n {
		cx, cy := 8+float64(k)*1.5, 10+float64(k%3)*3
		for y := range h {
			for x := range w {
				d := math.Hypot(float64(x)-cx, float64(y)-cy)
				orig.Pixels[(k*h+y)*w+x] = float32(math.Max(0, 1-math.Abs(d-6)/2.5))
			}
		}
	}
	rec := Images{N: n, Height: h, Width: w, Channels: 1, Pixels: make([]float32, n*h*w)}
	for i, v := range orig.Pixels {
		rec.Pixels[i] = v + float32(0.1*rng.NormFloat64())
	}
	both, err := ConcatImages(orig, rec)
	if err != nil {
		t.Fatal(err)
	}
	titles := make([]string, 2*n)
	for i := range n {
		titles[i] = ""
		titles[n+i] = "PSNR " + formatValue("%.1f", 20+float64(i))
	}
	figs["grid"] = must(ImageGrid(both, GridOptions{
		Columns: n, Title: "MAX-AAE reconstructions", RowLabels: []string{"original", "reconstruction"}, Titles: titles,
	}))

	// RGB images in [-1, 1].
	rgb := Images{N: 6, Height: 32, Width: 32, Channels: 3, Pixels: make([]float32, 6*32*32*3)}
	for i := range rgb.Pixels {
		p := i / 3
		x, y := p%32, (p/32)%32
		rgb.Pixels[i] = float32(math.Sin(float64(x*(i%3+1))/8 + float64(y)/10 + float64(p/1024)))
	}
	figs["rgb"] = must(ImageGrid(rgb, GridOptions{Range: [2]float64{-1, 1}, Columns: 3,
		ColumnLabels: []string{"λ = 0.01", "λ = 0.1", "λ = 0.5"}, Frame: true}))

	steps := make([]float64, 200)
	l1, l2 := make([]float64, 200), make([]float64, 200)
	for i := range steps {
		steps[i] = float64(i * 10)
		l1[i] = 0.1*math.Exp(-float64(i)/40) + 0.01 + 0.002*rng.Float64()
		l2[i] = 0.12*math.Exp(-float64(i)/60) + 0.012 + 0.002*rng.Float64()
		if i%50 == 7 {
			l2[i] = math.NaN()
		}
	}
	figs["curves"] = must(CurvesWith(CurveOptions{Title: "Training loss", XLabel: "step", YLabel: "MSE", LogY: true,
		VLines: []VLine{{X: 1000, Label: "lr decay"}}},
		Series{Name: "SUM-AAE", X: steps, Y: l1}, Series{Name: "MAX-AAE", X: steps, Y: l2},
		Series{Name: "paper", X: []float64{0, 1990}, Y: []float64{0.012, 0.012}, Dashed: true}))

	a, b := make([]float64, 600), make([]float64, 600)
	for i := range a {
		a[i] = math.Round(12.6 + 3*rng.NormFloat64())
		b[i] = math.Round(17 + 2.5*rng.NormFloat64())
	}
	figs["inthist"] = must(Histograms(HistogramOptions{Title: "Activated atoms per image", XLabel: "activated atoms", Integer: true},
		Sample{Name: "MAX", Values: a}, Sample{Name: "SUM", Values: b}))
	psnr := make([]float64, 600)
	for i := range psnr {
		psnr[i] = 28 + 2.7*rng.NormFloat64()
	}
	figs["hist"] = must(Histogram("PSNR of test images", "PSNR (dB)", psnr, 30))
	figs["hist2"] = must(Histograms(HistogramOptions{Title: "PSNR", XLabel: "PSNR (dB)", Normalize: true, Bins: 25},
		Sample{Name: "AE", Values: a}, Sample{Name: "MAX", Values: b}))

	figs["bars"] = must(Bars(BarOptions{Title: "Autoencoding PSNR", YLabel: "PSNR (dB)", ShowValues: true, ValueFormat: "%.1f"},
		[]string{"MNIST", "Fashion-MNIST"},
		BarSeries{Name: "AE", Values: []float64{26.72, 25.46}, Errors: []float64{2.66, 3.76}},
		BarSeries{Name: "SUM-AAE", Values: []float64{27.35, 25.28}, Errors: []float64{2.34, 3.57}},
		BarSeries{Name: "MAX-AAE", Values: []float64{28.42, 24.25}, Errors: []float64{2.74, 3.27}}))

	widths := []float64{50, 100, 150, 200, 300, 400, 600, 800, 1000}
	var rs []RibbonSeries
	for m, name := range []string{"GD", "Layered BP", "Latent-Pursuit"} {
		s := RibbonSeries{Name: name, X: widths}
		for _, wd := range widths {
			smp := make([]float64, 50)
			for j := range smp {
				base := 5 + 40/(1+math.Exp(-(wd-200-float64(m)*30)/40))
				smp[j] = base + (4+float64(m))*rng.NormFloat64()
			}
			s.Samples = append(s.Samples, smp)
		}
		rs = append(rs, s)
	}
	figs["ribbons"] = must(QuantileRibbons(RibbonOptions{Title: "Layer-1 recovery", XLabel: "hidden width n₁", YLabel: "SNR (dB)",
		VLines: []VLine{{X: 200, Label: "2·n₀"}}}, rs...))

	d := mat.NewDense(20, 50, nil)
	for i := range 20 {
		for j := range 50 {
			d.Set(i, j, math.Sin(float64(i)/3)*math.Cos(float64(j)/7))
		}
	}
	d.Set(3, 4, math.NaN())
	figs["heat"] = must(HeatMap(HeatMapOptions{Title: "Codes", XLabel: "image", YLabel: "atom", Symmetric: true, ColorbarLabel: "coefficient"}, d))

	figs["panels"] = must(Row(figs["curves"], figs["hist"]))
	figs["panels"].SetTitle("Two panels")
	return figs
}

// TestGallery renders every figure kind to PNG and SVG. With
// PLOTTING_GALLERY=<dir> the files are kept there for viewing.
func TestGallery(t *testing.T) {
	dir := os.Getenv("PLOTTING_GALLERY")
	if dir == "" {
		dir = t.TempDir()
	}
	for name, f := range galleryFigures(t) {
		for _, ext := range []string{".png", ".svg"} {
			if err := f.Save(filepath.Join(dir, name+ext)); err != nil {
				t.Errorf("%s%s: %v", name, ext, err)
			}
		}
		checkPNG(t, name, f)
	}
	_ = vg.Inch
}
