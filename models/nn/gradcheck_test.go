package nn

import (
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
)

// fakeT records CheckGradient's reports.
type fakeT struct{ errors, logs []string }

func (f *fakeT) Helper()                           {}
func (f *fakeT) Errorf(format string, args ...any) { f.errors = append(f.errors, format) }
func (f *fakeT) Logf(format string, args ...any)   { f.logs = append(f.logs, format) }

// TestGradCheckDetectsWrongGradients makes sure the checker is not trivially passing: a
// gradient scaled by 1.01 and a gradient with one element dropped must be flagged, the true one not.
func TestGradCheckDetectsWrongGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		x := []float64{0.3, -1.2, 2.0, 0.7}
		exact := func(xs []*Node) *Node { return Mul(xs[0], Sin(xs[0])) }
		scaled := func(xs []*Node) *Node {
			y := IdentityWithCustomGradient(xs[0], func(_, v *Node) *Node { return MulScalar(v, 1.01) })
			return Mul(y, Sin(StopGradient(xs[0])))
		}
		masked := func(xs []*Node) *Node {
			y := IdentityWithCustomGradient(xs[0], func(_, v *Node) *Node {
				return Mul(v, ConstAs(v, []float64{1, 1, 0, 1}))
			})
			return Mul(y, Sin(StopGradient(xs[0])))
		}
		abs, rel, err := GradCheck(b, exact, x)
		if err != nil || rel > 1e-8 || abs > 1e-8 {
			t.Errorf("exact gradient flagged: abs %g rel %g err %v", abs, rel, err)
		}
		for name, fn := range map[string]func([]*Node) *Node{"scaled": scaled, "masked": masked} {
			_, rel, err := GradCheck(b, fn, x)
			if err != nil || rel < 1e-3 {
				t.Errorf("%s: wrong gradient not detected (rel %g, err %v)", name, rel, err)
			}
			ft := &fakeT{}
			CheckGradient(ft, b, 1e-6, fn, x)
			if len(ft.errors) != 1 {
				t.Errorf("%s: CheckGradient reported %d errors, want 1", name, len(ft.errors))
			}
		}
		ft := &fakeT{}
		if r := CheckGradient(ft, b, 1e-6, exact, x); len(ft.errors) != 0 || r.Checked != 4 {
			t.Errorf("CheckGradient on the exact gradient: %v, errors %v", r, ft.errors)
		}
		// Float32 mode and subsets.
		r, err := GradCheckWith(b, GradCheckOptions{DType: dtypes.Float32, MaxElements: 2}, exact, x)
		if err != nil || r.Checked != 2 || r.MaxRelErr > 1e-2 {
			t.Errorf("float32 check: %v %v", r, err)
		}
	})
}

func TestGradCheckErrors(t *testing.T) {
	if _, _, err := GradCheck(nil, func(xs []*Node) *Node { return xs[0] }, []float64{1}); err == nil {
		t.Error("nil backend accepted")
	}
	forEachBackend(t, func(t *testing.T, b compute.Backend, kind string) {
		for _, tc := range []struct {
			name   string
			inputs []any
			want   string
		}{
			{"no inputs", nil, "no inputs"},
			{"int input", []any{[]int32{1, 2}}, "float32 or float64"},
		} {
			_, _, err := GradCheck(b, func(xs []*Node) *Node { return xs[0] }, tc.inputs...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
			}
		}
	})
}
