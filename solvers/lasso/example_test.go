package lasso_test

import (
	"fmt"
	"log"

	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/solvers/lasso"
	"github.com/sparselab/sparselab/solvers/linop"
	"gonum.org/v1/gonum/mat"
)

// Sparse coding of one signal in a small dictionary whose atoms are the unit vectors e_1, e_2,
// e_3 and the normalised (e_1 + e_2)/√2: with λ = 0.1 FISTA recovers the two-atom code of
// x = 2·e_1 − e_3 shrunk by λ.
func Example() {
	b, _, err := backend.New("go")
	if err != nil {
		log.Fatal(err)
	}
	r := 1 / 1.4142135623730951
	d := mat.NewDense(3, 4, []float64{
		1, 0, 0, r,
		0, 1, 0, r,
		0, 0, 1, 0,
	})
	s, err := lasso.New(b, linop.Must(linop.Dense(d)))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Finalize()
	x := []float64{2, 0, -1}
	lmax, err := s.LambdaMax(x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("λ_max = ‖Dᵀx‖∞ = %.3f\n", lmax[0])
	res, err := s.Solve64(x, 0.1, &lasso.Settings{Tolerance: 1e-10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("z = %.4f\n", res.Z)
	fmt.Printf("objective %.4f, %d non-zeros, converged %v\n", res.Objective[0], res.NonZeros[0], res.Converged)
	// With z ≥ 0 the negative coefficient is gone.
	res, err = s.Solve64(x, 0.1, &lasso.Settings{NonNegative: true, Tolerance: 1e-10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("z ≥ 0: %.4f\n", res.Z)
	// Output:
	// λ_max = ‖Dᵀx‖∞ = 2.000
	// z = [1.9000 0.0000 -0.9000 0.0000]
	// objective 0.2900, 2 non-zeros, converged true
	// z ≥ 0: [1.9000 0.0000 0.0000 0.0000]
}
