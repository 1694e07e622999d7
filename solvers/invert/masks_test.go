package invert

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRandomMask(t *testing.T) {
	cases := []struct {
		n          int
		fraction   float64
		wantHidden int
	}{
		{784, 0.6, 470}, // 470.4 rounds down
		{784, 0.5, 392},
		{10, 0.25, 3}, // 2.5 rounds away from zero
		{10, 0.24, 2},
		{5, 0, 0},
		{5, 1, 5},
		{5, 1.5, 5},  // clamped to 1
		{5, -0.2, 0}, // clamped to 0
		{0, 0.5, 0},
	}
	for _, c := range cases {
		m := RandomMask(rand.New(rand.NewPCG(4, 2)), c.n, c.fraction)
		if len(m) != c.n {
			t.Errorf("RandomMask(%d, %g) has length %d", c.n, c.fraction, len(m))
		}
		if got := c.n - Observed(m, c.n); got != c.wantHidden {
			t.Errorf("RandomMask(%d, %g) hides %d pixels, want %d", c.n, c.fraction, got, c.wantHidden)
		}
	}
	a := RandomMask(rand.New(rand.NewPCG(1, 1)), 100, 0.5)
	b := RandomMask(rand.New(rand.NewPCG(1, 1)), 100, 0.5)
	c := RandomMask(rand.New(rand.NewPCG(2, 1)), 100, 0.5)
	if !slices.Equal(a, b) {
		t.Errorf("RandomMask is not reproducible with the same seed")
	}
	if slices.Equal(a, c) {
		t.Errorf("RandomMask gives the same mask for two seeds")
	}
}

func TestRowsMask(t *testing.T) {
	cases := []struct {
		h, w, first, rows int
		want              string // row-major, '#' observed, '.' hidden, '|' between rows
	}{
		{4, 3, 1, 2, "###|...|...|###"},
		{4, 3, 0, 1, "...|###|###|###"},
		{4, 3, 3, 5, "###|###|###|..."},  // clipped at the bottom
		{4, 3, -1, 2, "...|###|###|###"}, // clipped at the top
		{4, 3, 2, 0, "###|###|###|###"},
		{2, 2, 0, 2, "..|.."},
	}
	for _, c := range cases {
		m := RowsMask(c.h, c.w, c.first, c.rows)
		if got := maskString(m, c.w); got != c.want {
			t.Errorf("RowsMask(%d, %d, %d, %d) = %s, want %s", c.h, c.w, c.first, c.rows, got, c.want)
		}
	}
	// The paper's inpainting: the upper 13 of 28 rows hidden.
	m := RowsMask(28, 28, 0, 13)
	if got := Observed(m, 784); got != 15*28 {
		t.Errorf("RowsMask(28, 28, 0, 13) observes %d pixels, want %d", got, 15*28)
	}
	if m[12*28+27] || !m[13*28] {
		t.Errorf("RowsMask(28, 28, 0, 13) must hide rows 0–12 and observe row 13")
	}
}

func TestObserved(t *testing.T) {
	cases := []struct {
		mask []bool
		n    int
		want int
	}{
		{nil, 7, 7},
		{[]bool{}, 0, 0},
		{[]bool{true, false, true}, 3, 2},
		{[]bool{false, false}, 2, 0},
	}
	for _, c := range cases {
		if got := Observed(c.mask, c.n); got != c.want {
			t.Errorf("Observed(%v, %d) = %d, want %d", c.mask, c.n, got, c.want)
		}
	}
}

func TestApplyMask(t *testing.T) {
	y := []float64{1, 2, 3, 4}
	got := ApplyMask(y, []bool{true, false, true, false}, -1)
	if want := []float64{1, -1, 3, -1}; !slices.Equal(got, want) {
		t.Errorf("ApplyMask = %v, want %v", got, want)
	}
	if !slices.Equal(y, []float64{1, 2, 3, 4}) {
		t.Errorf("ApplyMask changed its input: %v", y)
	}
	c := ApplyMask(y, nil, 0)
	c[0] = 9
	if !slices.Equal(c, []float64{9, 2, 3, 4}) || y[0] != 1 {
		t.Errorf("ApplyMask with a nil mask must return a copy: %v, input %v", c, y)
	}
}

func maskString(m []bool, w int) string {
	s := ""
	for i, o := range m {
		if i > 0 && i%w == 0 {
			s += "|"
		}
		if o {
			s += "#"
		} else {
			s += "."
		}
	}
	return s
}

// ExampleRowsMask hides the upper two rows of a 4×5 image (the paper's MNIST inpainting task
// hides the upper 13 of 28 rows: RowsMask(28, 28, 0, 13)).
func ExampleRowsMask() {
	m := RowsMask(4, 5, 0, 2)
	fmt.Println(maskString(m, 5), Observed(m, 20))
	y := ApplyMask([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, m, 0)
	fmt.Println(y)
	// Output:
	// .....|.....|#####|##### 10
	// [0 0 0 0 0 0 0 0 0 0 11 12 13 14 15 16 17 18 19 20]
}
