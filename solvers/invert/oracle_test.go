package invert

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// TestOracleExactOnCleanData: with the true supports, restricted least squares recovers every
// layer of a clean measurement to rounding, with and without a mask, for every invertible image
// activation and for non-zero biases.
func TestOracleExactOnCleanData(t *testing.T) {
	for _, c := range []recoveryCase{
		{"identity", []int{10, 100, 300}, Identity, 0, 21},
		{"plu, 50% hidden", []int{10, 100, 300}, PLU, 0.5, 22},
		{"tanh, 3 layers", []int{10, 60, 200, 500}, Tanh, 0, 23},
	} {
		net, _, _, _, mask := c.build()
		rng := rand.New(rand.NewPCG(c.seed, 99))
		for i := range net.Layers {
			out, _ := net.Layers[i].Dims()
			net.Layers[i].B = make([]float64, out)
			for j := range out {
				net.Layers[i].B[j] = 0.1 * rng.NormFloat64()
			}
		}
		z := RandomLatent(rng, c.sizes[0])
		truth := net.Forward(z)
		y := truth[len(truth)-1]
		est, err := Oracle(net, y, mask, truth, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range LayerSNR(truth, est.Layers) {
			if v < 150 {
				t.Errorf("%s: layer %d SNR %.1f dB < 150", c.name, i, v)
			}
		}
		if est.Method != "oracle" {
			t.Errorf("method %q", est.Method)
		}
		// The pursuits with biases too.
		for _, p := range pursuits {
			est, err := p.fn(net, y, mask, &Settings{Debias: true})
			if err != nil {
				t.Fatal(err)
			}
			if snr := SNR(z, est.Layers[0]); snr < 60 {
				t.Errorf("%s with biases, %s: latent SNR %.1f dB", c.name, p.name, snr)
			}
		}
	}
}

// TestOracleNoisyBound: on y = G(z) + e with an Identity image layer, the oracle's error in every
// layer obeys the least-squares bound ‖x̂ − x‖ ≤ ‖e_O‖/σ_min(W restricted) (composed down the
// layers), and the first bound is nearly attained in order of magnitude (it is not vacuous).
func TestOracleNoisyBound(t *testing.T) {
	for _, c := range []recoveryCase{
		{"2 layers", []int{10, 100, 300}, Identity, 0, 31},
		{"3 layers, 30% hidden", []int{10, 60, 200, 500}, Identity, 0.3, 32},
	} {
		net, _, truth, clean, mask := c.build()
		rng := rand.New(rand.NewPCG(c.seed, 7))
		y := append([]float64(nil), clean...)
		var e2 float64
		for i := range y {
			e := 0.01 * rng.NormFloat64()
			y[i] += e
			if mask == nil || mask[i] {
				e2 += e * e
			}
		}
		bounds, err := OracleErrorBounds(net, truth, mask, math.Sqrt(e2))
		if err != nil {
			t.Fatal(err)
		}
		est, err := Oracle(net, y, mask, truth, nil)
		if err != nil {
			t.Fatal(err)
		}
		L := len(net.Layers)
		if !math.IsNaN(bounds[L]) {
			t.Errorf("%s: image bound %g, want NaN", c.name, bounds[L])
		}
		for i := 0; i < L; i++ {
			err := floats.Distance(est.Layers[i], truth[i], 2)
			if err > bounds[i] {
				t.Errorf("%s: layer %d error %g exceeds the bound %g", c.name, i, err, bounds[i])
			}
			if i == L-1 && err < bounds[i]/100 {
				t.Errorf("%s: layer %d error %g is far below the bound %g: bound or test wrong", c.name, i, err, bounds[i])
			}
			t.Logf("%s: layer %d error %.3g ≤ bound %.3g", c.name, i, err, bounds[i])
		}
	}
}

// TestDebias: freezing the true supports, the joint least squares recovers z exactly; wrong
// supports give a wrong z; malformed supports are errors.
func TestDebias(t *testing.T) {
	c := recoveryCase{"debias", []int{10, 60, 200, 500}, PLU, 0.2, 41}
	net, z, truth, y, mask := c.build()
	est, err := Debias(net, y, mask, Supports(truth, 0))
	if err != nil {
		t.Fatal(err)
	}
	if snr := SNR(z, est.Layers[0]); snr < 150 {
		t.Errorf("debias with the true supports: latent SNR %.1f dB", snr)
	}
	if est.Residual > 1e-9*floats.Norm(y, 2) {
		t.Errorf("residual %g", est.Residual)
	}
	wrong := Supports(truth, 0)
	wrong[1] = wrong[1][:len(wrong[1])/2]
	est, err = Debias(net, y, mask, wrong)
	if err != nil {
		t.Fatal(err)
	}
	if snr := SNR(z, est.Layers[0]); snr > 40 {
		t.Errorf("debias with half of x_1's support dropped: latent SNR %.1f dB, want a poor fit", snr)
	}
	for _, bad := range []struct {
		name     string
		supports [][]int
		want     string
	}{
		{"too few", [][]int{nil, nil}, "want L+1"},
		{"out of range", [][]int{nil, {1000}, nil, nil}, "outside"},
	} {
		if _, err := Debias(net, y, mask, bad.supports); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want one containing %q", bad.name, err, bad.want)
		}
	}
	if _, err := Oracle(net, y, mask, truth[:2], nil); err == nil || !strings.Contains(err.Error(), "truth has 2 layers") {
		t.Errorf("short truth: %v", err)
	}
}
