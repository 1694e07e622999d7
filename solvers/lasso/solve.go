package lasso

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/solvers/linop"
)

// state holds the device tensors carried between chunk calls.
type state struct {
	z, u, y, w, t, lipschitz *tensors.Tensor
}

func (st *state) finalize(keep ...*tensors.Tensor) {
	seen := map[*tensors.Tensor]bool{}
	for _, k := range keep {
		seen[k] = true
	}
	for _, t := range []*tensors.Tensor{st.z, st.u, st.y, st.w, st.t, st.lipschitz} {
		if t != nil && !seen[t] {
			seen[t] = true
			t.MustFinalizeAll()
		}
	}
}

func toFloat64[T float32 | float64](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func fromFloat64[T float32 | float64](v []float64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

func filled[T float32 | float64](n int, v float64) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = T(v)
	}
	return out
}

func uniform(v []float64) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}

func copyFlat[T float32 | float64](t *tensors.Tensor) ([]T, error) {
	return tensors.CopyFlatData[T](t)
}

// settings validates set against a batch of bs signals and fills in the defaults.
func (s *Solver) settings(set *Settings, lambda float64, bs, n int) (Settings, []float64, error) {
	var c Settings
	if set != nil {
		c = *set
	}
	if c.Method != FISTA && c.Method != ISTA {
		return c, nil, fmt.Errorf("unknown Method %v; want FISTA or ISTA", c.Method)
	}
	if c.MaxIterations < 0 {
		return c, nil, fmt.Errorf("settings: MaxIterations = %d is negative", c.MaxIterations)
	}
	if c.MaxIterations == 0 {
		c.MaxIterations = DefaultMaxIterations
	}
	if math.IsNaN(c.Tolerance) {
		return c, nil, fmt.Errorf("settings: Tolerance is NaN")
	}
	if c.Tolerance == 0 {
		c.Tolerance = DefaultTolerance
	}
	if c.Chunk < 0 {
		return c, nil, fmt.Errorf("settings: Chunk = %d is negative", c.Chunk)
	}
	if c.Chunk == 0 {
		c.Chunk = DefaultChunk
	}
	if c.BacktrackFactor == 0 {
		c.BacktrackFactor = DefaultBacktrackFactor
	}
	if !(c.BacktrackFactor > 1) || math.IsInf(c.BacktrackFactor, 0) {
		return c, nil, fmt.Errorf("settings: BacktrackFactor = %g must be finite and > 1", c.BacktrackFactor)
	}
	if c.Lipschitz < 0 || math.IsNaN(c.Lipschitz) || math.IsInf(c.Lipschitz, 0) {
		return c, nil, fmt.Errorf("settings: Lipschitz = %g must be positive and finite (or 0 for ‖D‖₂²)", c.Lipschitz)
	}
	if c.Init != nil && len(c.Init) != bs*n {
		return c, nil, fmt.Errorf("settings: Init has %d values, want %d (%d signals × %v)", len(c.Init), bs*n, bs, s.op.InShape())
	}
	lambdas := c.Lambdas
	if lambdas == nil {
		lambdas = make([]float64, bs)
		for i := range lambdas {
			lambdas[i] = lambda
		}
	} else if len(lambdas) != bs {
		return c, nil, fmt.Errorf("settings: Lambdas has %d values for %d signals", len(lambdas), bs)
	}
	for i, l := range lambdas {
		if !(l >= 0) || math.IsInf(l, 0) {
			return c, nil, fmt.Errorf("λ = %g (signal %d) must be finite and ≥ 0", l, i)
		}
	}
	return c, slices.Clone(lambdas), nil
}

func solve[T float32 | float64](s *Solver, x []T, lambda float64, set *Settings) (res *Result[T], err error) {
	start := time.Now()
	in, out := s.op.InShape(), s.op.OutShape()
	n := linop.Size(in)
	bs, err := linop.BatchSize(len(x), out, "lasso: signals x")
	if err != nil {
		return nil, err
	}
	c, lambdas, err := s.settings(set, lambda, bs, n)
	if err != nil {
		return nil, fmt.Errorf("lasso: %w", err)
	}
	if err := checkFinite("the signals x", x, len(x)/bs); err != nil {
		return nil, err
	}
	if err := checkFinite("Settings.Init", c.Init, n); err != nil {
		return nil, err
	}
	l0 := c.Lipschitz
	if l0 == 0 {
		if c.Backtracking {
			norm, err := linop.Norm(s.backend, s.op, 10)
			if err != nil {
				return nil, fmt.Errorf("lasso: initial L for backtracking: %w", err)
			}
			l0 = norm * norm
			if l0 == 0 {
				return nil, fmt.Errorf("lasso: %s looks zero (‖D‖₂ ≈ 0); give Settings.Lipschitz", linop.Describe(s.op))
			}
		} else if l0, err = s.DefaultLipschitz(); err != nil {
			return nil, err
		}
	}
	fista := c.Method == FISTA
	res = &Result[T]{Lambda: lambdas, Method: c.Method, NonNegative: c.NonNegative, ConvergedAt: -1}

	xT := tensors.FromFlatDataAndDimensions(slices.Clone(x), append([]int{bs}, out...)...)
	var lamT *tensors.Tensor
	if uniform(lambdas) {
		lamT = tensors.FromScalar(T(lambdas[0]))
	} else {
		lamT = tensors.FromFlatDataAndDimensions(fromFloat64[T](lambdas), bs)
	}
	// t and L are per signal with backtracking, else scalars shared by the batch.
	perSignal := func(v float64) *tensors.Tensor {
		if c.Backtracking {
			return tensors.FromFlatDataAndDimensions(filled[T](bs, v), bs)
		}
		return tensors.FromScalar(T(v))
	}
	defer xT.MustFinalizeAll()
	defer lamT.MustFinalizeAll()
	var z0 []T
	if c.Init != nil {
		z0 = fromFloat64[T](c.Init)
	} else {
		z0 = make([]T, bs*n)
	}
	st := &state{z: tensors.FromFlatDataAndDimensions(z0, append([]int{bs}, in...)...)}
	defer func() { st.finalize() }()
	outs, err := s.start.Call(xT, st.z, lamT)
	if err != nil {
		return nil, fmt.Errorf("lasso: initial point: %w", err)
	}
	st.u = outs[0]
	stats0, err := copyFlat[T](outs[1])
	outs[1].MustFinalizeAll()
	if err != nil {
		return nil, fmt.Errorf("lasso: reading statistics: %w", err)
	}
	lip := make([]float64, bs)
	for i := range lip {
		lip[i] = l0
	}
	it0 := Iteration{Objective: make([]float64, bs), NonZeros: make([]int, bs), Lipschitz: slices.Clone(lip)}
	for b := range bs {
		it0.Objective[b] = float64(stats0[b])
		it0.NonZeros[b] = int(stats0[bs+b])
	}
	res.Iterations = append(res.Iterations, it0)
	st.lipschitz = perSignal(l0)
	if fista {
		st.y, st.w = st.z, st.u // the same tensors: passed twice, finalized once
		st.t = perSignal(1)
	}

	callback := func() error {
		if c.Callback == nil {
			return nil
		}
		zs, err := copyFlat[T](st.z)
		if err != nil {
			return fmt.Errorf("reading the iterate: %w", err)
		}
		it := res.Iterations[len(res.Iterations)-1]
		it.Z = toFloat64(zs)
		return c.Callback(&it)
	}
	stop := false
	if err := callback(); err != nil {
		if !errors.Is(err, ErrStop) {
			return nil, fmt.Errorf("lasso: callback: %w", err)
		}
		stop = true
	}
	rows := 3
	if c.Backtracking {
		rows = 5
	}
	for k := 0; k < c.MaxIterations && !stop; {
		steps := min(c.Chunk, c.MaxIterations-k)
		e, err := s.exec(config{method: c.Method, nonneg: c.NonNegative, backtrack: c.Backtracking, eta: c.BacktrackFactor, steps: steps})
		if err != nil {
			return nil, fmt.Errorf("lasso: %w", err)
		}
		args := []any{xT, st.z, st.u}
		if fista {
			args = append(args, st.y, st.w, st.t)
		}
		args = append(args, st.lipschitz, lamT)
		outs, err := e.Call(args...)
		if err != nil {
			return nil, fmt.Errorf("lasso: iterations %d–%d: %w", k+1, k+steps, err)
		}
		old := *st
		st.z, st.u = outs[0], outs[1]
		j := 2
		if fista {
			st.y, st.w, st.t = outs[2], outs[3], outs[4]
			j = 5
		}
		if c.Backtracking {
			st.lipschitz = outs[j]
			j++
		}
		old.finalize(st.lipschitz) // without backtracking st.lipschitz is carried over
		stats, err := copyFlat[T](outs[j])
		outs[j].MustFinalizeAll()
		if err != nil {
			return nil, fmt.Errorf("lasso: reading statistics: %w", err)
		}
		for i := range steps {
			row := func(r, b int) float64 { return float64(stats[(i*rows+r)*bs+b]) }
			it := Iteration{Iteration: k + i + 1, Objective: make([]float64, bs), Change: make([]float64, bs), NonZeros: make([]int, bs)}
			if c.Backtracking {
				it.Rejected = make([]bool, bs)
			}
			converged := true
			for b := range bs {
				it.Objective[b] = row(rowObjective, b)
				it.Change[b] = row(rowChange, b)
				it.NonZeros[b] = int(math.Round(row(rowNonZeros, b)))
				if c.Backtracking {
					it.Rejected[b] = row(rowAccepted, b) == 0
					lip[b] = row(rowLipschitz, b)
				}
				if !(it.Change[b] <= c.Tolerance) || (c.Backtracking && it.Rejected[b]) {
					converged = false
				}
			}
			it.Lipschitz = slices.Clone(lip)
			res.Iterations = append(res.Iterations, it)
			if converged && res.ConvergedAt < 0 {
				res.ConvergedAt = it.Iteration
			}
		}
		k += steps
		if err := callback(); err != nil {
			if !errors.Is(err, ErrStop) {
				return nil, fmt.Errorf("lasso: callback: %w", err)
			}
			break
		}
		if res.ConvergedAt >= 0 {
			break
		}
	}
	res.Converged = res.ConvergedAt >= 0
	if res.Z, err = copyFlat[T](st.z); err != nil {
		return nil, fmt.Errorf("lasso: reading the solution: %w", err)
	}
	last := res.Iterations[len(res.Iterations)-1]
	res.Objective = slices.Clone(last.Objective)
	res.NonZeros = slices.Clone(last.NonZeros)
	res.Lipschitz = slices.Clone(lip)
	res.Runtime = time.Since(start)
	return res, nil
}

// checkFinite returns an error naming the first NaN or infinite value of data (arrays of size values).
func checkFinite[T float32 | float64](name string, data []T, size int) error {
	for i, e := range data {
		if v := float64(e); math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("lasso: %s hold %v at index %d (signal %d): every value must be finite", name, v, i, i/size)
		}
	}
	return nil
}
