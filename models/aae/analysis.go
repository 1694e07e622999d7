package aae

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/datasets"
)

// Defaults of the analysis options.
const (
	// DefaultThreshold is the paper's activation threshold s of Definition 3.
	DefaultThreshold = 0.05
	// DefaultAnalysisBatch is the number of images (or codes) per graph execution.
	DefaultAnalysisBatch = 64
	// DefaultTraversalSteps is the number of images of a latent traversal (n+1 in eq. 6).
	DefaultTraversalSteps = 10
)

// AtomNorm says how an atom's norm is measured for activated atoms.
type AtomNorm int

const (
	// NormClipped clips each atom to [0, 1] before its ℓ2 norm (the authors' code; the default).
	NormClipped AtomNorm = iota
	// NormRaw takes the ℓ2 norm of the atom as decoded.
	NormRaw
	// NormContribution measures what an atom adds to the reconstruction: ‖x̂ − x̂₋ₖ‖₂, where x̂₋ₖ
	// aggregates the other K−1 atoms (see [Encoding.Contributions]). Not in the paper. For a
	// SUM-AAE it equals NormRaw; for a MAX-AAE an atom that another atom covers wherever it is set
	// contributes nothing, however large its norm. It leaves one atom out at a time, so two
	// near-identical MAX-AAE atoms each stand in for the other and both count as contributing
	// little: it counts the atoms no other atom can replace, not all the atoms an image uses.
	NormContribution
	// NormGreedy measures an atom by the distance ‖x̂ − x̂_S‖₂ still left when greedy selection
	// adds it, S being the atoms chosen before it (see [Encoding.GreedyResiduals]). Not in the
	// paper. At threshold s an image's count is the number of atoms greedy selection needs to
	// bring the aggregation of the atoms chosen within s‖x‖₂ of x̂: near-identical atoms count
	// once, unlike with NormContribution, and the count is an upper bound of the fewest atoms
	// that do (greedy selection need not find the smallest set).
	NormGreedy
)

// String returns "clipped", "raw", "contribution" or "greedy".
func (m AtomNorm) String() string {
	switch m {
	case NormClipped:
		return "clipped"
	case NormRaw:
		return "raw"
	case NormContribution:
		return "contribution"
	case NormGreedy:
		return "greedy"
	default:
		return fmt.Sprintf("AtomNorm(%d)", int(m))
	}
}

// Analyzer analyses trained atomic autoencoders (paper 000, section 3): atom decompositions (Fig 3),
// activated atoms (Definition 3, Fig 4) and latent traversals (eq. 6, Fig 5).
//
// Activated atoms. For an image x with code θ = f_E(x) and atoms a_k = g(θ_k), atom k is activated
// at threshold s when
//
//	‖a_k‖₂ / ‖x‖₂ ≥ s        (s = 0.05 in the paper),
//
// with x the input image. The authors' code clips every atom to [0, 1] before taking its norm (the
// part of an atom that can show in an image in [0, 1]); [NormClipped] does the same and is the
// default, [NormRaw] takes the atoms as decoded. The choice decides the result (on the released
// MNIST models, clipped: MAX 12.6 vs SUM 17.0 activated atoms per image; raw: 17.2 vs 17.3), so
// every [Activation] records its [AtomNorm]. Beyond the paper, [NormContribution] measures what
// each atom adds to the reconstruction instead of its norm ([Encoding.Contributions]): under the
// max, an atom that others cover is set but unused. It is blind to near-duplicate atoms, which
// cover each other; [NormGreedy] counts the atoms greedy selection needs to come within s‖x‖₂ of
// x̂ ([Encoding.GreedyResiduals]), which counts such atoms once. The authors' code divides some
// atoms by the wrong image's norm; here each atom is divided by the norm of its own input image.
//
// Latent traversal (eq. 6). For block p and coordinate q, θ^min_{p,q} and θ^max_{p,q} are the
// extremes of θ_{p,q} over the codes of a set of images; the traversal decodes
//
//	x̂_i = f_D(θ^i),  θ^i_{p,q} = θ^min_{p,q} + i·(θ^max_{p,q} − θ^min_{p,q})/n,  i = 0…n,
//
// all other coordinates of θ^i being those of one chosen image's code. [TraversalOptions.Steps]
// is the number of images n+1.
//
// It computes codes, atoms and their statistics with the weights of a store. The compiled
// graphs are cached, one per batch shape. Create it with [NewAnalyzer] once the store holds the
// trained weights (e.g. after autoenc's Load or training.LoadCheckpoint); it is not meant for
// concurrent use.
type Analyzer struct {
	// BatchSize is the number of images or codes per graph execution (0: DefaultAnalysisBatch).
	// A last partial batch is padded, so that one compiled graph serves any number of images.
	BatchSize int

	backend compute.Backend
	cfg     Config

	encodeExec, atomsExec, normsExec, decodeExec *model.Exec
}

var errAnalyzerFinalized = errors.New("the Analyzer was finalized: make a new one with NewAnalyzer")

// Finalize frees the analyzer's compiled graphs (on ONNX Runtime or XLA their buffers live
// outside Go's heap); using the analyzer afterwards is an error.
func (a *Analyzer) Finalize() {
	for _, e := range []**model.Exec{&a.encodeExec, &a.atomsExec, &a.normsExec, &a.decodeExec} {
		if *e != nil {
			(*e).Finalize()
			*e = nil
		}
	}
}

// NewAnalyzer returns an analyzer of the model configured by store's hyperparameters
// ([ParamAggregation], [ParamChannels], [ParamBlocks], [ParamBlockSize]), with its weights.
func NewAnalyzer(b compute.Backend, store *model.Store) (*Analyzer, error) {
	if b == nil || store == nil {
		return nil, fmt.Errorf("aae: NewAnalyzer needs a backend and a store (got backend %v, store %v)", b, store)
	}
	cfg := FromScope(store.RootScope())
	if cfg.Channels == 0 {
		return nil, fmt.Errorf("aae: the store's %q is 0 (the dataset's default): call aae.Resolve(store) before NewAnalyzer", ParamChannels)
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	a := &Analyzer{backend: b, cfg: cfg}
	var err error
	if a.encodeExec, err = model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		return Encode(scope, x, cfg)
	}); err != nil {
		return nil, fmt.Errorf("aae: building the encoder graph: %w", err)
	}
	if a.decodeExec, err = model.NewExec(b, store, func(scope *model.Scope, theta *graph.Node) []*graph.Node {
		if cfg.IsAE() {
			return []*graph.Node{DecodeAE(scope, theta, cfg)}
		}
		atoms := DecodeAtoms(scope, theta, cfg)
		return []*graph.Node{cfg.aggregator().Aggregate(atoms), atoms}
	}); err != nil {
		return nil, fmt.Errorf("aae: building the decoder graph: %w", err)
	}
	if cfg.IsAE() {
		return a, nil
	}
	if a.atomsExec, err = model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
		theta := Encode(scope, x, cfg)
		atoms := DecodeAtoms(scope, theta, cfg)
		return []*graph.Node{cfg.aggregator().Aggregate(atoms), theta, atoms}
	}); err != nil {
		return nil, fmt.Errorf("aae: building the atoms graph: %w", err)
	}
	if a.normsExec, err = model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
		atoms := DecodeAtoms(scope, Encode(scope, x, cfg), cfg)
		norm := func(v *graph.Node) *graph.Node { return graph.Sqrt(graph.ReduceSum(graph.Square(v), 2, 3, 4)) }
		return []*graph.Node{norm(graph.ClipScalar(atoms, 0, 1)), norm(atoms)}
	}); err != nil {
		return nil, fmt.Errorf("aae: building the atom-norms graph: %w", err)
	}
	return a, nil
}

// checkConfig turns Config.check's panic into an error.
func checkConfig(cfg Config) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v (fix the store's hyperparameters)", r)
		}
	}()
	cfg.check()
	return nil
}

// Config returns the model configuration read from the store.
func (a *Analyzer) Config() Config { return a.cfg }

func (a *Analyzer) batchSize() int {
	if a.BatchSize > 0 {
		return a.BatchSize
	}
	return DefaultAnalysisBatch
}

// codeSize is K·d.
func (a *Analyzer) codeSize() int { return a.cfg.Blocks * a.cfg.BlockSize }

func (a *Analyzer) needAtoms(what string) error {
	if a.cfg.IsAE() {
		return fmt.Errorf("aae: %s needs atoms, and the plain autoencoder (aggregation %q) has none: load a max or sum model", what, "ae")
	}
	return nil
}

// checkImages verifies that images are non-empty 28×28 grayscale images.
func checkImages(images *datasets.Images, what string) error {
	if err := images.Validate(); err != nil {
		return fmt.Errorf("aae: %s: %w", what, err)
	}
	if images.N == 0 || images.Height != ImageSize || images.Width != ImageSize || images.Channels != 1 {
		return fmt.Errorf("aae: %s: want at least one %d×%d×1 image, got %q with %d images of %d×%d×%d",
			what, ImageSize, ImageSize, images.Name, images.N, images.Height, images.Width, images.Channels)
	}
	return nil
}

// runImages executes exec over the images in batches (the last one padded by repeating its last
// image) and calls visit with each batch's first image index, its number of real images and the
// outputs as flat float32 slices.
func (a *Analyzer) runImages(exec *model.Exec, images *datasets.Images, what string, visit func(lo, n int, out [][]float32)) error {
	bs := min(a.batchSize(), images.N)
	idx := make([]int, bs)
	for lo := 0; lo < images.N; lo += bs {
		n := min(bs, images.N-lo)
		for i := range idx {
			idx[i] = lo + min(i, n-1)
		}
		out, err := callFlat(exec, images.Batch(idx))
		if err != nil {
			return fmt.Errorf("aae: %s of images %d–%d: %w", what, lo, lo+n-1, err)
		}
		visit(lo, n, out)
	}
	return nil
}

// callFlat runs exec on in and copies its outputs to Go slices; it finalizes in and the outputs
// (on ONNX Runtime they live on the C heap, unseen by Go's garbage collector).
func callFlat(exec *model.Exec, in *tensors.Tensor) ([][]float32, error) {
	if exec == nil {
		in.MustFinalizeAll()
		return nil, errAnalyzerFinalized
	}
	res, err := exec.Call(in)
	in.MustFinalizeAll()
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, t := range res {
			t.MustFinalizeAll()
		}
	}()
	out := make([][]float32, len(res))
	for i, t := range res {
		if out[i], err = tensors.CopyFlatData[float32](t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Encoding holds codes and their decodings. Layouts (row-major, K = Blocks, d = BlockSize,
// P = 28·28 pixels):
//
//	Theta [N, K·d]: block k of code i is Theta[(i·K+k)·d : (i·K+k+1)·d]
//	Recon [N, 28, 28]: the model's output x̂ (unclamped)
//	Atoms [N, K, 28, 28]: the atoms g(θ_k) as decoded (not clipped); nil for the plain autoencoder
type Encoding struct {
	N, Blocks, BlockSize int
	Theta                []float32
	Recon                []float32
	Atoms                []float32
}

const pixels = ImageSize * ImageSize

// Code returns θ of image i, [K·d] (a view).
func (e *Encoding) Code(i int) []float32 {
	s := e.Blocks * e.BlockSize
	return e.Theta[i*s : (i+1)*s : (i+1)*s]
}

// Reconstruction returns x̂ of image i, [28·28] (a view).
func (e *Encoding) Reconstruction(i int) []float32 {
	return e.Recon[i*pixels : (i+1)*pixels : (i+1)*pixels]
}

// Atom returns atom k of image i, [28·28] (a view); it panics if the encoding has no atoms.
func (e *Encoding) Atom(i, k int) []float32 {
	if e.Atoms == nil {
		panic("aae: Encoding.Atom: this encoding has no atoms (plain autoencoder)")
	}
	o := (i*e.Blocks + k) * pixels
	return e.Atoms[o : o+pixels : o+pixels]
}

// WinShare returns, for each atom k, the share of all (image, pixel) pairs at which atom k is
// the largest of the K atoms (the first one on ties): where a MAX-AAE's output x̂ = max_k g(θ_k)
// is atom k's. The shares sum to 1. An atom with share 0 never sets the output, so the loss gives
// it (and its block of the encoder's last layer) no gradient: training leaves it as it is, and the
// model works with fewer atoms than it has. It panics if the encoding has no atoms.
func (e *Encoding) WinShare() []float64 {
	if e.Atoms == nil {
		panic("aae: Encoding.WinShare: this encoding has no atoms (plain autoencoder)")
	}
	K := e.Blocks
	wins := make([]int, K)
	for i := range e.N {
		base := i * K * pixels
		for p := range pixels {
			best := 0
			for k := 1; k < K; k++ {
				if e.Atoms[base+k*pixels+p] > e.Atoms[base+best*pixels+p] {
					best = k
				}
			}
			wins[best]++
		}
	}
	share := make([]float64, K)
	if e.N == 0 {
		return share
	}
	for k, w := range wins {
		share[k] = float64(w) / float64(e.N*pixels)
	}
	return share
}

// Contributions returns, for each image i and atom k ([N, K] row-major), ‖x̂ − x̂₋ₖ‖₂: how much
// the reconstruction changes when atom k is left out, x̂₋ₖ aggregating the other K−1 atoms (with
// K = 1, x̂₋ₖ = 0). For the sum, x̂ − x̂₋ₖ = g(θ_k), so it is the atom's own norm. For the max,
// x̂ − x̂₋ₖ is, at each pixel where atom k is the strict maximum, its margin over the runner-up,
// and 0 elsewhere: an atom that others cover wherever it is set contributes nothing to x̂ (nor
// gets any gradient), however large its norm, and of two equal atoms neither contributes (each
// covers the other). aggregation is "sum" or "max"; another one gives an error. It panics if the
// encoding has no atoms.
func (e *Encoding) Contributions(aggregation string) ([]float64, error) {
	if e.Atoms == nil {
		panic("aae: Encoding.Contributions: this encoding has no atoms (plain autoencoder)")
	}
	K := e.Blocks
	out := make([]float64, e.N*K)
	switch aggregation {
	case "sum":
		for i := range e.N {
			for k := range K {
				out[i*K+k] = atomNorm(e.Atom(i, k), NormRaw)
			}
		}
	case "max":
		for i := range e.N {
			base := i * K * pixels
			sq := out[i*K : (i+1)*K]
			for p := range pixels {
				best, first, second := 0, float64(e.Atoms[base+p]), 0.0
				if K > 1 {
					second = math.Inf(-1)
				}
				for k := 1; k < K; k++ {
					switch v := float64(e.Atoms[base+k*pixels+p]); {
					case v > first:
						best, first, second = k, v, first
					case v > second:
						second = v
					}
				}
				sq[best] += (first - second) * (first - second)
			}
			for k := range sq {
				sq[k] = math.Sqrt(sq[k])
			}
		}
	default:
		return nil, fmt.Errorf("aae: atom contributions are defined here for the sum and max aggregations, not %q", aggregation)
	}
	return out, nil
}

// GreedyResiduals returns, for each image i and atom k ([N, K] row-major), the distance
// ‖x̂ − x̂_S‖₂ still left when greedy selection adds atom k. Greedy selection starts from no atom
// (x̂_∅ = 0) and at each step adds the atom that brings x̂_S, the aggregation (sum or pixelwise
// max) of the atoms chosen, closest to the reconstruction x̂ (the first such atom on ties), until
// all K are in and x̂_S = x̂. The values are then made non-increasing along that order (each is
// the smallest distance reached up to its step), so at a threshold t the atoms whose value
// reaches t are the atoms greedy selection adds before x̂_S first comes within t of x̂ (for the
// max the distance never grows, for the sum it can). An atom equal to one chosen
// before brings x̂_S no closer, so it comes late and does not count: where
// [Encoding.Contributions] counts none of two identical atoms, this counts one. Greedy selection
// need not find the smallest set within t, so its count is an upper bound of the fewest atoms
// that do. aggregation is "sum" or "max"; another one gives an error. It panics if the encoding
// has no atoms.
func (e *Encoding) GreedyResiduals(aggregation string) ([]float64, error) {
	if e.Atoms == nil {
		panic("aae: Encoding.GreedyResiduals: this encoding has no atoms (plain autoencoder)")
	}
	var join func(cur, atom float64, first bool) float64
	switch aggregation {
	case "sum":
		join = func(cur, atom float64, _ bool) float64 { return cur + atom }
	case "max":
		join = func(cur, atom float64, first bool) float64 {
			if first {
				return atom
			}
			return math.Max(cur, atom)
		}
	default:
		return nil, fmt.Errorf("aae: greedy atom selection is defined here for the sum and max aggregations, not %q", aggregation)
	}
	K := e.Blocks
	out := make([]float64, e.N*K)
	cur := make([]float64, pixels)
	used := make([]bool, K)
	order := make([]int, K)
	left := make([]float64, K) // distance before each step
	for i := range e.N {
		xh := e.Reconstruction(i)
		clear(cur)
		clear(used)
		for step := range K {
			var d2 float64
			for p, v := range xh {
				d := float64(v) - cur[p]
				d2 += d * d
			}
			left[step] = math.Sqrt(d2)
			best, bestD2 := -1, math.Inf(1)
			for k := range K {
				if used[k] {
					continue
				}
				a := e.Atom(i, k)
				var d2 float64
				for p, v := range xh {
					d := float64(v) - join(cur[p], float64(a[p]), step == 0)
					d2 += d * d
				}
				if d2 < bestD2 {
					best, bestD2 = k, d2
				}
			}
			used[best], order[step] = true, best
			for p, v := range e.Atom(i, best) {
				cur[p] = join(cur[p], float64(v), step == 0)
			}
		}
		// Non-increasing along the order: each value the smallest distance up to its step.
		for step, runMin := 0, math.Inf(1); step < K; step++ {
			runMin = math.Min(runMin, left[step])
			out[i*K+order[step]] = runMin
		}
	}
	return out, nil
}

// measures returns the per-atom values [N, K] of the norms computed on the host from an
// encoding (NormContribution, NormGreedy), and nil for the others.
func (e *Encoding) measures(aggregation string, norm AtomNorm) ([]float64, error) {
	switch norm {
	case NormContribution:
		return e.Contributions(aggregation)
	case NormGreedy:
		return e.GreedyResiduals(aggregation)
	}
	return nil, nil
}

// Idle is the number of atoms whose share (of [Encoding.WinShare] or [Activation.Usage]) is 0.
func Idle(shares []float64) int { return atMost(shares, 0) }

// Atoms encodes images (N×28×28×1 in [0, 1]) and returns their codes θ, the K atoms g(θ_k) and
// the reconstructions x̂ = σ(g(θ_1), …, g(θ_K)). Atomic models only: the plain autoencoder has
// no atoms and gives an error (use [Analyzer.Latents] and [Analyzer.Decode]).
func (a *Analyzer) Atoms(images *datasets.Images) (*Encoding, error) {
	if err := a.needAtoms("Atoms"); err != nil {
		return nil, err
	}
	if err := checkImages(images, "Atoms"); err != nil {
		return nil, err
	}
	K, s := a.cfg.Blocks, a.codeSize()
	e := &Encoding{N: images.N, Blocks: K, BlockSize: a.cfg.BlockSize,
		Theta: make([]float32, images.N*s), Recon: make([]float32, images.N*pixels), Atoms: make([]float32, images.N*K*pixels)}
	err := a.runImages(a.atomsExec, images, "encoding", func(lo, n int, out [][]float32) {
		copy(e.Recon[lo*pixels:], out[0][:n*pixels])
		copy(e.Theta[lo*s:], out[1][:n*s])
		copy(e.Atoms[lo*K*pixels:], out[2][:n*K*pixels])
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Latents returns the codes θ = f_E(x) of the images, flat [N, K·d]. It works for every model.
func (a *Analyzer) Latents(images *datasets.Images) ([]float32, error) {
	if err := checkImages(images, "Latents"); err != nil {
		return nil, err
	}
	s := a.codeSize()
	theta := make([]float32, images.N*s)
	err := a.runImages(a.encodeExec, images, "encoding", func(lo, n int, out [][]float32) {
		copy(theta[lo*s:], out[0][:n*s])
	})
	if err != nil {
		return nil, err
	}
	return theta, nil
}

// Decode decodes codes theta, flat [N, K·d], into an [Encoding] (Theta is a copy of theta; Atoms
// is nil for the plain autoencoder).
func (a *Analyzer) Decode(theta []float32) (*Encoding, error) {
	s := a.codeSize()
	if len(theta) == 0 || len(theta)%s != 0 {
		return nil, fmt.Errorf("aae: Decode: %d values are not a whole number of codes of K·d = %d·%d = %d",
			len(theta), a.cfg.Blocks, a.cfg.BlockSize, s)
	}
	N, K := len(theta)/s, a.cfg.Blocks
	e := &Encoding{N: N, Blocks: K, BlockSize: a.cfg.BlockSize, Theta: slices.Clone(theta), Recon: make([]float32, N*pixels)}
	if !a.cfg.IsAE() {
		e.Atoms = make([]float32, N*K*pixels)
	}
	bs := min(a.batchSize(), N)
	for lo := 0; lo < N; lo += bs {
		n := min(bs, N-lo)
		in := tensors.FromShape(shapes.Make(dtypes.Float32, bs, s))
		tensors.MustMutableFlatData(in, func(flat []float32) { copy(flat, theta[lo*s:(lo+n)*s]) })
		out, err := callFlat(a.decodeExec, in)
		if err != nil {
			return nil, fmt.Errorf("aae: decoding codes %d–%d: %w", lo, lo+n-1, err)
		}
		copy(e.Recon[lo*pixels:], out[0][:n*pixels])
		if e.Atoms != nil {
			copy(e.Atoms[lo*K*pixels:], out[1][:n*K*pixels])
		}
	}
	return e, nil
}

// ActivationOptions configure activated atoms; zero values give the defaults.
type ActivationOptions struct {
	// Threshold is s of Definition 3 (0: DefaultThreshold, 0.05).
	Threshold float64
	// Norm is how atoms are measured (zero value NormClipped, the authors' choice).
	Norm AtomNorm
}

func (o ActivationOptions) withDefaults() (ActivationOptions, error) {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if !(o.Threshold > 0) || math.IsInf(o.Threshold, 1) {
		return o, fmt.Errorf("aae: activation threshold %v must be a positive finite number", o.Threshold)
	}
	if o.Norm != NormClipped && o.Norm != NormRaw && o.Norm != NormContribution && o.Norm != NormGreedy {
		return o, fmt.Errorf("aae: unknown atom norm %v: use NormClipped, NormRaw, NormContribution or NormGreedy", o.Norm)
	}
	return o, nil
}

// Activation holds the activated-atom statistics of a set of images (Fig 4). Per-atom slices are
// [N, K] row-major.
type Activation struct {
	Norm      AtomNorm // how the atoms were measured
	Threshold float64  // s
	N, Blocks int
	// AtomNorms is ‖a_k‖₂ of each image's atoms (clipped to [0, 1] first for NormClipped),
	// ‖x̂ − x̂₋ₖ‖₂ for NormContribution, or the distance left when greedy selection adds the atom
	// for NormGreedy.
	AtomNorms []float64
	// ImageNorms is ‖x‖₂ of each input image.
	ImageNorms []float64
	// Ratios is AtomNorms / ImageNorms, the quantity compared with the threshold.
	Ratios []float64
	// Counts is the number of activated atoms of each image.
	Counts []int
	// Histogram[c] is the number of images with c activated atoms, c = 0…K.
	Histogram []int
	// MeanCount and StdCount are the mean and population standard deviation of Counts.
	MeanCount, StdCount float64
	// SortedMeanNorm[j] is the mean over images of each image's (j+1)-th largest atom norm
	// (AtomNorms): the paper's Fig. 4 curve, "the average norm of each atom in descending order"
	// (the authors' code plots the clipped norms, not divided by ‖x‖), non-increasing, length K.
	SortedMeanNorm []float64
	// SortedMean[j] is the same for the ratios (Ratios), the quantity the threshold applies to:
	// each image weighs by 1/‖x‖. Non-increasing, length K.
	SortedMean []float64
	// Usage[k] is the fraction of images in which atom k is activated (length K, in [0, 1]); it
	// shows which atoms a model relies on and which it has left unused. It sums to MeanCount.
	Usage []float64
}

// Unused is the number of atoms activated in at most the given fraction of the images
// (0: atoms never activated).
func (a *Activation) Unused(fraction float64) int { return atMost(a.Usage, fraction) }

// atMost is the number of shares at or below fraction.
func atMost(shares []float64, fraction float64) int {
	n := 0
	for _, s := range shares {
		if s <= fraction {
			n++
		}
	}
	return n
}

// imageNorms returns ‖x‖₂ of each image, with an error for an all-zero image.
func imageNorms(images *datasets.Images) ([]float64, error) {
	out := make([]float64, images.N)
	for i := range out {
		var s float64
		for _, v := range images.Image(i) {
			s += float64(v) * float64(v)
		}
		if s == 0 {
			return nil, fmt.Errorf("aae: image %d of %q is all zeros: the atom/image norm ratio is undefined; leave it out", i, images.Name)
		}
		out[i] = math.Sqrt(s)
	}
	return out, nil
}

// ActivatedAtoms counts each image's activated atoms (Definition 3 with x the input image) and
// returns their histogram and the mean sorted ratio curve of Fig 4. Atomic models only.
func (a *Analyzer) ActivatedAtoms(images *datasets.Images, opts ActivationOptions) (*Activation, error) {
	if err := a.needAtoms("ActivatedAtoms"); err != nil {
		return nil, err
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkImages(images, "ActivatedAtoms"); err != nil {
		return nil, err
	}
	xn, err := imageNorms(images)
	if err != nil {
		return nil, err
	}
	K := a.cfg.Blocks
	if opts.Norm == NormContribution || opts.Norm == NormGreedy {
		enc, err := a.Atoms(images)
		if err != nil {
			return nil, err
		}
		norms, err := enc.measures(a.cfg.Aggregation, opts.Norm)
		if err != nil {
			return nil, err
		}
		return activationFrom(norms, xn, K, opts), nil
	}
	norms := make([]float64, images.N*K)
	pick := 0 // output 0: clipped norms, 1: raw norms
	if opts.Norm == NormRaw {
		pick = 1
	}
	err = a.runImages(a.normsExec, images, "atom norms", func(lo, n int, out [][]float32) {
		for i, v := range out[pick][:n*K] {
			norms[lo*K+i] = float64(v)
		}
	})
	if err != nil {
		return nil, err
	}
	return activationFrom(norms, xn, K, opts), nil
}

// activationFrom computes the statistics from atom norms [N,K] and image norms [N].
func activationFrom(norms, imageNorms []float64, K int, opts ActivationOptions) *Activation {
	N := len(imageNorms)
	act := &Activation{Norm: opts.Norm, Threshold: opts.Threshold, N: N, Blocks: K,
		AtomNorms: norms, ImageNorms: imageNorms, Ratios: make([]float64, N*K),
		Counts: make([]int, N), Histogram: make([]int, K+1), SortedMean: make([]float64, K), SortedMeanNorm: make([]float64, K),
		Usage: make([]float64, K)}
	sorted := make([]float64, K)
	var sum, sum2 float64
	for i := range N {
		r := act.Ratios[i*K : (i+1)*K]
		for k := range r {
			r[k] = norms[i*K+k] / imageNorms[i]
			if r[k] >= opts.Threshold {
				act.Counts[i]++
				act.Usage[k] += 1 / float64(N)
			}
		}
		act.Histogram[act.Counts[i]]++
		c := float64(act.Counts[i])
		sum, sum2 = sum+c, sum2+c*c
		copy(sorted, r)
		slices.SortFunc(sorted, func(x, y float64) int { return cmp.Compare(y, x) })
		for j, v := range sorted {
			act.SortedMean[j] += v / float64(N)
		}
		copy(sorted, norms[i*K:(i+1)*K])
		slices.SortFunc(sorted, func(x, y float64) int { return cmp.Compare(y, x) })
		for j, v := range sorted {
			act.SortedMeanNorm[j] += v / float64(N)
		}
	}
	act.MeanCount = sum / float64(N)
	act.StdCount = math.Sqrt(max(0, sum2/float64(N)-act.MeanCount*act.MeanCount))
	return act
}

// atomNorm is ‖a‖₂ of one atom measured as m says.
func atomNorm(atom []float32, m AtomNorm) float64 {
	var s float64
	for _, v := range atom {
		f := float64(v)
		if m == NormClipped {
			f = min(1, max(0, f))
		}
		s += f * f
	}
	return math.Sqrt(s)
}

// Decomposition is one image's atom decomposition, ready for plotting (Fig 3). Images are
// [28·28] row-major; the atoms are as decoded (a plot showing the visible part clips to [0, 1]).
type Decomposition struct {
	Index int       // the image's index in the analysed set
	Input []float32 // x
	Recon []float32 // x̂
	// Atoms are the K atoms in decreasing order of their norm; Blocks[j] is the block k of
	// Atoms[j], Norms[j] its ‖a_k‖₂ (measured as Norm says) and Ratios[j] = Norms[j]/‖x‖₂.
	Atoms     [][]float32
	Blocks    []int
	Norms     []float64
	Ratios    []float64
	Norm      AtomNorm
	Threshold float64
	// Activated is the number of atoms with Ratios ≥ Threshold (they come first).
	Activated int
}

// Decompose returns the decompositions of images[indices] with their atoms sorted by norm (as
// opts.Norm measures it) and the number activated at opts.Threshold. Atomic models only.
func (a *Analyzer) Decompose(images *datasets.Images, indices []int, opts ActivationOptions) ([]Decomposition, error) {
	if err := a.needAtoms("Decompose"); err != nil {
		return nil, err
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkImages(images, "Decompose"); err != nil {
		return nil, err
	}
	if len(indices) == 0 {
		return nil, fmt.Errorf("aae: Decompose: no image indices given")
	}
	for _, i := range indices {
		if i < 0 || i >= images.N {
			return nil, fmt.Errorf("aae: Decompose: image index %d is outside [0, %d) of %q", i, images.N, images.Name)
		}
	}
	sub := images.Subset(indices)
	xn, err := imageNorms(sub)
	if err != nil {
		return nil, err
	}
	enc, err := a.Atoms(sub)
	if err != nil {
		return nil, err
	}
	K := a.cfg.Blocks
	contrib, err := enc.measures(a.cfg.Aggregation, opts.Norm)
	if err != nil {
		return nil, err
	}
	out := make([]Decomposition, len(indices))
	for i, idx := range indices {
		d := Decomposition{Index: idx, Input: slices.Clone(sub.Image(i)), Recon: slices.Clone(enc.Reconstruction(i)),
			Atoms: make([][]float32, K), Blocks: make([]int, K), Norms: make([]float64, K), Ratios: make([]float64, K),
			Norm: opts.Norm, Threshold: opts.Threshold}
		norms := make([]float64, K)
		for k := range K {
			d.Blocks[k] = k
			if contrib != nil {
				norms[k] = contrib[i*K+k]
			} else {
				norms[k] = atomNorm(enc.Atom(i, k), opts.Norm)
			}
		}
		slices.SortStableFunc(d.Blocks, func(x, y int) int { return cmp.Compare(norms[y], norms[x]) })
		for j, k := range d.Blocks {
			d.Atoms[j] = slices.Clone(enc.Atom(i, k))
			d.Norms[j] = norms[k]
			d.Ratios[j] = norms[k] / xn[i]
			if d.Ratios[j] >= opts.Threshold {
				d.Activated++
			}
		}
		out[i] = d
	}
	return out, nil
}

// TraversalOptions choose a latent traversal (eq. 6); zero values give the defaults.
type TraversalOptions struct {
	// Block is p and Coord is q, 0-based (default 0 and 0: the first coordinate of the first
	// block, as in Fig 5).
	Block, Coord int
	// Base is the index, in the analysed images, of the image whose code fixes the other
	// coordinates (default 0).
	Base int
	// Steps is the number of decoded images n+1 (0: DefaultTraversalSteps; at least 2).
	Steps int
}

// Traversal is a latent traversal: Values[i] = θ^i_{p,q} sweeps linearly from Min to Max and
// Images[i] = f_D(θ^i) [28·28]. For atomic models Atoms[i] = g(θ^i_p) [28·28] is the traversed
// block's atom alone (nil for the plain autoencoder).
type Traversal struct {
	Block, Coord, Base int
	// Min and Max are the extremes of θ_{p,q} over the analysed images, reached at images
	// ArgMin and ArgMax.
	Min, Max       float64
	ArgMin, ArgMax int
	// Code is the base image's code θ [K·d].
	Code   []float32
	Values []float64
	Images [][]float32
	Atoms  [][]float32
}

// Traverse computes the extremes of θ_{p,q} over the codes of images and decodes the linear sweep
// between them with the other coordinates fixed to the code of images[opts.Base] (eq. 6).
func (a *Analyzer) Traverse(images *datasets.Images, opts TraversalOptions) (*Traversal, error) {
	K, d := a.cfg.Blocks, a.cfg.BlockSize
	if opts.Steps == 0 {
		opts.Steps = DefaultTraversalSteps
	}
	switch {
	case opts.Block < 0 || opts.Block >= K:
		return nil, fmt.Errorf("aae: Traverse: block %d is outside [0, %d)", opts.Block, K)
	case opts.Coord < 0 || opts.Coord >= d:
		return nil, fmt.Errorf("aae: Traverse: coordinate %d is outside [0, %d) (block size)", opts.Coord, d)
	case opts.Steps < 2:
		return nil, fmt.Errorf("aae: Traverse: %d steps; a traversal needs at least 2 images", opts.Steps)
	}
	if err := checkImages(images, "Traverse"); err != nil {
		return nil, err
	}
	if opts.Base < 0 || opts.Base >= images.N {
		return nil, fmt.Errorf("aae: Traverse: base image %d is outside [0, %d) of %q", opts.Base, images.N, images.Name)
	}
	theta, err := a.Latents(images)
	if err != nil {
		return nil, err
	}
	s, col := K*d, opts.Block*d+opts.Coord
	tr := &Traversal{Block: opts.Block, Coord: opts.Coord, Base: opts.Base,
		Min: math.Inf(1), Max: math.Inf(-1), Code: slices.Clone(theta[opts.Base*s : (opts.Base+1)*s])}
	for i := range images.N {
		v := float64(theta[i*s+col])
		if v < tr.Min {
			tr.Min, tr.ArgMin = v, i
		}
		if v > tr.Max {
			tr.Max, tr.ArgMax = v, i
		}
	}
	n := opts.Steps - 1
	codes := make([]float32, opts.Steps*s)
	tr.Values = make([]float64, opts.Steps)
	for i := range tr.Values {
		tr.Values[i] = tr.Min + float64(i)*(tr.Max-tr.Min)/float64(n)
		if i == n {
			tr.Values[i] = tr.Max
		}
		c := codes[i*s : (i+1)*s]
		copy(c, tr.Code)
		c[col] = float32(tr.Values[i])
	}
	dec, err := a.Decode(codes)
	if err != nil {
		return nil, err
	}
	tr.Images = make([][]float32, opts.Steps)
	for i := range tr.Images {
		tr.Images[i] = slices.Clone(dec.Reconstruction(i))
	}
	if dec.Atoms != nil {
		tr.Atoms = make([][]float32, opts.Steps)
		for i := range tr.Atoms {
			tr.Atoms[i] = slices.Clone(dec.Atom(i, opts.Block))
		}
	}
	return tr, nil
}

// TraversalCoordinate resolves the --block and --coord flags of a latent traversal (the CLI's and
// notebook 01's): block −1 picks the widest coordinate over the images ([WidestCoordinate]),
// block and coordinate both, and then coord must be −1 too (a coordinate without its block would
// be ignored); coord −1 with a block means 0. Out-of-range values are errors naming the flag.
func (a *Analyzer) TraversalCoordinate(images *datasets.Images, block, coord int) (int, int, error) {
	K, d := a.cfg.Blocks, a.cfg.BlockSize
	switch {
	case block == -1 && coord != -1:
		return 0, 0, fmt.Errorf("--coord %d needs --block: without it the widest coordinate is traversed, block and coordinate both", coord)
	case block == -1:
		return a.WidestCoordinate(images)
	case block < 0 || block >= K:
		return 0, 0, fmt.Errorf("--block %d: the model has %d latent blocks: use 0 to %d, or -1 for the widest coordinate", block, K, K-1)
	case coord == -1:
		return block, 0, nil
	case coord < 0 || coord >= d:
		return 0, 0, fmt.Errorf("--coord %d: a latent block has %d coordinates: use 0 to %d", coord, d, d-1)
	}
	return block, coord, nil
}

// WidestCoordinate returns the latent coordinate (block, coordinate within the block) whose
// values spread the most (max − min) over the images: a good default for a latent traversal.
func (a *Analyzer) WidestCoordinate(images *datasets.Images) (block, coord int, err error) {
	theta, err := a.Latents(images)
	if err != nil {
		return 0, 0, err
	}
	size := a.codeSize()
	best, bestRange := 0, -1.0
	for j := 0; j < size; j++ {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := 0; i < images.N; i++ {
			v := float64(theta[i*size+j])
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi-lo > bestRange {
			best, bestRange = j, hi-lo
		}
	}
	return best / a.cfg.BlockSize, best % a.cfg.BlockSize, nil
}
