//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	. "github.com/gomlx/gomlx/core/graph"
)

// DefaultLeakySlope is PyTorch's default negative slope of LeakyReLU (and the papers' value).
// GoMLX's activation.LeakyRelu uses 0.3 instead.
const DefaultLeakySlope = 0.01

// LeakyReLU returns x where x > 0 and DefaultLeakySlope·x elsewhere (PyTorch's nn.LeakyReLU()).
func LeakyReLU(x *Node) *Node { return LeakyReLUWith(x, DefaultLeakySlope) }

// LeakyReLUWith returns x where x > 0 and slope·x elsewhere. Like PyTorch, the gradient at
// x = 0 is slope.
func LeakyReLUWith(x *Node, slope float64) *Node {
	return Where(GreaterThan(x, ScalarZero(x.Graph(), x.DType())), x, MulScalar(x, slope))
}
