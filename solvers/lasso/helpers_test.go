package lasso

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/models/backend/backendtest"
	"gonum.org/v1/gonum/mat"
)

func getBackend(t testing.TB, name string) compute.Backend { return backendtest.Get(t, name) }

// forEachBackend runs fn as a subtest for every backend available on this machine.
func forEachBackend(t *testing.T, fn func(t *testing.T, b compute.Backend)) {
	t.Helper()
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, _ string) { fn(t, b) })
}

// problem is a random LASSO instance: D ∈ ℝ^{m×k} with N(0, 1/m) entries and a batch of signals
// x_b = D·z_b + noise with sparse z_b (non-negative if nonneg).
type problem struct {
	m, k int
	d    *mat.Dense
	x    [][]float64
}

func newProblem(rng *rand.Rand, m, k, batch int, nonneg bool) *problem {
	p := &problem{m: m, k: k, d: mat.NewDense(m, k, nil)}
	for i := range m {
		for j := range k {
			p.d.Set(i, j, rng.NormFloat64()/math.Sqrt(float64(m)))
		}
	}
	for range batch {
		z := make([]float64, k)
		for _, j := range rng.Perm(k)[:max(1, k/8)] {
			z[j] = rng.NormFloat64()
			if nonneg {
				z[j] = math.Abs(z[j])
			}
		}
		x := matVec(p.d, z)
		for i := range x {
			x[i] += 0.05 * rng.NormFloat64()
		}
		p.x = append(p.x, x)
	}
	return p
}

func (p *problem) flatX() []float64 {
	var out []float64
	for _, x := range p.x {
		out = append(out, x...)
	}
	return out
}

func matVec(a mat.Matrix, x []float64) []float64 {
	r, c := a.Dims()
	var y mat.VecDense
	y.MulVec(a, mat.NewVecDense(c, x))
	out := make([]float64, r)
	for i := range r {
		out[i] = y.AtVec(i)
	}
	return out
}

// gradient returns Dᵀ(D·z − x).
func gradient(d *mat.Dense, z, x []float64) []float64 {
	r := matVec(d, z)
	for i := range r {
		r[i] -= x[i]
	}
	return matVec(d.T(), r)
}

// lassoObjective returns ½‖D·z − x‖² + λ‖z‖₁.
func lassoObjective(d *mat.Dense, z, x []float64, lam float64) float64 {
	r := matVec(d, z)
	var s, l1 float64
	for i := range r {
		s += (r[i] - x[i]) * (r[i] - x[i])
	}
	for _, v := range z {
		l1 += math.Abs(v)
	}
	return s/2 + lam*l1
}

// kktViolation returns the largest violation of the LASSO optimality conditions at z, in units of
// λ (see the package documentation): |g_i + λ·sign(z_i)| on the support, max(|g_i| − λ, 0) off it;
// for nonneg, |g_i + λ| where z_i > 0, max(−λ − g_i, 0) where z_i = 0, and −z_i where z_i < 0.
func kktViolation(d *mat.Dense, z, x []float64, lam float64, nonneg bool) float64 {
	g := gradient(d, z, x)
	scale := max(lam, 1e-300)
	var worst float64
	for i, zi := range z {
		var v float64
		switch {
		case nonneg && zi < 0:
			v = -zi
		case nonneg && zi > 0:
			v = math.Abs(g[i] + lam)
		case nonneg:
			v = max(-lam-g[i], 0)
		case zi != 0:
			v = math.Abs(g[i] + math.Copysign(lam, zi))
		default:
			v = max(math.Abs(g[i])-lam, 0)
		}
		worst = max(worst, v/scale)
	}
	return worst
}

// exactLasso solves the LASSO independently of the package: cyclic coordinate descent,
// z_j ← S_λ(d_jᵀ(x − D·z + d_j·z_j))/‖d_j‖² (max(·, 0) for nonneg), until no coordinate moves by
// more than 1e-15 (relative), then, on the support S and signs s found, the exact solution of
// the optimality equations D_SᵀD_S·z_S = D_Sᵀx − λ·s_S (kept if it has the same signs and
// satisfies the conditions better).
func exactLasso(d *mat.Dense, x []float64, lam float64, nonneg bool) []float64 {
	m, k := d.Dims()
	cols := make([][]float64, k)
	norms := make([]float64, k)
	for j := range k {
		cols[j] = make([]float64, m)
		for i := range m {
			cols[j][i] = d.At(i, j)
			norms[j] += cols[j][i] * cols[j][i]
		}
	}
	z := make([]float64, k)
	r := append([]float64(nil), x...)
	var xnorm float64
	for _, v := range x {
		xnorm = max(xnorm, math.Abs(v))
	}
	for sweep := 0; sweep < 200000; sweep++ {
		var moved float64
		for j := range k {
			var rho float64
			for i := range m {
				rho += cols[j][i] * r[i]
			}
			rho += norms[j] * z[j]
			var nz float64
			if nonneg {
				nz = max(rho-lam, 0) / norms[j]
			} else if a := math.Abs(rho) - lam; a > 0 {
				nz = math.Copysign(a, rho) / norms[j]
			}
			if delta := nz - z[j]; delta != 0 {
				for i := range m {
					r[i] -= cols[j][i] * delta
				}
				moved = max(moved, math.Abs(delta)*math.Sqrt(norms[j]))
				z[j] = nz
			}
		}
		if moved <= 1e-15*(1+xnorm) {
			break
		}
	}
	// Polish on the support.
	var support []int
	for j, v := range z {
		if v != 0 {
			support = append(support, j)
		}
	}
	if len(support) == 0 || len(support) > m {
		return z
	}
	ds := mat.NewDense(m, len(support), nil)
	rhs := mat.NewVecDense(len(support), nil)
	for c, j := range support {
		var dx float64
		for i := range m {
			ds.Set(i, c, cols[j][i])
			dx += cols[j][i] * x[i]
		}
		rhs.SetVec(c, dx-math.Copysign(lam, z[j]))
	}
	var gram mat.Dense
	gram.Mul(ds.T(), ds)
	var zs mat.VecDense
	if err := zs.SolveVec(&gram, rhs); err != nil {
		return z
	}
	polished := make([]float64, k)
	for c, j := range support {
		polished[j] = zs.AtVec(c)
		if math.Signbit(polished[j]) != math.Signbit(z[j]) || polished[j] == 0 {
			return z
		}
	}
	if kktViolation(d, polished, x, lam, nonneg) <= kktViolation(d, z, x, lam, nonneg) {
		return polished
	}
	return z
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}
