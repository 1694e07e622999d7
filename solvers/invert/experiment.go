package invert

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/models/metrics"
)

// Mask kinds of InversionSettings.Mask.
const (
	MaskNone   = "none"
	MaskRandom = "random"
	MaskRows   = "rows"
)

// Defaults of the trained-generator experiments (paper 001, section 6.2, Figs. 5–13); the paper's
// numbers were lost from its text, these are our documented choices.
const (
	DefaultInversionSamples = 100
	// DefaultHiddenFraction is the fraction of pixels a random inpainting mask hides.
	DefaultHiddenFraction = 0.5
	// DefaultHiddenRows is the number of upper rows the rows mask hides (the paper: 13 of 28).
	DefaultHiddenRows = 13
	// DefaultFailSNR is the image SNR (dB) below which an inversion counts as a failure.
	DefaultFailSNR = 20
)

// InversionSettings configures InvertSamples. Zero values mean the documented defaults.
type InversionSettings struct {
	// Samples is the number of generated samples z ~ N(0, I) to invert (default
	// DefaultInversionSamples).
	Samples int
	// Seed draws the latent vectors and the random masks.
	Seed uint64
	// Mask is MaskNone (default), MaskRandom (HiddenFraction of the pixels hidden, a different
	// mask per sample) or MaskRows (the upper HiddenRows rows of each Height×Width image hidden).
	Mask           string
	HiddenFraction float64
	HiddenRows     int
	// Height and Width are the image size for MaskRows (default 28×28).
	Height, Width int
	// Methods to run (default gd, latent-pursuit, oracle).
	Methods []string
	// Pursuit configures Latent-Pursuit, Layered Basis-Pursuit and the oracle (nil: defaults with
	// debiasing).
	Pursuit *Settings
	// GD configures gradient descent (nil: defaults); all samples are inverted in one batch.
	GD *GDSettings
	// GDStepGrid, if set, runs gradient descent once per initial step size in the grid
	// (overriding GD.LearningRate) and keeps, per sample, the run with the smallest residual
	// ‖M⊙(y − G(ẑ))‖ — an observable criterion, so the choice needs no ground truth. Step sizes
	// that diverge are skipped.
	GDStepGrid []float64
	// Backend runs gradient descent (required when Methods has gd).
	Backend compute.Backend
	// Workers invert samples in parallel for the layer-wise methods (default GOMAXPROCS).
	Workers int
	// SNRCap caps reported SNRs (default DefaultSNRCap); FailSNR is the image SNR below which an
	// inversion fails (default DefaultFailSNR).
	SNRCap, FailSNR float64
	// Progress, if set, is called after each sample of each method (gradient descent reports
	// once for the whole batch).
	Progress func(method string, done, total int)
}

// InversionSample is one method's inversion of one sample.
type InversionSample struct {
	Index  int
	Method string
	// LayerSNR is the SNR (dB, capped) of every layer [z, x_1, …, x_L] of G(ẑ) (the latent
	// estimate pushed through the generator, as in the paper) against the truth.
	LayerSNR Decibels
	Seconds  float64
	Err      string `json:",omitempty"`
}

// InversionResult holds an experiment's samples, estimates and statistics.
type InversionResult struct {
	Sizes    []int
	Mask     string
	Observed int // observed pixels per sample
	Methods  []string
	// Truth are the generated images, Masks the masks (nil for MaskNone), Images[method] the
	// images G(ẑ) each method recovered, in sample order.
	Truth   [][]float64
	Masks   [][]bool
	Images  map[string][][]float64
	Samples []InversionSample
	FailSNR float64
	// Unique[i] reports whether sample i meets the sufficient uniqueness conditions
	// (CheckUniquenessMasked at its true z and mask): where they fail, no method is guaranteed to
	// find the true z.
	Unique []bool
}

func (s *InversionSettings) withDefaults() (InversionSettings, error) {
	c := *s
	if c.Samples == 0 {
		c.Samples = DefaultInversionSamples
	}
	if c.Mask == "" {
		c.Mask = MaskNone
	}
	if c.HiddenFraction == 0 {
		c.HiddenFraction = DefaultHiddenFraction
	}
	if c.HiddenRows == 0 {
		c.HiddenRows = DefaultHiddenRows
	}
	if c.Height == 0 {
		c.Height = 28
	}
	if c.Width == 0 {
		c.Width = 28
	}
	if len(c.Methods) == 0 {
		c.Methods = []string{MethodGD, MethodLatentPursuit, MethodOracle}
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.SNRCap == 0 {
		c.SNRCap = DefaultSNRCap
	}
	if c.FailSNR == 0 {
		c.FailSNR = DefaultFailSNR
	}
	if c.Pursuit == nil {
		c.Pursuit = &Settings{Debias: true}
	}
	if c.GD == nil {
		c.GD = &GDSettings{}
	}
	if c.Samples < 1 {
		return c, fmt.Errorf("invert.InvertSamples: %d samples: need at least 1", c.Samples)
	}
	switch c.Mask {
	case MaskNone, MaskRandom, MaskRows:
	default:
		return c, fmt.Errorf("invert.InvertSamples: unknown mask %q: use %s, %s or %s", c.Mask, MaskNone, MaskRandom, MaskRows)
	}
	if c.Mask == MaskRows && (c.HiddenRows < 0 || c.HiddenRows >= c.Height) {
		return c, fmt.Errorf("invert.InvertSamples: rows mask hiding %d of %d rows: need 1 to %d", c.HiddenRows, c.Height, c.Height-1)
	}
	if !(c.HiddenFraction > 0 && c.HiddenFraction < 1) {
		return c, fmt.Errorf("invert.InvertSamples: hidden fraction %g must be in (0, 1)", c.HiddenFraction)
	}
	if err := checkMethods("InvertSamples", c.Methods, c.Backend, "InversionSettings.Backend"); err != nil {
		return c, err
	}
	return c, nil
}

// InvertSamples runs paper 001's trained-generator experiments (section 6.2): Samples latent
// vectors z ~ N(0, I) are pushed through net, the images are masked (clean inversion, random
// inpainting, or the upper rows hidden), and each method inverts them; the per-layer SNRs of
// G(ẑ) against the truth, the recovered images and the run times are recorded.
func InvertSamples(net *Network, set InversionSettings) (*InversionResult, error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	s, err := set.withDefaults()
	if err != nil {
		return nil, err
	}
	// Settings every sample would reject are reported once, not as a failure of each sample.
	if _, err := s.Pursuit.withDefaults(); err != nil {
		return nil, fmt.Errorf("invert.InvertSamples: pursuit settings: %w", err)
	}
	if slices.Contains(s.Methods, MethodGD) {
		if _, err := s.GD.withDefaults(net); err != nil {
			return nil, fmt.Errorf("invert.InvertSamples: gradient-descent settings: %w", err)
		}
	}
	n := net.OutputSize()
	if s.Mask == MaskRows && s.Height*s.Width != n {
		return nil, fmt.Errorf("invert.InvertSamples: rows mask needs %d×%d images but the generator makes %d pixels: set Height and Width", s.Height, s.Width, n)
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x1ab))
	res := &InversionResult{Sizes: net.Sizes(), Mask: s.Mask, Methods: s.Methods, Images: map[string][][]float64{}, FailSNR: s.FailSNR}
	truths := make([][][]float64, s.Samples)
	ys := make([][]float64, s.Samples)
	for i := range truths {
		z := RandomLatent(rng, net.LatentSize())
		truths[i] = net.Forward(z)
		ys[i] = truths[i][len(truths[i])-1]
		res.Truth = append(res.Truth, ys[i])
		switch s.Mask {
		case MaskRandom:
			res.Masks = append(res.Masks, RandomMask(rng, n, s.HiddenFraction))
		case MaskRows:
			res.Masks = append(res.Masks, RowsMask(s.Height, s.Width, 0, s.HiddenRows))
		}
	}
	for i := range truths {
		var m []bool
		if res.Masks != nil {
			m = res.Masks[i]
		}
		res.Unique = append(res.Unique, CheckUniquenessMasked(net, truths[i][0], m).Unique)
	}
	res.Observed = n
	if res.Masks != nil {
		res.Observed = Observed(res.Masks[0], n)
	}
	maskOf := func(i int) []bool {
		if res.Masks == nil {
			return nil
		}
		return res.Masks[i]
	}
	// record scores an estimate on G(ẑ) (the forward pass of its latent estimate) and returns
	// that image too (nil on error).
	record := func(i int, m string, est *Estimate, err error, d time.Duration) (InversionSample, []float64) {
		smp := InversionSample{Index: i, Method: m, Seconds: d.Seconds()}
		if err != nil {
			smp.Err = err.Error()
			smp.LayerSNR = make([]float64, len(truths[i]))
			for l := range smp.LayerSNR {
				smp.LayerSNR[l] = math.NaN()
			}
			return smp, nil
		}
		fwd := net.Forward(est.Layers[0])
		smp.LayerSNR = capSNR(LayerSNR(truths[i], fwd), s.SNRCap)
		return smp, fwd[len(fwd)-1]
	}
	for _, m := range s.Methods {
		imgs := make([][]float64, s.Samples)
		samples := make([]InversionSample, s.Samples)
		if m == MethodGD {
			t0 := time.Now()
			var masks [][]bool
			if res.Masks != nil {
				masks = res.Masks
			}
			ests, err := gdBestOfGrid(s.Backend, net, ys, masks, s.GD, s.GDStepGrid)
			if err == nil && len(ests) != len(ys) {
				err = fmt.Errorf("gradient descent returned %d estimates for %d samples", len(ests), len(ys))
			}
			per := time.Since(t0) / time.Duration(len(ys))
			for i := range ys {
				var est *Estimate
				if err == nil {
					est = ests[i]
				}
				samples[i], imgs[i] = record(i, m, est, err, per)
			}
			if s.Progress != nil {
				s.Progress(m, len(ys), len(ys))
			}
		} else {
			var mu sync.Mutex
			done := 0
			parallelFor(s.Samples, s.Workers, func(i int) {
				t0 := time.Now()
				est, err := layerwise(m, net, ys[i], maskOf(i), truths[i], s.Pursuit)
				samples[i], imgs[i] = record(i, m, est, err, time.Since(t0))
				mu.Lock()
				done++
				if s.Progress != nil {
					s.Progress(m, done, s.Samples)
				}
				mu.Unlock()
			})
		}
		res.Images[m] = imgs
		res.Samples = append(res.Samples, samples...)
	}
	return res, nil
}

// LayerSNRs returns, for one method and layer, the SNR of every sample (the input of a histogram
// or box plot of Figs. 5, 8 and 11).
func (r *InversionResult) LayerSNRs(method string, layer int) []float64 {
	var v []float64
	for _, smp := range r.Samples {
		if smp.Method == method && layer < len(smp.LayerSNR) {
			v = append(v, smp.LayerSNR[layer])
		}
	}
	return v
}

// InversionRow summarises one method.
type InversionRow struct {
	Method string
	// MedianSNR is the median SNR of every layer [z, x_1, …, x_L].
	MedianSNR []float64
	// Failures is the fraction of samples whose image SNR is below FailSNR (or that errored);
	// FailuresUnique the same among the samples meeting the uniqueness conditions (NaN if none).
	Failures, FailuresUnique float64
	MeanSeconds              float64
}

// Summary returns one row per method.
func (r *InversionResult) Summary() []InversionRow {
	var rows []InversionRow
	for _, m := range r.Methods {
		row := InversionRow{Method: m}
		L := len(r.Sizes)
		n, nu, fu := 0, 0, 0.0
		for _, smp := range r.Samples {
			if smp.Method != m {
				continue
			}
			n++
			row.MeanSeconds += smp.Seconds
			unique := smp.Index < len(r.Unique) && r.Unique[smp.Index]
			if unique {
				nu++
			}
			if img := smp.LayerSNR[L-1]; !(img >= r.FailSNR) {
				row.Failures++
				if unique {
					fu++
				}
			}
		}
		row.FailuresUnique = math.NaN()
		if nu > 0 {
			row.FailuresUnique = fu / float64(nu)
		}
		if n == 0 {
			continue
		}
		for l := range L {
			row.MedianSNR = append(row.MedianSNR, metrics.Quantile(r.LayerSNRs(m, l), 0.5))
		}
		row.Failures /= float64(n)
		row.MeanSeconds /= float64(n)
		rows = append(rows, row)
	}
	return rows
}

// Cases returns up to k sample indices where method a's image SNR exceeds method b's by the most
// (a's successes where b fails: Figs. 7, 10, 13) — or, with a and b swapped, the opposite.
func (r *InversionResult) Cases(a, b string, k int) []int {
	L := len(r.Sizes)
	img := func(m string) map[int]float64 {
		out := map[int]float64{}
		for _, smp := range r.Samples {
			if smp.Method == m {
				out[smp.Index] = smp.LayerSNR[L-1]
			}
		}
		return out
	}
	sa, sb := img(a), img(b)
	type pair struct {
		i int
		d float64
	}
	var ps []pair
	for i, va := range sa {
		if vb, ok := sb[i]; ok && !math.IsNaN(va-vb) {
			ps = append(ps, pair{i, va - vb})
		}
	}
	// Sort by decreasing difference, then index.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && (ps[j].d > ps[j-1].d || (ps[j].d == ps[j-1].d && ps[j].i < ps[j-1].i)); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	var out []int
	for _, p := range ps {
		if len(out) == k {
			break
		}
		out = append(out, p.i)
	}
	return out
}

// gdBestOfGrid runs GradientDescent for each step size of grid (or once with gd's own step when
// grid is empty) and keeps, per measurement, the estimate with the smallest residual.
func gdBestOfGrid(b compute.Backend, net *Network, ys [][]float64, masks [][]bool, gd *GDSettings, grid []float64) ([]*Estimate, error) {
	if len(grid) == 0 {
		return GradientDescent(b, net, ys, masks, gd)
	}
	var best []*Estimate
	var errs []error
	for _, step := range grid {
		set := GDSettings{}
		if gd != nil {
			set = *gd
		}
		set.LearningRate = step
		ests, err := GradientDescent(b, net, ys, masks, &set)
		if err != nil {
			errs = append(errs, fmt.Errorf("step %g: %w", step, err))
			continue
		}
		if best == nil {
			best = ests
			continue
		}
		for i, e := range ests {
			if e.Residual < best[i].Residual {
				best[i] = e
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("gradient descent failed for every step size of the grid: %v", errs)
	}
	return best, nil
}

// UniqueFraction returns the fraction of samples meeting the uniqueness conditions.
func (r *InversionResult) UniqueFraction() float64 {
	if len(r.Unique) == 0 {
		return math.NaN()
	}
	k := 0
	for _, u := range r.Unique {
		if u {
			k++
		}
	}
	return float64(k) / float64(len(r.Unique))
}
