package solvers

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

// blobs returns n h×w images in [0, 1], each the clipped sum of three random Gaussian blobs.
func blobs(rng *rand.Rand, n, h, w int) []float64 {
	out := make([]float64, 0, n*h*w)
	for range n {
		img := make([]float64, h*w)
		for range 3 {
			ci, cj := rng.Float64()*float64(h), rng.Float64()*float64(w)
			s := 1.5 + 3*rng.Float64()
			a := 0.5 + 0.5*rng.Float64()
			for i := range h {
				for j := range w {
					d := (float64(i)-ci)*(float64(i)-ci) + (float64(j)-cj)*(float64(j)-cj)
					img[i*w+j] += a * math.Exp(-d/(2*s*s))
				}
			}
		}
		for i := range img {
			img[i] = min(img[i], 1)
		}
		out = append(out, img...)
	}
	return out
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func matVec(m mat.Matrix, x []float64) []float64 {
	r, _ := m.Dims()
	var y mat.VecDense
	y.MulVec(m, mat.NewVecDense(len(x), x))
	out := make([]float64, r)
	for i := range out {
		out[i] = y.AtVec(i)
	}
	return out
}

func norm2(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// lowRankClamp is a nonlinear "projector" for tests: x ↦ clamp(U·Uᵀ·x, 0, 1) for an orthonormal
// basis U of a random rank-r subspace of ℝⁿ.
type lowRankClamp struct {
	u *mat.Dense // n×r
}

func newLowRankClamp(rng *rand.Rand, n, r int) *lowRankClamp {
	g := mat.NewDense(n, r, nil)
	for i := range n {
		for j := range r {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return &lowRankClamp{u: mat.DenseCopyOf(q.Slice(0, n, 0, r))}
}

func (p *lowRankClamp) project64(x []float64) []float64 {
	c := matVec(p.u.T(), x)
	y := matVec(p.u, c)
	for i := range y {
		y[i] = min(max(y[i], 0), 1)
	}
	return y
}

// Project implements Projector image by image.
func (p *lowRankClamp) Project(x []float32, shape []int) ([]float32, error) {
	n, _ := p.u.Dims()
	out := make([]float32, 0, len(x))
	for i := 0; i < shape[0]; i++ {
		out = append(out, toF32(p.project64(toF64(x[i*n:(i+1)*n])))...)
	}
	return out, nil
}
