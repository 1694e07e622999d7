package backend

import (
	"errors"
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func TestPickErrors(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{"cuda-magic", "unknown backend"},
		{"tpu:foo", "unknown backend"},
	} {
		_, err := Pick(tc.config)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrUnknown) {
			t.Errorf("Pick(%q): err=%v, want it to contain %q and wrap ErrUnknown", tc.config, err, tc.want)
		}
	}
	// A known backend that is missing here is not "unknown".
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	if _, err := Pick("go"); err != nil {
		t.Errorf("Pick(go): %v", err)
	}
	if _, err := Pick("xla:/nonexistent/pjrt_c_api_cpu_plugin.so"); errors.Is(err, ErrUnknown) {
		t.Errorf("Pick(xla:…): %v wraps ErrUnknown", err)
	}
}

func TestPickGoAlwaysAvailable(t *testing.T) {
	av := Available()
	if len(av) == 0 || av[len(av)-1] != Go {
		t.Fatalf("Available()=%v, want the list to end with %q", av, Go)
	}
	c, err := Pick("go")
	if err != nil || c.Name != Go {
		t.Fatalf("Pick(go) = %+v, %v", c, err)
	}
}

func TestPickAutoFollowsEnv(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	c, err := Pick("")
	if err != nil || c.Name != Go || !strings.Contains(c.Reason, "GOMLX_BACKEND") {
		t.Fatalf("Pick(\"\") with GOMLX_BACKEND=go: %+v, %v", c, err)
	}
}

// TestEachAvailableBackendComputes runs a small matmul+gradient on every backend this machine has.
func TestEachAvailableBackendComputes(t *testing.T) {
	for _, name := range Available() {
		t.Run(name, func(t *testing.T) {
			b, choice, err := New(name)
			if err != nil {
				t.Fatalf("New(%q): %v", name, err)
			}
			t.Logf("backend %s: %s", choice, b.Description())
			out, err := ExecOnceN(b, func(x *Node) []*Node {
				y := ReduceAllSum(Square(MatMul(x, Transpose(x, 0, 1))))
				return []*Node{y, Gradient(y, x)[0]}
			}, [][]float32{{1, 2}, {3, 4}})
			if err != nil {
				t.Fatalf("exec: %v", err)
			}
			// x·xᵀ = [[5,11],[11,25]] → sum of squares 25+121+121+625 = 892.
			if got := tensors.ToScalar[float32](out[0]); math.Abs(float64(got)-892) > 1e-3 {
				t.Errorf("value %v, want 892", got)
			}
			// d/dx ‖x xᵀ‖² = 4·(x xᵀ)·x = 4·[[5,11],[11,25]]·[[1,2],[3,4]] = 4·[[38,54],[86,122]].
			g := out[1].Value().([][]float32)
			want := [][]float32{{152, 216}, {344, 488}}
			for i := range want {
				for j := range want[i] {
					if math.Abs(float64(g[i][j]-want[i][j])) > 1e-2 {
						t.Errorf("grad[%d][%d]=%v, want %v", i, j, g[i][j], want[i][j])
					}
				}
			}
		})
	}
}
