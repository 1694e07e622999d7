package datasets

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// pcgStream distinguishes the generators this package derives from one user seed.
const (
	streamSample  = 0x5eed_5a3b_1e00_0001
	streamShuffle = 0x5eed_5a3b_1e00_0002
)

// newPCG returns the PCG generator for a seed and a stream (the second PCG seed word).
func newPCG(seed int64, stream uint64) *rand.PCG {
	return rand.NewPCG(uint64(seed), stream)
}

// uintN returns a uniform integer in [0, n) from src, n > 0, with Lemire's unbiased
// multiply-and-reject method (our own code, so the sequence never depends on how math/rand
// implements its helpers).
func uintN(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// shuffle permutes p in place with the Fisher–Yates algorithm driven by src.
func shuffle(src *rand.PCG, p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := int(uintN(src, uint64(i+1)))
		p[i], p[j] = p[j], p[i]
	}
}

// permutation returns a seeded permutation of 0…n−1.
func permutation(n int, seed int64, stream uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	shuffle(newPCG(seed, stream), p)
	return p
}

// SampleIndices returns n distinct indices drawn uniformly from [0, total) with the given
// seed, sorted increasingly. They are the first n entries of a seeded Fisher–Yates
// permutation of 0…total−1 (PCG of math/rand/v2), so for one seed a smaller n gives a subset
// of a larger n's indices. The result depends only on (total, n, seed), on every platform. It
// returns an error if n is negative or larger than total.
func SampleIndices(total, n int, seed int64) ([]int, error) {
	if total < 0 || n < 0 || n > total {
		return nil, fmt.Errorf("cannot sample %d distinct indices out of %d", n, total)
	}
	idx := permutation(total, seed, streamSample)[:n]
	slices.Sort(idx)
	return idx, nil
}
