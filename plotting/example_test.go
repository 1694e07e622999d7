package plotting_test

import (
	"fmt"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/sparselab/sparselab/plotting"
)

// Two 28×28 grayscale images, one black and one white, shown side by side
// with a row label, saved as PNG and read back.
func ExampleImageGrid() {
	const h, w = 28, 28
	imgs := plotting.Images{N: 2, Height: h, Width: w, Channels: 1, Pixels: make([]float32, 2*h*w)}
	for i := h * w; i < 2*h*w; i++ {
		imgs.Pixels[i] = 1
	}
	fig, err := plotting.ImageGrid(imgs, plotting.GridOptions{RowLabels: []string{"digits"}, Frame: true})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "plotting-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "digits.png")
	if err := fig.Save(path); err != nil {
		log.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer file.Close()
	cfg, err := png.DecodeConfig(file)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("saved a %d×%d pixel PNG at %d DPI\n", cfg.Width, cfg.Height, fig.DPI())
	// Output:
	// saved a 220×95 pixel PNG at 96 DPI
}

// Training curves with a logarithmic Y axis, encoded as SVG for a notebook.
func ExampleCurvesWith() {
	steps := []float64{0, 100, 200, 300}
	fig, err := plotting.CurvesWith(plotting.CurveOptions{Title: "loss", XLabel: "step", YLabel: "MSE", LogY: true},
		plotting.Series{Name: "train", X: steps, Y: []float64{0.1, 0.03, 0.02, 0.015}},
		plotting.Series{Name: "test", X: steps, Y: []float64{0.11, 0.04, 0.03, 0.028}})
	if err != nil {
		log.Fatal(err)
	}
	svg, err := fig.Bytes("svg")
	if err != nil {
		log.Fatal(err)
	}
	w, h := fig.Size()
	fmt.Printf("%.0f×%.0f points, SVG starts with %q\n", w.Points(), h.Points(), svg[:5])
	// Output:
	// 432×288 points, SVG starts with "<?xml"
}
