package aae

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/backend"
)

// TestParameterCounts checks the architecture against the parameter counts of the same models
// written in PyTorch (scripts/bench_torch.py's MaxAAE, counted with sum(p.numel())).
func TestParameterCounts(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		agg      string
		channels int
		want     int
	}{
		{"max", 8, 227291}, {"sum", 8, 227291}, {"ae", 8, 250901}, {"max", 32, 728195}, {"ae", 32, 763565},
	} {
		store := model.NewStore()
		store.SetParam(ParamAggregation, tc.agg)
		store.SetParam(ParamChannels, tc.channels)
		exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			return New(scope, x).Done()
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(tensors.FromShape(tensorsShape(2)))
		if err != nil {
			t.Fatalf("%s c=%d: %v", tc.agg, tc.channels, err)
		}
		if dims := out[0].Shape().Dimensions; len(dims) != 4 || dims[0] != 2 || dims[1] != 28 || dims[2] != 28 || dims[3] != 1 {
			t.Errorf("%s c=%d: output dims %v, want [2 28 28 1]", tc.agg, tc.channels, dims)
		}
		if got := trainableParameters(store); got != tc.want {
			t.Errorf("%s c=%d: %d parameters, PyTorch's model has %d", tc.agg, tc.channels, got, tc.want)
		}
	}
}

// TestAggregations checks that MAX-AAE's output is the pixelwise max of its atoms and SUM-AAE's
// their sum, with the same weights.
func TestAggregations(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
		rm, atoms := New(scope, x).Aggregation("max").DoneWithAtoms()
		rs := Sum.Aggregate(atoms)
		return []*graph.Node{rm, rs, atoms}
	})
	if err != nil {
		t.Fatal(err)
	}
	x := tensors.FromShape(tensorsShape(1))
	x.MutableFlatData(func(flat any) {
		for i := range flat.([]float32) {
			flat.([]float32)[i] = float32(i%7) / 7
		}
	})
	out, err := exec.Call(x)
	if err != nil {
		t.Fatal(err)
	}
	maxV := tensors.MustCopyFlatData[float32](out[0])
	sumV := tensors.MustCopyFlatData[float32](out[1])
	atoms := tensors.MustCopyFlatData[float32](out[2])
	const px = 28 * 28
	for p := 0; p < px; p++ {
		m, s := float32(math.Inf(-1)), float32(0)
		for k := 0; k < DefaultBlocks; k++ {
			v := atoms[k*px+p]
			s += v
			if v > m {
				m = v
			}
		}
		if math.Abs(float64(m-maxV[p])) > 1e-6 || math.Abs(float64(s-sumV[p])) > 1e-4 {
			t.Fatalf("pixel %d: max %v vs %v, sum %v vs %v", p, maxV[p], m, sumV[p], s)
		}
	}
}

func TestBadConfigPanicsWithContext(t *testing.T) {
	if _, err := AggregatorByName("median"); err == nil {
		t.Error("want an error for an unknown aggregation")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("want a panic for odd channels")
		}
	}()
	Config{Aggregation: "max", Channels: 3, Blocks: 20, BlockSize: 10}.check()
}
