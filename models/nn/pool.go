//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// AvgPool2D averages non-overlapping size×size windows (stride = size) of channels-last images
// [B,H,W,C], giving [B,⌊H/size⌋,⌊W/size⌋,C] like PyTorch's avg_pool2d(size) (remainder rows and
// columns are dropped). It is a reshape plus ReduceMean, differentiable on every backend.
func AvgPool2D(x *Node, size int) *Node { return pool("nn.AvgPool2D", x, size, ReduceMean) }

// MaxPool2D takes the maximum of non-overlapping size×size windows (stride = size) of
// channels-last images [B,H,W,C], giving [B,⌊H/size⌋,⌊W/size⌋,C] like PyTorch's max_pool2d(size).
// It is a reshape plus ReduceMax. Where a window holds several equal maxima the gradient goes to
// each of them (PyTorch picks one).
func MaxPool2D(x *Node, size int) *Node { return pool("nn.MaxPool2D", x, size, ReduceMax) }

// AvgPool2x2 is AvgPool2D(x, 2).
func AvgPool2x2(x *Node) *Node { return AvgPool2D(x, 2) }

// MaxPool2x2 is MaxPool2D(x, 2).
func MaxPool2x2(x *Node) *Node { return MaxPool2D(x, 2) }

func pool(name string, x *Node, size int, reduce func(*Node, ...int) *Node) *Node {
	if x.Rank() != 4 {
		exceptions.Panicf("%s: x must be channels-last images [B,H,W,C], got shape %s", name, x.Shape())
	}
	xs := x.Shape().Dimensions
	if size < 1 || xs[1] < size || xs[2] < size {
		exceptions.Panicf("%s: window %d does not fit images of %dx%d", name, size, xs[1], xs[2])
	}
	ho, wo := xs[1]/size, xs[2]/size
	x = cropSpatial(x, ho*size, wo*size)
	y := Reshape(x, xs[0], ho, size, wo, size, xs[3])
	return reduce(y, 2, 4)
}
