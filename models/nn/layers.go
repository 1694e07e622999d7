//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Variable names used by the layers of this package (PyTorch's names, so that reference
// checkpoints map one to one, up to the documented axis permutations).
const (
	WeightName      = "weight"
	BiasName        = "bias"
	RunningMeanName = "running_mean"
	RunningVarName  = "running_var"
	SpectralUName   = "spectral_u"
	SpectralVName   = "spectral_v"
)

// UniformFanIn returns a variable initializer drawing from U(−1/√fanIn, 1/√fanIn) with the
// store's random number generator. It is PyTorch's default initialisation of nn.Linear and
// nn.Conv2d weights (kaiming_uniform_ with a = √5: gain √(2/(1+a²)) = √(1/3), bound
// gain·√(3/fanIn) = 1/√fanIn) and of their biases. Seed the store (store.SetRNGStateFromSeed)
// for reproducible initial values.
func UniformFanIn(scope *model.Scope, fanIn int) model.VariableInitializer {
	bound := 1 / math.Sqrt(float64(max(fanIn, 1)))
	return func(g *Graph, shape shapes.Shape) *Node {
		u := scope.RandomUniform(g, shape)
		return MulScalar(AddScalar(MulScalar(u, 2), -1), bound)
	}
}

// Linear returns x·weight + bias for x [..., in], weight [in, out] and bias [out] (nil for
// none). A PyTorch nn.Linear weight [out, in] is the transpose of weight.
func Linear(x, weight, bias *Node) *Node {
	if weight.Rank() != 2 {
		exceptions.Panicf("nn.Linear: weight must be [in, out], got shape %s", weight.Shape())
	}
	ws := weight.Shape().Dimensions
	xs := x.Shape().Dimensions
	if x.Rank() < 1 || xs[len(xs)-1] != ws[0] {
		exceptions.Panicf("nn.Linear: x %s must end with the weight's input size %d", x.Shape(), ws[0])
	}
	lead := xs[:len(xs)-1]
	rows := 1
	for _, d := range lead {
		rows *= d
	}
	y := DotGeneral(Reshape(x, rows, ws[0]), []int{1}, nil, weight, []int{0}, nil)
	if bias != nil {
		y = Add(y, ExpandAxes(bias, 0))
	}
	return Reshape(y, append(append([]int{}, lead...), ws[1])...)
}

// DenseBuilder configures a fully connected layer; create it with [Dense] and finish with
// [DenseBuilder.Done].
type DenseBuilder struct {
	scope    *model.Scope
	x        *Node
	units    int
	bias     bool
	spectral bool
}

// Dense starts a fully connected layer y = x·W + b on x [..., in]. Variables "weight" [in, out]
// and "bias" [out] live in scope (give each layer its own, e.g. scope.In("fc1")) and are
// initialised like PyTorch's nn.Linear ([UniformFanIn] with fanIn = in). Set Units; bias is on by
// default.
func Dense(scope *model.Scope, x *Node) *DenseBuilder {
	return &DenseBuilder{scope: scope, x: x, bias: true}
}

// Units sets the output size (required).
func (b *DenseBuilder) Units(n int) *DenseBuilder { b.units = n; return b }

// Bias sets whether the layer adds a bias (default true).
func (b *DenseBuilder) Bias(use bool) *DenseBuilder { b.bias = use; return b }

// SpectralNorm sets whether the weight is divided by its largest singular value, estimated with
// one power iteration per training step ([SpectralNorm]; default false).
func (b *DenseBuilder) SpectralNorm(use bool) *DenseBuilder { b.spectral = use; return b }

// Done creates (or reuses) the variables and returns x·W + b, shaped [..., units].
func (b *DenseBuilder) Done() *Node {
	if b.units < 1 {
		exceptions.Panicf("nn.Dense(%s): Units must be set to a positive number, got %d", b.scope.Scope(), b.units)
	}
	if b.x.Rank() < 1 {
		exceptions.Panicf("nn.Dense(%s): x must have at least one axis", b.scope.Scope())
	}
	g := b.x.Graph()
	in := b.x.Shape().Dimensions[b.x.Rank()-1]
	init := b.scope.WithInitializer(UniformFanIn(b.scope, in))
	w := init.VariableWithShape(WeightName, shapes.Make(b.x.DType(), in, b.units)).NodeValue(g)
	if b.spectral {
		w = SpectralNorm(b.scope, w).Done()
	}
	var bias *Node
	if b.bias {
		bias = init.VariableWithShape(BiasName, shapes.Make(b.x.DType(), b.units)).NodeValue(g)
	}
	return Linear(b.x, w, bias)
}

// ConvBuilder configures a 2D convolution layer over channels-last images; create it with [Conv]
// and finish with [ConvBuilder.Done].
type ConvBuilder struct {
	scope                             *model.Scope
	x                                 *Node
	channels, kernel, stride, padding int
	bias, spectral                    bool
	alg                               ConvAlgorithm
}

// Conv starts a 2D convolution layer (PyTorch's nn.Conv2d) on channels-last images x [B,H,W,Cin].
// Variables "weight" [k,k,Cin,Cout] and "bias" [Cout] live in scope and are initialised like
// PyTorch's ([UniformFanIn] with fanIn = Cin·k·k). Defaults: kernel 3, stride 1, padding 0, bias
// on, algorithm picked per backend ([ConvAlgorithmFor]). Channels is required. Example:
//
//	y := nn.Conv(scope.In("conv1"), x).Channels(8).Kernel(3).Stride(2).Padding(1).Done()
func Conv(scope *model.Scope, x *Node) *ConvBuilder {
	return &ConvBuilder{scope: scope, x: x, kernel: 3, stride: 1, bias: true}
}

// Channels sets the number of output channels (required).
func (b *ConvBuilder) Channels(n int) *ConvBuilder { b.channels = n; return b }

// Kernel sets the (square) kernel size (default 3).
func (b *ConvBuilder) Kernel(k int) *ConvBuilder { b.kernel = k; return b }

// Stride sets the stride on both spatial axes (default 1).
func (b *ConvBuilder) Stride(s int) *ConvBuilder { b.stride = s; return b }

// Padding sets the zero padding on each side of both spatial axes (default 0).
func (b *ConvBuilder) Padding(p int) *ConvBuilder { b.padding = p; return b }

// Bias sets whether a bias is added (default true).
func (b *ConvBuilder) Bias(use bool) *ConvBuilder { b.bias = use; return b }

// SpectralNorm sets whether the kernel (seen as a [Cout, k·k·Cin] matrix) is divided by its
// largest singular value ([SpectralNorm]; default false).
func (b *ConvBuilder) SpectralNorm(use bool) *ConvBuilder { b.spectral = use; return b }

// Algorithm forces a formulation (default [ConvAuto]).
func (b *ConvBuilder) Algorithm(alg ConvAlgorithm) *ConvBuilder { b.alg = alg; return b }

// Done creates (or reuses) the variables and returns the convolution, [B,Ho,Wo,Cout].
func (b *ConvBuilder) Done() *Node {
	w, bias := convVariables("nn.Conv", b.scope, b.x, b.channels, b.kernel, convInChannels(b.x)*b.kernel*b.kernel, b.bias, b.spectral)
	y := Conv2DWith(b.x, w, b.stride, b.padding, b.alg)
	if bias != nil {
		y = Add(y, Reshape(bias, 1, 1, 1, b.channels))
	}
	return y
}

// convVariables creates the [k,k,Cin,Cout] kernel and [Cout] bias of a convolution layer.
func convVariables(name string, scope *model.Scope, x *Node, channels, kernel, fanIn int, withBias, spectral bool) (w, bias *Node) {
	if x.Rank() != 4 {
		exceptions.Panicf("%s(%s): x must be channels-last images [B,H,W,C], got shape %s", name, scope.Scope(), x.Shape())
	}
	if channels < 1 || kernel < 1 {
		exceptions.Panicf("%s(%s): Channels and Kernel must be positive, got %d and %d", name, scope.Scope(), channels, kernel)
	}
	g := x.Graph()
	cin := x.Shape().Dimensions[3]
	init := scope.WithInitializer(UniformFanIn(scope, fanIn))
	w = init.VariableWithShape(WeightName, shapes.Make(x.DType(), kernel, kernel, cin, channels)).NodeValue(g)
	if spectral {
		w = SpectralNorm(scope, w).Done()
	}
	if withBias {
		bias = init.VariableWithShape(BiasName, shapes.Make(x.DType(), channels)).NodeValue(g)
	}
	return w, bias
}

// ConvTransposeBuilder configures a 2D transposed convolution layer; create it with
// [ConvTranspose] and finish with [ConvTransposeBuilder.Done].
type ConvTransposeBuilder struct {
	scope                                            *model.Scope
	x                                                *Node
	channels, kernel, stride, padding, outputPadding int
	bias, spectral                                   bool
	alg                                              ConvAlgorithm
}

// ConvTranspose starts a transposed convolution layer (PyTorch's nn.ConvTranspose2d) on
// channels-last images x [B,H,W,Cin]. Variables "weight" [k,k,Cin,Cout] and "bias" [Cout] live in
// scope, initialised like PyTorch's (which computes the fan-in from the weight's second axis:
// [UniformFanIn] with fanIn = Cout·k·k). Defaults: kernel 3, stride 1, padding 0, output
// padding 0, bias on. Example (7×7 → 14×14):
//
//	y := nn.ConvTranspose(scope.In("up1"), x).Channels(8).Kernel(3).Stride(2).Padding(1).OutputPadding(1).Done()
func ConvTranspose(scope *model.Scope, x *Node) *ConvTransposeBuilder {
	return &ConvTransposeBuilder{scope: scope, x: x, kernel: 3, stride: 1, bias: true}
}

// Channels sets the number of output channels (required).
func (b *ConvTransposeBuilder) Channels(n int) *ConvTransposeBuilder { b.channels = n; return b }

// Kernel sets the (square) kernel size (default 3).
func (b *ConvTransposeBuilder) Kernel(k int) *ConvTransposeBuilder { b.kernel = k; return b }

// Stride sets the stride (default 1).
func (b *ConvTransposeBuilder) Stride(s int) *ConvTransposeBuilder { b.stride = s; return b }

// Padding sets PyTorch's padding (default 0).
func (b *ConvTransposeBuilder) Padding(p int) *ConvTransposeBuilder { b.padding = p; return b }

// OutputPadding sets PyTorch's output_padding (default 0; must be < stride).
func (b *ConvTransposeBuilder) OutputPadding(p int) *ConvTransposeBuilder {
	b.outputPadding = p
	return b
}

// Bias sets whether a bias is added (default true).
func (b *ConvTransposeBuilder) Bias(use bool) *ConvTransposeBuilder { b.bias = use; return b }

// SpectralNorm sets whether the kernel is divided by its largest singular value (default false).
func (b *ConvTransposeBuilder) SpectralNorm(use bool) *ConvTransposeBuilder {
	b.spectral = use
	return b
}

// Algorithm forces a formulation (default [ConvAuto]).
func (b *ConvTransposeBuilder) Algorithm(alg ConvAlgorithm) *ConvTransposeBuilder {
	b.alg = alg
	return b
}

// Done creates (or reuses) the variables and returns the transposed convolution.
func (b *ConvTransposeBuilder) Done() *Node {
	w, bias := convVariables("nn.ConvTranspose", b.scope, b.x, b.channels, b.kernel, b.channels*b.kernel*b.kernel, b.bias, b.spectral)
	y := ConvTranspose2DWith(b.x, w, b.stride, b.padding, b.outputPadding, b.alg)
	if bias != nil {
		y = Add(y, Reshape(bias, 1, 1, 1, b.channels))
	}
	return y
}

// convInChannels is the channels of x, or 0 for a malformed x (convVariables reports it).
func convInChannels(x *Node) int {
	if x.Rank() != 4 {
		return 0
	}
	return x.Shape().Dimensions[3]
}
