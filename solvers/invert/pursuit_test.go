package invert

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sparselab/sparselab/solvers/admm"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// recoveryCase is a seeded random generator and measurement.
type recoveryCase struct {
	name  string
	sizes []int
	last  Activation
	hide  float64 // fraction of pixels hidden by a random mask
	seed  uint64
}

func (c recoveryCase) build() (net *Network, z []float64, truth [][]float64, y []float64, mask []bool) {
	rng := rand.New(rand.NewPCG(c.seed, 0x001))
	net = RandomNetwork(rng, c.sizes, c.last)
	z = RandomLatent(rng, c.sizes[0])
	truth = net.Forward(z)
	y = truth[len(truth)-1]
	if c.hide > 0 {
		mask = make([]bool, len(y))
		for i := range mask {
			mask[i] = rng.Float64() >= c.hide
		}
	}
	return
}

type inverter func(*Network, []float64, []bool, *Settings) (*Estimate, error)

var pursuits = []struct {
	name string
	fn   inverter
}{
	{"layered-bp", LayeredBasisPursuit},
	{"latent-pursuit", LatentPursuit},
}

// TestExactRecovery: on random generators that satisfy the uniqueness conditions, both layer-wise
// pursuits recover every layer (SNR ≥ 60 dB), with and without debiasing (paper 001, Corollary 2
// and Figure 4's middle segment).
func TestExactRecovery(t *testing.T) {
	cases := []recoveryCase{
		{"2 layers identity", []int{10, 100, 300}, Identity, 0, 1},
		{"2 layers identity, 30% hidden", []int{10, 100, 300}, Identity, 0.3, 2},
		{"2 layers plu", []int{10, 100, 300}, PLU, 0, 3},
		{"2 layers plu, 30% hidden", []int{10, 100, 300}, PLU, 0.3, 4},
		{"2 layers tanh", []int{10, 100, 300}, Tanh, 0, 5},
		{"2 layers tanh, 30% hidden", []int{10, 100, 300}, Tanh, 0.3, 6},
		{"3 layers identity", []int{10, 60, 200, 500}, Identity, 0, 7},
		{"3 layers plu, 20% hidden", []int{10, 60, 200, 500}, PLU, 0.2, 8},
	}
	for _, c := range cases {
		net, z, truth, y, mask := c.build()
		if r := CheckUniquenessMasked(net, z, mask); !r.Unique {
			t.Fatalf("%s: the test network should satisfy the uniqueness conditions:\n%s", c.name, r)
		}
		for _, p := range pursuits {
			for _, debias := range []bool{false, true} {
				est, err := p.fn(net, y, mask, &Settings{Debias: debias})
				if err != nil {
					t.Fatalf("%s %s: %v", c.name, p.name, err)
				}
				snr := LayerSNR(truth, est.Layers)
				for i, v := range snr {
					if !(v >= 60) {
						t.Errorf("%s %s (debias %v): layer %d SNR %.1f dB < 60 (all %.1f)", c.name, p.name, debias, i, v, snr)
					}
				}
				if est.Residual > 1e-3*floats.Norm(y, 2) { // 60 dB
					t.Errorf("%s %s: residual %g", c.name, p.name, est.Residual)
				}
				if est.Method != p.name || est.Iterations <= 0 || len(est.Layers) != len(truth) {
					t.Errorf("%s %s: method %q, %d iterations, %d layers", c.name, p.name, est.Method, est.Iterations, len(est.Layers))
				}
			}
		}
	}
}

// TestFailureBelowUniqueness: with a hidden width n_1 = 12 < 2·n_0 the hidden layer has about n_1/2 <
// n_0 non-zeros, the latent vector is not determined (Corollary 1 fails) and no method recovers
// it: the latent SNR stays low (Figure 4's first segment), while the hidden layer, which is still
// unique, is recovered.
func TestFailureBelowUniqueness(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		c := recoveryCase{"narrow", []int{10, 12, 300}, Identity, 0, seed}
		net, z, truth, y, mask := c.build()
		r := CheckUniqueness(net, z)
		if r.Unique || r.Conditions[len(r.Conditions)-1].Holds {
			t.Fatalf("seed %d: the latent condition should fail:\n%s", seed, r)
		}
		for _, p := range pursuits {
			est, err := p.fn(net, y, mask, nil)
			if err != nil {
				t.Fatal(err)
			}
			snr := LayerSNR(truth, est.Layers)
			if snr[0] > 30 {
				t.Errorf("seed %d %s: latent SNR %.1f dB; a non-unique inversion should not recover z", seed, p.name, snr[0])
			}
			if snr[1] < 60 {
				t.Errorf("seed %d %s: hidden-layer SNR %.1f dB; x_1 is unique and should be recovered", seed, p.name, snr[1])
			}
		}
	}
}

// TestMNISTSized: both pursuits invert a 20→128→392→784 generator (the paper's MNIST
// architecture) exactly; their run time is logged (speed belongs in benchmarks, not tests).
func TestMNISTSized(t *testing.T) {
	c := recoveryCase{"mnist-sized", []int{20, 128, 392, 784}, PLU, 0, 9}
	net, _, truth, y, _ := c.build()
	for _, p := range pursuits {
		est, err := p.fn(net, y, nil, &Settings{Debias: true})
		if err != nil {
			t.Fatal(err)
		}
		snr := LayerSNR(truth, est.Layers)
		t.Logf("%s: %v, %d iterations, SNR %.0f dB", p.name, est.Duration, est.Iterations, snr)
		if snr[0] < 60 {
			t.Errorf("%s: latent SNR %.1f dB", p.name, snr[0])
		}
	}
}

// TestFISTAMonotoneAndOptimal: the image-layer FISTA never increases its objective, and on an
// Identity layer (a non-negative LASSO) it reaches the optimum found independently by the ADMM
// package.
func TestFISTAMonotoneAndOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	for _, act := range []Activation{Identity, PLU, Tanh} {
		net := RandomNetwork(rng, []int{5, 40, 60}, act)
		layer := &net.Layers[1]
		y := make([]float64, 60)
		for i := range y {
			y[i] = 0.5 * math.Tanh(rng.NormFloat64()) // any target in (−1, 1)
		}
		fp := newFISTAProblem(layer, layer.W, indexRange(60), y, true)
		fp.lambda = 0.05 * fp.lambdaMax()
		res := fp.solve(3000, 1e-12)
		for k := 1; k < len(res.objective); k++ {
			if res.objective[k] > res.objective[k-1] {
				t.Fatalf("%s: objective increased at iteration %d: %g → %g", act, k, res.objective[k-1], res.objective[k])
			}
		}
		if !(res.objective[len(res.objective)-1] < 0.9*res.objective[0]) {
			t.Errorf("%s: objective %g → %g did not decrease", act, res.objective[0], res.objective[len(res.objective)-1])
		}
		for _, v := range res.x {
			if v < 0 {
				t.Fatalf("%s: negative entry %g", act, v)
			}
		}
		if act != Identity {
			continue
		}
		ref, err := admm.Solve(layer.W, admm.L1{Lambda: fp.lambda, NonNegative: true}, admm.HalfSquare{Center: y},
			&admm.Settings{Iterations: 50000, Tolerance: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		if d := floats.Distance(res.x, ref.X, 2); d > 1e-6*floats.Norm(ref.X, 2) {
			t.Errorf("FISTA and ADMM disagree on the non-negative LASSO: ‖Δx‖ = %g", d)
		}
	}
}

func TestPursuitErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	net := RandomNetwork(rng, []int{3, 10, 20}, Identity)
	y := net.Generate(RandomLatent(rng, 3))
	reluNet := RandomNetwork(rng, []int{3, 10, 20}, ReLU)
	hidden := make([]bool, 20)
	for _, p := range append(pursuits, struct {
		name string
		fn   inverter
	}{"oracle", func(n *Network, y []float64, m []bool, s *Settings) (*Estimate, error) {
		var truth [][]float64
		if n.Validate() == nil {
			truth = n.Forward(make([]float64, n.LatentSize()))
		}
		return Oracle(n, y, m, truth, s)
	}}) {
		for _, c := range []struct {
			name string
			net  *Network
			y    []float64
			mask []bool
			s    *Settings
			want string
		}{
			{"short y", net, y[:5], nil, nil, "measurement has 5 values"},
			{"mask length", net, y, make([]bool, 3), nil, "mask has 3 entries"},
			{"all hidden", net, y, hidden, nil, "hides every pixel"},
			{"negative setting", net, y, nil, &Settings{Rho: -1}, "Settings.Rho"},
			{"relu image", reluNet, y, nil, nil, "relu"},
			{"empty network", &Network{}, y, nil, nil, "no layers"},
		} {
			_, err := p.fn(c.net, c.y, c.mask, c.s)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s, %s: error %v, want one containing %q", p.name, c.name, err, c.want)
			}
		}
	}
}

func TestSupportOfAndLstsq(t *testing.T) {
	if got := SupportOf([]float64{0, 1e-6, 0.5, -2, 1}, 1e-3); len(got) != 2 || got[0] != 2 || got[1] != 4 {
		t.Errorf("SupportOf = %v, want [2 4]", got)
	}
	if got := SupportOf([]float64{0, 1e-6, 0.5}, 0); len(got) != 2 {
		t.Errorf("SupportOf with threshold 0 = %v, want [1 2]", got)
	}
	// Rank-deficient: the minimum-norm least-squares solution.
	a := mat.NewDense(3, 2, []float64{1, 1, 1, 1, 1, 1})
	x, err := lstsq(a, []float64{2, 2, 2})
	if err != nil || math.Abs(x[0]-1) > 1e-12 || math.Abs(x[1]-1) > 1e-12 {
		t.Errorf("lstsq rank-deficient = %v, %v; want [1 1]", x, err)
	}
	// Wide: minimum norm.
	x, err = lstsq(mat.NewDense(1, 2, []float64{3, 4}), []float64{25})
	if err != nil || math.Abs(x[0]-3) > 1e-12 || math.Abs(x[1]-4) > 1e-12 {
		t.Errorf("lstsq wide = %v, %v; want [3 4]", x, err)
	}
}

// TestOneLayerNetwork: with no hidden layer both pursuits reduce to fitting z directly.
func TestOneLayerNetwork(t *testing.T) {
	c := recoveryCase{"one layer", []int{8, 30}, Tanh, 0, 14}
	net, _, truth, y, _ := c.build()
	for _, p := range pursuits {
		est, err := p.fn(net, y, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if snr := SNR(truth[0], est.Layers[0]); snr < 60 {
			t.Errorf("%s: SNR %.1f dB", p.name, snr)
		}
	}
}
