package invert

// Inpainting masks: a mask is a []bool over the pixels of an image (row-major for h×w images),
// true where the pixel is observed; a nil mask observes every pixel.

import (
	"math"
	"math/rand/v2"
)

// RandomMask returns an inpainting mask over n pixels (true = observed) that hides exactly
// round(hiddenFraction·n) pixels (halves away from zero) chosen uniformly at random with rng;
// hiddenFraction is clamped to [0, 1]. The same rng state gives the same mask.
func RandomMask(rng *rand.Rand, n int, hiddenFraction float64) []bool {
	mask := make([]bool, n)
	for i := range mask {
		mask[i] = true
	}
	hidden := int(math.Round(max(0, min(1, hiddenFraction)) * float64(n)))
	for _, i := range rng.Perm(n)[:hidden] {
		mask[i] = false
	}
	return mask
}

// RowsMask returns the mask of an h×w image (row-major) with rows [firstRow, firstRow+rows)
// hidden (clipped to the image). Paper 001's "upper 13 of 28 rows hidden" is
// RowsMask(28, 28, 0, 13).
func RowsMask(h, w, firstRow, rows int) []bool {
	mask := make([]bool, h*w)
	for r := range h {
		hide := r >= firstRow && r < firstRow+rows
		for c := range w {
			mask[r*w+c] = !hide
		}
	}
	return mask
}

// Observed returns the number of observed pixels of mask; a nil mask observes all n pixels.
func Observed(mask []bool, n int) int {
	if mask == nil {
		return n
	}
	k := 0
	for _, m := range mask {
		if m {
			k++
		}
	}
	return k
}

// ApplyMask returns y with the hidden pixels (mask false) replaced by fill; a nil mask returns a
// copy of y.
func ApplyMask(y []float64, mask []bool, fill float64) []float64 {
	out := append([]float64(nil), y...)
	if mask == nil {
		return out
	}
	for i := range out {
		if i < len(mask) && !mask[i] {
			out[i] = fill
		}
	}
	return out
}
