package nn

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/models/backend"
)

// Backends are created once per test binary (creating ONNX Runtime environments repeatedly is slow).
var (
	backendsMu sync.Mutex
	backends   = map[string]compute.Backend{}
)

// forEachBackend runs fn as a subtest for every backend available on this machine.
func forEachBackend(t *testing.T, fn func(t *testing.T, b compute.Backend, kind string)) {
	t.Helper()
	for _, name := range backend.Available() {
		t.Run(name, func(t *testing.T) {
			backendsMu.Lock()
			b, ok := backends[name]
			if !ok {
				var err error
				b, _, err = backend.New(name)
				if err != nil {
					backendsMu.Unlock()
					t.Fatalf("backend.New(%q): %v", name, err)
				}
				backends[name] = b
			}
			backendsMu.Unlock()
			fn(t, b, BackendKind(b))
		})
	}
}

// randData returns n values uniform in [-1, 1) from a seeded generator.
func randData(seed uint64, n int) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, n)
	for i := range out {
		out[i] = 2*r.Float64() - 1
	}
	return out
}

func prod(dims ...int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

func f32Tensor(data []float64, dims ...int) *tensors.Tensor {
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

func f64Tensor(data []float64, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]float64(nil), data...), dims...)
}

// runF32 executes fn on float32 copies of the inputs and returns the flat float64 output.
func runF32(t *testing.T, b compute.Backend, fn func(xs []*Node) *Node, inputs ...*tensors.Tensor) ([]float64, []int) {
	t.Helper()
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in
	}
	out, err := ExecOnce(b, fn, args...)
	if err != nil {
		t.Fatalf("exec: %v", err)
	}
	if out.DType() != dtypes.Float32 && out.DType() != dtypes.Float64 {
		t.Fatalf("unexpected output dtype %s", out.DType())
	}
	d, dims, err := toFloat64(out)
	if err != nil {
		t.Fatal(err)
	}
	return d, dims
}

// assertClose fails if got and want differ by more than tol·max(1, max|want|) anywhere.
func assertClose(t *testing.T, what string, got []float64, gotDims []int, want []float64, wantDims []int, tol float64) {
	t.Helper()
	if len(gotDims) != len(wantDims) {
		t.Fatalf("%s: got shape %v, want %v", what, gotDims, wantDims)
	}
	for i := range gotDims {
		if gotDims[i] != wantDims[i] {
			t.Fatalf("%s: got shape %v, want %v", what, gotDims, wantDims)
		}
	}
	scale := 1.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	worst, at := 0.0, -1
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > worst || math.IsNaN(d) {
			worst, at = d, i
			if math.IsNaN(d) {
				worst = math.Inf(1)
			}
		}
	}
	if worst > tol*scale {
		t.Errorf("%s: max error %.3g at flat index %d (got %.7g, want %.7g), tolerance %.3g", what, worst, at, got[at], want[at], tol*scale)
	}
}

// ---- Independent host references (float64, nested loops). ----

// refConv2D: x [B,H,W,Ci], k [kh,kw,Ci,Co] → [B,Ho,Wo,Co], PyTorch conv2d semantics.
func refConv2D(x []float64, xd []int, k []float64, kd []int, stride, pad int) ([]float64, []int) {
	B, H, W, Ci := xd[0], xd[1], xd[2], xd[3]
	kh, kw, Co := kd[0], kd[1], kd[3]
	Ho := (H+2*pad-kh)/stride + 1
	Wo := (W+2*pad-kw)/stride + 1
	out := make([]float64, B*Ho*Wo*Co)
	for b := range B {
		for o := range Ho {
			for p := range Wo {
				for co := range Co {
					s := 0.0
					for di := range kh {
						for dj := range kw {
							i, j := o*stride+di-pad, p*stride+dj-pad
							if i < 0 || i >= H || j < 0 || j >= W {
								continue
							}
							for ci := range Ci {
								s += x[((b*H+i)*W+j)*Ci+ci] * k[((di*kw+dj)*Ci+ci)*Co+co]
							}
						}
					}
					out[((b*Ho+o)*Wo+p)*Co+co] = s
				}
			}
		}
	}
	return out, []int{B, Ho, Wo, Co}
}

// refConvTranspose2D scatters every input pixel times the kernel into the output (PyTorch's
// conv_transpose2d definition), with k [kh,kw,Ci,Co].
func refConvTranspose2D(x []float64, xd []int, k []float64, kd []int, stride, pad, outPad int) ([]float64, []int) {
	B, H, W, Ci := xd[0], xd[1], xd[2], xd[3]
	kh, kw, Co := kd[0], kd[1], kd[3]
	Ho := (H-1)*stride - 2*pad + kh + outPad
	Wo := (W-1)*stride - 2*pad + kw + outPad
	out := make([]float64, B*Ho*Wo*Co)
	for b := range B {
		for i := range H {
			for j := range W {
				for di := range kh {
					for dj := range kw {
						o, p := i*stride+di-pad, j*stride+dj-pad
						if o < 0 || o >= Ho || p < 0 || p >= Wo {
							continue
						}
						for ci := range Ci {
							xv := x[((b*H+i)*W+j)*Ci+ci]
							for co := range Co {
								out[((b*Ho+o)*Wo+p)*Co+co] += xv * k[((di*kw+dj)*Ci+ci)*Co+co]
							}
						}
					}
				}
			}
		}
	}
	return out, []int{B, Ho, Wo, Co}
}

// refPool: non-overlapping size×size windows, floor mode.
func refPool(x []float64, xd []int, size int, isMax bool) ([]float64, []int) {
	B, H, W, C := xd[0], xd[1], xd[2], xd[3]
	Ho, Wo := H/size, W/size
	out := make([]float64, B*Ho*Wo*C)
	for b := range B {
		for o := range Ho {
			for p := range Wo {
				for c := range C {
					acc := math.Inf(-1)
					if !isMax {
						acc = 0
					}
					for di := range size {
						for dj := range size {
							v := x[((b*H+o*size+di)*W+p*size+dj)*C+c]
							if isMax {
								acc = math.Max(acc, v)
							} else {
								acc += v / float64(size*size)
							}
						}
					}
					out[((b*Ho+o)*Wo+p)*C+c] = acc
				}
			}
		}
	}
	return out, []int{B, Ho, Wo, C}
}

// refBilinear computes each output pixel from its four neighbours, following PyTorch's
// upsample_bilinear2d kernel (area_pixel_compute_source_index with align_corners=False).
func refBilinear(x []float64, xd []int, outH, outW int) ([]float64, []int) {
	B, H, W, C := xd[0], xd[1], xd[2], xd[3]
	src := func(dst, in, out int) (int, int, float64) {
		s := float64(in)/float64(out)*(float64(dst)+0.5) - 0.5
		if s < 0 {
			s = 0
		}
		i0 := int(math.Floor(s))
		i1 := i0
		if i0 < in-1 {
			i1 = i0 + 1
		}
		return i0, i1, s - float64(i0)
	}
	out := make([]float64, B*outH*outW*C)
	for b := range B {
		for o := range outH {
			h0, h1, lh := src(o, H, outH)
			for p := range outW {
				w0, w1, lw := src(p, W, outW)
				for c := range C {
					at := func(i, j int) float64 { return x[((b*H+i)*W+j)*C+c] }
					out[((b*outH+o)*outW+p)*C+c] = (1-lh)*((1-lw)*at(h0, w0)+lw*at(h0, w1)) +
						lh*((1-lw)*at(h1, w0)+lw*at(h1, w1))
				}
			}
		}
	}
	return out, []int{B, outH, outW, C}
}
