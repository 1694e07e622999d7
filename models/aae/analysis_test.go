package aae

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/autoenc"
	"github.com/sparselab/sparselab/models/backend"
)

// Tiny sizes keep the tests fast: c = 2, K = 4 blocks of d = 3.
const (
	testChannels  = 2
	testBlocks    = 4
	testBlockSize = 3
)

func goBackend(t testing.TB) compute.Backend {
	t.Helper()
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tinyStore returns an untrained (randomly initialised) store of the given aggregation.
func tinyStore(agg string) *model.Store {
	store := model.NewStore()
	store.SetParam(ParamAggregation, agg)
	store.SetParam(ParamChannels, testChannels)
	store.SetParam(ParamBlocks, testBlocks)
	store.SetParam(ParamBlockSize, testBlockSize)
	return store
}

// testImages returns n distinct, deterministic images in [0, 1] (blobs at different places).
func testImages(n int) *datasets.Images {
	im := &datasets.Images{Name: "blobs", N: n, Height: ImageSize, Width: ImageSize, Channels: 1,
		Pixels: make([]float32, n*pixels)}
	for i := range n {
		cy, cx := 8+float64(3*i%12), 6+float64(5*i%16)
		r := 3 + float64(i%4)
		for y := range ImageSize {
			for x := range ImageSize {
				d2 := (float64(y)-cy)*(float64(y)-cy) + (float64(x)-cx)*(float64(x)-cx)
				im.Pixels[i*pixels+y*ImageSize+x] = float32(math.Exp(-d2 / (2 * r * r)))
			}
		}
	}
	return im
}

// newAnalyzer returns an analyzer of store whose weights are redrawn (seeded He-uniform weights,
// small random biases) so that codes and atoms are O(1) and deterministic: a freshly initialised
// model's atoms are tiny and nearly all negative, which would make the checks weak.
func newAnalyzer(t testing.TB, store *model.Store) *Analyzer {
	t.Helper()
	a, err := NewAnalyzer(goBackend(t), store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Latents(testImages(1)); err != nil { // creates the encoder's variables
		t.Fatal(err)
	}
	if _, err := a.Decode(make([]float32, a.codeSize())); err != nil { // and the decoder's
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for v := range store.IterVariables() {
		dims := v.Shape().Dimensions
		scale := 0.1 // biases
		if len(dims) > 1 {
			fanIn := v.Shape().Size() / dims[len(dims)-1]
			scale = math.Sqrt(6 / float64(fanIn))
		}
		val := make([]float32, v.Shape().Size())
		for i := range val {
			val[i] = float32(scale * (2*rng.Float64() - 1))
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(val, dims...)); err != nil {
			t.Fatal(err)
		}
	}
	a.BatchSize = 2 // 5 images: batches of 2, 2 and a padded 1
	return a
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// TestAtomsMatchModel checks Atoms against the model's own output (the graph of New(...).Done(),
// run by autoenc), the aggregation of its atoms computed on the host, Latents and Decode.
func TestAtomsMatchModel(t *testing.T) {
	images := testImages(5)
	for _, agg := range []string{"max", "sum"} {
		t.Run(agg, func(t *testing.T) {
			store := tinyStore(agg)
			a := newAnalyzer(t, store)
			enc, err := a.Atoms(images)
			if err != nil {
				t.Fatal(err)
			}
			if enc.N != 5 || len(enc.Theta) != 5*testBlocks*testBlockSize || len(enc.Atoms) != 5*testBlocks*pixels {
				t.Fatalf("sizes: N %d, θ %d, atoms %d", enc.N, len(enc.Theta), len(enc.Atoms))
			}
			ae := autoenc.New(a.backend, store, func(scope *model.Scope, x *graph.Node) *graph.Node { return New(scope, x).Done() })
			want, err := ae.Reconstruct(images)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(enc.Recon, want); d > 1e-5 {
				t.Errorf("reconstruction differs from the model's output by %g", d)
			}
			var spread float64
			for i := range enc.N {
				for p := range pixels {
					m, s := math.Inf(-1), 0.0
					for k := range testBlocks {
						v := float64(enc.Atom(i, k)[p])
						m, s = max(m, v), s+v
					}
					agg := m
					if a.Config().aggregator() == Sum {
						agg = s
					}
					if got := float64(enc.Reconstruction(i)[p]); math.Abs(got-agg) > 1e-5*(1+math.Abs(agg)) {
						t.Fatalf("image %d pixel %d: reconstruction %g, %s of atoms %g", i, p, got, a.Config().Aggregation, agg)
					}
					spread = max(spread, math.Abs(float64(enc.Atom(i, 0)[p]-enc.Atom(i, 1)[p])))
				}
			}
			if spread == 0 {
				t.Error("atoms 0 and 1 are identical: the test cannot tell atoms apart")
			}
			theta, err := a.Latents(images)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(theta, enc.Theta); d > 1e-5 {
				t.Errorf("Latents differs from Atoms' θ by %g", d)
			}
			dec, err := a.Decode(enc.Theta)
			if err != nil {
				t.Fatal(err)
			}
			if d1, d2 := maxAbsDiff(dec.Recon, enc.Recon), maxAbsDiff(dec.Atoms, enc.Atoms); d1 > 1e-5 || d2 > 1e-5 {
				t.Errorf("Decode(θ) differs from Atoms: reconstruction by %g, atoms by %g", d1, d2)
			}
		})
	}
}

// TestAutoencoderHasNoAtoms checks the errors for the plain autoencoder and that its codes,
// decodings and traversals still work.
func TestAutoencoderHasNoAtoms(t *testing.T) {
	images := testImages(3)
	a := newAnalyzer(t, tinyStore("ae"))
	if _, err := a.Atoms(images); err == nil || !strings.Contains(err.Error(), "plain autoencoder") {
		t.Errorf("Atoms: want the plain-autoencoder error, got %v", err)
	}
	if _, err := a.ActivatedAtoms(images, ActivationOptions{}); err == nil {
		t.Error("ActivatedAtoms: want an error for the plain autoencoder")
	}
	if _, err := a.Decompose(images, []int{0}, ActivationOptions{}); err == nil {
		t.Error("Decompose: want an error for the plain autoencoder")
	}
	theta, err := a.Latents(images)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := a.Decode(theta)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Atoms != nil || len(dec.Recon) != 3*pixels {
		t.Errorf("Decode: atoms %v (want nil), %d reconstruction values", dec.Atoms != nil, len(dec.Recon))
	}
	tr, err := a.Traverse(images, TraversalOptions{Steps: 3})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Atoms != nil || len(tr.Images) != 3 {
		t.Errorf("Traverse: atoms %v (want nil), %d images (want 3)", tr.Atoms != nil, len(tr.Images))
	}
}

// hostRatios computes ‖atom‖/‖x‖ [N,K] from Atoms' output, independently of the analyzer.
func hostRatios(enc *Encoding, images *datasets.Images, clip bool) []float64 {
	out := make([]float64, enc.N*enc.Blocks)
	for i := range enc.N {
		var xs float64
		for _, v := range images.Image(i) {
			xs += float64(v * v)
		}
		for k := range enc.Blocks {
			var s float64
			for _, v := range enc.Atom(i, k) {
				f := float64(v)
				if clip {
					f = math.Max(0, math.Min(1, f))
				}
				s += f * f
			}
			out[i*enc.Blocks+k] = math.Sqrt(s / xs)
		}
	}
	return out
}

// analyzedAtoms returns an analyzer of a tiny model of aggregation agg (see newAnalyzer) and the
// atoms of images it computes.
func analyzedAtoms(t *testing.T, agg string, images *datasets.Images) (*Analyzer, *Encoding) {
	t.Helper()
	a := newAnalyzer(t, tinyStore(agg))
	enc, err := a.Atoms(images)
	if err != nil {
		t.Fatal(err)
	}
	return a, enc
}

// TestActivatedAtomsMatchHost checks ratios, counts, the histogram and the sorted curve against
// a host computation from the atoms, at a threshold splitting the ratios in two.
func TestActivatedAtomsMatchHost(t *testing.T) {
	images := testImages(5)
	for _, agg := range []string{"max", "sum"} {
		a, enc := analyzedAtoms(t, agg, images)
		for _, tc := range []struct {
			norm AtomNorm
			clip bool
		}{{NormClipped, true}, {NormRaw, false}} {
			name := agg + "/" + tc.norm.String()
			ratios := hostRatios(enc, images, tc.clip)
			sorted := slices.Sorted(slices.Values(ratios))
			// A threshold halfway between two distinct middle ratios: some atoms on each side.
			j := len(sorted) / 2
			for j < len(sorted)-1 && sorted[j+1]-sorted[j] < 1e-4*sorted[j+1] {
				j++
			}
			if j == len(sorted)-1 || sorted[j+1] <= 0 {
				t.Fatalf("%s: ratios too clustered to split: %v", name, sorted)
			}
			thr := (sorted[j] + sorted[j+1]) / 2
			act, err := a.ActivatedAtoms(images, ActivationOptions{Threshold: thr, Norm: tc.norm})
			if err != nil {
				t.Fatal(err)
			}
			if act.Norm != tc.norm || act.Threshold != thr || act.N != 5 || act.Blocks != testBlocks {
				t.Errorf("%s: header %v %v %d %d", name, act.Norm, act.Threshold, act.N, act.Blocks)
			}
			hist := make([]int, testBlocks+1)
			usage := make([]int, testBlocks) // images activating each atom
			total := 0
			for i := range 5 {
				c := 0
				for k := range testBlocks {
					r := ratios[i*testBlocks+k]
					if got := act.Ratios[i*testBlocks+k]; math.Abs(got-r) > 1e-4*r+1e-9 {
						t.Errorf("%s: image %d atom %d: ratio %g, host %g", name, i, k, got, r)
					}
					if r >= thr {
						c++
						usage[k]++
					}
				}
				if act.Counts[i] != c {
					t.Errorf("%s: image %d: %d activated atoms, host %d", name, i, act.Counts[i], c)
				}
				hist[c]++
				total += c
			}
			if total == 0 || total == 5*testBlocks {
				t.Fatalf("%s: threshold %g activates %d of %d atoms: the check is void", name, thr, total, 5*testBlocks)
			}
			if !slices.Equal(act.Histogram, hist) {
				t.Errorf("%s: histogram %v, host %v", name, act.Histogram, hist)
			}
			if want := float64(total) / 5; math.Abs(act.MeanCount-want) > 1e-12 {
				t.Errorf("%s: mean count %g, want %g", name, act.MeanCount, want)
			}
			if len(act.Usage) != testBlocks {
				t.Fatalf("%s: usage has %d atoms, want K = %d", name, len(act.Usage), testBlocks)
			}
			never := 0
			for k, u := range usage {
				if math.Abs(act.Usage[k]-float64(u)/5) > 1e-12 {
					t.Errorf("%s: atom %d used in a fraction %g of the images, host %d of 5", name, k, act.Usage[k], u)
				}
				if u == 0 {
					never++
				}
			}
			if got := act.Unused(0); got != never {
				t.Errorf("%s: Unused(0) = %d, host %d atoms never activated", name, got, never)
			}
			if got := act.Unused(1); got != testBlocks {
				t.Errorf("%s: Unused(1) = %d, want all %d atoms", name, got, testBlocks)
			}
			if len(act.SortedMean) != testBlocks {
				t.Fatalf("%s: sorted curve has %d points, want K = %d", name, len(act.SortedMean), testBlocks)
			}
			var top float64 // the curve's first point is the mean of each image's largest ratio
			for i := range 5 {
				top += slices.Max(ratios[i*testBlocks:(i+1)*testBlocks]) / 5
			}
			if math.Abs(act.SortedMean[0]-top) > 1e-4*top {
				t.Errorf("%s: sorted curve starts at %g, host %g", name, act.SortedMean[0], top)
			}
			for j := 1; j < testBlocks; j++ {
				if act.SortedMean[j] > act.SortedMean[j-1] {
					t.Errorf("%s: sorted curve increases at %d: %v", name, j, act.SortedMean)
				}
				if act.SortedMeanNorm[j] > act.SortedMeanNorm[j-1] {
					t.Errorf("%s: sorted norm curve increases at %d: %v", name, j, act.SortedMeanNorm)
				}
			}
			// The paper's curve averages the norms themselves, not divided by ‖x‖.
			var topNorm, lastNorm float64
			for i := range 5 {
				topNorm += slices.Max(act.AtomNorms[i*testBlocks:(i+1)*testBlocks]) / 5
				lastNorm += slices.Min(act.AtomNorms[i*testBlocks:(i+1)*testBlocks]) / 5
			}
			if math.Abs(act.SortedMeanNorm[0]-topNorm) > 1e-9*topNorm || math.Abs(act.SortedMeanNorm[testBlocks-1]-lastNorm) > 1e-9*max(lastNorm, 1e-12) {
				t.Errorf("%s: sorted norm curve %g … %g, host %g … %g", name, act.SortedMeanNorm[0], act.SortedMeanNorm[testBlocks-1], topNorm, lastNorm)
			}
		}
	}
}

// setConstantAtoms makes every atom the constant image b: zero weights and bias b in the last
// convolution of the decoder.
func setConstantAtoms(t *testing.T, store *model.Store, b float32) {
	t.Helper()
	w, bias := store.GetVariable("/decoder/conv3/weight"), store.GetVariable("/decoder/conv3/bias")
	if w == nil || bias == nil {
		var names []string
		for v := range store.IterVariables() {
			names = append(names, v.Path())
		}
		t.Fatalf("decoder/conv3 variables not found among %v", names)
	}
	if err := w.SetValue(tensors.FromShape(w.Shape())); err != nil {
		t.Fatal(err)
	}
	if err := bias.SetValue(tensors.FromValue([]float32{b})); err != nil {
		t.Fatal(err)
	}
}

// TestClippedVersusRaw crafts constant atoms b on constant-one images (‖x‖₂ = 28, each atom's
// ratio |b| raw and clip(b, 0, 1) clipped) and checks both norms.
func TestClippedVersusRaw(t *testing.T) {
	store := tinyStore("max")
	a := newAnalyzer(t, store)
	ones := &datasets.Images{Name: "ones", N: 3, Height: ImageSize, Width: ImageSize, Channels: 1, Pixels: make([]float32, 3*pixels)}
	for i := range ones.Pixels {
		ones.Pixels[i] = 1
	}
	if _, err := a.Atoms(ones); err != nil { // creates the variables
		t.Fatal(err)
	}
	for _, tc := range []struct {
		b                   float32
		clipRatio, rawRatio float64
		clipCount, rawCount int
	}{
		{-0.5, 0, 0.5, 0, testBlocks}, // negative atoms never show: clipped sees none
		{2, 1, 2, testBlocks, testBlocks},
		{0.5, 0.5, 0.5, testBlocks, testBlocks},
		{0.03, 0.03, 0.03, 0, 0}, // below the paper's threshold 0.05
	} {
		setConstantAtoms(t, store, tc.b)
		for _, m := range []struct {
			norm  AtomNorm
			ratio float64
			count int
		}{{NormClipped, tc.clipRatio, tc.clipCount}, {NormRaw, tc.rawRatio, tc.rawCount}} {
			act, err := a.ActivatedAtoms(ones, ActivationOptions{Norm: m.norm})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range act.Ratios {
				if math.Abs(r-m.ratio) > 1e-5 {
					t.Fatalf("b = %g, %v: ratio %d is %g, want %g", tc.b, m.norm, i, r, m.ratio)
				}
			}
			if act.Histogram[m.count] != 3 || act.MeanCount != float64(m.count) {
				t.Errorf("b = %g, %v: histogram %v, mean %g; want all 3 images at %d", tc.b, m.norm, act.Histogram, act.MeanCount, m.count)
			}
			dec, err := a.Decompose(ones, []int{1}, ActivationOptions{Norm: m.norm})
			if err != nil {
				t.Fatal(err)
			}
			if dec[0].Activated != m.count || math.Abs(dec[0].Ratios[0]-m.ratio) > 1e-5 {
				t.Errorf("b = %g, %v: Decompose gives %d activated, first ratio %g", tc.b, m.norm, dec[0].Activated, dec[0].Ratios[0])
			}
		}
	}
}

// TestDecompose checks the sorting, the bookkeeping and the agreement with ActivatedAtoms.
func TestDecompose(t *testing.T) {
	images := testImages(5)
	a := newAnalyzer(t, tinyStore("max"))
	enc, err := a.Atoms(images)
	if err != nil {
		t.Fatal(err)
	}
	for _, norm := range []AtomNorm{NormClipped, NormRaw} {
		opts := ActivationOptions{Norm: norm, Threshold: 0.2}
		act, err := a.ActivatedAtoms(images, opts)
		if err != nil {
			t.Fatal(err)
		}
		idx := []int{3, 0}
		decs, err := a.Decompose(images, idx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for n, d := range decs {
			i := idx[n]
			if d.Index != i || d.Norm != norm || d.Threshold != 0.2 {
				t.Errorf("%v: header %d %v %g", norm, d.Index, d.Norm, d.Threshold)
			}
			if maxAbsDiff(d.Input, images.Image(i)) != 0 || maxAbsDiff(d.Recon, enc.Reconstruction(i)) > 1e-5 {
				t.Errorf("%v image %d: input or reconstruction differs", norm, i)
			}
			if !slices.Equal(slices.Sorted(slices.Values(d.Blocks)), []int{0, 1, 2, 3}) {
				t.Fatalf("%v image %d: blocks %v are not a permutation", norm, i, d.Blocks)
			}
			for j, k := range d.Blocks {
				if j > 0 && d.Norms[j] > d.Norms[j-1] {
					t.Errorf("%v image %d: norms not decreasing: %v", norm, i, d.Norms)
				}
				if maxAbsDiff(d.Atoms[j], enc.Atom(i, k)) > 1e-5 {
					t.Errorf("%v image %d: sorted atom %d is not block %d", norm, i, j, k)
				}
				if r := act.Ratios[i*testBlocks+k]; math.Abs(d.Ratios[j]-r) > 1e-4*r+1e-9 {
					t.Errorf("%v image %d block %d: ratio %g, ActivatedAtoms %g", norm, i, k, d.Ratios[j], r)
				}
			}
			if d.Activated != act.Counts[i] {
				t.Errorf("%v image %d: %d activated, ActivatedAtoms %d", norm, i, d.Activated, act.Counts[i])
			}
		}
	}
	if _, err := a.Decompose(images, []int{5}, ActivationOptions{}); err == nil {
		t.Error("want an error for an image index out of range")
	}
}

// TestTraverse checks eq. 6: the extremes, the linear sweep, and the decodings at the ends and
// in the middle (for MAX-AAE, the other atoms stay those of the base image).
func TestTraverse(t *testing.T) {
	images := testImages(5)
	a := newAnalyzer(t, tinyStore("max"))
	enc, err := a.Atoms(images)
	if err != nil {
		t.Fatal(err)
	}
	const p, q, steps = 2, 1, 5
	col := p*testBlockSize + q
	var lo, hi = math.Inf(1), math.Inf(-1)
	argmin := 0
	for i := range 5 {
		v := float64(enc.Code(i)[col])
		if v < lo {
			lo, argmin = v, i
		}
		hi = max(hi, v)
	}
	if lo == hi {
		t.Fatalf("θ_{%d,%d} is constant (%g) over the images: the test is void", p, q, lo)
	}
	tr, err := a.Traverse(images, TraversalOptions{Block: p, Coord: q, Base: argmin, Steps: steps})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Min != lo || tr.Max != hi || tr.ArgMin != argmin || float64(enc.Code(tr.ArgMax)[col]) != hi {
		t.Errorf("extremes %g (image %d) … %g (image %d), host %g (image %d) … %g", tr.Min, tr.ArgMin, tr.Max, tr.ArgMax, lo, argmin, hi)
	}
	if len(tr.Values) != steps || len(tr.Images) != steps || len(tr.Atoms) != steps {
		t.Fatalf("%d values, %d images, %d atoms; want %d", len(tr.Values), len(tr.Images), len(tr.Atoms), steps)
	}
	if tr.Values[0] != lo || tr.Values[steps-1] != hi || math.Abs(tr.Values[2]-(lo+hi)/2) > 1e-12*math.Abs(hi-lo) {
		t.Errorf("values %v: want %g … %g with %g in the middle", tr.Values, lo, hi, (lo+hi)/2)
	}
	// The base is the minimising image: step 0 re-decodes its own code.
	if d1, d2 := maxAbsDiff(tr.Images[0], enc.Reconstruction(argmin)), maxAbsDiff(tr.Atoms[0], enc.Atom(argmin, p)); d1 > 1e-5 || d2 > 1e-5 {
		t.Errorf("step 0 differs from the base image's decoding: image by %g, atom by %g", d1, d2)
	}
	// The middle step: the code with θ_{p,q} = (min+max)/2, decoded independently.
	mid := slices.Clone(enc.Code(argmin))
	mid[col] = float32((lo + hi) / 2)
	dm, err := a.Decode(mid)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(tr.Images[2], dm.Reconstruction(0)); d > 1e-5 {
		t.Errorf("middle step differs from decoding the interpolated code by %g", d)
	}
	// MAX-AAE: every step is the max of the base's other atoms and the traversed atom.
	var changed float64
	for s := range steps {
		for px := range pixels {
			m := float64(tr.Atoms[s][px])
			for k := range testBlocks {
				if k != p {
					m = max(m, float64(enc.Atom(argmin, k)[px]))
				}
			}
			if math.Abs(float64(tr.Images[s][px])-m) > 1e-5 {
				t.Fatalf("step %d pixel %d: image %g, max of atoms %g", s, px, tr.Images[s][px], m)
			}
		}
		changed = max(changed, maxAbsDiff(tr.Atoms[s], tr.Atoms[0]))
	}
	if changed == 0 {
		t.Error("the traversed atom never changes")
	}
	for _, bad := range []TraversalOptions{{Block: testBlocks}, {Coord: -1}, {Steps: 1}, {Base: 5}} {
		if _, err := a.Traverse(images, bad); err == nil {
			t.Errorf("options %+v: want an error", bad)
		}
	}
}

func TestAnalyzerErrors(t *testing.T) {
	b := goBackend(t)
	store := tinyStore("max")
	store.SetParam(ParamChannels, 0)
	if _, err := NewAnalyzer(b, store); err == nil || !strings.Contains(err.Error(), "Resolve") {
		t.Errorf("channels 0: want an error pointing to Resolve, got %v", err)
	}
	store.SetParam(ParamChannels, 3)
	if _, err := NewAnalyzer(b, store); err == nil {
		t.Error("odd channels: want an error")
	}
	a := newAnalyzer(t, tinyStore("max"))
	small := &datasets.Images{Name: "small", N: 1, Height: 14, Width: 14, Channels: 1, Pixels: make([]float32, 196)}
	if _, err := a.Atoms(small); err == nil {
		t.Error("14×14 images: want an error")
	}
	black := &datasets.Images{Name: "black", N: 1, Height: ImageSize, Width: ImageSize, Channels: 1, Pixels: make([]float32, pixels)}
	if _, err := a.ActivatedAtoms(black, ActivationOptions{}); err == nil {
		t.Error("all-zero image: want an error")
	}
	if _, err := a.ActivatedAtoms(testImages(1), ActivationOptions{Threshold: -1}); err == nil {
		t.Error("negative threshold: want an error")
	}
	if _, err := a.Decode(make([]float32, 5)); err == nil {
		t.Error("5 values: want an error (codes have 12)")
	}
}

// Example counts the activated atoms of an (untrained) MAX-AAE on three images: the histogram
// covers every image and the sorted curve has one point per block.
func Example() {
	b, _, err := backend.New("go")
	if err != nil {
		panic(err)
	}
	store := model.NewStore()
	store.SetParam(ParamAggregation, "max")
	store.SetParam(ParamChannels, 2)
	store.SetParam(ParamBlocks, 4)
	store.SetParam(ParamBlockSize, 3)
	a, err := NewAnalyzer(b, store)
	if err != nil {
		panic(err)
	}
	act, err := a.ActivatedAtoms(testImages(3), ActivationOptions{})
	if err != nil {
		panic(err)
	}
	images := 0
	for _, n := range act.Histogram {
		images += n
	}
	fmt.Printf("%s atoms, threshold %g: %d images in the histogram, %d points in the sorted curve\n",
		act.Norm, act.Threshold, images, len(act.SortedMean))
	// Output:
	// clipped atoms, threshold 0.05: 3 images in the histogram, 4 points in the sorted curve
}

func TestWidestCoordinate(t *testing.T) {
	images := testImages(5)
	a := newAnalyzer(t, tinyStore("max"))
	enc, err := a.Atoms(images)
	if err != nil {
		t.Fatal(err)
	}
	block, coord, err := a.WidestCoordinate(images)
	if err != nil {
		t.Fatal(err)
	}
	spread := func(col int) float64 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range 5 {
			v := float64(enc.Code(i)[col])
			lo, hi = min(lo, v), max(hi, v)
		}
		return hi - lo
	}
	got := spread(block*testBlockSize + coord)
	for col := 0; col < enc.Blocks*enc.BlockSize; col++ {
		if s := spread(col); s > got+1e-6 {
			t.Errorf("coordinate %d spreads %g, more than the chosen (%d,%d) with %g", col, s, block, coord, got)
		}
	}
}

// TestTraversalCoordinate: the --block/--coord rules shared by the CLI and notebook 01.
func TestTraversalCoordinate(t *testing.T) {
	images := testImages(5)
	a := newAnalyzer(t, tinyStore("max"))
	wb, wc, err := a.WidestCoordinate(images)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		block, coord       int
		wantBlock, wantCrd int
		wantErr            string
	}{
		{-1, -1, wb, wc, ""},
		{1, -1, 1, 0, ""},
		{1, 2, 1, 2, ""},
		{-1, 2, 0, 0, "--coord 2 needs --block"},
		{testBlocks, 0, 0, 0, fmt.Sprintf("--block %d: the model has %d latent blocks", testBlocks, testBlocks)},
		{-2, 0, 0, 0, "--block -2"},
		{0, testBlockSize, 0, 0, fmt.Sprintf("--coord %d: a latent block has %d coordinates", testBlockSize, testBlockSize)},
		{0, -3, 0, 0, "--coord -3"},
	} {
		b, c, err := a.TraversalCoordinate(images, tc.block, tc.coord)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("block %d, coord %d: error %v, want one containing %q", tc.block, tc.coord, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || b != tc.wantBlock || c != tc.wantCrd):
			t.Errorf("block %d, coord %d: (%d, %d, %v), want (%d, %d)", tc.block, tc.coord, b, c, err, tc.wantBlock, tc.wantCrd)
		}
	}
}

// handMadeEncoding returns an encoding of two images and three atoms, all zero, and a function
// setting pixels [from, to) of atom k of image i to v.
func handMadeEncoding() (*Encoding, func(i, k int, v float32, from, to int)) {
	e := &Encoding{N: 2, Blocks: 3, BlockSize: 1, Atoms: make([]float32, 2*3*pixels)}
	return e, func(i, k int, v float32, from, to int) {
		for p := from; p < to; p++ {
			e.Atom(i, k)[p] = v
		}
	}
}

// TestWinShare checks the per-atom share of pixels where each atom is the largest on a
// hand-made encoding: two images, three atoms, ties going to the first atom.
func TestWinShare(t *testing.T) {
	e, fill := handMadeEncoding()
	// Image 0: atom 1 wins the first 100 pixels, atom 2 the rest; atom 0 is below both everywhere.
	fill(0, 0, -1, 0, pixels)
	fill(0, 1, 1, 0, 100)
	fill(0, 2, 0.5, 0, pixels)
	// Image 1: all atoms tie at 0 except atom 2 on the last 84 pixels.
	fill(1, 2, 2, pixels-84, pixels)
	got := e.WinShare()
	want := []float64{float64(pixels-84) / (2 * pixels), 100. / (2 * pixels), float64(pixels-100+84) / (2 * pixels)}
	var sum float64
	for k := range want {
		sum += got[k]
		if math.Abs(got[k]-want[k]) > 1e-12 {
			t.Errorf("atom %d: share %g, want %g", k, got[k], want[k])
		}
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("shares sum to %g", sum)
	}
	if n := Idle(got); n != 0 {
		t.Errorf("Idle(%v) = %d, want 0", got, n)
	}
	if n := Idle([]float64{0, 0.5, 0, 0.5}); n != 2 {
		t.Errorf("Idle of two zero shares = %d", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("WinShare of an encoding without atoms did not panic")
		}
	}()
	(&Encoding{N: 1, Blocks: 3}).WinShare()
}

// TestContributions checks ‖x̂ − x̂₋ₖ‖₂ on a hand-made encoding: two images, three atoms.
func TestContributions(t *testing.T) {
	e, fill := handMadeEncoding()
	// Image 0: atom 0 is 1 on pixels 0–99, atom 1 is 0.75 on pixels 50–199, atom 2 is 0.5 on
	// pixels 0–199 (covered by the other two there) and -1 elsewhere, like atoms 0 and 1.
	fill(0, 0, -1, 0, pixels)
	fill(0, 1, -1, 0, pixels)
	fill(0, 2, -1, 0, pixels)
	fill(0, 0, 1, 0, 100)
	fill(0, 1, 0.75, 50, 200)
	fill(0, 2, 0.5, 0, 200)
	// Image 1: atoms 0 and 1 tie at 2 on pixels 0–9; atom 2 is 0 everywhere; the others -1
	// elsewhere.
	fill(1, 0, -1, 0, pixels)
	fill(1, 1, -1, 0, pixels)
	fill(1, 0, 2, 0, 10)
	fill(1, 1, 2, 0, 10)
	want := map[string][]float64{
		// Max: atom 0 wins 0–49 by 0.5 over atom 2 and 50–99 by 0.25 over atom 1; atom 1 wins
		// 100–199 by 0.25 over atom 2; atom 2 wins nowhere (elsewhere all three tie at -1). Image 1:
		// the tie leaves atoms 0 and 1 nothing; atom 2 wins the other 774 pixels by 1 over -1.
		"max": {math.Sqrt(50*0.25 + 50*0.0625), math.Sqrt(100 * 0.0625), 0, 0, 0, math.Sqrt(float64(pixels - 10))},
		// Sum: each atom's own norm.
		"sum": {math.Sqrt(100 + float64(pixels-100)), math.Sqrt(150*0.5625 + float64(pixels-150)), math.Sqrt(200*0.25 + float64(pixels-200)),
			math.Sqrt(10*4 + float64(pixels-10)), math.Sqrt(10*4 + float64(pixels-10)), 0},
	}
	for agg, w := range want {
		got, err := e.Contributions(agg)
		if err != nil {
			t.Fatal(err)
		}
		for j := range w {
			if math.Abs(got[j]-w[j]) > 1e-9 {
				t.Errorf("%s: image %d atom %d: contribution %g, want %g", agg, j/3, j%3, got[j], w[j])
			}
		}
	}
	one := &Encoding{N: 1, Blocks: 1, BlockSize: 1, Atoms: make([]float32, pixels)}
	one.Atoms[5], one.Atoms[6] = 3, -4
	if got, err := one.Contributions("max"); err != nil || math.Abs(got[0]-5) > 1e-12 {
		t.Errorf("one atom under the max: %v, %v, want its norm 5", got, err)
	}
	if _, err := e.Contributions("median"); err == nil || !strings.Contains(err.Error(), "median") {
		t.Errorf("unknown aggregation: got %v, want an error naming it", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Contributions of an encoding without atoms did not panic")
		}
	}()
	(&Encoding{N: 1, Blocks: 3}).Contributions("max")
}

// TestGreedyResiduals checks greedy atom selection on hand-made encodings.
func TestGreedyResiduals(t *testing.T) {
	// encoding returns a one-image encoding of K atoms, x̂ their aggregation, and a fill function.
	encoding := func(K int) (*Encoding, func(k int, v float32, from, to int)) {
		e := &Encoding{N: 1, Blocks: K, BlockSize: 1, Atoms: make([]float32, K*pixels), Recon: make([]float32, pixels)}
		return e, func(k int, v float32, from, to int) {
			for p := from; p < to; p++ {
				e.Atom(0, k)[p] = v
			}
		}
	}
	// Max: atoms 0 and 1 set pixels 0–99 and 100–199 to 1, atom 2 is a copy of atom 0, atom 3 sets
	// pixels 200–209 to 0.2; all are -1 elsewhere. From 0 (‖x̂‖² = 200 + 0.4 + 574), greedy
	// selection takes atom 0 (the first of three at 400 + 14.4), then atom 1 (14.4 left), then atom
	// 3 (nothing left); the copy comes last.
	e, fill := encoding(4)
	for k := range 4 {
		fill(k, -1, 0, pixels)
	}
	fill(0, 1, 0, 100)
	fill(1, 1, 100, 200)
	fill(2, 1, 0, 100)
	fill(3, 0.2, 200, 210)
	for p := range pixels {
		e.Recon[p] = max(e.Atom(0, 0)[p], e.Atom(0, 1)[p], e.Atom(0, 2)[p], e.Atom(0, 3)[p])
	}
	want := []float64{math.Sqrt(774.4), math.Sqrt(414.4), 0, math.Sqrt(14.4)}
	got, err := e.GreedyResiduals("max")
	if err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-4 {
			t.Errorf("max: atom %d: %g, want %g", k, got[k], want[k])
		}
	}
	// Leave-one-out counts neither of the two copies; greedy selection counts one.
	if c, _ := e.Contributions("max"); c[0] != 0 || c[2] != 0 {
		t.Errorf("contributions of the copies %g and %g, want 0", c[0], c[2])
	}
	// Sum: atoms a, −a and b with x̂ = b. Greedy selection takes b (nothing left), then a (10 away:
	// the distance grows), then −a; each value is the smallest distance reached so far, so one
	// atom is needed at any threshold.
	e, fill = encoding(3)
	fill(0, 1, 0, 100)
	fill(1, -1, 0, 100)
	fill(2, 0.5, 100, 300)
	copy(e.Recon, e.Atom(0, 2))
	got, err = e.GreedyResiduals("sum")
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 0, math.Sqrt(50)}; math.Abs(got[0]-want[0]) > 1e-9 || math.Abs(got[1]-want[1]) > 1e-9 || math.Abs(got[2]-want[2]) > 1e-9 {
		t.Errorf("sum: %v, want %v", got, want)
	}
	if _, err := e.GreedyResiduals("median"); err == nil || !strings.Contains(err.Error(), "median") {
		t.Errorf("unknown aggregation: got %v, want an error naming it", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("GreedyResiduals of an encoding without atoms did not panic")
		}
	}()
	(&Encoding{N: 1, Blocks: 3}).GreedyResiduals("max")
}

// TestGreedyMatchModel checks NormGreedy on a model's atoms: at each threshold, the atoms counted
// aggregate to within the threshold of the model's reconstruction (unless all are counted), and
// no smaller set of atoms does better than greedy selection's count allows (an exhaustive search
// over the 2^K subsets gives a count no larger).
func TestGreedyMatchModel(t *testing.T) {
	images := testImages(5)
	for _, agg := range []string{"max", "sum"} {
		a, enc := analyzedAtoms(t, agg, images)
		act, err := a.ActivatedAtoms(images, ActivationOptions{Norm: NormGreedy})
		if err != nil {
			t.Fatal(err)
		}
		contrib, err := enc.Contributions(agg)
		if err != nil {
			t.Fatal(err)
		}
		K := testBlocks
		// dist is ‖x̂ − x̂_S‖₂ of image i for the atoms in the bit set S (x̂_∅ = 0).
		dist := func(i, set int) float64 {
			var d2 float64
			for p, v := range enc.Reconstruction(i) {
				agg1, first := 0.0, true
				for k := range K {
					if set&(1<<k) == 0 {
						continue
					}
					x := float64(enc.Atom(i, k)[p])
					if agg == "max" && !first {
						agg1 = math.Max(agg1, x)
					} else if agg == "max" {
						agg1 = x
					} else {
						agg1 += x
					}
					first = false
				}
				d := float64(v) - agg1
				d2 += d * d
			}
			return math.Sqrt(d2)
		}
		checked := 0
		for i := range images.N {
			norms := act.AtomNorms[i*K : (i+1)*K]
			if got, want := slices.Max(norms), dist(i, 0); math.Abs(got-want) > 1e-9*want {
				t.Errorf("%s: image %d: largest value %g, want ‖x̂‖ = %g (no atom yet)", agg, i, got, want)
			}
			for _, thr := range norms { // each value as a threshold, just above and just below
				for _, tv := range []float64{thr * (1 + 1e-9), thr * (1 - 1e-9)} {
					set, count := 0, 0
					for k, v := range norms {
						if v >= tv {
							set, count = set|1<<k, count+1
						}
					}
					if count < K && !(dist(i, set) < tv*(1+1e-6)) {
						t.Errorf("%s: image %d: the %d atoms counted at %g are %g from x̂", agg, i, count, tv, dist(i, set))
					}
					best := K
					for s := range 1 << K {
						if n := bits.OnesCount(uint(s)); n < best && dist(i, s) < tv {
							best = n
						}
					}
					if best > count {
						t.Errorf("%s: image %d at %g: greedy count %d, fewer than the exhaustive minimum %d", agg, i, tv, count, best)
					}
					// Under the max, a set without an atom that contributes at least tv stays at
					// least tv away (x̂_S ≤ x̂₋ₖ ≤ x̂), so every such atom is counted.
					for k, c := range contrib[i*K : (i+1)*K] {
						if agg == "max" && c >= tv && set&(1<<k) == 0 && dist(i, 0) >= tv {
							t.Errorf("max: image %d at %g: atom %d contributes %g but is not counted", i, tv, k, c)
						}
					}
					checked++
				}
			}
		}
		if checked == 0 {
			t.Fatalf("%s: nothing checked", agg)
		}
		decs, err := a.Decompose(images, []int{1, 4}, ActivationOptions{Norm: NormGreedy})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range decs {
			for j, k := range d.Blocks {
				// A batch of two images, not five: float sums may differ in the last digits.
				if got, want := d.Ratios[j], act.Ratios[d.Index*K+k]; math.Abs(got-want) > 1e-5*want+1e-7 {
					t.Errorf("%s: Decompose image %d atom %d: ratio %g, ActivatedAtoms %g", agg, d.Index, k, got, want)
				}
			}
		}
	}
}

// TestContributionsMatchModel checks NormContribution against the model's own reconstruction:
// for each atom, the host aggregates the other atoms (sum or max) and measures what changes.
func TestContributionsMatchModel(t *testing.T) {
	images := testImages(5)
	for _, agg := range []string{"max", "sum"} {
		a, enc := analyzedAtoms(t, agg, images)
		act, err := a.ActivatedAtoms(images, ActivationOptions{Norm: NormContribution})
		if err != nil {
			t.Fatal(err)
		}
		decs, err := a.Decompose(images, []int{0, 3}, ActivationOptions{Norm: NormContribution})
		if err != nil {
			t.Fatal(err)
		}
		K := testBlocks
		positive := 0
		for i := range images.N {
			recon := enc.Reconstruction(i)
			var xn float64
			for _, v := range images.Image(i) {
				xn += float64(v) * float64(v)
			}
			for k := range K {
				var d2 float64
				for p := range pixels {
					rest := 0.0
					if agg == "max" {
						rest = math.Inf(-1)
					}
					for j := range K {
						if j == k {
							continue
						}
						v := float64(enc.Atom(i, j)[p])
						if agg == "max" {
							rest = max(rest, v)
						} else {
							rest += v
						}
					}
					d := float64(recon[p]) - rest
					d2 += d * d
				}
				want := math.Sqrt(d2 / xn)
				if got := act.Ratios[i*K+k]; math.Abs(got-want) > 1e-4*want+1e-5 {
					t.Errorf("%s: image %d atom %d: contribution ratio %g, host %g", agg, i, k, got, want)
				}
				if want > 1e-3 {
					positive++
				}
			}
		}
		if positive == 0 {
			t.Fatalf("%s: no atom contributes: the check is void", agg)
		}
		for _, d := range decs {
			for j, k := range d.Blocks {
				if got, want := d.Ratios[j], act.Ratios[d.Index*K+k]; math.Abs(got-want) > 1e-12 {
					t.Errorf("%s: Decompose image %d atom %d: ratio %g, ActivatedAtoms %g", agg, d.Index, k, got, want)
				}
			}
		}
	}
}
