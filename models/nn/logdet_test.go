package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"gonum.org/v1/gonum/mat"
)

// randSPD returns a random symmetric positive-definite d×d matrix A·Aᵀ/d + 0.5·I.
func randSPD(seed uint64, d int) []float64 {
	a := randData(seed, d*d)
	m := make([]float64, d*d)
	for i := range d {
		for j := range d {
			s := 0.0
			for k := range d {
				s += a[i*d+k] * a[j*d+k]
			}
			m[i*d+j] = s / float64(d)
		}
		m[i*d+i] += 0.5
	}
	return m
}

func gonumLogDet(t *testing.T, m []float64, d int) float64 {
	t.Helper()
	var ch mat.Cholesky
	if ok := ch.Factorize(mat.NewSymDense(d, append([]float64(nil), m...))); !ok {
		t.Fatalf("gonum: matrix is not positive definite")
	}
	return ch.LogDet()
}

// iPlusAZZt returns I + a·Z·Zᵀ for Z [d,n] (row-major).
func iPlusAZZt(z []float64, d, n int, a float64) []float64 {
	m := make([]float64, d*d)
	for i := range d {
		for j := range d {
			s := 0.0
			for k := range n {
				s += z[i*n+k] * z[j*n+k]
			}
			m[i*d+j] = a * s
		}
		m[i*d+i]++
	}
	return m
}

func TestLogDetSPD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, d := range []int{1, 5, 17} {
			m := randSPD(uint64(40+d), d)
			got, _ := runF32(t, b, func(xs []*Node) *Node { return LogDetSPD(xs[0]) }, f64Tensor(m, d, d))
			if want := gonumLogDet(t, m, d); math.Abs(got[0]-want) > 1e-10*math.Max(1, math.Abs(want)) {
				t.Errorf("d=%d: LogDetSPD = %.15g, gonum Cholesky.LogDet = %.15g", d, got[0], want)
			}
		}
		// Batched [2,3,d,d].
		d := 4
		var all []float64
		var want []float64
		for i := range 6 {
			m := randSPD(uint64(60+i), d)
			all = append(all, m...)
			want = append(want, gonumLogDet(t, m, d))
		}
		got, dims := runF32(t, b, func(xs []*Node) *Node { return LogDetSPD(xs[0]) }, f64Tensor(all, 2, 3, d, d))
		assertClose(t, "batched", got, dims, want, []int{2, 3}, 1e-12)
		// Gradient by finite differences (the factorisation reads the lower triangle), unbatched
		// and batched, including the one-element case (compute-onnx once failed on it).
		for _, dims := range [][]int{{1, 1}, {2, 2}, {5, 5}, {1, 1, 1}, {2, 3, 3}} {
			d := dims[len(dims)-1]
			var m []float64
			for i := range prod(dims...) / (d * d) {
				m = append(m, randSPD(uint64(70+i), d)...)
			}
			r, err := GradCheckWith(b, GradCheckOptions{}, func(xs []*Node) *Node { return LogDetSPD(xs[0]) }, f64Tensor(m, dims...))
			if err != nil || r.MaxRelErr > 1e-6 {
				t.Errorf("LogDetSPD gradient %v: %v %v", dims, r, err)
			}
		}
	})
}

// TestLogDetIPlusAZZt checks values against gonum and the gradient against the closed form
// 2a·(I + a·Z·Zᵀ)⁻¹·Z, for d < n (Z·Zᵀ factorised) and d > n (ZᵀZ factorised).
func TestLogDetIPlusAZZt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, tc := range []struct {
			d, n int
			a    float64
		}{{6, 10, 0.7}, {9, 4, 2.5}, {16, 16, 0.3}} {
			z := randData(uint64(80+tc.d), tc.d*tc.n)
			m := iPlusAZZt(z, tc.d, tc.n, tc.a)
			want := gonumLogDet(t, m, tc.d)
			out, err := ExecOnceN(b, func(x *Node) []*Node {
				v := LogDetIPlusAZZt(x, tc.a)
				return []*Node{v, Gradient(v, x)[0]}
			}, f64Tensor(z, tc.d, tc.n))
			if err != nil {
				t.Fatal(err)
			}
			got, _, _ := toFloat64(out[0])
			grad, _, _ := toFloat64(out[1])
			name := fmt.Sprintf("d=%d n=%d a=%g", tc.d, tc.n, tc.a)
			if math.Abs(got[0]-want) > 1e-10*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: value %.15g, gonum %.15g", name, got[0], want)
			}
			var inv mat.Dense
			if err := inv.Inverse(mat.NewDense(tc.d, tc.d, m)); err != nil {
				t.Fatal(err)
			}
			var closed mat.Dense
			closed.Mul(&inv, mat.NewDense(tc.d, tc.n, z))
			closed.Scale(2*tc.a, &closed)
			assertClose(t, name+" gradient vs 2a(I+aZZᵀ)⁻¹Z", grad, []int{tc.d, tc.n}, closed.RawMatrix().Data, []int{tc.d, tc.n}, 1e-10)
		}
		// Batched input and a float32 run of the default path.
		z := randData(90, 2*3*5)
		got, dims := runF32(t, b, func(xs []*Node) *Node { return LogDetIPlusAZZt(xs[0], 1.5) }, f32Tensor(z, 2, 3, 5))
		want := []float64{gonumLogDet(t, iPlusAZZt(z[:15], 3, 5, 1.5), 3), gonumLogDet(t, iPlusAZZt(z[15:], 3, 5, 1.5), 3)}
		assertClose(t, "batched float32", got, dims, want, []int{2}, 1e-5)
	})
}

// TestLogDet64 exercises the largest size the rate-reduction loss needs (d = 64) with its
// gradient, in float32 as training would.
func TestLogDet64(t *testing.T) {
	if testing.Short() {
		t.Skip("d=64 unrolls a large graph")
	}
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		d, n := 64, 80
		z := randData(91, d*n)
		for i := range z {
			z[i] *= 0.3
		}
		out, err := ExecOnceN(b, func(x *Node) []*Node {
			v := LogDetIPlusAZZt(x, 0.5)
			return []*Node{v, Gradient(v, x)[0]}
		}, f32Tensor(z, d, n))
		if err != nil {
			t.Fatal(err)
		}
		got, _, _ := toFloat64(out[0])
		m := iPlusAZZt(z, d, n, 0.5)
		if want := gonumLogDet(t, m, d); math.Abs(got[0]-want) > 1e-4*math.Abs(want) {
			t.Errorf("d=64: %.7g, gonum %.7g", got[0], want)
		}
		grad, _, _ := toFloat64(out[1])
		var inv, closed mat.Dense
		if err := inv.Inverse(mat.NewDense(d, d, m)); err != nil {
			t.Fatal(err)
		}
		closed.Mul(&inv, mat.NewDense(d, n, z))
		closed.Scale(1.0, &closed)
		assertClose(t, "d=64 gradient", grad, []int{d, n}, closed.RawMatrix().Data, []int{d, n}, 1e-4)
	})
}
