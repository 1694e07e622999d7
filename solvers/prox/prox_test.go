package prox

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/models/backend/backendtest"
)

func getBackend(t testing.TB, name string) compute.Backend { return backendtest.Get(t, name) }

// forEachBackend runs fn as a subtest for every backend available on this machine.
func forEachBackend(t *testing.T, fn func(t *testing.T, b compute.Backend)) {
	t.Helper()
	backendtest.ForEach(t, func(t *testing.T, b compute.Backend, _ string) { fn(t, b) })
}

// op is one proximal operator under test: its graph form with its parameters as nodes, and a
// host reference for one batch element (row) with that element's parameter values.
type op struct {
	name   string
	params int // number of parameters (0, 1 or 2)
	// draw returns valid parameter values for one batch element.
	draw        func(rng *rand.Rand) []float64
	elementwise bool // whether a parameter may have x's full shape
	graphFn     func(x *graph.Node, p []*graph.Node) *graph.Node
	host        func(row []float64, p []float64) ([]float64, error)
}

var ops = []op{
	{
		name: "SoftThreshold", params: 1, elementwise: true,
		draw:    func(rng *rand.Rand) []float64 { return []float64{0.2 + rng.Float64()} },
		graphFn: func(x *graph.Node, p []*graph.Node) *graph.Node { return SoftThreshold(x, p[0]) },
		host:    func(row, p []float64) ([]float64, error) { return SoftThresholdHost(row, p[0]) },
	},
	{
		name: "NonNegSoftThreshold", params: 1, elementwise: true,
		draw:    func(rng *rand.Rand) []float64 { return []float64{0.2 + rng.Float64()} },
		graphFn: func(x *graph.Node, p []*graph.Node) *graph.Node { return NonNegSoftThreshold(x, p[0]) },
		host:    func(row, p []float64) ([]float64, error) { return NonNegSoftThresholdHost(row, p[0]) },
	},
	{
		name: "NonNegative", params: 0,
		draw:    func(*rand.Rand) []float64 { return nil },
		graphFn: func(x *graph.Node, _ []*graph.Node) *graph.Node { return NonNegative(x) },
		host:    func(row, _ []float64) ([]float64, error) { return NonNegativeHost(row), nil },
	},
	{
		name: "Box", params: 2, elementwise: true,
		draw: func(rng *rand.Rand) []float64 {
			lo := -1.5 + rng.Float64()
			return []float64{lo, lo + 0.5 + 2*rng.Float64()}
		},
		graphFn: func(x *graph.Node, p []*graph.Node) *graph.Node { return Box(x, p[0], p[1]) },
		host:    func(row, p []float64) ([]float64, error) { return BoxHost(row, p[0], p[1]) },
	},
	{
		name: "L2Ball", params: 1,
		draw:    func(rng *rand.Rand) []float64 { return []float64{0.5 + 4*rng.Float64()} },
		graphFn: func(x *graph.Node, p []*graph.Node) *graph.Node { return L2Ball(x, p[0]) },
		host:    func(row, p []float64) ([]float64, error) { return L2BallHost(row, p[0]) },
	},
}

// testInput returns a [4, 3, 5] batch: random values of both signs and sizes, with exact zeros
// and (in element 0) values exactly at ±1, plus one all-zero batch element (for L2Ball's 0/0).
func testInput(rng *rand.Rand) (x []float64, dims []int) {
	dims = []int{4, 3, 5}
	x = make([]float64, 4*15)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	x[0], x[1], x[2] = 0, 1, -1
	x[20] = 0
	for i := 45; i < 60; i++ { // element 3 is zero
		x[i] = 0
	}
	return x, dims
}

func toDType(v []float64, dt dtypes.DType, dims ...int) *tensors.Tensor {
	if dt == dtypes.Float32 {
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...)
	}
	return tensors.FromFlatDataAndDimensions(append([]float64(nil), v...), dims...)
}

func fromTensor(t *testing.T, tt *tensors.Tensor) []float64 {
	t.Helper()
	defer tt.MustFinalizeAll()
	switch tt.DType() {
	case dtypes.Float32:
		f, err := tensors.CopyFlatData[float32](tt)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out
	default:
		f, err := tensors.CopyFlatData[float64](tt)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
}

// runGraph evaluates fn(x, params...) on backend b.
func runGraph(b compute.Backend, fn func(x *graph.Node, p []*graph.Node) *graph.Node, x *tensors.Tensor, params []*tensors.Tensor) (*tensors.Tensor, error) {
	args := []any{x}
	for _, p := range params {
		args = append(args, p)
	}
	return graph.CallOnce(b, func(in []*graph.Node) *graph.Node { return fn(in[0], in[1:]) }, args...)
}

// TestAgainstHost checks every operator on every backend, in float32 and float64, with its
// parameters given as scalars, per batch element and (element-wise operators) per value,
// against the host formulas.
func TestAgainstHost(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		for _, o := range ops {
			for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				modes := []string{"scalar", "batch"}
				if o.elementwise {
					modes = append(modes, "full")
				}
				if o.params == 0 {
					modes = []string{"none"}
				}
				for _, mode := range modes {
					t.Run(fmt.Sprintf("%s/%s/%s", o.name, dt, mode), func(t *testing.T) {
						rng := rand.New(rand.NewPCG(uint64(len(o.name)), uint64(len(mode))))
						x, dims := testInput(rng)
						batch, per := dims[0], dims[1]*dims[2]
						// values[j][i]: parameter j for flat value i.
						values := make([][]float64, o.params)
						for j := range values {
							values[j] = make([]float64, len(x))
						}
						var params []*tensors.Tensor
						switch mode {
						case "scalar":
							p := o.draw(rng)
							for j := range values {
								for i := range values[j] {
									values[j][i] = p[j]
								}
								params = append(params, toDType([]float64{p[j]}, dt))
							}
						case "batch":
							vecs := make([][]float64, o.params)
							for k := range batch {
								p := o.draw(rng)
								for j := range values {
									vecs[j] = append(vecs[j], p[j])
									for i := k * per; i < (k+1)*per; i++ {
										values[j][i] = p[j]
									}
								}
							}
							for j := range vecs {
								params = append(params, toDType(vecs[j], dt, batch))
							}
						case "full":
							for i := range x {
								p := o.draw(rng)
								for j := range values {
									values[j][i] = p[j]
								}
							}
							for j := range values {
								params = append(params, toDType(values[j], dt, dims...))
							}
						}
						// Scalar tensors: FromFlatDataAndDimensions with no dims is a scalar.
						want := make([]float64, 0, len(x))
						for k := range batch {
							row := x[k*per : (k+1)*per]
							if o.elementwise || o.params == 0 {
								for i, v := range row {
									p := make([]float64, o.params)
									for j := range p {
										p[j] = values[j][k*per+i]
									}
									y, err := o.host([]float64{v}, p)
									if err != nil {
										t.Fatal(err)
									}
									want = append(want, y[0])
								}
								continue
							}
							p := make([]float64, o.params)
							for j := range p {
								p[j] = values[j][k*per]
							}
							y, err := o.host(row, p)
							if err != nil {
								t.Fatal(err)
							}
							want = append(want, y...)
						}
						out, err := runGraph(b, o.graphFn, toDType(x, dt, dims...), params)
						if err != nil {
							t.Fatal(err)
						}
						got := fromTensor(t, out)
						tol := 1e-14
						if dt == dtypes.Float32 {
							tol = 1e-6
						}
						nonzero := 0
						for i := range want {
							if math.Abs(got[i]-want[i]) > tol*max(1, math.Abs(want[i])) {
								t.Fatalf("value %d (x = %g): got %.9g, want %.9g", i, x[i], got[i], want[i])
							}
							if want[i] != 0 {
								nonzero++
							}
							// Exact zeros stay exact (sparsity is counted by them).
							if want[i] == 0 && got[i] != 0 {
								t.Fatalf("value %d (x = %g): got %g, want exactly 0", i, x[i], got[i])
							}
						}
						if nonzero == 0 || nonzero == len(want) && o.name != "L2Ball" && o.name != "Box" {
							t.Fatalf("degenerate test: %d of %d results non-zero", nonzero, len(want))
						}
					})
				}
			}
		}
	})
}

// TestHostFormulas pins the host references on hand-computed values, so that the graph tests
// compare against something known.
func TestHostFormulas(t *testing.T) {
	x := []float64{-3, -1, -0.5, 0, 0.25, 1, 2.5}
	for _, tc := range []struct {
		name string
		got  func() ([]float64, error)
		want []float64
	}{
		{"SoftThreshold t=1", func() ([]float64, error) { return SoftThresholdHost(x, 1) }, []float64{-2, 0, 0, 0, 0, 0, 1.5}},
		{"SoftThreshold t=0", func() ([]float64, error) { return SoftThresholdHost(x, 0) }, x},
		{"NonNegSoftThreshold t=0.5", func() ([]float64, error) { return NonNegSoftThresholdHost(x, 0.5) }, []float64{0, 0, 0, 0, 0, 0.5, 2}},
		{"NonNegative", func() ([]float64, error) { return NonNegativeHost(x), nil }, []float64{0, 0, 0, 0, 0.25, 1, 2.5}},
		{"Box [-1, 2]", func() ([]float64, error) { return BoxHost(x, -1, 2) }, []float64{-1, -1, -0.5, 0, 0.25, 1, 2}},
		{"Box [0, +Inf]", func() ([]float64, error) { return BoxHost(x, 0, math.Inf(1)) }, []float64{0, 0, 0, 0, 0.25, 1, 2.5}},
		{"L2Ball r=5 (3,4) on the sphere", func() ([]float64, error) { return L2BallHost([]float64{3, 4}, 5) }, []float64{3, 4}},
		{"L2Ball r=1 (3,4)", func() ([]float64, error) { return L2BallHost([]float64{3, -4}, 1) }, []float64{0.6, -0.8}},
		{"L2Ball r=0 (3,4)", func() ([]float64, error) { return L2BallHost([]float64{3, 4}, 0) }, []float64{0, 0}},
		{"L2Ball r=1 zero", func() ([]float64, error) { return L2BallHost([]float64{0, 0}, 1) }, []float64{0, 0}},
	} {
		got, err := tc.got()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		for i := range tc.want {
			if math.Abs(got[i]-tc.want[i]) > 1e-15 {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"negative threshold", func() error { _, err := SoftThresholdHost(x, -1); return err }, "≥ 0"},
		{"NaN threshold", func() error { _, err := NonNegSoftThresholdHost(x, math.NaN()); return err }, "threshold"},
		{"empty box", func() error { _, err := BoxHost(x, 1, 0); return err }, "empty box"},
		{"negative radius", func() error { _, err := L2BallHost(x, -0.1); return err }, "radius"},
	} {
		err := tc.err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

// TestGradients checks GoMLX's autodiff of ⟨w, P(x)⟩ with respect to x (and to the threshold of
// the soft-thresholdings) against central finite differences of the host formulas, in float64,
// at points away from the kinks.
func TestGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		for _, o := range ops {
			t.Run(o.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, uint64(len(o.name))))
				const batch, per = 3, 6
				p := o.draw(rng)
				x := make([]float64, batch*per)
				for i := range x {
					// Keep away from the kinks at ±t, lo, hi, 0 and the sphere.
					for {
						x[i] = 2 * rng.NormFloat64()
						ok := math.Abs(x[i]) > 0.05
						for _, v := range p {
							ok = ok && math.Abs(math.Abs(x[i])-math.Abs(v)) > 0.05 && math.Abs(x[i]-v) > 0.05
						}
						if ok {
							break
						}
					}
				}
				w := make([]float64, len(x))
				for i := range w {
					w[i] = rng.NormFloat64()
				}
				// Host objective f(x, p) = Σ_k ⟨w_k, P(x_k; p)⟩.
				f := func(x, p []float64) float64 {
					var s float64
					for k := range batch {
						y, err := o.host(x[k*per:(k+1)*per], p)
						if err != nil {
							t.Fatal(err)
						}
						for i, v := range y {
							s += w[k*per+i] * v
						}
					}
					return s
				}
				const h = 1e-6
				wantGrad := make([]float64, len(x))
				for i := range x {
					xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
					xp[i] += h
					xm[i] -= h
					wantGrad[i] = (f(xp, p) - f(xm, p)) / (2 * h)
				}
				args := []any{toDType(x, dtypes.Float64, batch, per), toDType(w, dtypes.Float64, batch, per)}
				for _, v := range p {
					args = append(args, toDType([]float64{v}, dtypes.Float64))
				}
				outs, err := graph.CallOnceN(b, func(in []*graph.Node) []*graph.Node {
					xn, wn := in[0], in[1]
					obj := graph.ReduceAllSum(graph.Mul(wn, o.graphFn(xn, in[2:])))
					wrt := append([]*graph.Node{xn}, in[2:]...)
					return graph.Gradient(obj, wrt...)
				}, args...)
				if err != nil {
					t.Fatal(err)
				}
				got := fromTensor(t, outs[0])
				for i := range got {
					if math.Abs(got[i]-wantGrad[i]) > 1e-6*max(1, math.Abs(wantGrad[i])) {
						t.Fatalf("∂/∂x[%d] (x = %g): autodiff %.9g, finite differences %.9g", i, x[i], got[i], wantGrad[i])
					}
				}
				if o.name == "SoftThreshold" || o.name == "NonNegSoftThreshold" || o.name == "L2Ball" {
					pp, pm := []float64{p[0] + h}, []float64{p[0] - h}
					want := (f(x, pp) - f(x, pm)) / (2 * h)
					gotT := fromTensor(t, outs[1])[0]
					if math.Abs(gotT-want) > 1e-6*max(1, math.Abs(want)) || want == 0 {
						t.Fatalf("∂/∂(parameter): autodiff %.9g, finite differences %.9g", gotT, want)
					}
				} else {
					for _, o := range outs[1:] {
						o.MustFinalizeAll()
					}
				}
			})
		}
	})
}

// TestParameterShapes checks that invalid parameter shapes and dtypes are refused with a message
// naming the operator and the parameter.
func TestParameterShapes(t *testing.T) {
	b := getBackend(t, "go")
	x := toDType(make([]float64, 12), dtypes.Float32, 4, 3)
	for _, tc := range []struct {
		name  string
		param *tensors.Tensor
		fn    func(x *graph.Node, p []*graph.Node) *graph.Node
		want  string
	}{
		{"threshold of wrong length", toDType(make([]float64, 3), dtypes.Float32, 3),
			func(x *graph.Node, p []*graph.Node) *graph.Node { return SoftThreshold(x, p[0]) }, "threshold t has shape"},
		{"threshold of wrong dtype", toDType([]float64{1}, dtypes.Float64),
			func(x *graph.Node, p []*graph.Node) *graph.Node { return NonNegSoftThreshold(x, p[0]) }, "dtype"},
		{"radius of x's shape", toDType(make([]float64, 12), dtypes.Float32, 4, 3),
			func(x *graph.Node, p []*graph.Node) *graph.Node { return L2Ball(x, p[0]) }, "radius r has shape"},
		{"box bound of a transposed shape", toDType(make([]float64, 12), dtypes.Float32, 3, 4),
			func(x *graph.Node, p []*graph.Node) *graph.Node { return Box(x, p[0], p[0]) }, "lower bound lo has shape"},
	} {
		_, err := runGraph(b, tc.fn, x, []*tensors.Tensor{tc.param})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}
