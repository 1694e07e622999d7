package invert

import (
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func denseLayer(rows, cols int, act Activation, data ...float64) Layer {
	return Layer{W: mat.NewDense(rows, cols, data), Act: act}
}

// TestCheckUniquenessHandBuilt checks cardinalities and verdicts on small networks whose
// activations are known by hand.
func TestCheckUniquenessHandBuilt(t *testing.T) {
	// n_0 = 2 → 4 → image; x_1 = ReLU(±z).
	w1 := denseLayer(4, 2, ReLU, 1, 0, 0, 1, -1, 0, 0, -1)
	image := func(m int) Layer {
		data := make([]float64, m*4)
		for i := range data {
			data[i] = float64((i*7)%5) - 2
		}
		return denseLayer(m, 4, Identity, data...)
	}
	// Three layers: n_0 = 1 → 2 → 4 → 8.
	deepW1 := denseLayer(2, 1, ReLU, 1, -1)
	doubling := denseLayer(4, 2, ReLU, 1, 0, 1, 0, 0, 1, -1, 0) // x_2 = (1, 1, 0, 0) from x_1 = (1, 0)
	flat := denseLayer(4, 2, ReLU, 1, 0, -1, 0, 0, 1, 0, 1)     // x_2 = (1, 0, 0, 0)
	deepImage := image(8)
	deepImage.W = mat.NewDense(8, 4, nil)
	for i := range 8 {
		deepImage.W.Set(i, i%4, 1)
	}
	for _, c := range []struct {
		name      string
		net       *Network
		z         []float64
		mask      []bool
		card      []int
		holds     []bool // image layer … latent
		unique    bool
		statement string // part of one condition's statement
	}{
		{"2 layers, all hold", &Network{Layers: []Layer{w1, image(4)}}, []float64{1, 1}, nil,
			[]int{2, 2, 4}, []bool{true, true}, true, "m ≥ 2·s_1: 4 ≥ 4"},
		{"2 layers, too few pixels", &Network{Layers: []Layer{w1, image(3)}}, []float64{1, 1}, nil,
			[]int{2, 2, 3}, []bool{false, true}, false, "m ≥ 2·s_1: 3 ≥ 4"},
		{"2 layers, mask", &Network{Layers: []Layer{w1, image(4)}}, []float64{1, -1}, []bool{true, true, false, true},
			[]int{2, 2, 3}, []bool{false, true}, false, "3 ≥ 4"},
		{"2 layers, full column rank", &Network{Layers: []Layer{denseLayer(4, 2, ReLU, 1, 0, 0, 1, 1, 1, -1, -1), image(4)}}, []float64{1, 1}, nil,
			[]int{2, 3, 4}, []bool{true, true}, true, "m ≥ n_1 (full column rank): 4 ≥ 4"},
		{"2 layers, sparse x_1", &Network{Layers: []Layer{w1, image(4)}}, []float64{1, 0}, nil,
			[]int{2, 1, 4}, []bool{true, false}, false, "s_1 ≥ n_0: 1 ≥ 2 (rank 1)"},
		{"2 layers, enough non-zeros but rank 1", &Network{Layers: []Layer{denseLayer(4, 2, ReLU, 1, 1, 2, 2, -1, -1, 3, 3), image(8)}},
			[]float64{1, 1}, nil, []int{2, 3, 8}, []bool{true, false}, false, "s_1 ≥ n_0: 3 ≥ 2 (rank 1)"},
		{"3 layers, doubling", &Network{Layers: []Layer{deepW1, doubling, deepImage}}, []float64{1}, nil,
			[]int{1, 1, 2, 8}, []bool{true, true, true}, true, "s_2 ≥ 2·s_1: 2 ≥ 2"},
		{"3 layers, no expansion", &Network{Layers: []Layer{deepW1, flat, deepImage}}, []float64{1}, nil,
			[]int{1, 1, 1, 8}, []bool{true, false, true}, false, "s_2 ≥ 2·s_1: 1 ≥ 2"},
		{"1 layer", &Network{Layers: []Layer{denseLayer(3, 2, Tanh, 1, 0, 0, 1, 1, 1)}}, []float64{1, -1}, nil,
			[]int{2, 3}, []bool{true}, true, "m ≥ n_0: 3 ≥ 2 (rank 2)"},
	} {
		r := CheckUniquenessMasked(c.net, c.z, c.mask)
		if !slices.Equal(r.Cardinalities, c.card) {
			t.Errorf("%s: cardinalities %v, want %v", c.name, r.Cardinalities, c.card)
		}
		var holds []bool
		for _, cond := range r.Conditions {
			holds = append(holds, cond.Holds)
		}
		if !slices.Equal(holds, c.holds) || r.Unique != c.unique {
			t.Errorf("%s: conditions %v unique %v, want %v %v\n%s", c.name, holds, r.Unique, c.holds, c.unique, r)
		}
		if !strings.Contains(r.String(), c.statement) {
			t.Errorf("%s: report lacks %q:\n%s", c.name, c.statement, r)
		}
		verdict := "verdict: unique"
		if !c.unique {
			verdict = "verdict: uniqueness not guaranteed"
		}
		if !strings.Contains(r.String(), verdict) || strings.Contains(r.String(), "FAILS") == c.unique {
			t.Errorf("%s: table verdict wrong:\n%s", c.name, r)
		}
	}
}

func TestCheckUniquenessPanics(t *testing.T) {
	net := &Network{Layers: []Layer{denseLayer(3, 2, Identity, 1, 0, 0, 1, 1, 1)}}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"short z", func() { CheckUniqueness(net, []float64{1}) }},
		{"bad mask", func() { CheckUniquenessMasked(net, []float64{1, 1}, []bool{true}) }},
		{"empty network", func() { CheckUniqueness(&Network{}, nil) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}
