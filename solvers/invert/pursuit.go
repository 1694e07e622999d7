package invert

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sparselab/sparselab/solvers/admm"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Defaults of [Settings] (the paper leaves these choices open; see the package documentation).
const (
	// DefaultSupportThreshold: an entry of an estimated hidden layer counts as non-zero when it
	// exceeds 1e-4 times the layer's largest entry.
	DefaultSupportThreshold = 1e-4
	// DefaultLambdaRatio is λ of Latent-Pursuit's image layer as a fraction of
	// λ_max = ‖∇F(0)‖_∞ (the smallest λ for which x = 0 is optimal).
	DefaultLambdaRatio = 1e-7
	// DefaultFISTAIterations and DefaultFISTATolerance bound Latent-Pursuit's image-layer FISTA;
	// it stops when the gradient-mapping step ‖x_k − y_k‖₂ falls below the tolerance times ‖x_k‖₂.
	DefaultFISTAIterations = 5000
	DefaultFISTATolerance  = 1e-10
	// DefaultADMMIterations and DefaultADMMTolerance bound every linearized-ADMM layer solve
	// (Settings.ADMMTolerance is admm.Settings.Tolerance).
	DefaultADMMIterations = 5000
	DefaultADMMTolerance  = 1e-9
	// DefaultRho is ρ̃, the scale-free ADMM parameter (package documentation): the solver runs
	// with ρ = ρ̃·σ·‖K‖₂/λ for an ℓ1 objective and ρ = ρ̃·‖K‖₂² for the Gaussian ½‖z‖²,
	// σ = ‖right-hand side‖_∞.
	DefaultRho = 0.1
)

// Settings configures [LayeredBasisPursuit], [LatentPursuit] and [Oracle]; zero values mean the
// documented defaults.
type Settings struct {
	// SupportThreshold is the relative threshold τ of support detection: S = {j : x̂_j > τ·‖x̂‖_∞};
	// 0 means DefaultSupportThreshold (1e-4).
	SupportThreshold float64
	// LambdaRatio is λ/λ_max of Latent-Pursuit's image layer; 0 means DefaultLambdaRatio (1e-7).
	LambdaRatio float64
	// FISTAIterations and FISTATolerance bound the image-layer FISTA of Latent-Pursuit; 0 means
	// DefaultFISTAIterations (5000) and DefaultFISTATolerance (1e-10).
	FISTAIterations int
	FISTATolerance  float64
	// ADMMIterations and ADMMTolerance bound each linearized-ADMM layer solve; 0 means
	// DefaultADMMIterations (5000) and DefaultADMMTolerance (1e-9).
	ADMMIterations int
	ADMMTolerance  float64
	// Rho is the scale-free ADMM parameter ρ̃; 0 means DefaultRho (0.1).
	Rho float64
	// Debias adds the final debiasing step: the supports of x̂_1 … x̂_{L−1} found are frozen and ẑ
	// is refitted by least squares through the whole network ([Debias]).
	Debias bool
	// NoPolish turns off support polishing: by default every layer estimate of either pursuit is
	// refined by solving its equations exactly on the detected support when that restricted
	// problem has one solution and the result fits better (package documentation).
	NoPolish bool
}

func (s *Settings) withDefaults() (Settings, error) {
	var c Settings
	if s != nil {
		c = *s
	}
	for _, v := range []struct {
		name string
		val  float64
	}{{"SupportThreshold", c.SupportThreshold}, {"LambdaRatio", c.LambdaRatio}, {"FISTATolerance", c.FISTATolerance},
		{"ADMMTolerance", c.ADMMTolerance}, {"Rho", c.Rho}} {
		if v.val < 0 || math.IsNaN(v.val) || math.IsInf(v.val, 0) {
			return c, fmt.Errorf("invert: Settings.%s = %g must be finite and ≥ 0 (0 for the default)", v.name, v.val)
		}
	}
	if c.FISTAIterations < 0 || c.ADMMIterations < 0 {
		return c, fmt.Errorf("invert: Settings.FISTAIterations = %d and ADMMIterations = %d must be ≥ 0 (0 for the default)", c.FISTAIterations, c.ADMMIterations)
	}
	def := func(p *float64, d float64) {
		if *p == 0 {
			*p = d
		}
	}
	def(&c.SupportThreshold, DefaultSupportThreshold)
	def(&c.LambdaRatio, DefaultLambdaRatio)
	def(&c.FISTATolerance, DefaultFISTATolerance)
	def(&c.ADMMTolerance, DefaultADMMTolerance)
	def(&c.Rho, DefaultRho)
	if c.FISTAIterations == 0 {
		c.FISTAIterations = DefaultFISTAIterations
	}
	if c.ADMMIterations == 0 {
		c.ADMMIterations = DefaultADMMIterations
	}
	return c, nil
}

// invProblem is a validated inversion problem: the network, the observed pixel indices and their
// measured values.
type invProblem struct {
	net *Network
	obs []int     // observed pixel indices
	yO  []float64 // y on obs
}

func newInvProblem(fn string, net *Network, y []float64, mask []bool) (*invProblem, error) {
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("invert.%s: %w", fn, err)
	}
	n := net.OutputSize()
	if len(y) != n {
		return nil, fmt.Errorf("invert.%s: measurement has %d values but the network's image has %d (pass the full image; unobserved pixels are ignored)", fn, len(y), n)
	}
	if mask != nil && len(mask) != n {
		return nil, fmt.Errorf("invert.%s: mask has %d entries but the image has %d (nil observes every pixel)", fn, len(mask), n)
	}
	p := &invProblem{net: net}
	for i := range n {
		if mask == nil || mask[i] {
			p.obs = append(p.obs, i)
			p.yO = append(p.yO, y[i])
		}
	}
	if len(p.obs) == 0 {
		return nil, fmt.Errorf("invert.%s: the mask hides every pixel; nothing to invert", fn)
	}
	for _, v := range p.yO {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("invert.%s: the measurement has a non-finite observed value %g", fn, v)
		}
	}
	return p, nil
}

// invertedTarget returns φ_L⁻¹(y_O) − b_L[O], the pre-activation of the observed pixels minus the
// bias.
func (p *invProblem) invertedTarget(fn string) ([]float64, error) {
	last := &p.net.Layers[len(p.net.Layers)-1]
	out := make([]float64, len(p.obs))
	for k, i := range p.obs {
		v, err := last.Inverse(p.yO[k])
		if err != nil {
			return nil, fmt.Errorf("invert.%s: the image layer's %w; the layer-wise methods need Identity, PLU or Tanh", fn, err)
		}
		out[k] = v - biasAt(last, i)
	}
	return out, nil
}

// finish fills the image layer, the residual and the timing of an estimate.
func (p *invProblem) finish(est *Estimate, start time.Time) {
	L := len(p.net.Layers)
	if est.Layers[L] == nil {
		u := p.net.PreActivation(L-1, est.Layers[L-1])
		for i := range u {
			u[i] = p.net.Layers[L-1].Activate(u[i])
		}
		est.Layers[L] = u
	}
	est.Residual = p.residual(est.Layers[0])
	est.Duration = time.Since(start)
}

// residual returns ‖M ⊙ (y − G(z))‖₂.
func (p *invProblem) residual(z []float64) float64 {
	g := p.net.Generate(z)
	var s float64
	for k, i := range p.obs {
		d := p.yO[k] - g[i]
		s += d * d
	}
	return math.Sqrt(s)
}

func biasAt(l *Layer, i int) float64 {
	if l.B == nil {
		return 0
	}
	return l.B[i]
}

// subMatrix returns the rows (nil: all) and columns (nil: all) of w as a new dense matrix, or nil
// when that selects no row or no column.
func subMatrix(w *mat.Dense, rows, cols []int) *mat.Dense {
	r, c := w.Dims()
	if rows == nil {
		rows = indexRange(r)
	}
	if cols == nil {
		cols = indexRange(c)
	}
	if len(rows) == 0 || len(cols) == 0 {
		return nil
	}
	out := mat.NewDense(len(rows), len(cols), nil)
	for a, i := range rows {
		row := w.RawRowView(i)
		dst := out.RawRowView(a)
		if len(cols) == c {
			copy(dst, row)
			continue
		}
		for b, j := range cols {
			dst[b] = row[j]
		}
	}
	return out
}

func indexRange(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// SupportOf returns the indices j with x_j > τ·‖x‖_∞ (τ = threshold; all positive entries for
// τ = 0): the detected support of a non-negative layer estimate.
func SupportOf(x []float64, threshold float64) []int {
	var m float64
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	var s []int
	for j, v := range x {
		if v > threshold*m && v > 0 {
			s = append(s, j)
		}
	}
	return s
}

// lstsq returns argmin_v ‖A·v − c‖₂ (the minimum-norm one when A is rank deficient or wide),
// by QR when A is tall and well conditioned, else by the singular value decomposition with
// singular values below 1e-12·σ_max dropped.
func lstsq(a *mat.Dense, c []float64) ([]float64, error) {
	m, n := a.Dims()
	if len(c) != m {
		return nil, fmt.Errorf("least squares: %d right-hand values for %d rows", len(c), m)
	}
	if m == 0 {
		return make([]float64, n), nil
	}
	if m >= n {
		var v mat.VecDense
		err := v.SolveVec(a, mat.NewVecDense(m, c))
		var cond mat.Condition
		if err == nil || (errors.As(err, &cond) && float64(cond) < 1e12) {
			return v.RawVector().Data, nil
		}
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		return nil, errors.New("least squares: the singular value decomposition failed")
	}
	rank := svd.Rank(1e-12)
	var x mat.Dense
	svd.SolveTo(&x, mat.NewDense(m, 1, append([]float64(nil), c...)), rank)
	return x.RawMatrix().Data[:n:n], nil
}

// constrained solves min f(x) s.t. lo ≤ K·x ≤ hi with linearized ADMM, where K = w (rows chosen),
// choosing ρ from the scale-free ρ̃ (Settings.Rho): ρ = ρ̃·σ·‖K‖₂/λ for an ℓ1 objective
// (lambda > 0) and ρ = ρ̃·‖K‖₂² for the Gaussian term (lambda = 0), σ = max(|lo|, |hi|) over
// the finite bounds.
func (s *Settings) constrained(k *mat.Dense, f admm.Prox, lambda float64, lo, hi []float64) (*admm.Result, error) {
	norm := admm.OperatorNorm(k) * (1 + 1e-9)
	var sigma float64
	for i := range lo {
		if !math.IsInf(lo[i], 0) {
			sigma = max(sigma, math.Abs(lo[i]))
		}
		if !math.IsInf(hi[i], 0) {
			sigma = max(sigma, math.Abs(hi[i]))
		}
	}
	if sigma == 0 {
		sigma = 1
	}
	if norm == 0 {
		norm = 1
	}
	rho := s.Rho * norm * norm
	if lambda > 0 {
		rho = s.Rho * sigma * norm / lambda
	}
	return admm.Solve(k, f, admm.Box{Lo: lo, Hi: hi}, &admm.Settings{
		Iterations: s.ADMMIterations,
		Tolerance:  s.ADMMTolerance,
		Rho:        rho,
		Norm:       norm,
	})
}

// LayeredBasisPursuit inverts net on the measurement y (len = image size; with mask, only the
// pixels i with mask[i] are used; nil observes all) by paper 001's Layered Basis-Pursuit
// (Algorithm 2; package documentation): φ_L is inverted on the observed pixels, then each hidden
// layer x_i ≥ 0 is found from the next one by non-negative ℓ1 basis pursuit
// min ‖x_i‖₁ s.t. (W_{i+1}·x_i + b_{i+1})[S] = x_{i+1}[S] on the detected support S of x_{i+1}
// (for the image layer, S = the observed pixels), solved by linearized ADMM, and finally z by least
// squares on the support of x̂_1. Estimate.Layers holds ẑ, the basis-pursuit estimates x̂_i and
// the image φ_L(W_L·x̂_{L−1} + b_L) (all pixels: the inpainted image); with Settings.Debias they
// are replaced by the debiased ẑ and its forward pass. The image activation must be invertible.
func LayeredBasisPursuit(net *Network, y []float64, mask []bool, s *Settings) (*Estimate, error) {
	const fn = "LayeredBasisPursuit"
	start := time.Now()
	set, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	p, err := newInvProblem(fn, net, y, mask)
	if err != nil {
		return nil, err
	}
	target, err := p.invertedTarget(fn)
	if err != nil {
		return nil, err
	}
	L := len(net.Layers)
	est := &Estimate{Method: MethodLayeredBP, Layers: make([][]float64, L+1)}
	rows := p.obs
	// target is always (W·x + b)[rows] − b[rows] = W[rows]·x, the right-hand side.
	for i := L - 1; i >= 1; i-- {
		layer := &net.Layers[i]
		_, in := layer.Dims()
		x := make([]float64, in) // no constraint left: the basis pursuit's solution is 0
		if len(rows) > 0 {
			res, err := set.constrained(subMatrix(layer.W, rows, nil), admm.L1{Lambda: 1, NonNegative: true}, 1, target, target)
			if err != nil {
				return nil, fmt.Errorf("invert.%s: layer %d basis pursuit: %w", fn, i, err)
			}
			est.Iterations += res.Iterations
			x = res.X
		}
		for j := range x {
			x[j] = max(x[j], 0)
		}
		if !set.NoPolish && len(rows) > 0 {
			x = polishLayer(layer.W, rows, target, nil, nil, x, set.SupportThreshold, true, false)
		}
		est.Layers[i] = x
		rows = SupportOf(x, set.SupportThreshold)
		prev := &net.Layers[i-1]
		target = make([]float64, len(rows))
		for a, j := range rows {
			target[a] = x[j] - biasAt(prev, j)
		}
	}
	z := make([]float64, net.LatentSize())
	if len(rows) > 0 {
		if z, err = lstsq(subMatrix(net.Layers[0].W, rows, nil), target); err != nil {
			return nil, fmt.Errorf("invert.%s: latent least squares on %d rows: %w", fn, len(rows), err)
		}
	}
	est.Layers[0] = z
	if set.Debias {
		if err := p.debiasInto(fn, est, &set); err != nil {
			return nil, err
		}
	}
	p.finish(est, start)
	return est, nil
}

// debiasInto replaces est's layers by the debiased estimate from est's supports.
func (p *invProblem) debiasInto(fn string, est *Estimate, set *Settings) error {
	L := len(p.net.Layers)
	supports := make([][]int, L+1)
	for i := 1; i < L; i++ {
		supports[i] = SupportOf(est.Layers[i], set.SupportThreshold)
	}
	z, err := p.debias(fn, supports)
	if err != nil {
		return err
	}
	est.Layers = p.net.Forward(z)
	return nil
}

// LatentPursuit inverts net on y (mask as for [LayeredBasisPursuit]) by paper 001's
// Latent-Pursuit (Algorithm 5; package documentation):
//   - image layer: x_{L−1} = argmin_{x ≥ 0} ½‖y − φ_L(W_L·x + b_L)‖²_M + λ‖x‖₁ by monotone FISTA
//     (λ = Settings.LambdaRatio·λ_max, step 1/(‖W_L[O]‖₂²·max φ_L'²));
//   - middle layers: x_i = argmin λ‖x_i‖₁ s.t. x_i ≥ 0, (W_{i+1}·x_i + b)[S] = x̂_{i+1}[S],
//     (W_{i+1}·x_i + b)[Sᶜ] ≤ 0, S the detected support of x̂_{i+1}, by linearized ADMM;
//   - latent layer: z = argmin ½‖z‖² under the same constraints (no sign constraint);
//   - with Settings.Debias, the debiasing step ([Debias]).
//
// For a one-layer network z is fitted directly by FISTA with λ = 0 and no sign constraint.
// Estimate.Layers holds ẑ, the x̂_i found and the image φ_L(W_L·x̂_{L−1} + b_L) (or, with Debias,
// the forward pass of the debiased ẑ).
func LatentPursuit(net *Network, y []float64, mask []bool, s *Settings) (*Estimate, error) {
	const fn = "LatentPursuit"
	start := time.Now()
	set, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	p, err := newInvProblem(fn, net, y, mask)
	if err != nil {
		return nil, err
	}
	L := len(net.Layers)
	est := &Estimate{Method: MethodLatentPursuit, Layers: make([][]float64, L+1)}
	last := &net.Layers[L-1]
	if last.Act == ReLU {
		return nil, fmt.Errorf("invert.%s: the image layer's activation is relu; Latent-Pursuit needs a smooth increasing one (identity, plu, tanh)", fn)
	}
	fp := newFISTAProblem(last, subMatrix(last.W, p.obs, nil), p.obs, p.yO, L > 1)
	fp.lambda = set.LambdaRatio * fp.lambdaMax()
	if L == 1 {
		fp.lambda = 0
	}
	fr := fp.solve(set.FISTAIterations, set.FISTATolerance)
	est.Iterations += fr.iterations
	est.Layers[L-1] = fr.x
	if !set.NoPolish {
		if t, err := p.invertedTarget(fn); err == nil {
			est.Layers[L-1] = polishLayer(last.W, p.obs, t, nil, nil, fr.x, set.SupportThreshold, L > 1, L == 1)
		}
	}
	for i := L - 2; i >= 0; i-- {
		next := est.Layers[i+1]
		support := SupportOf(next, set.SupportThreshold)
		layer := &net.Layers[i]
		out, _ := layer.Dims()
		lo, hi := make([]float64, out), make([]float64, out)
		for j := range out {
			lo[j], hi[j] = math.Inf(-1), -biasAt(layer, j)
		}
		for _, j := range support {
			lo[j] = next[j] - biasAt(layer, j)
			hi[j] = lo[j]
		}
		var f admm.Prox = admm.L1{Lambda: 1, NonNegative: true}
		lambda := 1.0
		if i == 0 {
			f, lambda = admm.HalfSquare{}, 0
		}
		res, err := set.constrained(layer.W, f, lambda, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("invert.%s: layer %d: %w", fn, i, err)
		}
		est.Iterations += res.Iterations
		x := res.X
		if i > 0 {
			for j := range x {
				x[j] = max(x[j], 0)
			}
		}
		if !set.NoPolish {
			inSupport := make([]bool, out)
			t := make([]float64, len(support))
			for a, j := range support {
				inSupport[j], t[a] = true, lo[j]
			}
			var off []int
			var offHi []float64
			for j := range out {
				if !inSupport[j] {
					off, offHi = append(off, j), append(offHi, hi[j])
				}
			}
			x = polishLayer(layer.W, support, t, off, offHi, x, set.SupportThreshold, i > 0, i == 0)
		}
		est.Layers[i] = x
	}
	if set.Debias {
		if err := p.debiasInto(fn, est, &set); err != nil {
			return nil, err
		}
	}
	p.finish(est, start)
	return est, nil
}

// fistaProblem is the image-layer problem min_x ½‖y_O − φ(W_O·x + b_O)‖² + λ‖x‖₁ (x ≥ 0 when
// nonNeg).
type fistaProblem struct {
	layer  *Layer
	w      *mat.Dense // W_L restricted to the observed rows
	b, y   []float64  // bias and measurement on the observed rows
	lambda float64
	nonNeg bool
}

func newFISTAProblem(layer *Layer, w *mat.Dense, obs []int, yO []float64, nonNeg bool) *fistaProblem {
	b := make([]float64, len(obs))
	for k, i := range obs {
		b[k] = biasAt(layer, i)
	}
	return &fistaProblem{layer: layer, w: w, b: b, y: yO, nonNeg: nonNeg}
}

// smooth returns ½‖y − φ(u)‖² for u = W·x (without the bias, added here) and, if grad is not
// nil, writes the derivative with respect to u into grad.
func (fp *fistaProblem) smooth(u, grad []float64) float64 {
	var s float64
	for k, v := range u {
		v += fp.b[k]
		r := fp.layer.Activate(v) - fp.y[k]
		s += r * r
		if grad != nil {
			grad[k] = r * fp.layer.Derivative(v)
		}
	}
	return 0.5 * s
}

func (fp *fistaProblem) l1(x []float64) float64 {
	if fp.lambda == 0 {
		return 0
	}
	return fp.lambda * floats.Norm(x, 1)
}

// lambdaMax returns ‖∇F(0)‖_∞, the λ above which x = 0 minimizes the problem.
func (fp *fistaProblem) lambdaMax() float64 {
	m, n := fp.w.Dims()
	u := make([]float64, m)
	fp.smooth(u, u)
	g := mat.NewVecDense(n, nil)
	g.MulVec(fp.w.T(), mat.NewVecDense(m, u))
	return mat.Norm(g, math.Inf(1))
}

// maxSlope returns max φ'(u): 1 for Identity, PLU and Tanh.
func maxSlope(l *Layer) float64 {
	switch l.Act {
	case PLU:
		a, _ := l.pluParams()
		return max(1, a)
	}
	return 1
}

type fistaResult struct {
	x          []float64
	objective  []float64 // F(x_k), k = 0 … iterations
	iterations int
}

// solve runs monotone FISTA (Beck & Teboulle, "Fast gradient-based algorithms for constrained
// total variation image denoising and deblurring problems", 2009: x_k is the better of the prox
// point and x_{k−1}, so F(x_k) never increases) with adaptive restart, from x_0 = 0 with step 1/Lip,
// Lip = ‖W‖₂²·max φ'². W·x is carried by linearity: each iteration costs one product with W and
// one with Wᵀ.
func (fp *fistaProblem) solve(iters int, tol float64) fistaResult {
	m, n := fp.w.Dims()
	norm := admm.OperatorNorm(fp.w) * (1 + 1e-9)
	slope := maxSlope(fp.layer)
	lip := norm * norm * slope * slope
	if lip == 0 {
		lip = 1
	}
	x := make([]float64, n)     // x_k
	xPrev := make([]float64, n) // x_{k−1}
	yk := make([]float64, n)    // extrapolated point
	zk := make([]float64, n)    // prox point
	wx := make([]float64, m)    // W·x_k
	wxPrev := make([]float64, m)
	wy := make([]float64, m)
	wz := make([]float64, m)
	gu := make([]float64, m)
	grad := make([]float64, n)
	wzV := mat.NewVecDense(m, wz)
	zV := mat.NewVecDense(n, zk)
	guV := mat.NewVecDense(m, gu)
	gradV := mat.NewVecDense(n, grad)
	wT := fp.w.T()

	fx := fp.smooth(wx, nil) + fp.l1(x)
	res := fistaResult{objective: []float64{fx}}
	t := 1.0
	th := fp.lambda / lip
	for k := 1; k <= iters; k++ {
		fp.smooth(wy, gu)
		gradV.MulVec(wT, guV)
		var step, nz float64
		for j := range zk {
			v := yk[j] - grad[j]/lip
			switch {
			case fp.nonNeg:
				v = max(v-th, 0)
			case v > th:
				v -= th
			case v < -th:
				v += th
			default:
				v = 0
			}
			zk[j] = v
			d := v - yk[j]
			step += d * d
			nz += v * v
		}
		wzV.MulVec(fp.w, zV)
		fz := fp.smooth(wz, nil) + fp.l1(zk)
		// Adaptive restart (O'Donoghue & Candès, "Adaptive restart for accelerated gradient
		// schemes", 2015, gradient scheme): drop the momentum when the gradient-mapping step y − z
		// and the motion z − x_k make an acute angle, i.e. the momentum points uphill.
		var dot float64
		for j := range zk {
			dot += (yk[j] - zk[j]) * (zk[j] - x[j])
		}
		if dot > 0 {
			t = 1
		}
		tNext := (1 + math.Sqrt(1+4*t*t)) / 2
		copy(xPrev, x)
		copy(wxPrev, wx)
		if fz <= fx {
			copy(x, zk)
			copy(wx, wz)
			fx = fz
		}
		// y = x_k + (t/t')(z − x_k) + ((t − 1)/t')(x_k − x_{k−1}), and W·y by linearity.
		a, c := t/tNext, (t-1)/tNext
		for j := range yk {
			yk[j] = x[j] + a*(zk[j]-x[j]) + c*(x[j]-xPrev[j])
		}
		for i := range wy {
			wy[i] = wx[i] + a*(wz[i]-wx[i]) + c*(wx[i]-wxPrev[i])
		}
		t = tNext
		res.objective = append(res.objective, fx)
		res.iterations = k
		if math.Sqrt(step) <= tol*max(math.Sqrt(nz), 1e-300) {
			break
		}
	}
	res.x = x
	return res
}
