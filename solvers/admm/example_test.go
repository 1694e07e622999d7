package admm_test

import (
	"fmt"

	"github.com/sparselab/sparselab/solvers/admm"
	"gonum.org/v1/gonum/mat"
)

// Find the smallest-ℓ1 non-negative x with K·x = b (a non-negative basis pursuit).
func Example() {
	k := mat.NewDense(2, 3, []float64{
		1, 0, 1,
		0, 1, 1,
	})
	b := []float64{1, 1}
	res, err := admm.Solve(k, admm.L1{Lambda: 1, NonNegative: true}, admm.Equality(b), &admm.Settings{Tolerance: 1e-10})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("x = [%.4f %.4f %.4f], converged %v\n", res.X[0], res.X[1], res.X[2], res.Converged)
	// Output:
	// x = [0.0000 0.0000 1.0000], converged true
}
