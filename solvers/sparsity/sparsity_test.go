package sparsity

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func gaussianAtoms(rng *rand.Rand, n, k int) *mat.Dense {
	d := mat.NewDense(n, k, nil)
	for j := range n {
		for i := range k {
			d.Set(j, i, rng.NormFloat64())
		}
	}
	return d
}

// disjointAtoms returns k atoms in ℝⁿ with pairwise disjoint random supports (some coordinates
// in no support), each of one random sign with magnitudes in [0.1, 1).
func disjointAtoms(rng *rand.Rand, n, k int) *mat.Dense {
	d := mat.NewDense(n, k, nil)
	perm := rng.Perm(n)
	used := 0
	for i := range k {
		size := 1 + rng.IntN(max(1, (n-used)/(k-i)-1))
		sign := 1.0
		if rng.IntN(2) == 0 {
			sign = -1
		}
		for _, j := range perm[used : used+size] {
			d.Set(j, i, sign*(0.1+0.9*rng.Float64()))
		}
		used += size
	}
	return d
}

func randCoef(rng *rand.Rand, k int) []float64 {
	c := make([]float64, k)
	for i := range c {
		c[i] = 2 * rng.NormFloat64()
	}
	return c
}

func dist(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
}

func scaled(v []float64, s float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = s * x
	}
	return out
}

// minDistanceToMax searches numerically for min_λ ‖max_i λ_i·a_i − target‖ by compass search
// (pattern search: try ±h along every coordinate, accept improvements, halve h when none) from
// several random starts; every value it returns is attained, so it bounds the true minimum from
// above. (gonum/optimize would pull a module this repository does not require.)
func minDistanceToMax(t *testing.T, rng *rand.Rand, atoms *mat.Dense, target []float64, starts int) float64 {
	t.Helper()
	_, k := atoms.Dims()
	f := func(l []float64) float64 {
		x, err := MaxSynthesis(atoms, l)
		if err != nil {
			t.Fatal(err)
		}
		return dist(x, target)
	}
	best := math.Inf(1)
	for range starts {
		l := randCoef(rng, k)
		fl := f(l)
		for h, evals := 1.0, 0; h > 1e-12 && evals < 200000; {
			improved := false
			for i := range k {
				for _, sgn := range []float64{1, -1} {
					old := l[i]
					l[i] = old + sgn*h
					evals++
					if v := f(l); v < fl {
						fl, improved = v, true
						break
					}
					l[i] = old
				}
			}
			if !improved {
				h /= 2
			}
		}
		best = min(best, fl)
	}
	return best
}

// Proposition 1, first part: Σ_k^max is a cone — μ·max_i(λ_i·a_i) = max_i(μλ_i·a_i) for μ ≥ 0.
// The same identity fails for μ < 0 on the same instances, so the check discriminates.
func TestProposition1Cone(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct{ n, k int }{{10, 3}, {50, 8}, {784, 20}} {
		negFails := 0
		for trial := range 20 {
			atoms := gaussianAtoms(rng, c.n, c.k)
			lambda := randCoef(rng, c.k)
			x, err := MaxSynthesis(atoms, lambda)
			if err != nil {
				t.Fatal(err)
			}
			for _, mu := range []float64{0, 1e-3, 0.7, 1, 3.5, 1e4} {
				got, _ := MaxSynthesis(atoms, scaled(lambda, mu))
				if d := dist(got, scaled(x, mu)); d > 1e-12*(1+mu*dist(x, make([]float64, c.n))) {
					t.Errorf("n=%d k=%d trial %d μ=%g: μ·x ∉ Σ^max by this construction (error %g)", c.n, c.k, trial, mu, d)
				}
			}
			got, _ := MaxSynthesis(atoms, scaled(lambda, -1))
			if dist(got, scaled(x, -1)) > 1e-9 {
				negFails++
			}
		}
		if negFails < 19 {
			t.Errorf("n=%d k=%d: max(−λa) = −max(λa) held in %d of 20 random instances", c.n, c.k, 20-negFails)
		}
	}
}

// Proposition 1, second part: Σ_k^max is not homogeneous. With the proof's dictionary
// (a_{1,1} = 1, a_{i,1} = 0 for i > 1), x = max(a_1, …, a_k) ∈ Σ_k^max but −x is at distance ≥ 1
// from it, since every element has a non-negative first coordinate. A numerical search over λ
// must never find a closer point.
func TestProposition1NotHomogeneous(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for trial := range 8 {
		n, k := 6+trial, 2+trial%4
		atoms := gaussianAtoms(rng, n, k)
		for i := range k {
			atoms.Set(0, i, 0)
		}
		atoms.Set(0, 0, 1)
		ones := make([]float64, k)
		for i := range ones {
			ones[i] = 1
		}
		x, err := MaxSynthesis(atoms, ones)
		if err != nil {
			t.Fatal(err)
		}
		if x[0] != 1 {
			t.Fatalf("x_1 = %g, want 1", x[0])
		}
		// Any λ gives a non-negative first coordinate.
		for range 1000 {
			z, _ := MaxSynthesis(atoms, randCoef(rng, k))
			if z[0] < 0 {
				t.Fatalf("an element of Σ^max has first coordinate %g < 0", z[0])
			}
		}
		if d := minDistanceToMax(t, rng, atoms, scaled(x, -1), 6); d < 1-1e-9 {
			t.Errorf("trial %d: found a point of Σ^max at distance %g < 1 from −x", trial, d)
		}
		// Σ_k, in contrast, is homogeneous: −x is exactly as far from the span as x.
		dx, _ := DistanceToSpan(atoms, x)
		dmx, _ := DistanceToSpan(atoms, scaled(x, -1))
		if math.Abs(dx-dmx) > 1e-12 {
			t.Errorf("trial %d: span distances %g and %g", trial, dx, dmx)
		}
	}
}

// Proposition 2: for atoms with disjoint supports and one sign each, every max-combination is a
// sum-combination (distance to the span 0, and the proof's coefficients reproduce it), and the
// inclusion is strict (−s_1·a_1 ∈ Σ_k is at distance ‖a_1‖ from Σ_k^max).
func TestProposition2Inclusion(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, c := range []struct{ n, k int }{{8, 1}, {8, 2}, {30, 5}, {784, 20}} {
		for trial := range 10 {
			atoms := disjointAtoms(rng, c.n, c.k)
			if err := DisjointSameSign(atoms, 0); err != nil {
				t.Fatalf("generator: %v", err)
			}
			lambda := randCoef(rng, c.k)
			x, _ := MaxSynthesis(atoms, lambda)
			scale := 1 + dist(x, make([]float64, c.n))
			d, err := DistanceToSpan(atoms, x)
			if err != nil {
				t.Fatal(err)
			}
			if d > 1e-12*scale {
				t.Errorf("n=%d k=%d trial %d: max-combination at distance %g from the span", c.n, c.k, trial, d)
			}
			mu, err := SumCoefficients(atoms, lambda)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := SumSynthesis(atoms, mu)
			if e := dist(s, x); e > 1e-12*scale {
				t.Errorf("n=%d k=%d trial %d: Σ μ_i a_i differs from max λ_i a_i by %g", c.n, c.k, trial, e)
			}
			if c.k < 2 {
				continue
			}
			// Strictness: −s_1·a_1 is in Σ_k but at distance ‖a_1‖ from Σ_k^max.
			a1 := make([]float64, c.n)
			s1 := atomSign(atoms, 0, 0)
			for j := range c.n {
				a1[j] = -s1 * atoms.At(j, 0)
			}
			dm, lam, err := DistanceToMaxModel(atoms, a1)
			if err != nil {
				t.Fatal(err)
			}
			norm := dist(a1, make([]float64, c.n))
			if math.Abs(dm-norm) > 1e-12*norm {
				t.Errorf("n=%d k=%d: −s·a_1 at distance %g from Σ^max, want ‖a_1‖ = %g", c.n, c.k, dm, norm)
			}
			z, _ := MaxSynthesis(atoms, lam)
			if math.Abs(dist(z, a1)-dm) > 1e-12*norm {
				t.Errorf("n=%d k=%d: the returned coefficients do not attain the distance", c.n, c.k)
			}
		}
	}
}

// DistanceToMaxModel is exact: no random or optimised point of the model is closer, and the
// optimiser gets as close as the formula says.
func TestDistanceToMaxModelIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := range 10 {
		n, k := 12, 2+trial%3
		atoms := disjointAtoms(rng, n, k)
		x := randCoef(rng, n)
		d, lam, err := DistanceToMaxModel(atoms, x)
		if err != nil {
			t.Fatal(err)
		}
		z, _ := MaxSynthesis(atoms, lam)
		if math.Abs(dist(z, x)-d) > 1e-12 {
			t.Fatalf("trial %d: coefficients give distance %g, formula %g", trial, dist(z, x), d)
		}
		for range 2000 {
			z, _ := MaxSynthesis(atoms, randCoef(rng, k))
			if dist(z, x) < d-1e-12 {
				t.Fatalf("trial %d: a random point of Σ^max at %g is closer than the distance %g", trial, dist(z, x), d)
			}
		}
		if best := minDistanceToMax(t, rng, atoms, x, 16); best < d-1e-9 || best > d+1e-6 {
			t.Errorf("trial %d: compass search reaches %g, formula %g", trial, best, d)
		}
	}
}

// Without Proposition 2's assumptions the inclusion fails in general: overlapping supports, or
// disjoint supports with mixed-sign atoms, give max-combinations off the span.
func TestProposition2NeedsAssumptions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	cases := []struct {
		name  string
		atoms func() *mat.Dense
	}{
		{"overlapping non-negative atoms", func() *mat.Dense {
			a := gaussianAtoms(rng, 20, 4)
			for j := range 20 {
				for i := range 4 {
					a.Set(j, i, math.Abs(a.At(j, i)))
				}
			}
			return a
		}},
		{"disjoint mixed-sign atoms", func() *mat.Dense {
			a := disjointAtoms(rng, 20, 4)
			for i := range 4 { // flip the sign of one entry of each atom
				for j := range 20 {
					if a.At(j, i) != 0 {
						a.Set(j, i, -a.At(j, i))
						break
					}
				}
			}
			return a
		}},
	}
	for _, c := range cases {
		off := 0
		for range 20 {
			atoms := c.atoms()
			if c.name == "disjoint mixed-sign atoms" {
				// Only atoms with at least two entries have both signs after the flip.
				if err := DisjointSameSign(atoms, 0); err == nil {
					continue
				}
			}
			x, _ := MaxSynthesis(atoms, randCoef(rng, 4))
			d, _ := DistanceToSpan(atoms, x)
			if d > 1e-6*(1+dist(x, make([]float64, len(x)))) {
				off++
			}
		}
		if off < 10 {
			t.Errorf("%s: only %d of 20 max-combinations are off the span", c.name, off)
		}
		t.Logf("%s: %d of 20 random max-combinations are not sum-combinations", c.name, off)
	}
	if err := DisjointSameSign(gaussianAtoms(rng, 5, 2), 0); err == nil {
		t.Error("DisjointSameSign accepted Gaussian atoms")
	}
	if _, err := SumCoefficients(gaussianAtoms(rng, 5, 2), []float64{1, 1}); err == nil {
		t.Error("SumCoefficients accepted atoms that break the assumptions")
	}
	if _, err := MaxSynthesis(gaussianAtoms(rng, 5, 2), []float64{1}); err == nil {
		t.Error("MaxSynthesis accepted 1 coefficient for 2 atoms")
	}
	if _, _, err := DistanceToMaxModel(disjointAtoms(rng, 5, 1), make([]float64, 5)); err == nil {
		t.Error("DistanceToMaxModel accepted k = 1")
	}
}
