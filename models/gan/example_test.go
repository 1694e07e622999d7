package gan_test

import (
	"fmt"

	"github.com/sparselab/sparselab/models/gan"
)

// The shipped generator, with BatchNorm folded into its dense layers, is an invert.Network.
func Example() {
	net, err := gan.Shipped()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sizes:", net.Sizes())
	for i, l := range net.Layers {
		fmt.Printf("layer %d: %s\n", i+1, l.Act)
	}
	// Output:
	// sizes: [20 128 392 784]
	// layer 1: relu
	// layer 2: relu
	// layer 3: plu
}
