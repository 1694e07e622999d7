package solvers_test

import (
	"fmt"
	"log"
	"math"

	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/solvers"
	"github.com/sparselab/sparselab/solvers/linop"
)

// ×2 super-resolution of a 28×28 image (a bright ring) with the reference code's PGD, the
// projector here being the box [0, 1] instead of a trained autoencoder, against the bicubic
// baseline.
func ExamplePGD_Solve() {
	b, _, err := backend.New("go")
	if err != nil {
		log.Fatal(err)
	}
	a, err := linop.SuperResolution([]int{28, 28, 1}, 2, 0.7)
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float32, 28*28)
	for i := range 28 {
		for j := range 28 {
			r := math.Hypot(float64(i)-13.5, float64(j)-13.5)
			x[i*28+j] = float32(math.Exp(-(r - 7) * (r - 7) / 4))
		}
	}
	e, err := linop.NewExec(b, a)
	if err != nil {
		log.Fatal(err)
	}
	y, err := e.Apply(x) // 14×14 measurements
	if err != nil {
		log.Fatal(err)
	}

	bicubic, err := solvers.Interpolate(b, y, []int{14, 14, 1}, 28, 28, linop.Bicubic, linop.HalfPixel)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bicubic: %.1f dB\n", metrics.PSNR(x, bicubic, 1))

	pgd, err := solvers.NewPGD(b, a)
	if err != nil {
		log.Fatal(err)
	}
	res, err := pgd.Solve(y, solvers.BoxProjector{Lo: 0, Hi: 1}, &solvers.PGDSettings{
		Rule:  solvers.BestResidualStep, // steps {1, 10, 5}, 15 iterations
		Truth: x,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range res.Iterations {
		if it.Iteration%5 == 0 {
			fmt.Printf("iteration %2d: residual %.3f, PSNR %.1f dB, step %g\n", it.Iteration, it.Residual[0], it.PSNR[0], it.Step[0])
		}
	}
	fmt.Printf("PGD returns iterate %d: %.1f dB\n", res.Chosen[0], res.PSNR[0])
	// Output:
	// bicubic: 20.6 dB
	// iteration  0: residual 4.972, PSNR 8.5 dB, step 0
	// iteration  5: residual 0.073, PSNR 23.0 dB, step 5
	// iteration 10: residual 0.014, PSNR 23.4 dB, step 5
	// iteration 15: residual 0.004, PSNR 23.5 dB, step 5
	// PGD returns iterate 15: 23.5 dB
}
