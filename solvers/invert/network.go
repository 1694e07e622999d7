package invert

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Activation is the element-wise non-linearity φ that follows a layer's affine map.
type Activation int

const (
	// ReLU is φ(u) = max(u, 0), the hidden activation of paper 001's generators: it makes the hidden
	// layers sparse, which the inversion algorithms exploit.
	ReLU Activation = iota
	// Identity is φ(u) = u (a linear output layer).
	Identity
	// PLU is the piecewise linear unit PLU(u) = max(α(u+c)−c, min(α(u−c)+c, u)) of the trained MNIST
	// generator's output layer, with α = Layer.PLUAlpha and c = Layer.PLUC (defaults 0.1 and 1): the
	// identity on [−c, c] and slope α outside; invertible.
	PLU
	// Tanh is φ(u) = tanh(u); invertible on (−1, 1).
	Tanh
)

// String returns the activation's name as used in flags and reports.
func (a Activation) String() string {
	switch a {
	case ReLU:
		return "relu"
	case Identity:
		return "identity"
	case PLU:
		return "plu"
	case Tanh:
		return "tanh"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation returns the Activation named s ("relu", "identity", "plu", "tanh").
func ParseActivation(s string) (Activation, error) {
	for _, a := range []Activation{ReLU, Identity, PLU, Tanh} {
		if a.String() == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown activation %q: use relu, identity, plu or tanh", s)
}

// Default PLU parameters (paper 001, section 5: α = 0.1, c = 1).
const (
	DefaultPLUAlpha = 0.1
	DefaultPLUC     = 1.0
)

// Layer is one fully connected layer x_out = φ(W·x_in + B).
type Layer struct {
	// W is the out×in weight matrix.
	W *mat.Dense
	// B is the bias (length out); nil means zero.
	B []float64
	// Act is the activation φ.
	Act Activation
	// PLUAlpha and PLUC are the PLU parameters (zero: DefaultPLUAlpha, DefaultPLUC).
	PLUAlpha, PLUC float64
}

// Dims returns the layer's output and input sizes.
func (l *Layer) Dims() (out, in int) { return l.W.Dims() }

func (l *Layer) pluParams() (alpha, c float64) {
	alpha, c = l.PLUAlpha, l.PLUC
	if alpha == 0 {
		alpha = DefaultPLUAlpha
	}
	if c == 0 {
		c = DefaultPLUC
	}
	return alpha, c
}

// Activate returns φ(u).
func (l *Layer) Activate(u float64) float64 {
	switch l.Act {
	case ReLU:
		return max(u, 0)
	case PLU:
		a, c := l.pluParams()
		return max(a*(u+c)-c, min(a*(u-c)+c, u))
	case Tanh:
		return math.Tanh(u)
	}
	return u
}

// Derivative returns φ'(u) (for ReLU, 1 where u > 0 and 0 elsewhere).
func (l *Layer) Derivative(u float64) float64 {
	switch l.Act {
	case ReLU:
		if u > 0 {
			return 1
		}
		return 0
	case PLU:
		a, c := l.pluParams()
		if u < -c || u > c {
			return a
		}
		return 1
	case Tanh:
		t := math.Tanh(u)
		return 1 - t*t
	}
	return 1
}

// Inverse returns φ⁻¹(v) for the invertible activations (Identity, PLU, Tanh); for Tanh v is
// clipped to (−1+1e-12, 1−1e-12). It returns an error for ReLU, which is not invertible.
func (l *Layer) Inverse(v float64) (float64, error) {
	switch l.Act {
	case Identity:
		return v, nil
	case PLU:
		a, c := l.pluParams()
		switch {
		case v > c:
			return (v-c)/a + c, nil
		case v < -c:
			return (v+c)/a - c, nil
		}
		return v, nil
	case Tanh:
		v = max(-1+1e-12, min(1-1e-12, v))
		return math.Atanh(v), nil
	}
	return 0, fmt.Errorf("activation %s is not invertible", l.Act)
}

// Network is a fully connected generator G(z) = φ_L(W_L·φ_{L−1}(… φ_1(W_1·z + b_1) …) + b_L):
// Layers[0] acts on the latent vector z (size n_0), Layers[L−1] produces the image.
type Network struct {
	Layers []Layer
}

// Validate checks that consecutive layers' sizes agree and biases have the right length.
func (n *Network) Validate() error {
	if n == nil || len(n.Layers) == 0 {
		return fmt.Errorf("invert: network has no layers")
	}
	for i := range n.Layers {
		l := &n.Layers[i]
		if l.W == nil {
			return fmt.Errorf("invert: layer %d has no weights", i+1)
		}
		out, in := l.Dims()
		if l.B != nil && len(l.B) != out {
			return fmt.Errorf("invert: layer %d has %d outputs but a bias of length %d", i+1, out, len(l.B))
		}
		if i > 0 {
			prevOut, _ := n.Layers[i-1].Dims()
			if prevOut != in {
				return fmt.Errorf("invert: layer %d takes %d inputs but layer %d gives %d outputs", i+1, in, i, prevOut)
			}
		}
	}
	return nil
}

// LatentSize returns n_0, the size of z.
func (n *Network) LatentSize() int { _, in := n.Layers[0].Dims(); return in }

// OutputSize returns the size of the generated image.
func (n *Network) OutputSize() int { out, _ := n.Layers[len(n.Layers)-1].Dims(); return out }

// Sizes returns [n_0, n_1, …, n_L].
func (n *Network) Sizes() []int {
	s := []int{n.LatentSize()}
	for i := range n.Layers {
		out, _ := n.Layers[i].Dims()
		s = append(s, out)
	}
	return s
}

// PreActivation returns W·x + B for layer l (0-based).
func (n *Network) PreActivation(l int, x []float64) []float64 {
	layer := &n.Layers[l]
	out, _ := layer.Dims()
	u := make([]float64, out)
	uv := mat.NewVecDense(out, u)
	uv.MulVec(layer.W, mat.NewVecDense(len(x), x))
	if layer.B != nil {
		for i := range u {
			u[i] += layer.B[i]
		}
	}
	return u
}

// Forward returns the activations [z, x_1, …, x_L] (x_L the image) of G at z. It panics on a size
// mismatch (call Validate first for a clear error).
func (n *Network) Forward(z []float64) [][]float64 {
	acts := [][]float64{append([]float64(nil), z...)}
	x := z
	for l := range n.Layers {
		u := n.PreActivation(l, x)
		for i := range u {
			u[i] = n.Layers[l].Activate(u[i])
		}
		acts = append(acts, u)
		x = u
	}
	return acts
}

// Generate returns G(z).
func (n *Network) Generate(z []float64) []float64 {
	acts := n.Forward(z)
	return acts[len(acts)-1]
}
