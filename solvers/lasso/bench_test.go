package lasso

import (
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/models/backend"
)

// TestBenchFISTA runs the benchmark helper on small sizes and checks its bookkeeping.
func TestBenchFISTA(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		r, err := BenchFISTA(b, &BenchOptions{Rows: 20, Atoms: 30, Batch: 8, Iterations: 20, MinTime: time.Millisecond, MaxRuns: 3})
		if err != nil {
			t.Fatal(err)
		}
		if r.Workload != "fista-20x30-b8-20it" || r.Runs < 1 || r.Runs > 3 || !(r.Seconds > 0) || !(r.GFLOPs > 0) || !(r.Objective > 0) {
			t.Errorf("unexpected result %+v", r)
		}
		if r.Backend != b.Name() {
			t.Errorf("backend %q, want %q", r.Backend, b.Name())
		}
	})
}

// BenchmarkFISTA times the paper-001 row (784×1024, 256 signals, 100 iterations, float32) on
// every backend: go test -run=^$ -bench=FISTA ./solvers/lasso/
func BenchmarkFISTA(bm *testing.B) {
	for _, name := range backend.Available() {
		bm.Run(name, func(bm *testing.B) {
			b := getBackend(bm, name)
			var last *BenchResult
			for bm.Loop() {
				r, err := BenchFISTA(b, &BenchOptions{MinTime: time.Nanosecond, MaxRuns: 1})
				if err != nil {
					bm.Fatal(err)
				}
				last = r
			}
			bm.ReportMetric(last.Seconds, "s/solve")
			bm.ReportMetric(last.GFLOPs, "GFLOP/s")
		})
	}
}
