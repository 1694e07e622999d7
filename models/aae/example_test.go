package aae_test

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/aae"
	"github.com/sparselab/sparselab/models/backend"
)

// meanAgg is another σ of eq. 2: the pixelwise mean of the atoms.
type meanAgg struct{}

func (meanAgg) Name() string                            { return "mean" }
func (meanAgg) Aggregate(atoms *graph.Node) *graph.Node { return graph.ReduceMean(atoms, 1) }

// ExampleRegisterAggregator plugs in an aggregation of one's own: once registered, its name works
// wherever "sum" and "max" do (the --aggregation flag, training, evaluation, PGD projectors).
func ExampleRegisterAggregator() {
	if err := aae.RegisterAggregator(meanAgg{}); err != nil {
		panic(err)
	}
	b, _, err := backend.New("go")
	if err != nil {
		panic(err)
	}
	store := model.NewStore()
	store.SetParam(aae.ParamAggregation, "mean")
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
		xHat, atoms := aae.New(scope, x).DoneWithAtoms()
		return []*graph.Node{xHat, atoms}
	})
	if err != nil {
		panic(err)
	}
	defer exec.Finalize()
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 1, aae.ImageSize, aae.ImageSize, 1))
	out, err := exec.Call(x)
	if err != nil {
		panic(err)
	}
	xHat, atoms := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
	const px = aae.ImageSize * aae.ImageSize
	worst := 0.0
	for p := range px {
		mean := 0.0
		for k := range aae.DefaultBlocks {
			mean += float64(atoms[k*px+p]) / aae.DefaultBlocks
		}
		worst = math.Max(worst, math.Abs(mean-float64(xHat[p])))
	}
	fmt.Printf("output %v, the mean of its %d atoms: %v\n", out[0].Shape().Dimensions, aae.DefaultBlocks, worst < 1e-6)
	_, err = aae.AggregatorByName("median")
	fmt.Println(err)
	// Output:
	// output [1 28 28 1], the mean of its 20 atoms: true
	// unknown aggregation "median": want max, sum, ae or a name registered with aae.RegisterAggregator
}

// Two atoms of one image: a stroke, and a fainter blob it covers. Both have a norm above 5% of the
// image's, so both count as activated under the paper's definition; under the max only the stroke
// changes the reconstruction, by its margin over the blob.
func ExampleEncoding_Contributions() {
	const pixels = aae.ImageSize * aae.ImageSize
	e := &aae.Encoding{N: 1, Blocks: 2, BlockSize: 1, Atoms: make([]float32, 2*pixels)}
	stroke, blob := e.Atom(0, 0), e.Atom(0, 1)
	for p := range 100 {
		stroke[p] = 1 // 100 bright pixels
		blob[p] = 0.5 // covered by the stroke
	}
	for _, agg := range []string{"sum", "max"} {
		c, err := e.Contributions(agg)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: stroke %.0f, blob %.0f\n", agg, c[0], c[1])
	}
	// Output:
	// sum: stroke 10, blob 5
	// max: stroke 5, blob 0
}

// ExampleEncoding_GreedyResiduals compares the two measures beyond the paper on a MAX-AAE image
// made of a stroke, an exact copy of it and a dot: leaving one atom out, neither copy adds
// anything (each covers the other), while greedy selection takes one of them, then the dot.
func ExampleEncoding_GreedyResiduals() {
	const pixels = aae.ImageSize * aae.ImageSize
	e := &aae.Encoding{N: 1, Blocks: 3, BlockSize: 1, Atoms: make([]float32, 3*pixels), Recon: make([]float32, pixels)}
	for p := range 100 {
		e.Atom(0, 0)[p], e.Atom(0, 1)[p] = 1, 1 // the stroke and its copy: 100 bright pixels
	}
	for p := 100; p < 104; p++ {
		e.Atom(0, 2)[p] = 1 // the dot: 4 pixels
	}
	for p := range pixels {
		e.Recon[p] = max(e.Atom(0, 0)[p], e.Atom(0, 1)[p], e.Atom(0, 2)[p]) // x̂, the pixelwise max
	}
	contrib, err := e.Contributions("max")
	if err != nil {
		fmt.Println(err)
		return
	}
	left, err := e.GreedyResiduals("max")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("contribution: stroke %.0f, copy %.0f, dot %.0f\n", contrib[0], contrib[1], contrib[2])
	fmt.Printf("distance left when greedy selection adds it: stroke %.1f, copy %.0f, dot %.0f\n", left[0], left[1], left[2])
	// Output:
	// contribution: stroke 0, copy 0, dot 2
	// distance left when greedy selection adds it: stroke 10.2, copy 0, dot 2
}
