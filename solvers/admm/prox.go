package admm

import (
	"math"
)

// Prox is a convex function h given by its proximal operator: Prox writes
// prox_{t·h}(v) = argmin_w ½‖w − v‖₂² + t·h(w) into dst (len(dst) = len(v), t > 0). dst may be v
// itself.
type Prox interface {
	Prox(v []float64, t float64, dst []float64)
}

// Valuer is implemented by the functions that can report their value h(x) (+Inf outside the domain
// of an indicator). [Solve] reports the objective only when both f and g implement it.
type Valuer interface {
	Value(x []float64) float64
}

// ProxFunc adapts a function to [Prox] (it reports no value).
type ProxFunc func(v []float64, t float64, dst []float64)

// Prox calls p.
func (p ProxFunc) Prox(v []float64, t float64, dst []float64) { p(v, t, dst) }

// FeasibilityTolerance is the slack an indicator's Value allows before it reports +Inf: a
// coordinate counts as inside [lo, hi] when lo − tol ≤ x ≤ hi + tol with
// tol = FeasibilityTolerance·max(1, |bound|).
const FeasibilityTolerance = 1e-9

// Zero is h = 0: its proximal operator is the identity.
type Zero struct{}

// Prox copies v into dst.
func (Zero) Prox(v []float64, _ float64, dst []float64) { copy(dst, v) }

// Value returns 0.
func (Zero) Value([]float64) float64 { return 0 }

// L1 is h(x) = λ‖x‖₁, or with NonNegative h(x) = λ‖x‖₁ + ι_{x ≥ 0}(x) (the ℓ1 norm restricted to
// the non-negative orthant). Its proximal operator is soft-thresholding
// sign(v)·max(|v| − tλ, 0), or max(v − tλ, 0) with NonNegative.
type L1 struct {
	Lambda      float64
	NonNegative bool
}

// Prox writes the (non-negative) soft-thresholding of v at tλ into dst.
func (h L1) Prox(v []float64, t float64, dst []float64) {
	th := t * h.Lambda
	if h.NonNegative {
		for i, x := range v {
			dst[i] = max(x-th, 0)
		}
		return
	}
	for i, x := range v {
		switch {
		case x > th:
			dst[i] = x - th
		case x < -th:
			dst[i] = x + th
		default:
			dst[i] = 0
		}
	}
}

// Value returns λ‖x‖₁ (+Inf for a negative entry beyond FeasibilityTolerance with NonNegative).
func (h L1) Value(x []float64) float64 {
	var s float64
	for _, v := range x {
		if h.NonNegative && v < -FeasibilityTolerance {
			return math.Inf(1)
		}
		s += math.Abs(v)
	}
	return h.Lambda * s
}

// HalfSquare is h(x) = (a/2)·‖x − c‖₂² with a = Scale (0 means 1) and c = Center (nil means 0).
// Its proximal operator is (v + t·a·c)/(1 + t·a); with Scale 1 and no center it is the Gaussian
// prior ½‖x‖² of a latent vector x ~ N(0, I) (a maximum a posteriori term).
type HalfSquare struct {
	Scale  float64
	Center []float64
}

func (h HalfSquare) scale() float64 {
	if h.Scale == 0 {
		return 1
	}
	return h.Scale
}

// Prox writes (v + t·a·c)/(1 + t·a) into dst.
func (h HalfSquare) Prox(v []float64, t float64, dst []float64) {
	ta := t * h.scale()
	d := 1 / (1 + ta)
	for i, x := range v {
		if h.Center != nil {
			x += ta * h.Center[i]
		}
		dst[i] = x * d
	}
}

// Value returns (a/2)·‖x − c‖₂².
func (h HalfSquare) Value(x []float64) float64 {
	var s float64
	for i, v := range x {
		if h.Center != nil {
			v -= h.Center[i]
		}
		s += v * v
	}
	return 0.5 * h.scale() * s
}

// Interval is the indicator of the box [Lo, Hi]ⁿ with the same bounds for every coordinate (either
// may be infinite); its proximal operator is the projection min(max(v, Lo), Hi). The zero value is
// the indicator of {0}; use [NonNegative] for the orthant.
type Interval struct {
	Lo, Hi float64
}

// NonNegative returns the indicator of the non-negative orthant, Interval{0, +Inf}.
func NonNegative() Interval { return Interval{Lo: 0, Hi: math.Inf(1)} }

// Prox writes the projection of v onto [Lo, Hi]ⁿ into dst.
func (h Interval) Prox(v []float64, _ float64, dst []float64) {
	for i, x := range v {
		dst[i] = min(max(x, h.Lo), h.Hi)
	}
}

// Value returns 0 if every x_i lies in [Lo, Hi] (up to FeasibilityTolerance), else +Inf.
func (h Interval) Value(x []float64) float64 {
	for _, v := range x {
		if !inBounds(v, h.Lo, h.Hi) {
			return math.Inf(1)
		}
	}
	return 0
}

func inBounds(v, lo, hi float64) bool {
	if v < lo-FeasibilityTolerance*max(1, math.Abs(lo)) {
		return false
	}
	return v <= hi+FeasibilityTolerance*max(1, math.Abs(hi))
}

// Box is the indicator of the box {x : Lo_i ≤ x_i ≤ Hi_i} with per-coordinate bounds (±Inf for
// none; a nil slice means no bound on that side); its proximal operator is the projection. Lo_i =
// Hi_i fixes coordinate i.
type Box struct {
	Lo, Hi []float64
}

// Equality returns the indicator of {c} (the constraint K·x = c when used as g).
func Equality(c []float64) Box { return Box{Lo: c, Hi: c} }

// SupportSet returns the indicator of {u : u_i = v_i for i in S, u_i ≤ c_i for i not in S}, where
// S = {i : support[i]}, as a Box. v and c must have len(support) entries (only v on S and c off S
// are read); a nil c means c = 0 (the constraint that a ReLU's pre-activation is ≤ 0 where its
// output is zero). The slices are copied.
func SupportSet(support []bool, v, c []float64) Box {
	n := len(support)
	lo, hi := make([]float64, n), make([]float64, n)
	for i, in := range support {
		if in {
			lo[i], hi[i] = v[i], v[i]
			continue
		}
		lo[i] = math.Inf(-1)
		if c != nil {
			hi[i] = c[i]
		}
	}
	return Box{Lo: lo, Hi: hi}
}

// Prox writes the projection of v onto the box into dst.
func (h Box) Prox(v []float64, _ float64, dst []float64) {
	for i, x := range v {
		if h.Lo != nil {
			x = max(x, h.Lo[i])
		}
		if h.Hi != nil {
			x = min(x, h.Hi[i])
		}
		dst[i] = x
	}
}

// Value returns 0 if x lies in the box (up to FeasibilityTolerance), else +Inf.
func (h Box) Value(x []float64) float64 {
	for i, v := range x {
		lo, hi := math.Inf(-1), math.Inf(1)
		if h.Lo != nil {
			lo = h.Lo[i]
		}
		if h.Hi != nil {
			hi = h.Hi[i]
		}
		if !inBounds(v, lo, hi) {
			return math.Inf(1)
		}
	}
	return 0
}
