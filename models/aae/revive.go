package aae

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/nn"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
)

// Idle atoms of a MAX-AAE, and bringing them back (beyond the paper).
//
// In a MAX-AAE the output is x̂ = max_k g(θ_k), so the gradient of the loss reaches atom k, and
// through it block k of the encoder's last layer, only at the pixels where atom k is the largest.
// An atom that is the maximum nowhere ([Encoding.WinShare] 0) is idle: no gradient moves it, and
// the model trains on with fewer atoms than it has. The MNIST MAX-AAE sparselab ships lost 7 of
// its 20 atoms this way within its first 8 epochs (at the learning rate 1e-3) and had 9–11 idle
// atoms for the 830 epochs after; the authors' released MAX-AAEs have none.
//
// [Analyzer.ReviveIdle] gives each idle block k the encoder's last layer (fc2) of a working
// block j (weights and biases of the d units of θ_j), plus a little Gaussian noise: atom k
// becomes a slightly perturbed copy of atom j, the two share j's pixels, and both get gradients
// again. Without noise the copy changes no output on the images where atom k was idle (it can
// only tie with the maximum), so the noise, relative to the root mean square of j's weights,
// sets how much the model is disturbed: on the MNIST MAX-AAE 0.005 costs 0.14 dB at first. The
// copies need not part: on that model they were still near-duplicates of their sources after 32
// epochs, each activated (Definition 3) in about the same images, so the activated atoms per
// image doubled while the PSNR rose 0.15 dB (models/aae/weights/README.md).

// ReviveSettings configure [Analyzer.ReviveIdle]; zero values give the defaults.
type ReviveSettings struct {
	// Noise is the standard deviation of the noise added to the copied weights, relative to
	// their root mean square (0: DefaultReviveNoise; negative: no noise, an exact copy).
	Noise float64
	// Seed seeds the noise.
	Seed uint64
}

// DefaultReviveNoise is the default relative noise of [ReviveSettings].
const DefaultReviveNoise = 0.005

// Revival reports what [Analyzer.ReviveIdle] did.
type Revival struct {
	// Idle are the blocks whose atoms were the maximum at no pixel of the images, ascending.
	Idle []int
	// Sources[i] is the working block whose encoder weights Idle[i] received.
	Sources []int
	// WinShare and Usage are the atoms' shares before the revival ([Encoding.WinShare], and
	// [Activation.Usage] with clipped atoms and the default threshold).
	WinShare, Usage []float64
	// Noise is the relative noise used.
	Noise float64
}

// encoderOutput is the encoder's last dense layer, whose units are the latent blocks.
const encoderOutput = "/encoder/fc2/"

// ReviveIdle finds the idle atoms of the analyzer's MAX-AAE on images and gives each the
// encoder weights of a working block, changing the weights in store (the store the analyzer
// was made with). The sources are the working blocks activated in the most images (Definition 3,
// clipped atoms), in turn; the blocks idle on the images used are left alone when there are none.
// With the latent batch normalisation ([ParamLatentBatchNorm]) block k also gets block j's
// running mean and variance, exactly, so that it normalises its θ_k as block j does θ_j. It
// returns an error for other aggregations.
func (a *Analyzer) ReviveIdle(store *model.Store, images *datasets.Images, s ReviveSettings) (*Revival, error) {
	if a.cfg.aggregator() != Max {
		return nil, fmt.Errorf("aae: ReviveIdle: idle atoms are a MAX-AAE's (the maximum passes no gradient to the others); this model aggregates with %q", a.cfg.Aggregation)
	}
	noise := s.Noise
	switch {
	case noise == 0:
		noise = DefaultReviveNoise
	case noise < 0:
		noise = 0
	case math.IsNaN(noise) || math.IsInf(noise, 0):
		return nil, fmt.Errorf("aae: ReviveIdle: noise %v must be a finite number", s.Noise)
	}
	enc, err := a.Atoms(images)
	if err != nil {
		return nil, err
	}
	act, err := a.ActivatedAtoms(images, ActivationOptions{})
	if err != nil {
		return nil, err
	}
	r := &Revival{WinShare: enc.WinShare(), Usage: act.Usage, Noise: noise}
	var working []int
	for k, w := range r.WinShare {
		if w == 0 {
			r.Idle = append(r.Idle, k)
		} else {
			working = append(working, k)
		}
	}
	if len(r.Idle) == 0 {
		return r, nil
	}
	slices.SortStableFunc(working, func(i, j int) int {
		return cmp.Or(cmp.Compare(r.Usage[j], r.Usage[i]), cmp.Compare(r.WinShare[j], r.WinShare[i]))
	})
	for i := range r.Idle {
		r.Sources = append(r.Sources, working[i%len(working)])
	}
	if err := reviveBlocks(store, a.cfg, r.Idle, r.Sources, noise, s.Seed); err != nil {
		return nil, err
	}
	return r, nil
}

// reviveBlocks gives each block idle[i] of the encoder's last layer the weights and biases of
// block sources[i], plus Gaussian noise of standard deviation noise × their root mean square, and,
// with the latent batch normalisation, the source block's running statistics as they are.
func reviveBlocks(store *model.Store, cfg Config, idle, sources []int, noise float64, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	d := cfg.BlockSize
	type blockVar struct {
		path  string
		noise float64 // relative noise added to the copy
	}
	vars := []blockVar{{encoderOutput + "weight", noise}, {encoderOutput + "bias", noise}}
	if cfg.LatentBatchNorm {
		bn := "/encoder/" + LatentBatchNormScope + "/"
		vars = append(vars, blockVar{bn + nn.RunningMeanName, 0}, blockVar{bn + nn.RunningVarName, 0})
	}
	for _, vn := range vars {
		name, noise := vn.path, vn.noise
		v := store.GetVariable(name)
		if v == nil {
			return fmt.Errorf("aae: ReviveIdle: the store has no variable %s: load the model's weights first", name)
		}
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("aae: ReviveIdle: reading %s: %w", name, err)
		}
		t, err = t.LocalClone()
		if err != nil {
			return fmt.Errorf("aae: ReviveIdle: copying %s: %w", name, err)
		}
		dims := t.Shape().Dimensions
		cols := dims[len(dims)-1]
		if cols != cfg.Blocks*d {
			return fmt.Errorf("aae: ReviveIdle: %s has %d units, want K·d = %d", name, cols, cfg.Blocks*d)
		}
		rows := t.Shape().Size() / cols
		tensors.MustMutableFlatData(t, func(flat []float32) {
			for i, k := range idle {
				j := sources[i]
				var ss float64
				for row := range rows {
					for u := range d {
						x := float64(flat[row*cols+j*d+u])
						ss += x * x
					}
				}
				sigma := noise * math.Sqrt(ss/float64(rows*d))
				for row := range rows {
					for u := range d {
						flat[row*cols+k*d+u] = flat[row*cols+j*d+u] + float32(sigma*rng.NormFloat64())
					}
				}
			}
		})
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("aae: ReviveIdle: setting %s: %w", name, err)
		}
	}
	return nil
}

// ReviveReport says what [ReviveRun] did.
type ReviveReport struct {
	*Revival
	// From is the weights revived; To the checkpoint written (RunDir/last.ckpt), "" when no atom
	// was idle and nothing was written.
	From, To string
	// Images is the number of training images the atoms were measured on.
	Images int
	// Step is the global step the revived weights carry on from (their recorded one).
	Step int
}

// DefaultReviveImages is the number of training images [ReviveRun] measures the atoms on.
const DefaultReviveImages = 1000

// ReviveRun loads weights (a checkpoint path, or "" for the shipped ones) into store, revives
// their idle atoms ([Analyzer.ReviveIdle]) as measured on the first images of the run's training
// split (0: DefaultReviveImages), and writes the result as the run folder's (RunDir)
// last.ckpt, with the weights' global step and training history, so that `aae train` with the
// same --run_dir goes on from it (with fresh Adam moments). It refuses a run folder that already
// holds a checkpoint. When no atom is idle it writes nothing and says so (To "").
func ReviveRun(b compute.Backend, store *model.Store, weights string, images int, s ReviveSettings) (*ReviveReport, error) {
	if err := Resolve(store); err != nil {
		return nil, err
	}
	last := filepath.Join(RunDir(store), "last.ckpt")
	if _, err := os.Stat(last); err == nil {
		return nil, fmt.Errorf("aae: the run folder %s already holds a checkpoint: revive into a new --%s (or remove it)", filepath.Dir(last), ParamRunDir)
	}
	if images < 0 {
		return nil, fmt.Errorf("aae: %d images to measure the atoms on: want a positive number", images)
	}
	if images == 0 {
		images = DefaultReviveImages
	}
	c, err := LoadWeights(store, weights)
	if err != nil {
		return nil, err
	}
	splits, err := SplitsFrom(store)
	if err != nil {
		return nil, err
	}
	if tr, ok := c.Header.Meta["train_images"].(float64); ok && int(tr) != splits.Train.N {
		return nil, fmt.Errorf("aae: %s were trained on %d training images, the run's split has %d: use their --%s and --%s",
			c.Path, int(tr), splits.Train.N, ParamSubset, ParamValFraction)
	}
	idx := make([]int, min(images, splits.Train.N))
	for i := range idx {
		idx[i] = i
	}
	a, err := NewAnalyzer(b, store)
	if err != nil {
		return nil, err
	}
	defer a.Finalize()
	r, err := a.ReviveIdle(store, splits.Train.Subset(idx), s)
	if err != nil {
		return nil, err
	}
	rep := &ReviveReport{Revival: r, From: c.Path, Images: len(idx)}
	if len(r.Idle) == 0 {
		return rep, nil
	}
	meta := maps.Clone(c.Header.Meta)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["revived_from"], meta["revived_blocks"], meta["revived_sources"], meta["revive_noise"] = c.Path, r.Idle, r.Sources, r.Noise
	if step, ok := c.Header.Meta["global_step"].(float64); ok && step > 0 {
		rep.Step = int(step)
		if err := optimizer.GetGlobalStepVar(store).SetValue(tensors.FromScalar(int64(step))); err != nil {
			return nil, fmt.Errorf("aae: setting the global step: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(last), 0o755); err != nil {
		return nil, fmt.Errorf("aae: creating the run folder: %w", err)
	}
	var h *training.Result
	if weights == "" {
		h, _ = ShippedHistory(params.MustGet[string](store, ParamDataset), params.MustGet[string](store, ParamAggregation))
	} else {
		h, _ = training.LoadHistory(weights)
	}
	if h != nil {
		if rep.Step > 0 {
			h = h.Upto(rep.Step)
		}
		if err := h.SaveJSON(training.HistoryPath(last)); err != nil {
			return nil, err
		}
	}
	if err := training.SaveCheckpoint(store, last, meta); err != nil {
		return nil, err
	}
	rep.To = last
	return rep, nil
}
