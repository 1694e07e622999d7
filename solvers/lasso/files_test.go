package lasso

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sparselab/sparselab/solvers/npy"
)

// TestSolveNPY writes a dictionary and signals in every layout and dtype, solves from the files
// and checks the written codes against the exact solver (and z = 0 for λ > λ_max).
func TestSolveNPY(t *testing.T) {
	b := getBackend(t, "go")
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(41, 42))
	p := newProblem(rng, 12, 20, 5, false)
	m, k, n := p.m, p.k, len(p.x)
	dict := filepath.Join(dir, "D.npy")
	if err := npy.WriteFile(dict, p.d.RawMatrix().Data, []int{m, k}); err != nil {
		t.Fatal(err)
	}
	rows := p.flatX()
	cols := make([]float64, len(rows))
	for i := range n {
		for r := range m {
			cols[r*n+i] = rows[i*m+r]
		}
	}
	rows32 := make([]float32, len(rows))
	for i, v := range rows {
		rows32[i] = float32(v)
	}
	write := func(name string, write func(path string) error) string {
		path := filepath.Join(dir, name)
		if err := write(path); err != nil {
			t.Fatal(err)
		}
		return path
	}
	xRows := write("rows.npy", func(p string) error { return npy.WriteFile(p, rows, []int{n, m}) })
	xCols := write("cols.npy", func(p string) error { return npy.WriteFile(p, cols, []int{m, n}) })
	xRows32 := write("rows32.npy", func(p string) error { return npy.WriteFile(p, rows32, []int{n, m}) })
	xOne := write("one.npy", func(p string) error { return npy.WriteFile(p, rows[:m], []int{m}) })

	const frac = 0.3
	exact := make([][]float64, n)
	for i := range n {
		lam := frac * maxAbs(matVec(p.d.T(), p.x[i]))
		exact[i] = exactLasso(p.d, p.x[i], lam, false)
	}
	for _, tc := range []struct {
		name, signals, layout, dtype string
		wantShape                    []int
		wantDType, wantLayout        string
		signalsOut                   int
		tol                          float64
	}{
		{"rows float64", xRows, "", "", []int{n, k}, "float64", LayoutRows, n, 1e-8},
		{"columns float64", xCols, "auto", "", []int{k, n}, "float64", LayoutColumns, n, 1e-8},
		// D is stored in float64, so "auto" computes in float64 (on the float32-rounded signals).
		{"rows float32 auto", xRows32, "rows", "auto", []int{n, k}, "float64", LayoutRows, n, 1e-5},
		{"rows forced float32", xRows, "rows", "float32", []int{n, k}, "float32", LayoutRows, n, 2e-4},
		{"single signal", xOne, "", "", []int{k}, "float64", "single", 1, 1e-8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npy")
			rep, err := SolveNPY(b, NPYJob{Dict: dict, Signals: tc.signals, Out: out, Lambda: frac, Relative: true,
				Layout: tc.layout, DType: tc.dtype, Batch: 2, Settings: Settings{Tolerance: 1e-12, MaxIterations: 5000}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.DType != tc.wantDType || rep.Layout != tc.wantLayout || rep.N != tc.signalsOut || rep.M != m || rep.K != k {
				t.Errorf("report %+v", rep)
			}
			if want := (tc.signalsOut + 1) / 2; rep.Batches != want || (rep.DType == "float64" && rep.Converged != want) {
				t.Errorf("%d batches (%d converged), want %d", rep.Batches, rep.Converged, want)
			}
			h, err := npy.ReadFileHeader(out)
			if err != nil {
				t.Fatal(err)
			}
			if wantDescr := map[string]string{"float32": "<f4", "float64": "<f8"}[tc.wantDType]; h.Descr != wantDescr {
				t.Errorf("Z written as %s, want %s", h.Descr, wantDescr)
			}
			z, shape, err := npy.ReadFile[float64](out)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, tc.wantShape) {
				t.Fatalf("Z has shape %v, want %v", shape, tc.wantShape)
			}
			for i := range tc.signalsOut {
				for j := range k {
					got := z[i*k+j]
					if tc.wantLayout == LayoutColumns {
						got = z[j*n+i]
					}
					if d := math.Abs(got - exact[i][j]); d > tc.tol*max(1, maxAbs(exact[i])) {
						t.Fatalf("signal %d atom %d: %g, exact %g", i, j, got, exact[i][j])
					}
				}
			}
		})
	}
	// λ above every λ_max: all codes are zero.
	out := filepath.Join(dir, "zero.npy")
	if _, err := SolveNPY(b, NPYJob{Dict: dict, Signals: xRows, Out: out, Lambda: 1.01, Relative: true}); err != nil {
		t.Fatal(err)
	}
	if z, _, err := npy.ReadFile[float64](out); err != nil || maxAbs(z) != 0 {
		t.Errorf("λ = 1.01·λ_max: ‖Z‖∞ = %g (err %v), want 0", maxAbs(z), err)
	}

	// Errors.
	bad3 := write("bad3.npy", func(p string) error { return npy.WriteFile(p, make([]float64, 8), []int{2, 2, 2}) })
	wrong := write("wrong.npy", func(p string) error { return npy.WriteFile(p, make([]float64, 5*13), []int{5, 13}) })
	nanSignals := write("nan.npy", func(p string) error {
		v := make([]float64, 3*12)
		v[2*12+5] = math.NaN()
		return npy.WriteFile(p, v, []int{3, 12})
	})
	single := write("single.npy", func(p string) error { return npy.WriteFile(p, make([]float64, 12), []int{12}) })
	infDict := write("inf.npy", func(p string) error {
		v := make([]float64, 12*20)
		v[1*20+7] = math.Inf(-1)
		return npy.WriteFile(p, v, []int{12, 20})
	})
	for _, tc := range []struct {
		name string
		job  NPYJob
		want string
	}{
		{"missing dictionary", NPYJob{Dict: filepath.Join(dir, "nope.npy"), Signals: xRows}, "dictionary"},
		{"3-D dictionary", NPYJob{Dict: bad3, Signals: xRows}, "want a non-empty [m, k] matrix"},
		{"signal size mismatch", NPYJob{Dict: dict, Signals: wrong}, "need 12 values"},
		{"rows forced on columns", NPYJob{Dict: dict, Signals: xCols, Layout: LayoutRows}, "with layout rows"},
		{"unknown layout", NPYJob{Dict: dict, Signals: xRows, Layout: "diagonal"}, "unknown layout"},
		{"unknown layout, one signal", NPYJob{Dict: dict, Signals: single, Layout: "diagonal"}, "unknown layout"},
		{"unknown dtype", NPYJob{Dict: dict, Signals: xRows, DType: "int8"}, "unknown dtype"},
		{"negative λ", NPYJob{Dict: dict, Signals: xRows, Lambda: -1}, "≥ 0"},
		{"3-D signals", NPYJob{Dict: dict, Signals: bad3}, "want [n, 12]"},
		{"NaN in the signals", NPYJob{Dict: dict, Signals: nanSignals}, "nan.npy holds NaN at index [2 5]"},
		{"−Inf in the dictionary", NPYJob{Dict: infDict, Signals: xRows}, "inf.npy holds -Inf at index [1 7]"},
	} {
		tc.job.Out = filepath.Join(dir, "err.npy")
		_, err := SolveNPY(b, tc.job)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}
