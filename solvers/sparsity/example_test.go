package sparsity_test

import (
	"fmt"
	"log"

	"github.com/sparselab/sparselab/solvers/sparsity"
	"gonum.org/v1/gonum/mat"
)

// The paper's example for Proposition 2: atoms from the canonical basis have disjoint supports
// and one sign each, so every max-combination is a sum-combination, but not conversely.
func Example() {
	atoms := mat.NewDense(3, 2, []float64{ // columns e₁ and e₂ of ℝ³
		1, 0,
		0, 1,
		0, 0,
	})
	if err := sparsity.DisjointSameSign(atoms, 0); err != nil {
		log.Fatal(err)
	}
	lambda := []float64{2, -1}
	x, _ := sparsity.MaxSynthesis(atoms, lambda)
	mu, _ := sparsity.SumCoefficients(atoms, lambda)
	s, _ := sparsity.SumSynthesis(atoms, mu)
	fmt.Println("max(2·e₁, −1·e₂) =", x, "= sum with μ =", mu, "→", s)

	d, _, _ := sparsity.DistanceToMaxModel(atoms, []float64{-1, 0, 0})
	fmt.Println("−e₁ is in Σ_2; its distance to Σ_2^max is", d)
	// Output:
	// max(2·e₁, −1·e₂) = [2 0 0] = sum with μ = [2 0] → [2 0 0]
	// −e₁ is in Σ_2; its distance to Σ_2^max is 1
}
