//lint:file-ignore ST1001 GoMLX graph-building code dot-imports the graph package (GoMLX idiom).

package nn

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// MaxLogDetSize bounds the matrix size of [LogDetSPD]: the Cholesky factorisation is unrolled
// into the graph, one column at a time, so graph size and compile time grow with d.
const MaxLogDetSize = 256

// LogDetSPD returns log det M for a symmetric positive-definite matrix M [d,d], or for a batch
// [..., d, d] (then the result has the leading shape). GoMLX has no Cholesky op: the
// factorisation M = L·Lᵀ is unrolled column by column (left-looking),
//
//	c = M[:,j] − L·L[j,:]ᵀ,  L[:,j] = c/√c[j] on rows ≥ j,  log det M = 2·Σ_j log L[j,j] = Σ_j log c[j],
//
// with one-hot vectors and masks instead of slices, so the graph uses only DotGeneral, Mul, Add,
// Sqrt, Div and Log and differentiates on every backend (the gradient is M⁻¹ in exact
// arithmetic). Meant for small d (tens); d is limited to [MaxLogDetSize]. A matrix that is not
// positive definite gives NaN.
func LogDetSPD(m *Node) *Node {
	if m.Rank() < 2 {
		exceptions.Panicf("nn.LogDetSPD: want a matrix [d,d] or a batch [...,d,d], got shape %s", m.Shape())
	}
	dims := m.Shape().Dimensions
	d := dims[len(dims)-1]
	if dims[len(dims)-2] != d {
		exceptions.Panicf("nn.LogDetSPD: matrix must be square, got shape %s", m.Shape())
	}
	if d > MaxLogDetSize {
		exceptions.Panicf("nn.LogDetSPD: matrix size %d exceeds MaxLogDetSize=%d (the factorisation is unrolled into the graph)", d, MaxLogDetSize)
	}
	lead := dims[:len(dims)-2]
	nb := 1
	for _, v := range lead {
		nb *= v
	}
	g := m.Graph()
	dt := m.DType()
	mb := Reshape(m, nb, d, d)
	l := Zeros(g, mb.Shape()) // L, filled one column per step
	var logDet *Node
	for j := range d {
		onehot := make([]float64, d)
		onehot[j] = 1
		below := make([]float64, d) // 1 on rows ≥ j
		for i := j; i < d; i++ {
			below[i] = 1
		}
		ej := constOfDType(g, dt, onehot, d)
		mask := constOfDType(g, dt, below, 1, d)
		mj := DotGeneral(mb, []int{2}, nil, ej, []int{0}, nil) // M[:, :, j]: [nb, d]
		c := mj
		if j > 0 {
			lj := ExpandAxes(DotGeneral(l, []int{1}, nil, ej, []int{0}, nil), -1) // L[:, j, :]: [nb, d, 1]
			// M[:,j] − L·L[j,:]ᵀ as a batched [d,d]×[d,1] product: with a [nb,d] vector instead,
			// compute-onnx lowers the gradient to an ONNX MatMul with the wrong broadcasting.
			lLj := DotGeneral(l, []int{2}, []int{0}, lj, []int{1}, []int{0}) // [nb, d, 1]
			c = Sub(mj, Reshape(lLj, nb, d))
		}
		pivot := DotGeneral(c, []int{1}, nil, ej, []int{0}, nil) // c[j]: [nb]
		col := Mul(Div(c, Sqrt(ExpandAxes(pivot, -1))), mask)    // [nb, d]
		l = Add(l, Mul(ExpandAxes(col, -1), Reshape(ej, 1, 1, d)))
		// log det M = 2·Σ_j log L[j,j] with L[j,j] = √c[j].
		if logDiag := Log(Sqrt(pivot)); logDet == nil {
			logDet = logDiag
		} else {
			logDet = Add(logDet, logDiag)
		}
	}
	// The factor 2 also keeps Log's gradient away from the gradient seed: compute-onnx fails to
	// compile the gradient of ReduceAllSum(Log(x)) for a one-element x.
	logDet = MulScalar(logDet, 2)
	if len(lead) == 0 {
		return ReduceAllSum(logDet) // not Reshape: compute-onnx fails reshaping to a scalar
	}
	return Reshape(logDet, lead...)
}

// LogDetIPlusAZZt returns log det(I + a·Z·Zᵀ) for Z [d, n] (or a batch [..., d, n]) and a > 0,
// the building block of the coding rate R(Z) = ½·log det(I + d/(n·ε²)·Z·Zᵀ) of maximal coding
// rate reduction (paper 002). By Sylvester's identity it factorises whichever of I_d + a·Z·Zᵀ and
// I_n + a·Zᵀ·Z is smaller, with [LogDetSPD]. Its gradient with respect to Z is
// 2a·(I + a·Z·Zᵀ)⁻¹·Z.
func LogDetIPlusAZZt(z *Node, a float64) *Node {
	if z.Rank() < 2 {
		exceptions.Panicf("nn.LogDetIPlusAZZt: want Z [d,n] or a batch [...,d,n], got shape %s", z.Shape())
	}
	if !(a > 0) {
		exceptions.Panicf("nn.LogDetIPlusAZZt: a must be positive, got %g", a)
	}
	dims := z.Shape().Dimensions
	d, n := dims[len(dims)-2], dims[len(dims)-1]
	lead := dims[:len(dims)-2]
	nb := 1
	for _, v := range lead {
		nb *= v
	}
	zb := Reshape(z, nb, d, n)
	var gram *Node
	size := d
	if n < d {
		size = n
		gram = DotGeneral(zb, []int{1}, []int{0}, zb, []int{1}, []int{0}) // ZᵀZ: [nb, n, n]
	} else {
		gram = DotGeneral(zb, []int{2}, []int{0}, zb, []int{2}, []int{0}) // Z·Zᵀ: [nb, d, d]
	}
	eye := make([]float64, size*size)
	for i := range size {
		eye[i*size+i] = 1
	}
	mat := Add(MulScalar(gram, a), constOfDType(z.Graph(), z.DType(), eye, 1, size, size))
	return LogDetSPD(Reshape(mat, append(append([]int{}, lead...), size, size)...))
}
