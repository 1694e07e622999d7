package linop_test

import (
	"fmt"
	"log"

	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/solvers/linop"
)

// Paper 000's ×2 super-resolution operator on 28×28 images: blur (σ = 0.7 px, periodic) then keep
// every second pixel.
func Example() {
	b, _, err := backend.New("go")
	if err != nil {
		log.Fatal(err)
	}
	a, err := linop.SuperResolution([]int{28, 28, 1}, 2, 0.7)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(linop.Describe(a), a.InShape(), "→", a.OutShape())

	norm, err := linop.Norm(b, a, 200)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("‖A‖₂ ≈ %.4f, so γ = 1/‖A‖₂² ≈ %.2f\n", norm, 1/(norm*norm))

	// A constant image stays constant: the blur sums to 1.
	e, err := linop.NewExec(b, a)
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float32, 2*28*28) // a batch of two images
	for i := range x {
		x[i] = 0.5
	}
	y, err := e.Apply(x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d values, first %.4f, last %.4f\n", len(y), y[0], y[len(y)-1])

	// The adjoint zero-upsamples then blurs.
	xt, err := e.Adjoint(y)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Aᵀy has %d values, sum %.2f\n", len(xt), sum(xt))
	// Output:
	// SuperResolution(×2, σ=0.7, [28×28×1]) [28 28 1] → [14 14 1]
	// ‖A‖₂ ≈ 0.5159, so γ = 1/‖A‖₂² ≈ 3.76
	// 392 values, first 0.5000, last 0.5000
	// Aᵀy has 1568 values, sum 196.00
}

func sum(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return s
}

// The two grids of an interpolation from 3 samples to 6 pixels (×2): on the half-pixel grid
// (PyTorch's align_corners=False) sample i sits at pixel 2i + ½, so only the clamped borders copy a
// sample and pixel 2 mixes samples 0 and 1; on
// the decimated grid sample i sits at pixel 2i, where Subsample took it, and the pixels between
// are averages, the last one wrapping to the first sample.
func ExampleInterpolationMatrixOn() {
	for _, grid := range []linop.Grid{linop.HalfPixel, linop.Decimated} {
		m, err := linop.InterpolationMatrixOn(3, 6, linop.Bilinear, grid)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(grid)
		for o := range 6 {
			fmt.Printf("  pixel %d: %.2f\n", o, m.RawRowView(o))
		}
	}
	// Output:
	// half-pixel
	//   pixel 0: [1.00 0.00 0.00]
	//   pixel 1: [0.75 0.25 0.00]
	//   pixel 2: [0.25 0.75 0.00]
	//   pixel 3: [0.00 0.75 0.25]
	//   pixel 4: [0.00 0.25 0.75]
	//   pixel 5: [0.00 0.00 1.00]
	// decimated
	//   pixel 0: [1.00 0.00 0.00]
	//   pixel 1: [0.50 0.50 0.00]
	//   pixel 2: [0.00 1.00 0.00]
	//   pixel 3: [0.00 0.50 0.50]
	//   pixel 4: [0.00 0.00 1.00]
	//   pixel 5: [0.50 0.00 0.50]
}
