package invert

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// polishLayer refines an iterative solver's estimate x̂ of one layer equation by a finite step
// (package documentation, "Support polishing"): with S = SupportOf(x̂, threshold) it solves the
// equality rows exactly on the columns S (all columns when dense, for the latent layer),
//
//	x_S = argmin ‖K[eq, S]·x_S − t‖₂,  x_{Sᶜ} = 0,
//
// and returns that candidate instead of x̂ when K[eq, S] has at least as many rows as columns and
// full column rank (the restricted problem then has one solution), the candidate is
// non-negative (when nonNeg; entries above −1e-9·‖x_S‖_∞ are clipped to 0), and its constraint
// violation, ‖K[eq]·x − t‖₂ + ‖max(K[ineq]·x − hi, 0)‖₂, is no larger than x̂'s. Otherwise x̂ is
// returned unchanged. When the support's candidate does not satisfy the equalities (to 1e-9
// relative) and there are at least as many equality rows as columns, all the columns are tried the
// same way (the unique non-negative solution of a consistent full-rank system), and the candidate
// with the smallest violation is kept. eq lists the equality rows of k with right-hand side t; ineq (may be empty)
// lists rows with upper bounds hi (K[ineq]·x ≤ hi).
//
// The first-order solvers (FISTA, linearized ADMM) converge linearly at a rate set by the
// condition number of K restricted to the support; on trained generators with masked pixels that
// number reaches 1e4 and 5000 iterations leave errors of about 1e-4 relative, which lets
// below-threshold noise into the next layer's support and breaks the layers below. The polishing
// step removes that floor whenever the support found is right (or a superset with K[eq, S] of full
// column rank: the spurious entries come out as 0).
func polishLayer(k *mat.Dense, eq []int, t []float64, ineq []int, hi []float64, x []float64, threshold float64, nonNeg, dense bool) []float64 {
	_, n := k.Dims()
	best, bestV := x, violation(k, eq, t, ineq, hi, x)
	try := func(cols []int) {
		if c := restrictedSolve(k, eq, t, cols, nonNeg); c != nil {
			if v := violation(k, eq, t, ineq, hi, c); v <= bestV {
				best, bestV = c, v
			}
		}
	}
	if !dense {
		try(SupportOf(x, threshold))
		if len(eq) < n || bestV <= 1e-9*(1+floats.Norm(t, 2)) {
			return best
		}
	}
	// Dense layer, or the support's solution does not fit: all the columns (as many equations as
	// unknowns at least).
	try(indexRange(n))
	return best
}

// restrictedSolve returns the least-squares solution of the equality rows on the columns cols
// (zero elsewhere) when it is unique and non-negative (if nonNeg); nil otherwise.
func restrictedSolve(k *mat.Dense, eq []int, t []float64, cols []int, nonNeg bool) []float64 {
	_, n := k.Dims()
	if len(cols) == 0 || len(cols) > len(eq) {
		return nil
	}
	a := subMatrix(k, eq, cols)
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDNone) {
		return nil
	}
	sv := svd.Values(nil)
	if sv[len(sv)-1] <= 1e-10*sv[0] {
		return nil // rank deficient on cols: the restricted problem has many solutions
	}
	xs, err := lstsq(a, t)
	if err != nil {
		return nil
	}
	cand := make([]float64, n)
	var m float64
	for _, v := range xs {
		m = max(m, math.Abs(v))
	}
	for b, j := range cols {
		v := xs[b]
		if nonNeg {
			if v < -1e-9*m {
				return nil
			}
			v = max(v, 0)
		}
		cand[j] = v
	}
	return cand
}

// violation returns ‖K[eq]·x − t‖₂ + ‖max(K[ineq]·x − hi, 0)‖₂.
func violation(k *mat.Dense, eq []int, t []float64, ineq []int, hi []float64, x []float64) float64 {
	dot := func(i int) float64 {
		return mat.Dot(mat.NewVecDense(len(x), k.RawRowView(i)), mat.NewVecDense(len(x), x))
	}
	var e, v float64
	for a, i := range eq {
		d := dot(i) - t[a]
		e += d * d
	}
	for a, i := range ineq {
		if d := dot(i) - hi[a]; d > 0 {
			v += d * d
		}
	}
	return math.Sqrt(e) + math.Sqrt(v)
}
