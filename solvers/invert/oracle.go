package invert

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
)

// Supports returns the supports of the hidden layers of layers = [z, x_1, …, x_L] as index lists
// (entry i for x_i, i = 1 … L−1, by [SupportOf] with the relative threshold; entries 0 and L, the
// latent vector and the image, are nil): the input of [Debias].
func Supports(layers [][]float64, threshold float64) [][]int {
	out := make([][]int, len(layers))
	for i := 1; i < len(layers)-1; i++ {
		out[i] = SupportOf(layers[i], threshold)
	}
	return out
}

// Debias returns the debiased estimate for the frozen supports of the hidden layers (supports as
// from [Supports]: supports[i] lists the non-zero entries of x_i, i = 1 … L−1, len L+1): with
// D_i the 0/1 diagonal selecting supports[i], the network is affine in z,
//
//	W_L·x_{L−1} + b_L = A·z + c,  A = W_L·D_{L−1}·W_{L−1}·…·D_1·W_1,
//
// and ẑ = argmin ‖(A·z + c)[O] − φ_L⁻¹(y[O])‖₂ (O the observed pixels) by least squares: paper
// 001's debiasing step, the joint ("end-to-end") oracle on estimated supports. Estimate.Layers is
// the forward pass of ẑ. The image activation must be invertible.
func Debias(net *Network, y []float64, mask []bool, supports [][]int) (*Estimate, error) {
	const fn = "Debias"
	start := time.Now()
	p, err := newInvProblem(fn, net, y, mask)
	if err != nil {
		return nil, err
	}
	z, err := p.debias(fn, supports)
	if err != nil {
		return nil, err
	}
	est := &Estimate{Method: MethodDebias, Layers: net.Forward(z)}
	p.finish(est, start)
	return est, nil
}

func (p *invProblem) debias(fn string, supports [][]int) ([]float64, error) {
	net := p.net
	L := len(net.Layers)
	if len(supports) != L+1 {
		return nil, fmt.Errorf("invert.%s: %d supports for a %d-layer network; want L+1 = %d (entries 1 … L−1 used)", fn, len(supports), L, L+1)
	}
	target, err := p.invertedTarget(fn)
	if err != nil {
		return nil, err
	}
	n0 := net.LatentSize()
	// m = the affine map's matrix (n_i × n_0), c its offset, through the frozen supports.
	var m *mat.Dense
	c := make([]float64, n0)
	for i := 0; i < L-1; i++ {
		layer := &net.Layers[i]
		out, _ := layer.Dims()
		next := mat.NewDense(out, n0, nil)
		if m == nil {
			next.Copy(layer.W)
		} else {
			next.Mul(layer.W, m)
		}
		nc := net.PreActivation(i, c)
		keep := make([]bool, out)
		for _, j := range supports[i+1] {
			if j < 0 || j >= out {
				return nil, fmt.Errorf("invert.%s: support of layer %d has index %d outside [0, %d)", fn, i+1, j, out)
			}
			keep[j] = true
		}
		for j := range out {
			if !keep[j] {
				row := next.RawRowView(j)
				for k := range row {
					row[k] = 0
				}
				nc[j] = 0
			}
		}
		m, c = next, nc
	}
	last := &net.Layers[L-1]
	a := subMatrix(last.W, p.obs, nil)
	if m != nil {
		var am mat.Dense
		am.Mul(a, m)
		a = &am
	}
	// target = φ⁻¹(y_O) − b_O; subtract W_O·c (c is the zero vector for a one-layer network).
	wc := mat.NewVecDense(len(p.obs), nil)
	wc.MulVec(subMatrix(last.W, p.obs, nil), mat.NewVecDense(len(c), c))
	for k := range target {
		target[k] -= wc.AtVec(k)
	}
	z, err := lstsq(a, target)
	if err != nil {
		return nil, fmt.Errorf("invert.%s: least squares over the frozen supports: %w", fn, err)
	}
	return z, nil
}

// Oracle returns paper 001's Oracle estimate (Algorithm 1 / Appendix B): the supports of the
// hidden layers are taken from truth = net.Forward(z) (the entries > 0), and the values are found
// by restricted least squares layer by layer from the output:
//
//	x̂_{L−1}[S_{L−1}] = argmin ‖W_L[O, S_{L−1}]·v − (φ_L⁻¹(y[O]) − b_L[O])‖₂,
//	x̂_{i−1}[S_{i−1}] = argmin ‖W_i[S_i, S_{i−1}]·v − (x̂_i[S_i] − b_i[S_i])‖₂,  i = L−1 … 2,
//	ẑ = argmin ‖W_1[S_1, :]·v − (x̂_1[S_1] − b_1[S_1])‖₂,
//
// zero off the supports. Its error bound is [OracleErrorBounds]. s is validated but the oracle
// has no parameters. Estimate.Layers holds ẑ, the x̂_i and the image φ_L(W_L·x̂_{L−1} + b_L).
func Oracle(net *Network, y []float64, mask []bool, truth [][]float64, s *Settings) (*Estimate, error) {
	const fn = "Oracle"
	start := time.Now()
	if _, err := s.withDefaults(); err != nil {
		return nil, err
	}
	p, err := newInvProblem(fn, net, y, mask)
	if err != nil {
		return nil, err
	}
	supports, err := truthSupports(fn, net, truth)
	if err != nil {
		return nil, err
	}
	target, err := p.invertedTarget(fn)
	if err != nil {
		return nil, err
	}
	L := len(net.Layers)
	est := &Estimate{Method: MethodOracle, Layers: make([][]float64, L+1)}
	rows := p.obs
	for i := L - 1; i >= 0; i-- {
		layer := &net.Layers[i]
		_, in := layer.Dims()
		var cols []int // nil: all columns (the latent vector is dense)
		if i > 0 {
			cols = supports[i]
		}
		x := make([]float64, in)
		if len(rows) > 0 && (cols == nil || len(cols) > 0) {
			v, err := lstsq(subMatrix(layer.W, rows, cols), target)
			if err != nil {
				return nil, fmt.Errorf("invert.%s: layer %d: %w", fn, i, err)
			}
			if cols == nil {
				copy(x, v)
			} else {
				for a, j := range cols {
					x[j] = v[a]
				}
			}
		}
		est.Layers[i] = x
		if i > 0 {
			rows = cols
			prev := &net.Layers[i-1]
			target = make([]float64, len(rows))
			for a, j := range rows {
				target[a] = x[j] - biasAt(prev, j)
			}
		}
	}
	p.finish(est, start)
	return est, nil
}

// truthSupports returns the supports (entries > 0) of the hidden layers of truth.
func truthSupports(fn string, net *Network, truth [][]float64) ([][]int, error) {
	sizes := net.Sizes()
	if len(truth) != len(sizes) {
		return nil, fmt.Errorf("invert.%s: truth has %d layers; want net.Forward(z)'s %d ([z, x_1, …, x_L])", fn, len(truth), len(sizes))
	}
	for i := range truth {
		if len(truth[i]) != sizes[i] {
			return nil, fmt.Errorf("invert.%s: truth layer %d has %d values; the network's layer %d has %d", fn, i, len(truth[i]), i, sizes[i])
		}
	}
	return Supports(truth, 0), nil
}

// OracleErrorBounds returns the least-squares error bounds of [Oracle] on a noisy measurement:
// with e = φ_L⁻¹(y[O]) − (W_L·x_{L−1} + b_L)[O] the noise in the pre-activation domain and
// preNoise ≥ ‖e‖₂ (for an Identity image layer and additive noise, the noise's norm on the observed
// pixels), the oracle's errors obey
//
//	‖x̂_{L−1} − x_{L−1}‖₂ ≤ preNoise/σ_min(W_L[O, S_{L−1}]),
//	‖x̂_{i−1} − x_{i−1}‖₂ ≤ ‖x̂_i − x_i‖₂/σ_min(W_i[S_i, S_{i−1}])   (S_0 = all of z),
//
// because each step applies the pseudo-inverse of the restricted matrix to the error of the layer
// above. The result has one bound per layer [z, x_1, …, x_{L−1}] and NaN for the image; a
// restricted matrix without full column rank gives +Inf from there down.
func OracleErrorBounds(net *Network, truth [][]float64, mask []bool, preNoise float64) ([]float64, error) {
	const fn = "OracleErrorBounds"
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("invert.%s: %w", fn, err)
	}
	supports, err := truthSupports(fn, net, truth)
	if err != nil {
		return nil, err
	}
	n := net.OutputSize()
	if mask != nil && len(mask) != n {
		return nil, fmt.Errorf("invert.%s: mask has %d entries but the image has %d", fn, len(mask), n)
	}
	var rows []int
	for i := range n {
		if mask == nil || mask[i] {
			rows = append(rows, i)
		}
	}
	L := len(net.Layers)
	out := make([]float64, L+1)
	out[L] = math.NaN()
	bound := preNoise
	for i := L - 1; i >= 0; i-- {
		var cols []int
		if i > 0 {
			cols = supports[i]
		}
		if i > 0 && len(cols) == 0 {
			bound = 0 // an all-zero layer is estimated exactly (as zero)
		} else {
			bound /= minSingularValue(subMatrix(net.Layers[i].W, rows, cols))
		}
		out[i] = bound
		rows = cols
	}
	return out, nil
}

// minSingularValue returns σ_min of a (0 when a is nil or has fewer rows than columns).
func minSingularValue(a *mat.Dense) float64 {
	if a == nil {
		return 0
	}
	r, c := a.Dims()
	if r < c {
		return 0
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDNone) {
		return 0
	}
	v := svd.Values(nil)
	return v[len(v)-1]
}
