// Package metrics computes image-quality and sparsity figures on the host, in float64, so that
// every experiment reports them the same way.
//
// PSNR (peak signal-to-noise ratio) of an estimate x̂ of an image x with values in [0, peak]:
//
//	PSNR(x, x̂) = 10·log10(peak² / MSE),  MSE = (1/n)·Σ_i (x_i − x̂_i)²
//
// computed per image and then summarised by mean ± population standard deviation, the protocol
// of paper 000 (unclamped estimates, peak 1). SNR (signal-to-noise ratio) of an estimate v̂ of
// a vector v is 10·log10(‖v‖² / ‖v − v̂‖²), the per-layer measure of paper 001.
package metrics

import (
	"fmt"
	"math"
	"sort"
)

// PSNR returns the peak signal-to-noise ratio in dB of estimate against reference, both with n
// values, for signals in [0, peak]. Identical inputs give +Inf.
func PSNR(reference, estimate []float32, peak float64) float64 {
	if len(reference) != len(estimate) || len(reference) == 0 {
		panic(fmt.Sprintf("metrics.PSNR: lengths %d and %d", len(reference), len(estimate)))
	}
	var se float64
	for i, r := range reference {
		d := float64(r) - float64(estimate[i])
		se += d * d
	}
	mse := se / float64(len(reference))
	return 10 * math.Log10(peak*peak/mse)
}

// SNR returns 10·log10(‖v‖²/‖v − v̂‖²) in dB.
func SNR(v, estimate []float64) float64 {
	if len(v) != len(estimate) {
		panic(fmt.Sprintf("metrics.SNR: lengths %d and %d", len(v), len(estimate)))
	}
	var s, e float64
	for i := range v {
		s += v[i] * v[i]
		d := v[i] - estimate[i]
		e += d * d
	}
	return 10 * math.Log10(s/e)
}

// BatchPSNR returns the PSNR of each of n images of size imageSize laid out one after the other.
func BatchPSNR(reference, estimate []float32, imageSize int, peak float64) ([]float64, error) {
	if imageSize <= 0 || len(reference) != len(estimate) || len(reference)%imageSize != 0 {
		return nil, fmt.Errorf("metrics: %d and %d values are not a whole number of %d-value images",
			len(reference), len(estimate), imageSize)
	}
	n := len(reference) / imageSize
	out := make([]float64, n)
	for i := range out {
		lo, hi := i*imageSize, (i+1)*imageSize
		out[i] = PSNR(reference[lo:hi], estimate[lo:hi], peak)
	}
	return out, nil
}

// Mean returns the arithmetic mean of xs (NaN for an empty sample).
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Quantile returns the p-quantile (0 ≤ p ≤ 1, linear interpolation between order statistics) of
// the non-NaN values of xs; NaN if there are none.
func Quantile(xs []float64, p float64) float64 {
	s := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return math.NaN()
	}
	sort.Float64s(s)
	h := float64(len(s)-1) * p
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// Summary is a mean ± population standard deviation (with the extremes) over a sample.
type Summary struct {
	Mean, Std float64
	Min, Max  float64
	N         int
}

// Summarize returns the mean and population standard deviation of xs (NaN for an empty sample).
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{Mean: math.NaN(), Std: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	var m float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		m += x
		lo, hi = min(lo, x), max(hi, x)
	}
	m /= float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return Summary{Mean: m, Std: math.Sqrt(v / float64(len(xs))), Min: lo, Max: hi, N: len(xs)}
}

func (s Summary) String() string { return fmt.Sprintf("%.2f ± %.2f", s.Mean, s.Std) }
