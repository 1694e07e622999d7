package prox_test

import (
	"fmt"
	"log"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/solvers/prox"
)

// Soft-thresholding a batch of two vectors with one threshold per vector, then projecting them
// onto the ℓ2 ball of radius 1.
func Example() {
	b, _, err := backend.New("go")
	if err != nil {
		log.Fatal(err)
	}
	x := tensors.FromValue([][]float32{{-3, -0.5, 0, 0.25, 2}, {-3, -0.5, 0, 0.25, 2}})
	t := tensors.FromValue([]float32{1, 0.25}) // one threshold per batch element
	outs, err := graph.CallOnceN(b, func(x, t *graph.Node) []*graph.Node {
		s := prox.SoftThreshold(x, t)
		one := graph.ScalarOne(x.Graph(), dtypes.Float32)
		return []*graph.Node{s, prox.NonNegSoftThreshold(x, t), prox.L2Ball(s, one)}
	}, x, t)
	if err != nil {
		log.Fatal(err)
	}
	for i, name := range []string{"S_t(x)", "max(x − t, 0)", "P_ball(S_t(x))"} {
		fmt.Printf("%-15s %.3f\n", name, outs[i].Value())
	}
	host, _ := prox.SoftThresholdHost([]float64{-3, -0.5, 0, 0.25, 2}, 1)
	fmt.Println("host S_1(x):", host)
	// Output:
	// S_t(x)          [[-2.000 0.000 0.000 0.000 1.000] [-2.750 -0.250 0.000 0.000 1.750]]
	// max(x − t, 0)   [[0.000 0.000 0.000 0.000 1.000] [0.000 0.000 0.000 0.000 1.750]]
	// P_ball(S_t(x))  [[-0.894 0.000 0.000 0.000 0.447] [-0.841 -0.076 0.000 0.000 0.535]]
	// host S_1(x): [-2 0 0 0 1]
}
