package linop

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Entry is a registered operator family: a name, a description, and a constructor of a small
// instance (random content drawn from rng) on which the package tests check the family's
// properties on every backend.
type Entry struct {
	Name    string
	Doc     string
	Example func(rng *rand.Rand) (Operator, error)
}

var (
	registryMu sync.Mutex
	registry   = map[string]Entry{}
)

// Register adds an operator family to the registry; it fails for an empty or already
// registered name or a nil Example.
func Register(e Entry) error {
	if e.Name == "" || e.Example == nil {
		return fmt.Errorf("linop.Register: entry %q needs a name and an Example constructor", e.Name)
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, ok := registry[e.Name]; ok {
		return fmt.Errorf("linop.Register: %q is already registered", e.Name)
	}
	registry[e.Name] = e
	return nil
}

// Entries returns the registered families sorted by name.
func Entries() []Entry {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]Entry, 0, len(registry))
	for _, e := range registry {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the registered family with the given name.
func Lookup(name string) (Entry, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	e, ok := registry[name]
	return e, ok
}

func randMatrix(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			m.Set(i, j, rng.NormFloat64())
		}
	}
	return m
}

func init() {
	builtins := []Entry{
		{"identity", "identity on [3, 4, 2]", func(*rand.Rand) (Operator, error) { return Identity([]int{3, 4, 2}) }},
		{"scale", "α·I on [5], α random", func(rng *rand.Rand) (Operator, error) { return Scale([]int{5}, 0.5+rng.Float64()) }},
		{"dense", "random 7×5 matrix (tall)", func(rng *rand.Rand) (Operator, error) { return Dense(randMatrix(rng, 7, 5)) }},
		{"dense-wide", "random 3×8 matrix (wide)", func(rng *rand.Rand) (Operator, error) { return Dense(randMatrix(rng, 3, 8)) }},
		{"mask", "random 0/1 mask on [4, 5, 1]", func(rng *rand.Rand) (Operator, error) {
			w := make([]float64, 20)
			for i := range w {
				if rng.Float64() < 0.6 {
					w[i] = 1
				}
			}
			return Mask([]int{4, 5, 1}, w)
		}},
		{"select", "keeps 9 random entries of [4, 3, 2]", func(rng *rand.Rand) (Operator, error) {
			return Select([]int{4, 3, 2}, rng.Perm(24)[:9])
		}},
		{"separable", "random 3×6 ⊗ 5×4 on [6, 4, 2]", func(rng *rand.Rand) (Operator, error) {
			return Separable([]int{6, 4, 2}, randMatrix(rng, 3, 6), randMatrix(rng, 5, 4))
		}},
		{"circular-conv", "random non-symmetric 3×2 kernel, centre (1, 0), on [6, 5, 2] (rank-2 kernel)", func(rng *rand.Rand) (Operator, error) {
			return CircularConvolution([]int{6, 5, 2}, randMatrix(rng, 3, 2), 1, 0)
		}},
		{"circular-conv-wrap", "random 5×5 kernel larger than half the [4, 3, 1] grid (offsets wrap)", func(rng *rand.Rand) (Operator, error) {
			return CircularConvolution([]int{4, 3, 1}, randMatrix(rng, 5, 5), 2, 2)
		}},
		{"gaussian-blur", "periodic Gaussian blur σ = 0.7 on [8, 6, 1]", func(*rand.Rand) (Operator, error) { return GaussianBlur([]int{8, 6, 1}, 0.7) }},
		{"subsample", "keep every 2nd pixel of [7, 6, 2] (odd height)", func(*rand.Rand) (Operator, error) { return Subsample([]int{7, 6, 2}, 2) }},
		{"zero-upsample", "adjoint of subsampling by 3 on [9, 7, 1]", func(*rand.Rand) (Operator, error) {
			s, err := Subsample([]int{9, 7, 1}, 3)
			if err != nil {
				return nil, err
			}
			return Transpose(s), nil
		}},
		{"super-resolution", "paper 000's A = S·F, ×2, σ = 0.7, on [28, 28, 1]", func(*rand.Rand) (Operator, error) {
			return SuperResolution([]int{28, 28, 1}, 2, 0.7)
		}},
		{"super-resolution-small", "A = S·F, ×2, σ = 1.3, on [6, 10, 3]", func(*rand.Rand) (Operator, error) {
			return SuperResolution([]int{6, 10, 3}, 2, 1.3)
		}},
		{"resize-bilinear", "bilinear ×2 upsampling [5, 4, 1] → [10, 8, 1]", func(*rand.Rand) (Operator, error) {
			return Resize([]int{5, 4, 1}, 10, 8, Bilinear)
		}},
		{"resize-bicubic", "bicubic resize [5, 4, 2] → [10, 7, 2]", func(*rand.Rand) (Operator, error) {
			return Resize([]int{5, 4, 2}, 10, 7, Bicubic)
		}},
		{"resize-bicubic-decimated", "bicubic ×4 upsampling on the decimated grid (periodic) [3, 5, 1] → [12, 20, 1]", func(*rand.Rand) (Operator, error) {
			return ResizeOn([]int{3, 5, 1}, 12, 20, Bicubic, Decimated)
		}},
		{"compose", "Subsample(×2) · CircularConvolution · Scale on [6, 4, 1], not multiplied out", func(rng *rand.Rand) (Operator, error) {
			conv, err := CircularConvolution([]int{6, 4, 1}, randMatrix(rng, 3, 3), 1, 1)
			if err != nil {
				return nil, err
			}
			sc, err := Scale([]int{6, 4, 1}, -1.5)
			if err != nil {
				return nil, err
			}
			sub, err := Subsample([]int{6, 4, 1}, 2)
			if err != nil {
				return nil, err
			}
			return Compose(sub, conv, sc)
		}},
		{"sum", "GaussianBlur + 0.3·I on [5, 5, 1]", func(*rand.Rand) (Operator, error) {
			blur, err := GaussianBlur([]int{5, 5, 1}, 0.9)
			if err != nil {
				return nil, err
			}
			sc, err := Scale([]int{5, 5, 1}, 0.3)
			if err != nil {
				return nil, err
			}
			return Sum(blur, sc)
		}},
		{"reshape", "random 6×12 matrix viewed as [3, 4, 1] → [2, 3]", func(rng *rand.Rand) (Operator, error) {
			d, err := Dense(randMatrix(rng, 6, 12))
			if err != nil {
				return nil, err
			}
			return Reshape(d, []int{3, 4, 1}, []int{2, 3})
		}},
		{"transpose", "transpose of a random 4×6 matrix", func(rng *rand.Rand) (Operator, error) {
			d, err := Dense(randMatrix(rng, 4, 6))
			if err != nil {
				return nil, err
			}
			return Transpose(d), nil
		}},
	}
	for _, e := range builtins {
		if err := Register(e); err != nil {
			panic(err)
		}
	}
}
