package aae

import (
	"testing"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/params"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
)

func tensorsShape(batch int) shapes.Shape {
	return shapes.Make(dtypes.Float32, batch, ImageSize, ImageSize, 1)
}

func trainableParameters(store *model.Store) int {
	n := 0
	for v := range store.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}

// paperStore returns a store of the package's hyperparameters with flags set (name → value, as on
// the command line) and resolved, failing the test on any error.
func paperStore(t testing.TB, flags map[string]string) *model.Store {
	t.Helper()
	store, err := params.NewStore(Specs()...)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range flags {
		if err := params.Set(store, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := Resolve(store); err != nil {
		t.Fatal(err)
	}
	return store
}
