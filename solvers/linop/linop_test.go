package linop

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/gonum/mat"
)

func TestRegistryHasBuiltins(t *testing.T) {
	want := []string{"identity", "scale", "dense", "dense-wide", "mask", "select", "separable", "circular-conv",
		"gaussian-blur", "subsample", "zero-upsample", "super-resolution", "resize-bilinear", "resize-bicubic",
		"compose", "sum", "reshape", "transpose"}
	for _, name := range want {
		if _, ok := Lookup(name); !ok {
			t.Errorf("operator %q is not registered", name)
		}
	}
	if err := Register(Entry{Name: "identity", Example: func(*rand.Rand) (Operator, error) { return nil, nil }}); err == nil {
		t.Error("registering a duplicate name succeeded")
	}
	if err := Register(Entry{Name: "no-constructor"}); err == nil {
		t.Error("registering an entry without a constructor succeeded")
	}
	names := make([]string, 0)
	for _, e := range Entries() {
		names = append(names, e.Name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("Entries not sorted: %v", names)
	}
}

// TestOperatorProperties checks every registered operator on every available backend:
// materialised adjoint = transpose of the materialised matrix, Apply and Adjoint (float32 and
// float64) against matrix–vector products, the adjoint identity on random inputs, the power-
// iteration norm against gonum's largest singular value, and the autodiff gradient of ⟨A·x, y⟩.
func TestOperatorProperties(t *testing.T) {
	for _, entry := range Entries() {
		t.Run(entry.Name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, b compute.Backend, _ string) {
				rng := rand.New(rand.NewPCG(seedOf(entry.Name), 3))
				op, err := entry.Example(rng)
				if err != nil {
					t.Fatalf("constructing: %v", err)
				}
				checkOperator(t, b, op, rng)
			})
		})
	}
}

func checkOperator(t *testing.T, b compute.Backend, op Operator, rng *rand.Rand) {
	t.Helper()
	n, m := Size(op.InShape()), Size(op.OutShape())
	a, err := Matrix(b, op)
	if err != nil {
		t.Fatalf("Matrix: %v", err)
	}
	if r, c := a.Dims(); r != m || c != n {
		t.Fatalf("Matrix is %d×%d, want %d×%d", r, c, m, n)
	}
	if mat.Norm(a, 2) == 0 {
		t.Fatalf("%s materialises to the zero matrix", Describe(op))
	}
	at, err := Matrix(b, Transpose(op))
	if err != nil {
		t.Fatalf("Matrix(Transpose): %v", err)
	}
	if !mat.EqualApprox(at, a.T(), 1e-12*mat.Norm(a, math.Inf(1))) {
		t.Errorf("materialised adjoint is not the transpose of the materialised operator")
	}

	e, err := NewExec(b, op)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	const batch = 3
	x := randVec(rng, batch*n)
	y := randVec(rng, batch*m)
	wantAx := batchMatVec(a, x)
	wantATy := batchMatVec(a.T(), y)

	// float64: exact up to rounding; float32: relative 1e-5.
	ax64, err := e.Apply64(x)
	if err != nil {
		t.Fatal(err)
	}
	aty64, err := e.Adjoint64(y)
	if err != nil {
		t.Fatal(err)
	}
	ax32, err := e.Apply(toF32(x))
	if err != nil {
		t.Fatal(err)
	}
	aty32, err := e.Adjoint(toF32(y))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want []float64
		tol       float64
	}{
		{"Apply float64", ax64, wantAx, 1e-12},
		{"Adjoint float64", aty64, wantATy, 1e-12},
		{"Apply float32", toF64(ax32), wantAx, 2e-5},
		{"Adjoint float32", toF64(aty32), wantATy, 2e-5},
	} {
		if len(c.got) != len(c.want) {
			t.Errorf("%s: %d values, want %d", c.what, len(c.got), len(c.want))
			continue
		}
		if d, s := maxAbsDiff(c.got, c.want); d > c.tol*s {
			t.Errorf("%s differs from the matrix product: max error %.3g (scale %.3g)", c.what, d, s)
		}
	}

	// Adjoint identity per batch element, computed from the operator's own Apply and Adjoint.
	for k := range batch {
		lhs := dot(ax64[k*m:(k+1)*m], y[k*m:(k+1)*m])
		rhs := dot(x[k*n:(k+1)*n], aty64[k*n:(k+1)*n])
		scale := norm2(ax64[k*m:(k+1)*m])*norm2(y[k*m:(k+1)*m]) + norm2(x[k*n:(k+1)*n])*norm2(aty64[k*n:(k+1)*n])
		if math.Abs(lhs-rhs) > 1e-12*scale {
			t.Errorf("batch %d: ⟨Ax, y⟩ = %.15g but ⟨x, Aᵀy⟩ = %.15g", k, lhs, rhs)
		}
		lhs32 := dot(toF64(ax32[k*m:(k+1)*m]), y[k*m:(k+1)*m])
		rhs32 := dot(x[k*n:(k+1)*n], toF64(aty32[k*n:(k+1)*n]))
		if math.Abs(lhs32-rhs32) > 1e-5*scale {
			t.Errorf("batch %d (float32): ⟨Ax, y⟩ = %.8g but ⟨x, Aᵀy⟩ = %.8g", k, lhs32, rhs32)
		}
	}

	// Norm by power iteration against gonum's SVD.
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDNone) {
		t.Fatal("gonum SVD failed")
	}
	sigma := svd.Values(nil)[0]
	est, err := Norm(b, op, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if est > sigma*(1+1e-9) || est < sigma*(1-1e-6) {
		t.Errorf("Norm = %.10g, largest singular value %.10g", est, sigma)
	}

	// Differentiability: ∇ₓ⟨A·x, y⟩ = Aᵀ·y through GoMLX's autodiff, float32.
	grad, err := graph.CallOnce(b, func(xn, yn *graph.Node) *graph.Node {
		return NotInput(graph.Gradient(graph.ReduceAllSum(graph.Mul(op.Apply(xn), yn)), xn)[0], xn, yn)
	}, tensors.FromFlatDataAndDimensions(toF32(x), append([]int{batch}, op.InShape()...)...),
		tensors.FromFlatDataAndDimensions(toF32(y), append([]int{batch}, op.OutShape()...)...))
	if err != nil {
		t.Fatalf("gradient: %v", err)
	}
	g, err := tensors.CopyFlatData[float32](grad)
	if err != nil {
		t.Fatal(err)
	}
	if d, s := maxAbsDiff(toF64(g), wantATy); d > 2e-5*s {
		t.Errorf("autodiff gradient of ⟨Ax, y⟩ differs from Aᵀy: max error %.3g (scale %.3g)", d, s)
	}
}

// refGaussianBlur is paper 000's reference blur computed directly: the 2D Gaussian on the wrapped
// grid coordinates (index i > n/2 stands for i − n), normalised over the whole grid, applied as a
// circular convolution y[i,j] = Σ_{p,q} g[(i−p) mod H, (j−q) mod W]·x[p,q].
func refGaussianBlur(x []float64, h, w int, sigma float64) []float64 {
	coord := func(i, n int) float64 {
		if float64(i) > float64(n)/2 {
			return float64(i - n)
		}
		return float64(i)
	}
	g := make([]float64, h*w)
	var z float64
	for i := range h {
		for j := range w {
			a, b := coord(i, h), coord(j, w)
			g[i*w+j] = math.Exp(-(a*a + b*b) / (2 * sigma * sigma))
			z += g[i*w+j]
		}
	}
	y := make([]float64, h*w)
	for i := range h {
		for j := range w {
			var s float64
			for p := range h {
				for q := range w {
					s += g[((i-p+h)%h)*w+(j-q+w)%w] * x[p*w+q]
				}
			}
			y[i*w+j] = s / z
		}
	}
	return y
}

func TestGaussianBlurMatchesReferenceAndIsSymmetric(t *testing.T) {
	b := getBackend(t, "go")
	for _, c := range []struct {
		h, w  int
		sigma float64
	}{{28, 28, 0.7}, {7, 10, 1.5}, {5, 4, 3}} {
		op := Must(GaussianBlur([]int{c.h, c.w, 1}, c.sigma))
		rng := rand.New(rand.NewPCG(uint64(c.h), uint64(c.w)))
		x := randVec(rng, c.h*c.w)
		e, err := NewExec(b, op)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Apply64(x)
		if err != nil {
			t.Fatal(err)
		}
		if d, s := maxAbsDiff(got, refGaussianBlur(x, c.h, c.w, c.sigma)); d > 1e-12*s {
			t.Errorf("%d×%d σ=%g: blur differs from the direct reference by %.3g", c.h, c.w, c.sigma, d)
		}
		f, err := Matrix(b, op)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.EqualApprox(f, f.T(), 1e-15) {
			t.Errorf("%d×%d σ=%g: the blur matrix is not symmetric", c.h, c.w, c.sigma)
		}
		for i := range c.h * c.w {
			if s := mat.Sum(f.RowView(i)); math.Abs(s-1) > 1e-12 {
				t.Errorf("%d×%d σ=%g: row %d sums to %.15g, want 1", c.h, c.w, c.sigma, i, s)
				break
			}
		}
	}
	// A non-symmetric kernel gives a non-symmetric convolution: the symmetry check can fail.
	k := mat.NewDense(1, 2, []float64{1, 2})
	f, err := Matrix(b, Must(CircularConvolution([]int{4, 4, 1}, k, 0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if mat.EqualApprox(f, f.T(), 1e-6) {
		t.Error("a one-sided kernel gave a symmetric convolution matrix")
	}
}

func TestCircularConvolutionDefinition(t *testing.T) {
	b := getBackend(t, "go")
	const h, w = 5, 6
	rng := rand.New(rand.NewPCG(5, 6))
	k := randMatrix(rng, 3, 4)
	const cr, cc = 1, 2
	x := randVec(rng, h*w)
	want := make([]float64, h*w)
	for i := range h {
		for j := range w {
			for a := range 3 {
				for bb := range 4 {
					p := ((i-a+cr)%h + h) % h
					q := ((j-bb+cc)%w + w) % w
					want[i*w+j] += k.At(a, bb) * x[p*w+q]
				}
			}
		}
	}
	e, err := NewExec(b, Must(CircularConvolution([]int{h, w, 1}, k, cr, cc)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Apply64(x)
	if err != nil {
		t.Fatal(err)
	}
	if d, s := maxAbsDiff(got, want); d > 1e-12*s {
		t.Errorf("circular convolution differs from its definition by %.3g", d)
	}
}

func TestSubsamplePhaseAndZeroUpsampling(t *testing.T) {
	b := getBackend(t, "go")
	const h, w, c = 5, 4, 2
	op := Must(Subsample([]int{h, w, c}, 2))
	if got := op.OutShape(); !slices.Equal(got, []int{3, 2, 2}) {
		t.Fatalf("OutShape = %v, want [3 2 2]", got)
	}
	x := make([]float64, h*w*c)
	for i := range h {
		for j := range w {
			for ch := range c {
				x[(i*w+j)*c+ch] = float64(100*i + 10*j + ch)
			}
		}
	}
	e, err := NewExec(b, op)
	if err != nil {
		t.Fatal(err)
	}
	y, err := e.Apply64(x)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 1, 20, 21, 200, 201, 220, 221, 400, 401, 420, 421}
	if d, _ := maxAbsDiff(y, want); d != 0 {
		t.Errorf("Subsample = %v, want %v (rows and columns 0, 2, 4)", y, want)
	}
	up, err := e.Adjoint64(y)
	if err != nil {
		t.Fatal(err)
	}
	for i := range h {
		for j := range w {
			for ch := range c {
				v := up[(i*w+j)*c+ch]
				wantV := 0.0
				if i%2 == 0 && j%2 == 0 {
					wantV = x[(i*w+j)*c+ch]
				}
				if v != wantV {
					t.Fatalf("zero-upsampling at (%d,%d,%d) = %g, want %g", i, j, ch, v, wantV)
				}
			}
		}
	}
}

func TestSuperResolutionIsSF(t *testing.T) {
	b := getBackend(t, "go")
	shape := []int{8, 6, 1}
	a, err := Matrix(b, Must(SuperResolution(shape, 2, 0.7)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Matrix(b, Must(GaussianBlur(shape, 0.7)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Matrix(b, Must(Subsample(shape, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var sf, fst mat.Dense
	sf.Mul(s, f)
	fst.Mul(f.T(), s.T())
	if !mat.EqualApprox(a, &sf, 1e-14) {
		t.Error("SuperResolution ≠ Subsample·GaussianBlur")
	}
	at, err := Matrix(b, Transpose(Must(SuperResolution(shape, 2, 0.7))))
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(at, &fst, 1e-14) {
		t.Error("SuperResolutionᵀ ≠ GaussianBlurᵀ·Subsampleᵀ")
	}
	// The unfused composition gives the same matrix.
	comp := &composition{ops: []Operator{Must(Subsample(shape, 2)), Must(GaussianBlur(shape, 0.7))}, name: "unfused"}
	c, err := Matrix(b, comp)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(c, &sf, 1e-14) {
		t.Error("unfused composition differs from Subsample·GaussianBlur")
	}
}

func TestInterpolationMatchesPyTorch(t *testing.T) {
	// F.interpolate(torch.tensor([[1., 2.], [3., 4.]])[None, None], scale_factor=2, mode=…,
	// align_corners=False); the bicubic corner 0.68359375 = 1 + 3·w with w = cubic2(1.25) =
	// −0.10546875 is exact in binary.
	x := []float64{1, 2, 3, 4}
	cases := []struct {
		method Interpolation
		want   []float64
		tol    float64
	}{
		{Bilinear, []float64{
			1, 1.25, 1.75, 2,
			1.5, 1.75, 2.25, 2.5,
			2.5, 2.75, 3.25, 3.5,
			3, 3.25, 3.75, 4}, 1e-12},
		{Bicubic, []float64{
			0.68359375, 1.015625, 1.5625, 1.89453125,
			1.34765625, 1.6796875, 2.2265625, 2.55859375,
			2.44140625, 2.7734375, 3.3203125, 3.65234375,
			3.10546875, 3.4375, 3.984375, 4.31640625}, 1e-12},
	}
	b := getBackend(t, "go")
	for _, c := range cases {
		e, err := NewExec(b, Must(Resize([]int{2, 2, 1}, 4, 4, c.method)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Apply64(x)
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := maxAbsDiff(got, c.want); d > c.tol {
			t.Errorf("%v: got %v\nwant %v", c.method, got, c.want)
		}
	}
	// Every row of every interpolation matrix sums to 1 (constants are preserved).
	for _, method := range []Interpolation{Bilinear, Bicubic} {
		for _, sz := range [][2]int{{14, 28}, {5, 3}, {1, 4}, {7, 7}} {
			m, err := InterpolationMatrix(sz[0], sz[1], method)
			if err != nil {
				t.Fatal(err)
			}
			for i := range sz[1] {
				if s := mat.Sum(m.RowView(i)); math.Abs(s-1) > 1e-12 {
					t.Errorf("%v %d→%d: row %d sums to %g", method, sz[0], sz[1], i, s)
				}
			}
		}
	}
}

// TestInterpolationDecimatedGrid: on the Decimated grid the output keeps every input sample at
// pixel f·i, where Subsample took it (so Subsample undoes the interpolation exactly), interpolates
// a periodic linear ramp exactly with bilinear weights, wraps around the border, and preserves
// constants; a half-pixel grid does none of the first three.
func TestInterpolationDecimatedGrid(t *testing.T) {
	b := getBackend(t, "go")
	for _, method := range []Interpolation{Bilinear, Bicubic} {
		for _, f := range []int{2, 4} {
			in := 7
			m, err := InterpolationMatrixOn(in, f*in, method, Decimated)
			if err != nil {
				t.Fatal(err)
			}
			for o := range f * in {
				if s := mat.Sum(m.RowView(o)); math.Abs(s-1) > 1e-12 {
					t.Errorf("%v ×%d: row %d sums to %g", method, f, o, s)
				}
				if o%f != 0 {
					continue
				}
				for i := range in {
					if want := float64(b2i(i == o/f)); math.Abs(m.At(o, i)-want) > 1e-12 {
						t.Errorf("%v ×%d: M[%d, %d] = %g, want %g (sample %d kept at pixel %d)", method, f, o, i, m.At(o, i), want, o/f, o)
					}
				}
			}
			// The last output pixels lie between the last sample and the first (periodic).
			if last := f*in - 1; m.At(last, 0) <= 0 {
				t.Errorf("%v ×%d: M[%d, 0] = %g: the border does not wrap", method, f, last, m.At(last, 0))
			}
			// 2-D: Subsample(Resize_decimated(y)) = y.
			y := make([]float64, in*in)
			for i := range y {
				y[i] = float64((i*37)%11) / 11
			}
			up, err := ResizeOn([]int{in, in, 1}, f*in, f*in, method, Decimated)
			if err != nil {
				t.Fatal(err)
			}
			e, err := NewExec(b, Must(Compose(Must(Subsample([]int{f * in, f * in, 1}, f)), up)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Apply64(y)
			if err != nil {
				t.Fatal(err)
			}
			if d, _ := maxAbsDiff(got, y); d > 1e-12 {
				t.Errorf("%v ×%d: Subsample after decimated-grid interpolation differs from y by %g", method, f, d)
			}
			half, err := InterpolationMatrix(in, f*in, method)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(half.At(0, 0)-1) < 1e-12 && math.Abs(half.At(f, 1)-1) < 1e-12 {
				t.Errorf("%v ×%d: the half-pixel grid also keeps the samples at f·i: the test cannot tell the grids apart", method, f)
			}
		}
	}
	if _, err := InterpolationMatrixOn(10, 28, Bicubic, Decimated); err == nil || !strings.Contains(err.Error(), "integer factor") {
		t.Errorf("decimated grid 10→28: error %v, want one asking for an integer factor", err)
	}
	// Bicubic halfway between samples (t = ½): Keys' weights with a = −0.75 are a/8 = −0.09375 and
	// 1 − (a + 4)/8 = 0.59375, on samples i−1, i, i+1, i+2.
	mc, err := InterpolationMatrixOn(6, 12, Bicubic, Decimated)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[int]float64{1: -0.09375, 2: 0.59375, 3: 0.59375, 4: -0.09375} {
		if got := mc.At(5, k); math.Abs(got-want) > 1e-12 {
			t.Errorf("bicubic decimated: M[5, %d] = %g, want %g (pixel 5 lies halfway between samples 2 and 3)", k, got, want)
		}
	}
	// Bilinear on the decimated grid interpolates a linear function exactly between samples.
	m, err := InterpolationMatrixOn(5, 10, Bilinear, Decimated)
	if err != nil {
		t.Fatal(err)
	}
	for o := range 8 { // pixels 0…8 lie between samples 0 and 4 without wrapping
		var got float64
		for i := range 5 {
			got += m.At(o, i) * float64(3*i)
		}
		if want := 1.5 * float64(o); math.Abs(got-want) > 1e-12 {
			t.Errorf("bilinear decimated: ramp at pixel %d = %g, want %g", o, got, want)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestConstructorErrors(t *testing.T) {
	dense := Must(Dense(mat.NewDense(2, 3, nil)))
	cases := []struct {
		name string
		make func() (Operator, error)
	}{
		{"identity empty shape", func() (Operator, error) { return Identity(nil) }},
		{"scale zero axis", func() (Operator, error) { return Scale([]int{3, 0}, 2) }},
		{"scale NaN", func() (Operator, error) { return Scale([]int{3}, math.NaN()) }},
		{"mask wrong length", func() (Operator, error) { return Mask([]int{2, 2}, []float64{1, 0, 1}) }},
		{"dense nil", func() (Operator, error) { return Dense(nil) }},
		{"dense ragged", func() (Operator, error) { return DenseRows([][]float64{{1, 2}, {3}}) }},
		{"dense NaN", func() (Operator, error) { return Dense(mat.NewDense(1, 1, []float64{math.Inf(1)})) }},
		{"select out of range", func() (Operator, error) { return Select([]int{2, 2}, []int{0, 4}) }},
		{"select nothing", func() (Operator, error) { return Select([]int{2, 2}, nil) }},
		{"separable not an image", func() (Operator, error) {
			return Separable([]int{4, 4}, mat.NewDense(2, 4, nil), mat.NewDense(2, 4, nil))
		}},
		{"separable wrong sizes", func() (Operator, error) {
			return Separable([]int{4, 4, 1}, mat.NewDense(2, 3, nil), mat.NewDense(2, 4, nil))
		}},
		{"conv centre outside", func() (Operator, error) {
			return CircularConvolution([]int{4, 4, 1}, mat.NewDense(3, 3, nil), 3, 0)
		}},
		{"blur σ = 0", func() (Operator, error) { return GaussianBlur([]int{4, 4, 1}, 0) }},
		{"subsample factor 0", func() (Operator, error) { return Subsample([]int{4, 4, 1}, 0) }},
		{"super-resolution bad σ", func() (Operator, error) { return SuperResolution([]int{4, 4, 1}, 2, -1) }},
		{"resize to 0", func() (Operator, error) { return Resize([]int{4, 4, 1}, 0, 8, Bilinear) }},
		{"resize unknown method", func() (Operator, error) { return Resize([]int{4, 4, 1}, 8, 8, Interpolation(7)) }},
		{"compose none", func() (Operator, error) { return Compose() }},
		{"compose mismatch", func() (Operator, error) { return Compose(dense, dense) }},
		{"sum mismatch", func() (Operator, error) { return Sum(dense, Transpose(dense)) }},
		{"reshape size mismatch", func() (Operator, error) { return Reshape(dense, []int{4}, []int{2}) }},
	}
	for _, c := range cases {
		if op, err := c.make(); err == nil {
			t.Errorf("%s: no error (got %s)", c.name, Describe(op))
		}
	}
	if _, err := ParseInterpolation("nearest"); err == nil {
		t.Error("ParseInterpolation(nearest) succeeded")
	}
	if m, err := ParseInterpolation("BiCubic"); err != nil || m != Bicubic {
		t.Errorf("ParseInterpolation(BiCubic) = %v, %v", m, err)
	}
}

func TestExecAndGraphErrors(t *testing.T) {
	b := getBackend(t, "go")
	op := Must(Subsample([]int{4, 4, 1}, 2))
	e, err := NewExec(b, op)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(make([]float32, 15)); err == nil {
		t.Error("Apply on 15 values of 16-value images succeeded")
	}
	if _, err := e.Adjoint(nil); err == nil {
		t.Error("Adjoint on an empty batch succeeded")
	}
	// A graph with a wrongly shaped input fails with an error naming the operator.
	_, err = graph.CallOnce(b, func(x *graph.Node) *graph.Node { return op.Apply(x) },
		tensors.FromFlatDataAndDimensions(make([]float32, 18), 2, 3, 3, 1))
	if err == nil {
		t.Error("Apply on [2,3,3,1] for a [4,4,1] operator did not fail")
	}
	if _, err := Matrix(b, Must(Identity([]int{5000}))); err == nil {
		t.Error("Matrix of a 5000×5000 operator did not refuse")
	}
	if Transpose(Transpose(op)) != op {
		t.Error("Transpose(Transpose(A)) is not A")
	}
}

func TestComposeMultipliesOutSeparable(t *testing.T) {
	shape := []int{6, 6, 1}
	op := Must(Compose(Must(Subsample(shape, 2)), Must(GaussianBlur(shape, 1))))
	s, ok := op.(*separable)
	if !ok || len(s.terms) != 1 {
		t.Fatalf("Compose(Subsample, GaussianBlur) = %T, want one separable term", op)
	}
	if got := op.OutShape(); !slices.Equal(got, []int{3, 3, 1}) {
		t.Errorf("OutShape = %v", got)
	}
}
