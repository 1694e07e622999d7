package invert

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// RandomNetwork returns a fully connected generator with sizes = [n_0, n_1, …, n_L] (L ≥ 1 layers),
// ReLU hidden layers, the image activation last, zero biases and Gaussian i.i.d. weights, as in
// paper 001's random-weight experiments. The variances are He's: W_i[j,k] ~ N(0, 2/n_{i−1}) for
// the hidden layers and N(0, 1/n_{L−1}) for the image layer, so that for z ~ N(0, I) every hidden
// entry has E[x_j²] = 1 and the image pre-activations are ≈ N(0, 1) (the scale matters only for
// Tanh and PLU: ReLU layers are positively homogeneous). It panics on fewer than two sizes or a
// size < 1.
func RandomNetwork(rng *rand.Rand, sizes []int, last Activation) *Network {
	if len(sizes) < 2 {
		panic(fmt.Sprintf("invert.RandomNetwork: sizes %v needs at least [n_0, n_L]", sizes))
	}
	net := &Network{Layers: make([]Layer, len(sizes)-1)}
	for i := range net.Layers {
		in, out := sizes[i], sizes[i+1]
		if in < 1 || out < 1 {
			panic(fmt.Sprintf("invert.RandomNetwork: sizes %v has a size < 1", sizes))
		}
		act, variance := ReLU, 2/float64(in)
		if i == len(net.Layers)-1 {
			act, variance = last, 1/float64(in)
		}
		sd := math.Sqrt(variance)
		data := make([]float64, out*in)
		for k := range data {
			data[k] = sd * rng.NormFloat64()
		}
		net.Layers[i] = Layer{W: mat.NewDense(out, in, data), Act: act}
	}
	return net
}

// RandomLatent returns z ~ N(0, I_n), the latent prior of paper 001's generators.
func RandomLatent(rng *rand.Rand, n int) []float64 {
	z := make([]float64, n)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	return z
}
