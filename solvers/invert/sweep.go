package invert

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/models/metrics"
)

// Defaults of the random-weights sweep (paper 001, section 6.1, Fig. 4). The paper's text lost its
// numbers; these are our choices, documented in the package doc.
const (
	DefaultSweepLatent = 100
	DefaultSweepImage  = 625
	DefaultSweepTrials = 30
	// DefaultSNRCap caps reported SNRs (an exact recovery has an infinite SNR; float64 solvers
	// reach 150–300 dB).
	DefaultSNRCap = 150
)

// DefaultSweepWidths returns the hidden widths n_1 swept by default: 50, 100, …, 1500 (past
// n_2 = 625, where the paper expects gradient descent to overtake the layer-wise methods).
func DefaultSweepWidths() []int {
	w := make([]int, 0, 20)
	for n := 50; n <= 1500; n += 50 {
		w = append(w, n)
	}
	return w
}

// SweepSettings configures Sweep. Zero values mean the documented defaults.
type SweepSettings struct {
	// LatentSize is n_0 (default DefaultSweepLatent).
	LatentSize int
	// ImageSize is n_2 (default DefaultSweepImage).
	ImageSize int
	// Widths are the hidden sizes n_1 (default DefaultSweepWidths).
	Widths []int
	// Trials is the number of random networks (each with one random z) per width (default
	// DefaultSweepTrials).
	Trials int
	// Last is the output activation (default Identity; the zero value of Activation is ReLU, so set
	// LastSet to use ReLU explicitly — ReLU is not allowed as the last activation anyway).
	Last Activation
	// Methods to run (default gd, layered-bp, latent-pursuit).
	Methods []string
	// Seed makes the sweep reproducible: trial t of width n uses a generator seeded by (Seed, n, t).
	Seed uint64
	// Workers run trials in parallel for the layer-wise methods (default GOMAXPROCS).
	Workers int
	// Pursuit configures Layered Basis-Pursuit and Latent-Pursuit (nil: defaults, with debiasing).
	Pursuit *Settings
	// GD configures gradient descent (nil: defaults).
	GD *GDSettings
	// Backend runs gradient descent (required when Methods has gd).
	Backend compute.Backend
	// SNRCap caps SNRs in the result (default DefaultSNRCap).
	SNRCap float64
	// Progress, if set, is called after each trial of each method.
	Progress func(done, total int)
	// Context cancels the sweep between trials (nil: never).
	Context context.Context
}

// SweepTrial is one method's inversion of one random network.
type SweepTrial struct {
	Width, Trial int
	Method       string
	// LayerSNR is the SNR (dB, capped) of [z, x_1, x_2].
	LayerSNR Decibels
	// Cardinality is the number of non-zeros of the true hidden layer x_1.
	Cardinality int
	// Unique is the verdict of CheckUniqueness on the true z.
	Unique  bool
	Seconds float64
	// Err is a solver failure (the SNRs are then NaN).
	Err string `json:",omitempty"`
}

// SweepResult holds every trial of a sweep.
type SweepResult struct {
	LatentSize, ImageSize int
	Widths                []int
	Methods               []string
	Trials                []SweepTrial
	Duration              time.Duration
}

func (s *SweepSettings) withDefaults() (SweepSettings, error) {
	c := *s
	if c.LatentSize == 0 {
		c.LatentSize = DefaultSweepLatent
	}
	if c.ImageSize == 0 {
		c.ImageSize = DefaultSweepImage
	}
	if len(c.Widths) == 0 {
		c.Widths = DefaultSweepWidths()
	}
	if c.Trials == 0 {
		c.Trials = DefaultSweepTrials
	}
	if c.Last == ReLU {
		c.Last = Identity
	}
	if len(c.Methods) == 0 {
		c.Methods = []string{MethodGD, MethodLayeredBP, MethodLatentPursuit}
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.SNRCap == 0 {
		c.SNRCap = DefaultSNRCap
	}
	if c.Context == nil {
		c.Context = context.Background()
	}
	if c.LatentSize < 1 || c.ImageSize < 1 || c.Trials < 1 {
		return c, fmt.Errorf("invert.Sweep: latent size %d, image size %d and trials %d must be positive", c.LatentSize, c.ImageSize, c.Trials)
	}
	for _, w := range c.Widths {
		if w < 1 {
			return c, fmt.Errorf("invert.Sweep: hidden width %d must be positive", w)
		}
	}
	if err := checkMethods("Sweep", c.Methods, c.Backend, "SweepSettings.Backend"); err != nil {
		return c, err
	}
	if c.Pursuit == nil {
		c.Pursuit = &Settings{Debias: true}
	}
	if c.GD == nil {
		c.GD = &GDSettings{}
	}
	// Settings every trial would reject are reported once, not as a failure of each trial.
	if _, err := c.Pursuit.withDefaults(); err != nil {
		return c, fmt.Errorf("invert.Sweep: pursuit settings: %w", err)
	}
	if slices.Contains(c.Methods, MethodGD) && len(c.Widths) > 0 {
		// The step default depends on the network, so check on the first one.
		if _, err := c.GD.withDefaults(c.problem(c.Widths[0], 0).net); err != nil {
			return c, fmt.Errorf("invert.Sweep: gradient-descent settings: %w", err)
		}
	}
	return c, nil
}

// sweepProblem is one random network with its latent vector.
type sweepProblem struct {
	width, trial int
	net          *Network
	truth        [][]float64
	card         int
	unique       bool
}

func (s *SweepSettings) problem(width, trial int) sweepProblem {
	rng := rand.New(rand.NewPCG(s.Seed, uint64(width)<<32|uint64(trial)))
	net := RandomNetwork(rng, []int{s.LatentSize, width, s.ImageSize}, s.Last)
	z := RandomLatent(rng, s.LatentSize)
	truth := net.Forward(z)
	card := 0
	for _, v := range truth[1] {
		if v > 0 {
			card++
		}
	}
	return sweepProblem{width: width, trial: trial, net: net, truth: truth, card: card,
		unique: CheckUniqueness(net, z).Unique}
}

// capSNR caps ±Inf and large values at c (NaN stays NaN).
func capSNR(v []float64, c float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Min(x, c)
	}
	return out
}

// Sweep runs paper 001's random-weights experiment (section 6.1, Fig. 4): for each hidden width
// n_1, Trials random 2-layer generators n_0 → n_1 → n_2 with Gaussian weights (RandomNetwork) and
// z ~ N(0, I), inverted from the clean image by each method; the per-layer SNRs are recorded.
// Layer-wise methods run Workers trials in parallel; gradient descent inverts one network at a
// time (batched over its restarts).
func Sweep(set SweepSettings) (*SweepResult, error) {
	s, err := set.withDefaults()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res := &SweepResult{LatentSize: s.LatentSize, ImageSize: s.ImageSize, Widths: s.Widths, Methods: s.Methods}
	total := len(s.Widths) * s.Trials * len(s.Methods)
	done := 0
	var mu sync.Mutex
	report := func(t SweepTrial) {
		mu.Lock()
		defer mu.Unlock()
		res.Trials = append(res.Trials, t)
		done++
		if s.Progress != nil {
			s.Progress(done, total)
		}
	}
	for _, width := range s.Widths {
		probs := make([]sweepProblem, s.Trials)
		for t := range probs {
			probs[t] = s.problem(width, t)
		}
		for _, m := range s.Methods {
			if err := s.Context.Err(); err != nil {
				return res, fmt.Errorf("invert.Sweep: stopped at width %d: %w", width, err)
			}
			if m == MethodGD {
				for _, p := range probs {
					t0 := time.Now()
					ests, err := GradientDescent(s.Backend, p.net, [][]float64{p.truth[len(p.truth)-1]}, nil, s.GD)
					report(s.trial(p, m, estOf(ests, err), time.Since(t0)))
				}
				continue
			}
			parallelFor(len(probs), s.Workers, func(i int) {
				p := probs[i]
				t0 := time.Now()
				est, err := layerwise(m, p.net, p.truth[len(p.truth)-1], nil, p.truth, s.Pursuit)
				report(s.trial(p, m, estResult{est, err}, time.Since(t0)))
			})
		}
	}
	sort.SliceStable(res.Trials, func(i, j int) bool {
		a, b := res.Trials[i], res.Trials[j]
		if a.Width != b.Width {
			return a.Width < b.Width
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.Trial < b.Trial
	})
	res.Duration = time.Since(start)
	return res, nil
}

type estResult struct {
	est *Estimate
	err error
}

func estOf(ests []*Estimate, err error) estResult {
	if err != nil {
		return estResult{err: err}
	}
	if len(ests) != 1 {
		return estResult{err: fmt.Errorf("gradient descent returned %d estimates for 1 sample", len(ests))}
	}
	return estResult{est: ests[0]}
}

func (s *SweepSettings) trial(p sweepProblem, method string, r estResult, d time.Duration) SweepTrial {
	t := SweepTrial{Width: p.width, Trial: p.trial, Method: method, Cardinality: p.card, Unique: p.unique, Seconds: d.Seconds()}
	if r.err != nil {
		t.Err = r.err.Error()
		t.LayerSNR = []float64{math.NaN(), math.NaN(), math.NaN()}
		return t
	}
	t.LayerSNR = capSNR(LayerSNR(p.truth, r.est.Layers), s.SNRCap)
	return t
}

// Samples returns, for one method and layer (0 = z, 1 = x_1, 2 = the image), the widths and the
// SNRs of every trial at each width — the input of plotting.QuantileRibbons.
func (r *SweepResult) Samples(method string, layer int) (x []float64, samples [][]float64) {
	idx := map[int]int{}
	for i, w := range r.Widths {
		idx[w] = i
		x = append(x, float64(w))
	}
	samples = make([][]float64, len(r.Widths))
	for _, t := range r.Trials {
		if t.Method == method && layer < len(t.LayerSNR) {
			i := idx[t.Width]
			samples[i] = append(samples[i], t.LayerSNR[layer])
		}
	}
	return x, samples
}

// SweepRow summarises one method at one width.
type SweepRow struct {
	Width  int
	Method string
	// MedianSNR is the median SNR of each layer [z, x_1, x_2].
	MedianSNR []float64
	// Success is the fraction of trials whose every layer reaches SuccessSNR.
	Success float64
	// MeanCardinality is the mean number of non-zeros of x_1; UniqueFraction the fraction of trials
	// meeting the uniqueness conditions.
	MeanCardinality, UniqueFraction float64
	MeanSeconds                     float64
}

// SuccessSNR is the SNR (dB) above which every layer counts as recovered exactly in summaries.
const SuccessSNR = 60

// Summary returns one row per width and method.
func (r *SweepResult) Summary() []SweepRow {
	var rows []SweepRow
	for _, w := range r.Widths {
		for _, m := range r.Methods {
			row := SweepRow{Width: w, Method: m}
			var layers [][]float64
			n := 0
			for _, t := range r.Trials {
				if t.Width != w || t.Method != m {
					continue
				}
				n++
				for len(layers) < len(t.LayerSNR) {
					layers = append(layers, nil)
				}
				ok := true
				for l, v := range t.LayerSNR {
					layers[l] = append(layers[l], v)
					if !(v >= SuccessSNR) {
						ok = false
					}
				}
				if ok {
					row.Success++
				}
				row.MeanCardinality += float64(t.Cardinality)
				if t.Unique {
					row.UniqueFraction++
				}
				row.MeanSeconds += t.Seconds
			}
			if n == 0 {
				continue
			}
			for _, l := range layers {
				row.MedianSNR = append(row.MedianSNR, metrics.Quantile(l, 0.5))
			}
			row.Success /= float64(n)
			row.MeanCardinality /= float64(n)
			row.UniqueFraction /= float64(n)
			row.MeanSeconds /= float64(n)
			rows = append(rows, row)
		}
	}
	return rows
}

// Decibels are SNR values in dB; in JSON a NaN (a failed inversion) is null and ±Inf is ±1e308.
type Decibels []float64

// MarshalJSON writes NaN as null.
func (d Decibels) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	for i, v := range d {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case math.IsNaN(v):
			b = append(b, "null"...)
		case math.IsInf(v, 1):
			b = append(b, "1e308"...)
		case math.IsInf(v, -1):
			b = append(b, "-1e308"...)
		default:
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads null as NaN.
func (d *Decibels) UnmarshalJSON(data []byte) error {
	var raw []*float64
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	out := make(Decibels, len(raw))
	for i, p := range raw {
		if p == nil {
			out[i] = math.NaN()
		} else {
			out[i] = *p
		}
	}
	*d = out
	return nil
}
