package invert

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/mat"
)

// UniquenessCondition is one sufficient condition of paper 001's Corollary 1 (uniqueness for
// random weight matrices), for the inversion of one layer.
type UniquenessCondition struct {
	// Layer is the index i of the layer x_i the condition makes unique (0 for z).
	Layer int
	// Statement is the condition with its numbers, e.g. "s_2 ≥ 2·s_1: 190 ≥ 128".
	Statement string
	// Holds reports whether it is met.
	Holds bool
}

// UniquenessReport is the outcome of [CheckUniqueness].
type UniquenessReport struct {
	// Sizes is [n_0, n_1, …, n_L].
	Sizes []int
	// Cardinalities is [n_0, s_1, …, s_{L−1}, m]: the number of non-zeros s_i of each hidden
	// layer x_i at z, with the latent size n_0 (z is dense) first and the number m of observed
	// pixels last (φ_L is invertible, so every observed pixel is an equation).
	Cardinalities []int
	// LatentRank is rank(W_1[S_1, :]), the rank of the first layer's rows on the support of x_1
	// (for a one-layer network, of W_1's observed rows): z is determined by x_1 iff it is n_0.
	LatentRank int
	// Conditions lists the conditions from the image layer down to z.
	Conditions []UniquenessCondition
	// Unique reports that every condition holds: then, with probability 1 over Gaussian
	// weights, z is the only latent vector whose layers have these cardinalities and generate y.
	Unique bool
}

// CheckUniqueness evaluates paper 001's sufficient uniqueness conditions (Theorem 1, in the form
// of Corollary 1 for random i.i.d. weights, where a k×n submatrix has spark min(k, n)+1 and rank
// min(k, n) with probability 1) at the latent vector z, all pixels observed:
//
//   - image layer: x_{L−1} is the unique s_{L−1}-sparse solution of W_L[O]·x = φ_L⁻¹(y)[O] − b
//     when s_{L−1} < spark(W_L[O])/2, i.e. m ≥ 2·s_{L−1} (or m ≥ n_{L−1}: full column rank);
//   - hidden layer i = L−2 … 1: x_i is unique given x_{i+1} when s_i < spark(W_{i+1}[S_{i+1}])/2,
//     i.e. s_{i+1} ≥ 2·s_i (or s_{i+1} ≥ n_i): the cardinality must at least double;
//   - latent layer: z is unique given x_1 when rank(W_1[S_1]) = n_0, i.e. s_1 ≥ n_0. For random
//     weights s_1 ≈ n_1/2, which is the paper's line n_1 = 2·n_0 below which every inversion method
//     fails (its Figure 4). The report also gives the exact rank.
//
// It panics if the network is invalid or z has the wrong length (call net.Validate first).
func CheckUniqueness(net *Network, z []float64) UniquenessReport {
	return CheckUniquenessMasked(net, z, nil)
}

// CheckUniquenessMasked is [CheckUniqueness] for a measurement observing only the pixels i with
// mask[i] (nil: all): the image condition uses the number m of observed pixels.
func CheckUniquenessMasked(net *Network, z []float64, mask []bool) UniquenessReport {
	if err := net.Validate(); err != nil {
		panic(fmt.Sprintf("invert.CheckUniqueness: %v", err))
	}
	if len(z) != net.LatentSize() {
		panic(fmt.Sprintf("invert.CheckUniqueness: z has %d values; the network's latent size is %d", len(z), net.LatentSize()))
	}
	sizes := net.Sizes()
	L := len(net.Layers)
	if mask != nil && len(mask) != sizes[L] {
		panic(fmt.Sprintf("invert.CheckUniqueness: mask has %d entries; the image has %d", len(mask), sizes[L]))
	}
	acts := net.Forward(z)
	r := UniquenessReport{Sizes: sizes, Cardinalities: make([]int, L+1)}
	r.Cardinalities[0] = sizes[0]
	var obs []int
	for i := range sizes[L] {
		if mask == nil || mask[i] {
			obs = append(obs, i)
		}
	}
	r.Cardinalities[L] = len(obs)
	supports := Supports(acts, 0)
	for i := 1; i < L; i++ {
		r.Cardinalities[i] = len(supports[i])
	}
	c := r.Cardinalities
	// Image layer (Theorem 1 (i)).
	if L > 1 {
		s, m, n := c[L-1], c[L], sizes[L-1]
		st := fmt.Sprintf("m ≥ 2·s_%d: %d ≥ %d", L-1, m, 2*s)
		if m >= n && m < 2*s {
			st = fmt.Sprintf("m ≥ n_%d (full column rank): %d ≥ %d", L-1, m, n)
		}
		r.Conditions = append(r.Conditions, UniquenessCondition{Layer: L - 1, Statement: st, Holds: m >= 2*s || m >= n})
	}
	// Hidden layers (Theorem 1 (ii)).
	for i := L - 2; i >= 1; i-- {
		s, next, n := c[i], c[i+1], sizes[i]
		st := fmt.Sprintf("s_%d ≥ 2·s_%d: %d ≥ %d", i+1, i, next, 2*s)
		if next >= n && next < 2*s {
			st = fmt.Sprintf("s_%d ≥ n_%d (full column rank): %d ≥ %d", i+1, i, next, n)
		}
		r.Conditions = append(r.Conditions, UniquenessCondition{Layer: i, Statement: st, Holds: next >= 2*s || next >= n})
	}
	// Latent layer (Theorem 1 (iii)).
	rows := obs
	name := "m"
	if L > 1 {
		rows, name = supports[1], "s_1"
	}
	r.LatentRank = matrixRank(subMatrix(net.Layers[0].W, rows, nil))
	r.Conditions = append(r.Conditions, UniquenessCondition{
		Layer:     0,
		Statement: fmt.Sprintf("%s ≥ n_0: %d ≥ %d (rank %d)", name, len(rows), sizes[0], r.LatentRank),
		Holds:     r.LatentRank == sizes[0], // the exact condition (for random weights the same as the count)
	})
	r.Unique = true
	for _, cond := range r.Conditions {
		r.Unique = r.Unique && cond.Holds
	}
	return r
}

// matrixRank returns the numerical rank of a (0 for nil), singular values above 1e-10·σ_max.
func matrixRank(a *mat.Dense) int {
	if a == nil {
		return 0
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDNone) {
		return 0
	}
	return svd.Rank(1e-10)
}

// String returns the report as a table: one row per layer with its size, cardinality and the
// condition that makes it unique, then the verdict.
func (r UniquenessReport) String() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\tsize\tnon-zeros\tcondition\tverdict")
	L := len(r.Sizes) - 1
	byLayer := map[int]UniquenessCondition{}
	for _, c := range r.Conditions {
		byLayer[c.Layer] = c
	}
	for i := 0; i <= L; i++ {
		name := fmt.Sprintf("x_%d", i)
		card := fmt.Sprint(r.Cardinalities[i])
		switch i {
		case 0:
			name, card = "z", card+" (dense)"
		case L:
			name, card = "image", card+" observed"
		}
		cond, verdict := "", ""
		if c, ok := byLayer[i]; ok {
			cond, verdict = c.Statement, "ok"
			if !c.Holds {
				verdict = "FAILS"
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", name, r.Sizes[i], card, cond, verdict)
	}
	tw.Flush()
	table := b.String()
	b.Reset()
	for line := range strings.Lines(table) {
		b.WriteString(strings.TrimRight(line, " \n"))
		b.WriteByte('\n')
	}
	if r.Unique {
		b.WriteString("verdict: unique (Corollary 1, random weights)\n")
	} else {
		b.WriteString("verdict: uniqueness not guaranteed\n")
	}
	return b.String()
}
