package invert

import (
	"math"
	"time"

	"github.com/sparselab/sparselab/models/metrics"
)

// Estimate is what an inversion algorithm returns for one measurement y.
type Estimate struct {
	// Method names the algorithm ("gd", "adam", "layered-bp", "latent-pursuit", "oracle", …).
	Method string
	// Layers is the estimate [ẑ, x̂_1, …, x̂_L] of every layer, latent first, image last, as the
	// algorithm produced them (a layer-wise method's x̂_i need not equal the forward pass of ẑ).
	Layers [][]float64
	// Residual is ‖M ⊙ (y − G(ẑ))‖₂, the observed part of the measurement misfit of the latent
	// estimate pushed through the generator.
	Residual float64
	// Iterations counts the iterations of all stages together.
	Iterations int
	// Duration is the wall time of the inversion.
	Duration time.Duration
}

// SNR returns the signal-to-noise ratio 20·log10(‖x‖₂ / ‖x − x̂‖₂) in dB of the estimate est of
// x; +Inf for an exact estimate of a non-zero x, and NaN for a zero x or a length mismatch.
func SNR(x, est []float64) float64 {
	if len(x) != len(est) {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v * v
	}
	if s == 0 {
		return math.NaN()
	}
	return metrics.SNR(x, est)
}

// LayerSNR returns the SNR of every layer of est against the true activations truth (both
// [z, x_1, …, x_L]); layers missing from est give NaN.
func LayerSNR(truth, est [][]float64) []float64 {
	out := make([]float64, len(truth))
	for i := range truth {
		if i < len(est) && est[i] != nil {
			out[i] = SNR(truth[i], est[i])
		} else {
			out[i] = math.NaN()
		}
	}
	return out
}
