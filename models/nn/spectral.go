//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/exceptions"
)

// SpectralNormBuilder configures a spectral normalisation; create it with [SpectralNorm].
type SpectralNormBuilder struct {
	scope      *model.Scope
	w          *Node
	iterations int
	epsilon    float64
}

// SpectralNorm starts PyTorch's torch.nn.utils.spectral_norm for the weight w, whose last axis is
// the output axis (Dense [in,out], Conv and ConvTranspose [kh,kw,Cin,Cout]). w is seen as the
// matrix W [out, rest] (rest = product of the other axes; the order of those columns does not
// change the singular values) and divided by σ = uᵀ·W·v, an estimate of its largest singular
// value. u [out] and v [rest] are non-trainable variables "spectral_u" and "spectral_v" in scope,
// drawn from N(0,1) at creation. In training graphs (scope.IsTraining(g)) each call runs
// Iterations power iterations v ← normalise(Wᵀu), u ← normalise(W·v) (default 1, normalise(a) =
// a/max(‖a‖, ε), ε = 1e-12) and stores u and v; other graphs use the stored (normalised) u and v.
// As in PyTorch, u and v are constants for the gradient: ∂σ/∂W = u·vᵀ.
func SpectralNorm(scope *model.Scope, w *Node) *SpectralNormBuilder {
	return &SpectralNormBuilder{scope: scope, w: w, iterations: 1, epsilon: 1e-12}
}

// Iterations sets the number of power iterations per training call (default 1, like PyTorch).
func (b *SpectralNormBuilder) Iterations(n int) *SpectralNormBuilder { b.iterations = n; return b }

// Epsilon sets the ε of the normalisation (default 1e-12).
func (b *SpectralNormBuilder) Epsilon(eps float64) *SpectralNormBuilder { b.epsilon = eps; return b }

// Done returns w/σ.
func (b *SpectralNormBuilder) Done() *Node {
	normalized, _ := b.DoneWithSigma()
	return normalized
}

// DoneWithSigma returns w/σ and σ (a scalar).
func (b *SpectralNormBuilder) DoneWithSigma() (normalized, sigma *Node) {
	w := b.w
	if w.Rank() < 2 {
		exceptions.Panicf("nn.SpectralNorm(%s): weight must have rank ≥ 2, got shape %s", b.scope.Scope(), w.Shape())
	}
	if b.iterations < 0 {
		exceptions.Panicf("nn.SpectralNorm(%s): iterations must be ≥ 0, got %d", b.scope.Scope(), b.iterations)
	}
	g := w.Graph()
	dims := w.Shape().Dimensions
	out := dims[len(dims)-1]
	rest := w.Shape().Size() / out
	wt := Reshape(w, rest, out) // Wᵀ as stored: [rest, out]

	init := b.scope.WithInitializer(initializer.RandomNormalFn(b.scope, 1))
	uVar := init.VariableWithShape(SpectralUName, shapes.Make(w.DType(), out)).SetTrainable(false)
	vVar := init.VariableWithShape(SpectralVName, shapes.Make(w.DType(), rest)).SetTrainable(false)
	u := b.normalize(uVar.NodeValue(g))
	v := b.normalize(vVar.NodeValue(g))
	if b.scope.IsTraining(g) {
		wc := StopGradient(wt)
		for range b.iterations {
			v = b.normalize(DotGeneral(wc, []int{1}, nil, u, []int{0}, nil)) // Wᵀu: [rest]
			u = b.normalize(DotGeneral(wc, []int{0}, nil, v, []int{0}, nil)) // W·v: [out]
		}
		u, v = StopGradient(u), StopGradient(v)
		uVar.SetNodeValue(u)
		vVar.SetNodeValue(v)
	}
	return spectralDivide(w, u, v)
}

// spectralDivide returns w/σ and σ = uᵀ·W·v, where W [out, rest] is w with its last axis first.
func spectralDivide(w, u, v *Node) (normalized, sigma *Node) {
	out := w.Shape().Dimensions[w.Rank()-1]
	wt := Reshape(w, w.Shape().Size()/out, out)           // Wᵀ: [rest, out]
	wv := DotGeneral(wt, []int{0}, nil, v, []int{0}, nil) // W·v: [out]
	sigma = ReduceSum(Mul(u, wv))
	return Div(w, sigma), sigma
}

func (b *SpectralNormBuilder) normalize(a *Node) *Node {
	n := Sqrt(ReduceAllSum(Square(a)))
	return Div(a, MaxScalar(n, b.epsilon))
}
