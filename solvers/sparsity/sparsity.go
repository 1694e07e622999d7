// Package sparsity implements the sum- and max-sparsity synthesis models of paper 000 (section 2)
// on explicit dictionaries, for numerical checks of its Propositions 1 and 2.
//
// Given k atoms a_1 … a_k ∈ ℝⁿ (the columns of an n×k matrix D) and coefficients λ ∈ ℝᵏ:
//
//	sum-sparsity  (eq. 3):  x = Σ_i λ_i·a_i = D·λ                      (Σ_k, a union of subspaces)
//	max-sparsity  (eq. 4):  x_j = max_i λ_i·a_{i,j}  for every pixel j   (Σ_k^max)
//
// Σ_k and Σ_k^max are the unions of these sets over all choices of k atoms from a dictionary; the
// functions here work with one choice (the columns of D).
//
// Proposition 1: Σ_k^max is a cone (μ·x ∈ Σ_k^max for x ∈ Σ_k^max and μ ≥ 0, because
// max_i(μλ_i·a_{i,j}) = μ·max_i(λ_i·a_{i,j})), but not a homogeneous set in general: with a_{1,1} = 1
// and a_{i,1} = 0 for i > 1, every element of Σ_k^max has x_1 = max(λ_1, 0, …) ≥ 0, so
// x = max(a_1, …, a_k) (x_1 = 1) is in Σ_k^max and −x is not.
//
// Proposition 2: if the atoms have pairwise disjoint supports and each atom has entries of one
// sign ([DisjointSameSign]), then Σ_k^max ⊊ Σ_k: on the support of a_i the other atoms vanish, so
// for k ≥ 2, x = Σ_i μ_i·a_i with μ_i = λ_i when λ_i·a_i ≥ 0 and μ_i = 0 otherwise
// ([SumCoefficients]). The inclusion is strict: for a non-zero atom a_1 and k ≥ 2, −sign·a_1 ∈ Σ_k is
// at distance ‖a_1‖ from Σ_k^max ([DistanceToMaxModel]). Without the assumptions the inclusion
// fails in general.
//
// Reference: A. Joundi, Y. Traonmilin, A. Newson, "Max-sparsity atomic autoencoders with
// application to inverse problems" (SSVM 2025), section 2.2 and appendix (proofs).
package sparsity

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

func checkCoef(what string, atoms *mat.Dense, coef []float64) (n, k int, err error) {
	if atoms == nil {
		return 0, 0, fmt.Errorf("sparsity.%s: nil atoms", what)
	}
	n, k = atoms.Dims()
	if len(coef) != k {
		return 0, 0, fmt.Errorf("sparsity.%s: %d coefficients for %d atoms (columns)", what, len(coef), k)
	}
	return n, k, nil
}

// MaxSynthesis returns x with x_j = max_i λ_i·a_{i,j}, the atoms a_i being the columns of atoms.
func MaxSynthesis(atoms *mat.Dense, coef []float64) ([]float64, error) {
	n, k, err := checkCoef("MaxSynthesis", atoms, coef)
	if err != nil {
		return nil, err
	}
	x := make([]float64, n)
	for j := range n {
		x[j] = math.Inf(-1)
		for i := range k {
			x[j] = max(x[j], coef[i]*atoms.At(j, i))
		}
	}
	return x, nil
}

// SumSynthesis returns x = Σ_i λ_i·a_i = D·λ.
func SumSynthesis(atoms *mat.Dense, coef []float64) ([]float64, error) {
	n, _, err := checkCoef("SumSynthesis", atoms, coef)
	if err != nil {
		return nil, err
	}
	var x mat.VecDense
	x.MulVec(atoms, mat.NewVecDense(len(coef), coef))
	out := make([]float64, n)
	for j := range out {
		out[j] = x.AtVec(j)
	}
	return out, nil
}

// atomSign returns +1 if every entry of column i is ≥ −tol, −1 if every entry is ≤ tol (and some
// is < −tol), and 0 for a column with entries of both signs beyond tol.
func atomSign(atoms *mat.Dense, i int, tol float64) float64 {
	n, _ := atoms.Dims()
	pos, neg := false, false
	for j := range n {
		v := atoms.At(j, i)
		pos = pos || v > tol
		neg = neg || v < -tol
	}
	switch {
	case pos && neg:
		return 0
	case neg:
		return -1
	}
	return 1
}

// DisjointSameSign returns nil if the atoms (columns) satisfy the assumptions of Proposition 2 —
// pairwise disjoint supports, each atom's entries of one sign — treating |v| ≤ tol as zero, and
// otherwise an error naming the first violation.
func DisjointSameSign(atoms *mat.Dense, tol float64) error {
	if atoms == nil {
		return fmt.Errorf("sparsity.DisjointSameSign: nil atoms")
	}
	n, k := atoms.Dims()
	for i := range k {
		if atomSign(atoms, i, tol) == 0 {
			return fmt.Errorf("atom %d has entries of both signs", i)
		}
	}
	for j := range n {
		owner := -1
		for i := range k {
			if math.Abs(atoms.At(j, i)) > tol {
				if owner >= 0 {
					return fmt.Errorf("atoms %d and %d share coordinate %d", owner, i, j)
				}
				owner = i
			}
		}
	}
	return nil
}

// SumCoefficients returns, for atoms satisfying [DisjointSameSign] (tolerance 0), coefficients μ
// with Σ_i μ_i·a_i = max_i λ_i·a_i (the construction of Proposition 2's proof): μ = λ for k = 1,
// else μ_i = λ_i if λ_i·a_i ≥ 0 and 0 otherwise.
func SumCoefficients(atoms *mat.Dense, coef []float64) ([]float64, error) {
	_, k, err := checkCoef("SumCoefficients", atoms, coef)
	if err != nil {
		return nil, err
	}
	if err := DisjointSameSign(atoms, 0); err != nil {
		return nil, fmt.Errorf("sparsity.SumCoefficients: the atoms break Proposition 2's assumptions: %w", err)
	}
	mu := make([]float64, k)
	for i, l := range coef {
		if k == 1 || l*atomSign(atoms, i, 0) >= 0 {
			mu[i] = l
		}
	}
	return mu, nil
}

// DistanceToMaxModel returns the Euclidean distance from x to the max-sparsity set
// {max_i λ_i·a_i : λ ∈ ℝᵏ} of atoms satisfying [DisjointSameSign] (tolerance 0) and k ≥ 2, with
// coefficients λ of a nearest point. On the support S_i of atom a_i (sign s_i) the model is the
// ray {c·|a_i| : c ≥ 0}, c = max(λ_i·s_i, 0), whose nearest point to x_S is
// c = max(0, ⟨|a_i|, x_S⟩/‖a_i‖²); outside every support the model is 0.
func DistanceToMaxModel(atoms *mat.Dense, x []float64) (float64, []float64, error) {
	if atoms == nil {
		return 0, nil, fmt.Errorf("sparsity.DistanceToMaxModel: nil atoms")
	}
	n, k := atoms.Dims()
	if len(x) != n {
		return 0, nil, fmt.Errorf("sparsity.DistanceToMaxModel: x has %d values, atoms %d", len(x), n)
	}
	if k < 2 {
		return 0, nil, fmt.Errorf("sparsity.DistanceToMaxModel: needs k ≥ 2 atoms (k = 1 is the line through a_1)")
	}
	if err := DisjointSameSign(atoms, 0); err != nil {
		return 0, nil, fmt.Errorf("sparsity.DistanceToMaxModel: the atoms break Proposition 2's assumptions: %w", err)
	}
	lambda := make([]float64, k)
	nearest := make([]float64, n)
	for i := range k {
		s := atomSign(atoms, i, 0)
		var ax, aa float64
		for j := range n {
			a := math.Abs(atoms.At(j, i))
			ax += a * x[j]
			aa += a * a
		}
		if aa == 0 {
			continue
		}
		c := max(0, ax/aa)
		lambda[i] = c * s
		for j := range n {
			if v := atoms.At(j, i); v != 0 {
				nearest[j] = c * math.Abs(v)
			}
		}
	}
	var d float64
	for j := range n {
		d += (x[j] - nearest[j]) * (x[j] - nearest[j])
	}
	return math.Sqrt(d), lambda, nil
}

// DistanceToSpan returns the Euclidean distance from x to the span of the atoms (the
// sum-sparsity set Σ_k of these k atoms), by least squares.
func DistanceToSpan(atoms *mat.Dense, x []float64) (float64, error) {
	if atoms == nil {
		return 0, fmt.Errorf("sparsity.DistanceToSpan: nil atoms")
	}
	n, _ := atoms.Dims()
	if len(x) != n {
		return 0, fmt.Errorf("sparsity.DistanceToSpan: x has %d values, atoms %d", len(x), n)
	}
	// Orthonormal basis of the span by SVD (robust to rank deficiency).
	var svd mat.SVD
	if !svd.Factorize(atoms, mat.SVDThin) {
		return 0, fmt.Errorf("sparsity.DistanceToSpan: SVD failed")
	}
	sv := svd.Values(nil)
	var u mat.Dense
	svd.UTo(&u)
	r := 0
	for _, s := range sv {
		if s > 1e-12*sv[0] {
			r++
		}
	}
	xv := mat.NewVecDense(n, append([]float64(nil), x...))
	var proj mat.VecDense
	if r > 0 {
		ur := u.Slice(0, n, 0, r)
		var c mat.VecDense
		c.MulVec(ur.T(), xv)
		proj.MulVec(ur, &c)
	} else {
		proj = *mat.NewVecDense(n, nil)
	}
	var d mat.VecDense
	d.SubVec(xv, &proj)
	return mat.Norm(&d, 2), nil
}
