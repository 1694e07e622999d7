package datasets_test

import (
	"fmt"

	"github.com/sparselab/sparselab/datasets"
)

// Example builds a small dataset by hand (a loader such as datasets.LoadMNIST returns the same
// type), splits it, resizes it to 32×32, rescales it to [−1, 1] and walks through it in
// shuffled batches.
func Example() {
	im := &datasets.Images{Name: "toy", N: 10, Height: 28, Width: 28, Channels: 1,
		Pixels: make([]float32, 10*28*28), Labels: make([]int, 10), Classes: []string{"even", "odd"}}
	for i := range im.N {
		im.Labels[i] = i % 2
		img := im.Image(i)
		for p := range img {
			img[p] = float32(i) / 9
		}
	}
	train, val, err := im.Split(0.8, 42)
	if err != nil {
		panic(err)
	}
	big, err := train.Resize(32, 32)
	if err != nil {
		panic(err)
	}
	sym := big.Symmetric()
	fmt.Println("train/val:", train.N, val.N, "size:", sym.Height, sym.Width, "range:", sym.Range)

	it, err := sym.NewIterator(datasets.IteratorOptions{BatchSize: 3, Seed: 1, DropLast: true})
	if err != nil {
		panic(err)
	}
	for {
		batch, labels, ok := it.Next()
		if !ok {
			break
		}
		fmt.Println(batch.Shape(), len(labels))
	}
	// Output:
	// train/val: 8 2 size: 32 32 range: [-1,1]
	// (Float32)[3, 32, 32, 1] 3
	// (Float32)[3, 32, 32, 1] 3
}

// ExampleNames lists the datasets that Fetch knows.
func ExampleNames() {
	for _, name := range datasets.Names() {
		fmt.Println(name)
	}
	// Output:
	// cifar-10
	// fashion-mnist
	// mnist
	// stl-10
}
