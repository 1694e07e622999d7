package convae_test

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/convae"
)

// Example builds the autoencoder with the builder and runs it once on two blank 28×28 images:
// the encoder makes a code of the requested size, the decoder an image of the input's shape.
func Example() {
	b, _, err := backend.New("go")
	if err != nil {
		fmt.Println(err)
		return
	}
	exec, err := model.NewExec(b, model.NewStore(), func(scope *model.Scope, x *graph.Node) []*graph.Node {
		ae := convae.New(scope, x).Latent(12).Channels(4)
		z := ae.Encode()
		return []*graph.Node{z, ae.Decode(z)}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer exec.Finalize()
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(make([]float32, 2*28*28), 2, 28, 28, 1))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("code:", out[0].Shape().Dimensions)
	fmt.Println("reconstruction:", out[1].Shape().Dimensions)
	// Output:
	// code: [2 12]
	// reconstruction: [2 28 28 1]
}
