package linop

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/sparselab/sparselab/models/nn"
	"gonum.org/v1/gonum/mat"
)

// sepTerm is one Kronecker term R ⊗ C of a separable operator; matrices are row-major.
type sepTerm struct {
	r, rt []float64 // R [ho, h] and Rᵀ [h, ho]
	c, ct []float64 // C [wo, w] and Cᵀ [w, wo]
}

// separable is Σ_t R_t ⊗ C_t acting on each channel of [H, W, C] images: y_c = Σ_t R_t·X_c·C_tᵀ.
type separable struct {
	in, out []int // [h, w, c] and [ho, wo, c]
	terms   []sepTerm
	name    string
}

func newTerm(r *mat.Dense, c *mat.Dense) sepTerm {
	flat := func(m mat.Matrix) []float64 {
		rows, cols := m.Dims()
		out := make([]float64, 0, rows*cols)
		for i := range rows {
			for j := range cols {
				out = append(out, m.At(i, j))
			}
		}
		return out
	}
	return sepTerm{r: flat(r), rt: flat(r.T()), c: flat(c), ct: flat(c.T())}
}

func newSeparable(in []int, terms [][2]*mat.Dense, name string) *separable {
	ho, _ := terms[0][0].Dims()
	wo, _ := terms[0][1].Dims()
	s := &separable{in: slices.Clone(in), out: []int{ho, wo, in[2]}, name: name}
	for _, t := range terms {
		s.terms = append(s.terms, newTerm(t[0], t[1]))
	}
	return s
}

// Separable returns the operator that maps each channel X_c ∈ ℝ^{H×W} of an image [H, W, C] to
// R·X_c·Cᵀ, with R ∈ ℝ^{H'×H} (rows) and C ∈ ℝ^{W'×W} (cols): OutShape [H', W', C]. As a matrix
// on row-major [H, W] arrays it is the Kronecker product R ⊗ C.
func Separable(inShape []int, rows, cols mat.Matrix) (Operator, error) {
	if err := checkImageShape("linop.Separable", inShape); err != nil {
		return nil, err
	}
	if rows == nil || cols == nil {
		return nil, fmt.Errorf("linop.Separable: nil matrix")
	}
	rr, rc := rows.Dims()
	cr, cc := cols.Dims()
	if rc != inShape[0] || cc != inShape[1] || rr == 0 || cr == 0 {
		return nil, fmt.Errorf("linop.Separable: rows %d×%d and cols %d×%d do not act on %d×%d images (want H'×%d and W'×%d)",
			rr, rc, cr, cc, inShape[0], inShape[1], inShape[0], inShape[1])
	}
	r, c := mat.DenseCopyOf(rows), mat.DenseCopyOf(cols)
	for _, m := range []*mat.Dense{r, c} {
		if !allFinite(m) {
			return nil, fmt.Errorf("linop.Separable: matrix has non-finite entries")
		}
	}
	return newSeparable(inShape, [][2]*mat.Dense{{r, c}},
		fmt.Sprintf("Separable(%d×%d ⊗ %d×%d, %s)", rr, rc, cr, cc, dimsString(inShape))), nil
}

func allFinite(m *mat.Dense) bool {
	r, c := m.Dims()
	for i := range r {
		for j := range c {
			if v := m.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

func (o *separable) InShape() []int  { return o.in }
func (o *separable) OutShape() []int { return o.out }
func (o *separable) String() string  { return o.name }

// times returns o·b (b applied first) for single-term operators: (R₁⊗C₁)(R₂⊗C₂) = R₁R₂ ⊗ C₁C₂.
func (o *separable) times(b *separable) *separable {
	dense := func(data []float64, r, c int) *mat.Dense { return mat.NewDense(r, c, slices.Clone(data)) }
	var r, c mat.Dense
	r.Mul(dense(o.terms[0].r, o.out[0], o.in[0]), dense(b.terms[0].r, b.out[0], b.in[0]))
	c.Mul(dense(o.terms[0].c, o.out[1], o.in[1]), dense(b.terms[0].c, b.out[1], b.in[1]))
	return newSeparable(b.in, [][2]*mat.Dense{{&r, &c}}, o.name+" · "+b.name)
}

// spatial returns y[b,o,p,c] = Σ_{h,w} m1[o,h]·m2[p,w]·x[b,h,w,c] for x [B,H,W,C], m1 [Ho,H] and
// m2 [Wo,W]. The DotGeneral calls contract a non-last axis of x with the last axis of a rank-2
// constant, forms that every backend (compute-onnx included) lowers and differentiates correctly.
func spatial(x *graph.Node, m1 []float64, ho, h int, m2 []float64, wo, w int) *graph.Node {
	g, dt := x.Graph(), x.DType()
	t := graph.DotGeneral(x, []int{1}, nil, constant(g, dt, m1, ho, h), []int{1}, nil) // [B, W, C, Ho]
	t = graph.DotGeneral(t, []int{1}, nil, constant(g, dt, m2, wo, w), []int{1}, nil)  // [B, C, Ho, Wo]
	return graph.TransposeAllAxes(t, 0, 2, 3, 1)
}

func (o *separable) Apply(x *graph.Node) *graph.Node {
	checkInput(o, "Apply", x, o.in)
	var out *graph.Node
	for _, t := range o.terms {
		y := spatial(x, t.r, o.out[0], o.in[0], t.c, o.out[1], o.in[1])
		if out == nil {
			out = y
		} else {
			out = graph.Add(out, y)
		}
	}
	return out
}

func (o *separable) Adjoint(y *graph.Node) *graph.Node {
	checkInput(o, "Adjoint", y, o.out)
	var out *graph.Node
	for _, t := range o.terms {
		x := spatial(y, t.rt, o.in[0], o.out[0], t.ct, o.in[1], o.out[1])
		if out == nil {
			out = x
		} else {
			out = graph.Add(out, x)
		}
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Circular convolution and the Gaussian blur.

// circulant returns the n×n matrix of the periodic 1D convolution with kernel u centred at index
// c: M[i, j] = Σ_a u[a]·[j ≡ i − (a − c) mod n] (offsets longer than the axis wrap around and add).
func circulant(u []float64, c, n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for a, v := range u {
		d := a - c
		for i := range n {
			j := ((i-d)%n + n) % n
			m.Set(i, j, m.At(i, j)+v)
		}
	}
	return m
}

// CircularConvolution returns the 2D convolution of each channel of [H, W, C] images with kernel K
// (kh×kw, any size; offsets wrap around the grid) and periodic boundary:
//
//	y[i, j] = Σ_{a,b} K[a, b]·x[(i − a + centerRow) mod H, (j − b + centerCol) mod W].
//
// The centre (centerRow, centerCol) is the kernel entry that multiplies x[i, j] itself. The
// operator is applied as a sum of separable terms from the singular value decomposition of K
// (singular values below 1e-13·σ_max are dropped): one term for a separable kernel.
func CircularConvolution(shape []int, kernel mat.Matrix, centerRow, centerCol int) (Operator, error) {
	if err := checkImageShape("linop.CircularConvolution", shape); err != nil {
		return nil, err
	}
	if kernel == nil {
		return nil, fmt.Errorf("linop.CircularConvolution: nil kernel")
	}
	kh, kw := kernel.Dims()
	if centerRow < 0 || centerRow >= kh || centerCol < 0 || centerCol >= kw {
		return nil, fmt.Errorf("linop.CircularConvolution: centre (%d, %d) outside the %d×%d kernel", centerRow, centerCol, kh, kw)
	}
	k := mat.DenseCopyOf(kernel)
	if !allFinite(k) {
		return nil, fmt.Errorf("linop.CircularConvolution: kernel has non-finite entries")
	}
	var svd mat.SVD
	if !svd.Factorize(k, mat.SVDThin) {
		return nil, fmt.Errorf("linop.CircularConvolution: the SVD of the %d×%d kernel did not converge", kh, kw)
	}
	sv := svd.Values(nil)
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	var terms [][2]*mat.Dense
	for r, s := range sv {
		if s <= 1e-13*sv[0] || s == 0 {
			continue
		}
		ur := make([]float64, kh)
		for a := range kh {
			ur[a] = s * u.At(a, r)
		}
		vr := make([]float64, kw)
		for b := range kw {
			vr[b] = v.At(b, r)
		}
		terms = append(terms, [2]*mat.Dense{circulant(ur, centerRow, shape[0]), circulant(vr, centerCol, shape[1])})
	}
	if len(terms) == 0 { // the zero kernel
		terms = append(terms, [2]*mat.Dense{mat.NewDense(shape[0], shape[0], nil), mat.NewDense(shape[1], shape[1], nil)})
	}
	return newSeparable(shape, terms, fmt.Sprintf("CircularConvolution(%d×%d kernel, rank %d, %s)", kh, kw, len(terms), dimsString(shape))), nil
}

// GaussianKernel1D returns the periodic Gaussian filter of an n-point axis used by paper 000's
// reference code: g[d] = exp(−δ²/(2σ²))/Z with δ = min(d, n − d), normalised to sum 1.
func GaussianKernel1D(n int, sigma float64) []float64 {
	g := make([]float64, n)
	var z float64
	for d := range n {
		delta := float64(min(d, n-d))
		g[d] = math.Exp(-delta * delta / (2 * sigma * sigma))
		z += g[d]
	}
	for d := range g {
		g[d] /= z
	}
	return g
}

// gaussianCirculant returns M[i, j] = g[(i − j) mod n].
func gaussianCirculant(n int, sigma float64) *mat.Dense {
	g := GaussianKernel1D(n, sigma)
	m := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			m.Set(i, j, g[((i-j)%n+n)%n])
		}
	}
	return m
}

// GaussianBlur returns the periodic Gaussian blur F of standard deviation sigma pixels over the
// whole H×W grid of [H, W, C] images (each channel separately): F = G_H ⊗ G_W with the filters of
// [GaussianKernel1D]. It equals the FFT blur of paper 000's reference code (a 2D Gaussian on the
// wrapped grid coordinates, normalised to sum 1).
func GaussianBlur(shape []int, sigma float64) (Operator, error) {
	if err := checkImageShape("linop.GaussianBlur", shape); err != nil {
		return nil, err
	}
	if !(sigma > 0) || math.IsInf(sigma, 0) {
		return nil, fmt.Errorf("linop.GaussianBlur: σ = %g must be positive and finite", sigma)
	}
	return newSeparable(shape, [][2]*mat.Dense{{gaussianCirculant(shape[0], sigma), gaussianCirculant(shape[1], sigma)}},
		fmt.Sprintf("GaussianBlur(σ=%g, %s)", sigma, dimsString(shape))), nil
}

// SubsampleMatrix returns the ⌈n/f⌉×n matrix that keeps entries 0, f, 2f, … of an n-vector.
func SubsampleMatrix(n, factor int) *mat.Dense {
	m := mat.NewDense((n+factor-1)/factor, n, nil)
	for i := 0; i*factor < n; i++ {
		m.Set(i, i*factor, 1)
	}
	return m
}

// Subsample returns S: [H, W, C] → [⌈H/f⌉, ⌈W/f⌉, C], (S·x)[i, j] = x[f·i, f·j] (phase 0: the
// first row and column are kept, as numpy's x[::f, ::f]). Its adjoint is zero-upsampling.
func Subsample(shape []int, factor int) (Operator, error) {
	if err := checkImageShape("linop.Subsample", shape); err != nil {
		return nil, err
	}
	if factor < 1 {
		return nil, fmt.Errorf("linop.Subsample: factor %d must be ≥ 1", factor)
	}
	return newSeparable(shape, [][2]*mat.Dense{{SubsampleMatrix(shape[0], factor), SubsampleMatrix(shape[1], factor)}},
		fmt.Sprintf("Subsample(×%d, %s)", factor, dimsString(shape))), nil
}

// SuperResolution returns paper 000's ×factor super-resolution operator A = S·F: the periodic
// Gaussian blur F of standard deviation sigma ([GaussianBlur]) followed by [Subsample] (phase 0).
// Aᵀ = Fᵀ·Sᵀ zero-upsamples then blurs. The paper uses factor 2 and σ = 0.7 on 28×28 images.
func SuperResolution(shape []int, factor int, sigma float64) (Operator, error) {
	f, err := GaussianBlur(shape, sigma)
	if err != nil {
		return nil, fmt.Errorf("linop.SuperResolution: %w", err)
	}
	s, err := Subsample(shape, factor)
	if err != nil {
		return nil, fmt.Errorf("linop.SuperResolution: %w", err)
	}
	a := s.(*separable).times(f.(*separable))
	a.name = fmt.Sprintf("SuperResolution(×%d, σ=%g, %s)", factor, sigma, dimsString(shape))
	return a, nil
}

// ---------------------------------------------------------------------------------------------
// Interpolation (the baselines of paper 000).

// Interpolation selects an interpolation kernel for [Resize] and [InterpolationMatrix].
type Interpolation int

const (
	// Bilinear is PyTorch's mode="bilinear" with align_corners=False: source coordinate
	// s = (o + ½)·in/out − ½ clamped below at 0, linear weights between ⌊s⌋ and ⌊s⌋+1 (the
	// upper index clamped to the last sample).
	Bilinear Interpolation = iota
	// Bicubic is PyTorch's mode="bicubic" with align_corners=False: s = (o + ½)·in/out − ½ (not
	// clamped), Keys' cubic convolution with a = [BicubicA] = −0.75 on the four samples
	// ⌊s⌋−1 … ⌊s⌋+2, indices clamped to [0, in−1] (border replication, as PyTorch reads them).
	Bicubic
)

// BicubicA is the cubic-convolution parameter of PyTorch's bicubic interpolation.
const BicubicA = -0.75

func (m Interpolation) String() string {
	switch m {
	case Bilinear:
		return "bilinear"
	case Bicubic:
		return "bicubic"
	}
	return fmt.Sprintf("Interpolation(%d)", int(m))
}

// ParseInterpolation returns the Interpolation named "bilinear" or "bicubic" (any case).
func ParseInterpolation(name string) (Interpolation, error) {
	switch strings.ToLower(name) {
	case "bilinear":
		return Bilinear, nil
	case "bicubic":
		return Bicubic, nil
	}
	return 0, fmt.Errorf("unknown interpolation %q: want bilinear or bicubic", name)
}

// cubic1 and cubic2 are Keys' cubic convolution weights for |t| ≤ 1 and 1 < |t| < 2.
func cubic1(t, a float64) float64 { return ((a+2)*t-(a+3))*t*t + 1 }
func cubic2(t, a float64) float64 { return ((a*t-5*a)*t+8*a)*t - 4*a }

// Grid says where the in samples of an interpolation sit on the grid of the out samples.
type Grid int

const (
	// HalfPixel is PyTorch's align_corners=False: with f = out/in, sample i stands for the out
	// pixels f·i … f·i+f−1 and sits at their centre, f·i + (f−1)/2; borders are replicated. The
	// authors of paper 000 upsample with it.
	HalfPixel Grid = iota
	// Decimated puts sample i at out pixel f·i, where keeping every f-th pixel from index 0
	// ([Subsample], numpy's x[::f]) took it from, and wraps around the borders (the image is
	// periodic, as a circular blur assumes). For y = S·F·x it is the grid y was measured on;
	// [HalfPixel] shifts the estimate by (f−1)/2 pixels (½ at ×2, 1½ at ×4).
	Decimated
)

func (g Grid) String() string {
	switch g {
	case HalfPixel:
		return "half-pixel"
	case Decimated:
		return "decimated"
	}
	return fmt.Sprintf("Grid(%d)", int(g))
}

// InterpolationMatrix returns the out×in matrix M of 1D interpolation from in to out samples with
// PyTorch's align_corners=False conventions (see [Bilinear], [Bicubic]), so that y = M·x. Applied
// along both axes ([Resize]) it reproduces F.interpolate(x, size=(outH, outW), mode=...,
// align_corners=False).
func InterpolationMatrix(in, out int, method Interpolation) (*mat.Dense, error) {
	return InterpolationMatrixOn(in, out, method, HalfPixel)
}

// InterpolationMatrixOn is [InterpolationMatrix] with the samples placed on grid: [HalfPixel]
// (PyTorch's align_corners=False) or [Decimated] (out = f·in for an integer f; sample i at out
// pixel f·i, the source coordinate of out pixel o is s = o/f, indices taken modulo in; the same
// bilinear and Keys cubic weights of t = s − ⌊s⌋).
func InterpolationMatrixOn(in, out int, method Interpolation, grid Grid) (*mat.Dense, error) {
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("linop.InterpolationMatrix: sizes %d→%d must be positive", in, out)
	}
	switch grid {
	case HalfPixel:
	case Decimated:
		return decimatedMatrix(in, out, method)
	default:
		return nil, fmt.Errorf("linop.InterpolationMatrix: unknown grid %v", grid)
	}
	switch method {
	case Bilinear:
		return mat.NewDense(out, in, nn.BilinearMatrix(in, out)), nil
	case Bicubic:
		m := mat.NewDense(out, in, nil)
		scale := float64(in) / float64(out)
		for o := range out {
			s := (float64(o)+0.5)*scale - 0.5
			i0 := int(math.Floor(s))
			t := s - float64(i0)
			w := [4]float64{cubic2(t+1, BicubicA), cubic1(t, BicubicA), cubic1(1-t, BicubicA), cubic2(2-t, BicubicA)}
			for k, wk := range w {
				idx := min(max(i0-1+k, 0), in-1)
				m.Set(o, idx, m.At(o, idx)+wk)
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("linop.InterpolationMatrix: unknown interpolation %v", method)
}

// decimatedMatrix is InterpolationMatrixOn for the Decimated grid, which needs out = f·in.
func decimatedMatrix(in, out int, method Interpolation) (*mat.Dense, error) {
	if out%in != 0 {
		return nil, fmt.Errorf("linop.InterpolationMatrix: the decimated grid needs an integer factor, got %d→%d samples", in, out)
	}
	f := out / in
	m := mat.NewDense(out, in, nil)
	wrap := func(i int) int { return ((i % in) + in) % in }
	for o := range out {
		i0 := o / f
		t := float64(o%f) / float64(f)
		switch method {
		case Bilinear:
			m.Set(o, wrap(i0), m.At(o, wrap(i0))+1-t)
			m.Set(o, wrap(i0+1), m.At(o, wrap(i0+1))+t)
		case Bicubic:
			w := [4]float64{cubic2(t+1, BicubicA), cubic1(t, BicubicA), cubic1(1-t, BicubicA), cubic2(2-t, BicubicA)}
			for k, wk := range w {
				idx := wrap(i0 - 1 + k)
				m.Set(o, idx, m.At(o, idx)+wk)
			}
		default:
			return nil, fmt.Errorf("linop.InterpolationMatrix: unknown interpolation %v", method)
		}
	}
	return m, nil
}

// Resize returns the interpolation of each channel of [H, W, C] images to [outH, outW, C] with
// the given method (PyTorch's F.interpolate(..., align_corners=False), see [InterpolationMatrix]).
func Resize(shape []int, outH, outW int, method Interpolation) (Operator, error) {
	return ResizeOn(shape, outH, outW, method, HalfPixel)
}

// ResizeOn is [Resize] with the input samples placed on grid ([InterpolationMatrixOn]).
func ResizeOn(shape []int, outH, outW int, method Interpolation, grid Grid) (Operator, error) {
	if err := checkImageShape("linop.Resize", shape); err != nil {
		return nil, err
	}
	r, err := InterpolationMatrixOn(shape[0], outH, method, grid)
	if err != nil {
		return nil, fmt.Errorf("linop.Resize: %w", err)
	}
	c, err := InterpolationMatrixOn(shape[1], outW, method, grid)
	if err != nil {
		return nil, fmt.Errorf("linop.Resize: %w", err)
	}
	name := method.String()
	if grid != HalfPixel {
		name += ", " + grid.String()
	}
	return newSeparable(shape, [][2]*mat.Dense{{r, c}},
		fmt.Sprintf("Resize(%s, %s→%d×%d)", name, dimsString(shape), outH, outW)), nil
}
