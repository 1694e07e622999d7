package aae

import (
	"github.com/gomlx/gomlx/ml/model"

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
