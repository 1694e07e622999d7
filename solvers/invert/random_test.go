package invert

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func TestRandomNetwork(t *testing.T) {
	sizes := []int{50, 400, 300, 200}
	net := RandomNetwork(rand.New(rand.NewPCG(1, 2)), sizes, Tanh)
	if err := net.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(net.Sizes(), sizes) {
		t.Fatalf("sizes %v, want %v", net.Sizes(), sizes)
	}
	for i, l := range net.Layers {
		wantAct, wantVar := ReLU, 2/float64(sizes[i])
		if i == len(net.Layers)-1 {
			wantAct, wantVar = Tanh, 1/float64(sizes[i])
		}
		if l.Act != wantAct || l.B != nil {
			t.Errorf("layer %d: activation %s bias %v, want %s and no bias", i, l.Act, l.B, wantAct)
		}
		data := l.W.RawMatrix().Data
		mean, variance := stat.MeanVariance(data, nil)
		se := wantVar * math.Sqrt(2/float64(len(data))) // standard error of the sample variance
		if math.Abs(mean) > 5*math.Sqrt(wantVar/float64(len(data))) || math.Abs(variance-wantVar) > 5*se {
			t.Errorf("layer %d: mean %g variance %g, want 0 and %g", i, mean, variance, wantVar)
		}
	}
	again := RandomNetwork(rand.New(rand.NewPCG(1, 2)), sizes, Tanh)
	if !mat.Equal(net.Layers[1].W, again.Layers[1].W) {
		t.Error("the same seed gave different weights")
	}
	// He scaling: hidden entries have E[x²] ≈ 1 and image pre-activations ≈ N(0, 1).
	rng := rand.New(rand.NewPCG(3, 4))
	var hidden, pre []float64
	for range 20 {
		acts := net.Forward(RandomLatent(rng, sizes[0]))
		for _, v := range acts[2] {
			hidden = append(hidden, v*v)
		}
		pre = append(pre, net.PreActivation(2, acts[2])...)
	}
	if m := stat.Mean(hidden, nil); math.Abs(m-1) > 0.3 {
		t.Errorf("E[x_2²] = %g, want ≈ 1", m)
	}
	if v := stat.Variance(pre, nil); math.Abs(v-1) > 0.3 {
		t.Errorf("image pre-activation variance %g, want ≈ 1", v)
	}
}

func TestRandomLatent(t *testing.T) {
	z := RandomLatent(rand.New(rand.NewPCG(5, 6)), 20000)
	mean, variance := stat.MeanVariance(z, nil)
	if math.Abs(mean) > 0.03 || math.Abs(variance-1) > 0.05 {
		t.Errorf("mean %g variance %g, want 0 and 1", mean, variance)
	}
}

func TestRandomNetworkPanics(t *testing.T) {
	for _, sizes := range [][]int{{5}, {5, 0, 3}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("sizes %v: no panic", sizes)
				}
			}()
			RandomNetwork(rand.New(rand.NewPCG(1, 1)), sizes, Identity)
		}()
	}
}
