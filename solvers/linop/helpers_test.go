package linop

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/models/backend/backendtest"
	"gonum.org/v1/gonum/mat"
)

// Backends are created once per test binary (creating ONNX Runtime environments repeatedly is slow).
func getBackend(t testing.TB, name string) compute.Backend { return backendtest.Get(t, name) }

// forEachBackend runs fn as a subtest for every backend available on this machine.
func forEachBackend(t *testing.T, fn func(t *testing.T, b compute.Backend, name string)) {
	t.Helper()
	backendtest.ForEach(t, fn)
}

func seedOf(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return h.Sum64()
}

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
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

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func norm2(a []float64) float64 { return math.Sqrt(dot(a, a)) }

// batchMatVec returns M·x_k for each of the batch vectors x_k laid out one after the other.
func batchMatVec(m mat.Matrix, x []float64) []float64 {
	r, c := m.Dims()
	batch := len(x) / c
	out := make([]float64, 0, batch*r)
	for k := range batch {
		var y mat.VecDense
		y.MulVec(m, mat.NewVecDense(c, x[k*c:(k+1)*c]))
		out = append(out, y.RawVector().Data...)
	}
	return out
}

// maxAbsDiff returns max|a−b| and max(|a|, |b|, 1e-300).
func maxAbsDiff(a, b []float64) (diff, scale float64) {
	scale = 1e-300
	for i := range a {
		diff = max(diff, math.Abs(a[i]-b[i]))
		scale = max(scale, math.Abs(a[i]), math.Abs(b[i]))
	}
	return diff, scale
}
