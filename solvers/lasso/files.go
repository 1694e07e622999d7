package lasso

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/solvers/linop"
	"github.com/sparselab/sparselab/solvers/npy"
	"gonum.org/v1/gonum/mat"
)

// Layouts of the signals file of [SolveNPY].
const (
	// LayoutAuto is LayoutRows if X's second axis has m entries, else LayoutColumns if its first
	// one has (a square X is read as rows).
	LayoutAuto = "auto"
	// LayoutRows: X is [n, m], one signal per row (NumPy/PyTorch's convention); Z is written [n, k].
	LayoutRows = "rows"
	// LayoutColumns: X is [m, n], one signal per column (the matrix convention X ≈ D·Z); Z is
	// written [k, n].
	LayoutColumns = "columns"
)

// DefaultFileBatch is the number of signals solved per call by [SolveNPY].
const DefaultFileBatch = 1024

// NPYJob describes a LASSO run on .npy files, what `sparselab solve lasso` does.
type NPYJob struct {
	// Dict is the dictionary D, a [m, k] array (m signal values, k atoms).
	Dict string
	// Signals is X: [n, m] (rows), [m, n] (columns) or [m] (one signal); see Layout.
	Signals string
	// Out receives the codes Z: [n, k] for rows, [k, n] for columns, [k] for one signal.
	Out string
	// Lambda is λ, or with Relative the fraction of each signal's λ_max = ‖Dᵀx‖∞.
	Lambda   float64
	Relative bool
	// Layout is LayoutAuto (or ""), LayoutRows or LayoutColumns.
	Layout string
	// DType is "float32", "float64", or "auto"/"" (float64 if D or X is stored in float64); Z is
	// written in it.
	DType string
	// Batch is the number of signals per solve; 0 means DefaultFileBatch.
	Batch int
	// Settings are the solver's (Lambdas and Init must be nil: they are per batch).
	Settings Settings
	// Progress, if set, receives one line per batch.
	Progress io.Writer
}

// NPYReport summarises a [SolveNPY] run.
type NPYReport struct {
	M int `json:"m"` // values per signal
	K int `json:"k"` // atoms
	N int `json:"n"` // signals
	// Layout is LayoutRows, LayoutColumns or "single" (X of shape [m]); DType is "float32" or
	// "float64".
	Layout    string  `json:"layout"`
	DType     string  `json:"dtype"`
	Lipschitz float64 `json:"lipschitz"` // L used (0 with backtracking from a rough start)
	// Iterations is the largest number of iterations run by a batch; Converged counts the
	// batches that met the tolerance, out of Batches.
	Iterations    int           `json:"iterations"`
	Converged     int           `json:"converged_batches"`
	Batches       int           `json:"batches"`
	MeanObjective float64       `json:"mean_objective"`
	MeanNonZeros  float64       `json:"mean_nonzeros"`
	Runtime       time.Duration `json:"-"`
}

// SolveNPY reads D and X from .npy files, solves the LASSO for every signal on backend b in
// batches, and writes Z as a .npy file.
func SolveNPY(b compute.Backend, job NPYJob) (*NPYReport, error) {
	start := time.Now()
	if job.Settings.Lambdas != nil || job.Settings.Init != nil {
		return nil, fmt.Errorf("lasso.SolveNPY: Settings.Lambdas and Settings.Init are per batch; use Lambda/Relative")
	}
	if !(job.Lambda >= 0) {
		return nil, fmt.Errorf("lasso.SolveNPY: λ = %g must be ≥ 0", job.Lambda)
	}
	dh, err := npy.ReadFileHeader(job.Dict)
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	xh, err := npy.ReadFileHeader(job.Signals)
	if err != nil {
		return nil, fmt.Errorf("signals: %w", err)
	}
	if len(dh.Shape) != 2 || dh.Shape[0] == 0 || dh.Shape[1] == 0 {
		return nil, fmt.Errorf("dictionary %s has shape %v; want a non-empty [m, k] matrix (m values per signal, k atoms)", job.Dict, dh.Shape)
	}
	m, k := dh.Shape[0], dh.Shape[1]
	rep := &NPYReport{M: m, K: k}
	layout := job.Layout
	if layout == "" {
		layout = LayoutAuto
	}
	if layout != LayoutAuto && layout != LayoutRows && layout != LayoutColumns {
		return nil, fmt.Errorf("unknown layout %q; want auto, rows or columns", layout)
	}
	switch {
	case len(xh.Shape) == 1 && xh.Shape[0] == m:
		layout, rep.N = "single", 1
	case len(xh.Shape) != 2:
		return nil, fmt.Errorf("signals %s have shape %v; want [n, %d] (one signal per row), [%d, n] (per column) or [%d]", job.Signals, xh.Shape, m, m, m)
	case layout == LayoutAuto && xh.Shape[1] == m, layout == LayoutRows && xh.Shape[1] == m:
		layout, rep.N = LayoutRows, xh.Shape[0]
	case layout == LayoutAuto && xh.Shape[0] == m, layout == LayoutColumns && xh.Shape[0] == m:
		layout, rep.N = LayoutColumns, xh.Shape[1]
	default:
		return nil, fmt.Errorf("signals %s have shape %v but the dictionary %s is [%d, %d]: with layout %s the signals need %d values (rows: [n, %d], columns: [%d, n])",
			job.Signals, xh.Shape, job.Dict, m, k, layout, m, m, m)
	}
	if rep.N == 0 {
		return nil, fmt.Errorf("signals %s hold no signal (shape %v)", job.Signals, xh.Shape)
	}
	rep.Layout = layout
	switch job.DType {
	case "", "auto":
		rep.DType = "float32"
		if strings.HasSuffix(dh.Descr, "f8") || strings.HasSuffix(xh.Descr, "f8") {
			rep.DType = "float64"
		}
	case "float32", "float64":
		rep.DType = job.DType
	default:
		return nil, fmt.Errorf("unknown dtype %q; want auto, float32 or float64", job.DType)
	}
	batch := job.Batch
	if batch < 0 {
		return nil, fmt.Errorf("batch size %d is negative", batch)
	}
	if batch == 0 {
		batch = DefaultFileBatch
	}

	dData, _, err := npy.ReadFile[float64](job.Dict)
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	xData, _, err := npy.ReadFile[float64](job.Signals)
	if err != nil {
		return nil, fmt.Errorf("signals: %w", err)
	}
	for _, f := range []struct {
		what, path string
		data       []float64
		shape      []int
	}{{"dictionary", job.Dict, dData, dh.Shape}, {"signals", job.Signals, xData, xh.Shape}} {
		if i := slices.IndexFunc(f.data, func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }); i >= 0 {
			return nil, fmt.Errorf("%s %s holds %v at index %v: the LASSO needs finite numbers; clean or regenerate the file", f.what, f.path, f.data[i], unravel(i, f.shape))
		}
	}
	op, err := linop.Dense(mat.NewDense(m, k, dData))
	if err != nil {
		return nil, fmt.Errorf("dictionary %s: %w", job.Dict, err)
	}
	s, err := New(b, op)
	if err != nil {
		return nil, err
	}
	defer s.Finalize()
	if job.Settings.Lipschitz == 0 && !job.Settings.Backtracking {
		if job.Settings.Lipschitz, err = s.DefaultLipschitz(); err != nil {
			return nil, err
		}
	}
	rep.Lipschitz = job.Settings.Lipschitz

	// signal returns x_i as a row of m values.
	signal := func(i int, dst []float64) {
		for r := range m {
			if layout == LayoutColumns {
				dst[r] = xData[r*rep.N+i]
			} else {
				dst[r] = xData[i*m+r]
			}
		}
	}
	z := make([]float64, rep.N*k) // row-major [n, k]
	var objSum, nnzSum float64
	for first := 0; first < rep.N; first += batch {
		bs := min(batch, rep.N-first)
		x := make([]float64, bs*m)
		for i := range bs {
			signal(first+i, x[i*m:(i+1)*m])
		}
		set := job.Settings
		lam := job.Lambda
		if job.Relative {
			lmax, err := s.LambdaMax(x)
			if err != nil {
				return nil, err
			}
			set.Lambdas = make([]float64, bs)
			for i, l := range lmax {
				set.Lambdas[i] = job.Lambda * l
			}
		}
		var zs []float64
		var objective []float64
		var nnz []int
		var iters int
		var converged bool
		if rep.DType == "float64" {
			res, err := s.Solve64(x, lam, &set)
			if err != nil {
				return nil, fmt.Errorf("signals %d–%d: %w", first, first+bs-1, err)
			}
			zs, objective, nnz, iters, converged = res.Z, res.Objective, res.NonZeros, len(res.Iterations)-1, res.Converged
		} else {
			x32 := make([]float32, len(x))
			for i, v := range x {
				x32[i] = float32(v)
			}
			res, err := s.Solve(x32, lam, &set)
			if err != nil {
				return nil, fmt.Errorf("signals %d–%d: %w", first, first+bs-1, err)
			}
			zs = toFloat64(res.Z)
			objective, nnz, iters, converged = res.Objective, res.NonZeros, len(res.Iterations)-1, res.Converged
		}
		copy(z[first*k:], zs)
		for i := range bs {
			objSum += objective[i]
			nnzSum += float64(nnz[i])
		}
		rep.Batches++
		rep.Iterations = max(rep.Iterations, iters)
		if converged {
			rep.Converged++
		}
		if job.Progress != nil {
			fmt.Fprintf(job.Progress, "signals %d–%d: %d iterations, converged %v, mean objective %.6g, mean non-zeros %.1f\n",
				first, first+bs-1, iters, converged, metrics.Mean(objective), meanInt(nnz))
		}
	}
	rep.MeanObjective = objSum / float64(rep.N)
	rep.MeanNonZeros = nnzSum / float64(rep.N)

	shape := []int{rep.N, k}
	out := z
	switch layout {
	case "single":
		shape = []int{k}
	case LayoutColumns:
		shape = []int{k, rep.N}
		out = make([]float64, len(z))
		for i := range rep.N {
			for j := range k {
				out[j*rep.N+i] = z[i*k+j]
			}
		}
	}
	if rep.DType == "float64" {
		err = npy.WriteFile(job.Out, out, shape)
	} else {
		out32 := make([]float32, len(out))
		for i, v := range out {
			out32[i] = float32(v)
		}
		err = npy.WriteFile(job.Out, out32, shape)
	}
	if err != nil {
		return nil, fmt.Errorf("writing the codes: %w", err)
	}
	rep.Runtime = time.Since(start)
	return rep, nil
}

func meanInt(v []int) float64 {
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return metrics.Mean(f)
}

// unravel returns the multi-index of flat index i in a row-major array of the given shape.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = i % shape[d]
			i /= shape[d]
		}
	}
	return idx
}
