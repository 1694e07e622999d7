package invert

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestPolishingRemovesTheErrorFloor: with a small FISTA/ADMM budget the first-order solvers
// leave errors that break support detection in the layers below; support polishing finds every
// layer exactly (≥ 200 dB in float64) on the same budget, on the paper's MNIST sizes with 40%
// of the pixels hidden (a square, ill-conditioned image-layer system).
func TestPolishingRemovesTheErrorFloor(t *testing.T) {
	c := recoveryCase{"mnist-sized, 40% hidden", []int{20, 128, 392, 784}, PLU, 0.4, 12}
	net, z, truth, y, mask := c.build()
	if r := CheckUniquenessMasked(net, z, mask); !r.Unique {
		t.Fatalf("the test network should satisfy the uniqueness conditions:\n%s", r)
	}
	for _, p := range pursuits {
		budget := Settings{FISTAIterations: 200, ADMMIterations: 200}
		raw := budget
		raw.NoPolish = true
		estRaw, err := p.fn(net, y, mask, &raw)
		if err != nil {
			t.Fatal(err)
		}
		est, err := p.fn(net, y, mask, &budget)
		if err != nil {
			t.Fatal(err)
		}
		snrRaw, snr := LayerSNR(truth, estRaw.Layers), LayerSNR(truth, est.Layers)
		t.Logf("%s: SNR without polishing %.0f dB, with %.0f dB", p.name, snrRaw, snr)
		for i := range snr {
			if !(snr[i] >= 200) {
				t.Errorf("%s: layer %d SNR %.1f dB with polishing, want ≥ 200", p.name, i, snr[i])
			}
		}
		if snrRaw[0] >= 200 {
			t.Errorf("%s: without polishing the latent SNR is already %.1f dB; the test does not exercise polishing", p.name, snrRaw[0])
		}
	}
}

// TestPolishLayer: the restricted solve zeroes spurious support entries, falls back to all the
// columns when the support misses one, and leaves the estimate alone when the restricted system
// is under-determined or its solution is negative.
func TestPolishLayer(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const m, n = 30, 20
	k := mat.NewDense(m, n, nil)
	for i := range m {
		for j := range n {
			k.Set(i, j, rng.NormFloat64())
		}
	}
	truth := make([]float64, n)
	for _, j := range []int{1, 4, 7, 11} {
		truth[j] = 1 + rng.Float64()
	}
	rows := indexRange(m)
	rhs := func(x []float64) []float64 {
		out := make([]float64, m)
		mat.NewVecDense(m, out).MulVec(k, mat.NewVecDense(n, x))
		return out
	}
	tt := rhs(truth)
	noisy := func(spurious []int, drop int) []float64 {
		x := append([]float64(nil), truth...)
		for j := range x {
			if x[j] > 0 {
				x[j] += 1e-4 * rng.NormFloat64()
			}
		}
		for _, j := range spurious {
			x[j] = 1e-3
		}
		if drop >= 0 {
			x[drop] = 0
		}
		return x
	}
	maxErr := func(x []float64) float64 {
		var e float64
		for j := range x {
			e = max(e, abs(x[j]-truth[j]))
		}
		return e
	}
	for _, c := range []struct {
		name      string
		x         []float64
		rows      []int
		wantExact bool
	}{
		{"right support", noisy(nil, -1), rows, true},
		{"spurious entries", noisy([]int{2, 3}, -1), rows, true},
		{"missed entry, tall system", noisy(nil, 4), rows, true},
		{"missed entry, wide system", noisy(nil, 4), rows[:12], false},
	} {
		got := polishLayer(k, c.rows, subVec(tt, c.rows), nil, nil, c.x, 0.01, true, false)
		if e := maxErr(got); c.wantExact && e > 1e-10 {
			t.Errorf("%s: max error %g after polishing, want exact", c.name, e)
		} else if !c.wantExact && maxErr(got) != maxErr(c.x) {
			t.Errorf("%s: polishing changed an estimate it cannot improve (error %g → %g)", c.name, maxErr(c.x), e)
		}
	}
	// A right-hand side whose least-squares solution is negative is rejected.
	neg := make([]float64, n)
	neg[3] = -1
	x := append([]float64(nil), neg...)
	x[3] = 0.5
	if got := polishLayer(k, rows, rhs(neg), nil, nil, x, 0.01, true, false); got[3] != 0.5 {
		t.Errorf("a negative restricted solution was accepted: %g", got[3])
	}
}

func subVec(v []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for a, i := range idx {
		out[a] = v[i]
	}
	return out
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
