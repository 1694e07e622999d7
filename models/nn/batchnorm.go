//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/exceptions"
)

// PyTorch's BatchNorm defaults.
const (
	DefaultBatchNormMomentum = 0.1
	DefaultBatchNormEpsilon  = 1e-5
)

// BatchNormBuilder configures a batch normalisation layer; create it with [BatchNorm] and
// finish with [BatchNormBuilder.Done].
type BatchNormBuilder struct {
	scope             *model.Scope
	x                 *Node
	momentum, epsilon float64
	affine            bool
}

// BatchNorm starts PyTorch's BatchNorm1d (x [B,F]) or BatchNorm2d (channels-last x [B,H,W,C]):
// features are on the last axis and statistics are taken over all other axes.
//
// Training graphs (scope.IsTraining(g), which train.Trainer sets) normalise with the batch mean
// μ and biased variance σ², y = (x−μ)/√(σ²+ε)·γ + β, with the gradient flowing through μ and σ²
// (as in PyTorch; GoMLX's norm.BatchNorm stops it). They also update the non-trainable variables
// running_mean ← (1−m)·running_mean + m·μ and running_var ← (1−m)·running_var + m·σ²·n/(n−1)
// (n values per feature), which model.Exec and train.Trainer store after each step. Other graphs
// (evaluation, inference) normalise with running_mean and running_var. Variables in scope:
// "weight" γ (ones) and "bias" β (zeros) when affine, "running_mean" (zeros), "running_var"
// (ones). Defaults: momentum m = 0.1, ε = 1e-5, affine on (PyTorch's). GoMLX's post-training
// average recomputation (norm.UpdateBatchNormAverages) does not apply to this layer.
func BatchNorm(scope *model.Scope, x *Node) *BatchNormBuilder {
	return &BatchNormBuilder{scope: scope, x: x, momentum: DefaultBatchNormMomentum,
		epsilon: DefaultBatchNormEpsilon, affine: true}
}

// Momentum sets PyTorch's momentum m, the weight of the new batch statistics (default 0.1).
func (b *BatchNormBuilder) Momentum(m float64) *BatchNormBuilder { b.momentum = m; return b }

// Epsilon sets ε added to the variance (default 1e-5).
func (b *BatchNormBuilder) Epsilon(eps float64) *BatchNormBuilder { b.epsilon = eps; return b }

// Affine sets whether the learned scale γ and offset β are applied (default true).
func (b *BatchNormBuilder) Affine(use bool) *BatchNormBuilder { b.affine = use; return b }

// Done returns the normalised x (same shape).
func (b *BatchNormBuilder) Done() *Node {
	x := b.x
	if x.Rank() < 2 {
		exceptions.Panicf("nn.BatchNorm(%s): x must be [B,F] or [B,H,W,C], got shape %s", b.scope.Scope(), x.Shape())
	}
	if b.momentum < 0 || b.momentum > 1 || b.epsilon < 0 {
		exceptions.Panicf("nn.BatchNorm(%s): want 0 ≤ momentum ≤ 1 and epsilon ≥ 0, got %g and %g", b.scope.Scope(), b.momentum, b.epsilon)
	}
	g := x.Graph()
	dims := x.Shape().Dimensions
	features := dims[len(dims)-1]
	varShape := shapes.Make(x.DType(), features)
	n := x.Shape().Size() / features // values per feature

	meanVar := b.scope.WithInitializer(initializer.Zero).VariableWithShape(RunningMeanName, varShape).SetTrainable(false)
	varVar := b.scope.WithInitializer(initializer.One).VariableWithShape(RunningVarName, varShape).SetTrainable(false)

	var mean, variance *Node
	if b.scope.IsTraining(g) {
		if n < 2 {
			exceptions.Panicf("nn.BatchNorm(%s): training needs more than one value per feature, got input shape %s", b.scope.Scope(), x.Shape())
		}
		mean, variance = batchStatistics(x)
		m := b.momentum
		newMean := Add(MulScalar(meanVar.NodeValue(g), 1-m), MulScalar(StopGradient(mean), m))
		unbiased := MulScalar(StopGradient(variance), float64(n)/float64(n-1))
		newVar := Add(MulScalar(varVar.NodeValue(g), 1-m), MulScalar(unbiased, m))
		meanVar.SetNodeValue(newMean)
		varVar.SetNodeValue(newVar)
	} else {
		mean, variance = meanVar.NodeValue(g), varVar.NodeValue(g)
	}
	var gamma, beta *Node
	if b.affine {
		gamma = b.scope.WithInitializer(initializer.One).VariableWithShape(WeightName, varShape).NodeValue(g)
		beta = b.scope.WithInitializer(initializer.Zero).VariableWithShape(BiasName, varShape).NodeValue(g)
	}
	return batchNormalize(x, mean, variance, gamma, beta, b.epsilon)
}

// batchStatistics returns the mean and the biased variance of x over all axes but the last.
func batchStatistics(x *Node) (mean, variance *Node) {
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i
	}
	mean = ReduceMean(x, axes...)
	variance = ReduceMean(Square(Sub(x, alongLastAxis(mean, x.Rank()))), axes...)
	return mean, variance
}

// alongLastAxis reshapes a [F] vector to [1,…,1,F] (rank axes) for broadcasting.
func alongLastAxis(v *Node, rank int) *Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[rank-1] = v.Shape().Dimensions[0]
	return Reshape(v, dims...)
}

// batchNormalize returns (x−mean)/√(variance+eps)·gamma + beta, with [F] statistics and
// parameters broadcast along the last axis of x; gamma and beta may be nil.
func batchNormalize(x, mean, variance, gamma, beta *Node, eps float64) *Node {
	r := x.Rank()
	y := Div(Sub(x, alongLastAxis(mean, r)), Sqrt(AddScalar(alongLastAxis(variance, r), eps)))
	if gamma != nil {
		y = Add(Mul(y, alongLastAxis(gamma, r)), alongLastAxis(beta, r))
	}
	return y
}
