package prox

import (
	"fmt"
	"math"
)

func checkThreshold(fn string, t float64) error {
	if !(t >= 0) || math.IsInf(t, 0) {
		return fmt.Errorf("prox.%s: threshold t = %g must be finite and ≥ 0", fn, t)
	}
	return nil
}

// SoftThresholdHost returns S_t(x) = sign(x)·max(|x| − t, 0) for each value of x (a new slice).
func SoftThresholdHost(x []float64, t float64) ([]float64, error) {
	if err := checkThreshold("SoftThresholdHost", t); err != nil {
		return nil, err
	}
	out := make([]float64, len(x))
	for i, v := range x {
		if a := math.Abs(v) - t; a > 0 {
			out[i] = math.Copysign(a, v)
		}
	}
	return out, nil
}

// NonNegSoftThresholdHost returns max(x − t, 0) for each value of x (a new slice).
func NonNegSoftThresholdHost(x []float64, t float64) ([]float64, error) {
	if err := checkThreshold("NonNegSoftThresholdHost", t); err != nil {
		return nil, err
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = max(v-t, 0)
	}
	return out, nil
}

// NonNegativeHost returns max(x, 0) for each value of x (a new slice).
func NonNegativeHost(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = max(v, 0)
	}
	return out
}

// BoxHost returns min(max(x, lo), hi) for each value of x (a new slice); lo ≤ hi is required
// (either may be infinite).
func BoxHost(x []float64, lo, hi float64) ([]float64, error) {
	if math.IsNaN(lo) || math.IsNaN(hi) || lo > hi {
		return nil, fmt.Errorf("prox.BoxHost: empty box [%g, %g]; want lo ≤ hi", lo, hi)
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = min(max(v, lo), hi)
	}
	return out, nil
}

// L2BallHost returns the projection of the vector x onto the ℓ2 ball of radius r ≥ 0: x if
// ‖x‖₂ ≤ r, else r·x/‖x‖₂ (a new slice).
func L2BallHost(x []float64, r float64) ([]float64, error) {
	if !(r >= 0) || math.IsInf(r, 0) {
		return nil, fmt.Errorf("prox.L2BallHost: radius r = %g must be finite and ≥ 0", r)
	}
	var s float64
	for _, v := range x {
		s += v * v
	}
	norm := math.Sqrt(s)
	out := make([]float64, len(x))
	scale := 1.0
	if norm > r {
		scale = r / norm
	}
	for i, v := range x {
		out[i] = v * scale
	}
	return out, nil
}
