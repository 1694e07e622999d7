package convae

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

type (
	model_Scope = model.Scope //nolint:revive // short aliases for the test's closures
	node        = graph.Node
)
