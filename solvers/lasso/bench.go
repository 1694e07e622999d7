package lasso

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/solvers/linop"
	"gonum.org/v1/gonum/mat"
)

// BenchOptions configures [BenchFISTA]; zero values mean the paper-001 benchmark row, the
// workload of scripts/bench_torch.py's fista: D ∈ ℝ^{784×1024} with N(0, 1/784) entries,
// 256 signals with N(0, 1) entries, λ = 0.1, 100 FISTA iterations, float32.
type BenchOptions struct {
	Rows, Atoms, Batch, Iterations int     // 784, 1024, 256, 100
	Lambda                         float64 // 0.1
	// MinTime: solves are repeated until this much time has been measured; 0 means 3 s (as
	// bench_torch.py's --min-time).
	MinTime time.Duration
	// MaxRuns bounds the number of timed solves; 0 means 200.
	MaxRuns int
	// Seed of the random dictionary and signals; 0 means 1.
	Seed uint64
}

// BenchResult is one timing of [BenchFISTA].
type BenchResult struct {
	Workload string // "fista-784x1024-b256-100it", bench_torch.py's name for the default sizes
	Backend  string // b.Name() ("Go Backend", "onnxruntime", …); callers may put their config string
	// Seconds is the mean wall time of one solve (all iterations, upload of X and download of Z
	// included; L is computed once beforehand, as PyTorch's benchmark does).
	Seconds float64
	Runs    int
	// FirstSeconds is the first solve's time, graph compilation included.
	FirstSeconds float64
	// GFLOPs counts the two matrix products per iteration, 4·m·k·B·iterations floating-point
	// operations per solve, per second.
	GFLOPs float64
	// Objective is the mean final objective (a check that the runs computed something).
	Objective float64
}

// BenchFISTA times FISTA on a random dictionary on backend b (see [BenchOptions]); opt may be nil.
func BenchFISTA(b compute.Backend, opt *BenchOptions) (*BenchResult, error) {
	var o BenchOptions
	if opt != nil {
		o = *opt
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Rows, 784)
	def(&o.Atoms, 1024)
	def(&o.Batch, 256)
	def(&o.Iterations, 100)
	def(&o.MaxRuns, 200)
	if o.Lambda == 0 {
		o.Lambda = 0.1
	}
	if o.MinTime == 0 {
		o.MinTime = 3 * time.Second
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Rows < 0 || o.Atoms < 0 || o.Batch < 0 || o.Iterations < 0 || o.MaxRuns < 0 || o.Lambda < 0 {
		return nil, fmt.Errorf("lasso.BenchFISTA: negative option in %+v", o)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0xf157a))
	d := mat.NewDense(o.Rows, o.Atoms, nil)
	scale := 1 / math.Sqrt(float64(o.Rows))
	for i := range o.Rows {
		for j := range o.Atoms {
			d.Set(i, j, rng.NormFloat64()*scale)
		}
	}
	x := make([]float32, o.Batch*o.Rows)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	op, err := linop.Dense(d)
	if err != nil {
		return nil, fmt.Errorf("lasso.BenchFISTA: %w", err)
	}
	s, err := New(b, op)
	if err != nil {
		return nil, fmt.Errorf("lasso.BenchFISTA: %w", err)
	}
	defer s.Finalize()
	lip, err := s.Lipschitz()
	if err != nil {
		return nil, fmt.Errorf("lasso.BenchFISTA: %w", err)
	}
	set := &Settings{Method: FISTA, MaxIterations: o.Iterations, Tolerance: -1, Lipschitz: lip}
	res := &BenchResult{
		Workload: fmt.Sprintf("fista-%dx%d-b%d-%dit", o.Rows, o.Atoms, o.Batch, o.Iterations),
		Backend:  b.Name(),
	}
	t0 := time.Now()
	r, err := s.Solve(x, o.Lambda, set)
	if err != nil {
		return nil, fmt.Errorf("lasso.BenchFISTA: %w", err)
	}
	res.FirstSeconds = time.Since(t0).Seconds()
	var total time.Duration
	for res.Runs < max(o.MaxRuns, 1) && (total < o.MinTime || res.Runs == 0) {
		t := time.Now()
		if r, err = s.Solve(x, o.Lambda, set); err != nil {
			return nil, fmt.Errorf("lasso.BenchFISTA: %w", err)
		}
		total += time.Since(t)
		res.Runs++
	}
	res.Seconds = total.Seconds() / float64(res.Runs)
	res.GFLOPs = 4 * float64(o.Rows) * float64(o.Atoms) * float64(o.Batch) * float64(o.Iterations) / res.Seconds / 1e9
	res.Objective = metrics.Mean(r.Objective)
	return res, nil
}
