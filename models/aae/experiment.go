package aae

import (
	"fmt"

	"github.com/sparselab/sparselab/datasets"
)

// Data protocol of paper 000 (reference code): a seeded 30,000-image subset of the training
// split, of which 80% trains and 20% validates (model selection never looks at the test set);
// evaluation uses test images in file order (the first 600 by default).
const (
	DefaultSubset     = 30000
	DefaultValidation = 0.2
	DefaultTestOffset = 0
	DefaultTestCount  = 600
)

// ChannelsFor returns the paper's c for a dataset: 8 for MNIST, 32 for Fashion-MNIST.
func ChannelsFor(dataset string) (int, error) {
	switch dataset {
	case "mnist":
		return 8, nil
	case "fashion-mnist":
		return 32, nil
	}
	return 0, fmt.Errorf("paper 000 uses mnist or fashion-mnist, not %q", dataset)
}

// Splits are the images of one experiment.
type Splits struct {
	Train, Validation, Test *datasets.Images
}

// LoadSplits fetches the dataset if needed and returns the seeded training/validation split of a
// subset of the training images, and test images [testOffset, testOffset+testCount).
func LoadSplits(dataset string, subset int, valFrac float64, seed int64, testOffset, testCount int) (*Splits, error) {
	if _, err := ChannelsFor(dataset); err != nil {
		return nil, err
	}
	all, err := datasets.Open(dataset, true, nil)
	if err != nil {
		return nil, err
	}
	if subset <= 0 || subset > all.N {
		subset = all.N
	}
	sub, err := all.RandomSubset(subset, seed)
	if err != nil {
		return nil, err
	}
	val, tr, err := sub.Split(valFrac, seed+1)
	if err != nil {
		return nil, err
	}
	test, err := LoadTest(dataset, testOffset, testCount)
	if err != nil {
		return nil, err
	}
	return &Splits{Train: tr, Validation: val, Test: test}, nil
}

// LoadTest returns test images [offset, offset+count) of the dataset, in file order.
func LoadTest(dataset string, offset, count int) (*datasets.Images, error) {
	test, err := datasets.Open(dataset, false, nil)
	if err != nil {
		return nil, err
	}
	if offset < 0 || count <= 0 || offset+count > test.N {
		return nil, fmt.Errorf("test range [%d, %d) is outside the %d test images of %s; adjust --test_offset and --test_count",
			offset, offset+count, test.N, dataset)
	}
	idx := make([]int, count)
	for i := range idx {
		idx[i] = offset + i
	}
	return test.Subset(idx), nil
}
