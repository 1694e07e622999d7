package gan

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
)

// softplus(x) = log(1 + eˣ), computed stably as max(x, 0) + log(1 + e^(−|x|)).
func softplus(x *graph.Node) *graph.Node {
	zero := graph.ScalarZero(x.Graph(), x.DType())
	return graph.Add(graph.Max(x, zero), graph.Log1P(graph.Exp(graph.Neg(graph.Abs(x)))))
}

// Losses returns the discriminator's and the generator's non-saturating losses and the mean
// D(x) and D(G(z)) (probabilities) for real images x [B, 784] and latent vectors z [B, n_0].
func Losses(scope *model.Scope, x, z *graph.Node) (lossD, lossG, dReal, dFake *graph.Node) {
	fake := Generator(scope.In(GeneratorScope), z)
	b := x.Shape().Dimensions[0]
	logits := Discriminator(scope.In(DiscriminatorScope), graph.Concatenate([]*graph.Node{x, fake}, 0))
	// Indicator of the real half, instead of slicing the logits (Slice's gradient needs Pad,
	// which ONNX Runtime lacks).
	ind := make([]float32, 2*b)
	for i := range b {
		ind[i] = 1
	}
	isReal := graph.Const(x.Graph(), ind)
	isFake := graph.OneMinus(isReal)
	inv := 1 / float64(b)
	lossD = graph.MulScalar(graph.ReduceAllSum(graph.Add(graph.Mul(isReal, softplus(graph.Neg(logits))), graph.Mul(isFake, softplus(logits)))), inv)
	lossG = graph.MulScalar(graph.ReduceAllSum(graph.Mul(isFake, softplus(graph.Neg(logits)))), inv)
	p := graph.Sigmoid(logits)
	return lossD, lossG, graph.MulScalar(graph.ReduceAllSum(graph.Mul(isReal, p)), inv), graph.MulScalar(graph.ReduceAllSum(graph.Mul(isFake, p)), inv)
}

// twoPlayers is an optimizer.Interface that updates the discriminator with its loss and the
// generator with its loss, each with its own Adam (moments stored under each player's scope),
// and advances the global step by one.
type twoPlayers struct {
	d, g   optimizer.Interface
	mu     sync.Mutex
	losses map[*graph.Graph][2]*graph.Node
}

func (t *twoPlayers) set(g *graph.Graph, lossD, lossG *graph.Node) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.losses[g] = [2]*graph.Node{lossD, lossG}
}

// UpdateGraph implements optimizer.Interface; the combined loss it receives is ignored.
func (t *twoPlayers) UpdateGraph(scope *model.Scope, g *graph.Graph, _ *graph.Node) {
	t.mu.Lock()
	l, ok := t.losses[g]
	t.mu.Unlock()
	if !ok {
		panic("gan: the training graph did not register its two losses")
	}
	step := optimizer.GetGlobalStepVar(scope)
	before := step.NodeValue(g)
	t.d.UpdateGraph(scope.At(DiscriminatorScope), g, l[0])
	t.g.UpdateGraph(scope.At(GeneratorScope), g, l[1])
	step.SetNodeValue(graph.AddScalar(before, 1))
}

// Clear implements optimizer.Interface.
func (t *twoPlayers) Clear(scope *model.Scope) error {
	if err := t.d.Clear(scope.At(DiscriminatorScope)); err != nil {
		return err
	}
	return t.g.Clear(scope.At(GeneratorScope))
}

// learningRates returns the generator's and the discriminator's Adam learning rates.
func learningRates(store *model.Store) (lrG, lrD float64) {
	lrG = params.MustGet[float64](store, params.ParamLearningRate)
	lrD = params.MustGet[float64](store, ParamDiscLearningRate)
	if lrD == 0 {
		lrD = lrG
	}
	return lrG, lrD
}

// SafeBackendConfig returns the backend configuration to train with: "go" becomes
// "go:ops_sequential", because the pure-Go backend's parallel op scheduler (compute v0.1.2) can
// deadlock its worker pool on the GAN training graph (seen in about 1 of 4 short runs on 2
// cores; matrix products stay multi-threaded); other configurations are returned as they are.
func SafeBackendConfig(config string) string {
	if config == "go" {
		return "go:ops_sequential"
	}
	return config
}

// NewTrainer returns the GAN trainer: batches carry the real images [B, 784] in [−1, 1] and the
// latent vectors [B, n_0]; the reported loss is L_D + L_G; the metrics are L_D, L_G, D(x), D(G(z)).
func NewTrainer(b compute.Backend, store *model.Store) *train.Trainer {
	lrG, lrD := learningRates(store)
	beta1 := params.MustGet[float64](store, ParamBeta1)
	opt := &twoPlayers{
		d:      optimizer.Adam().LearningRate(lrD).Betas(beta1, 0.999).Epsilon(1e-8).Done(),
		g:      optimizer.Adam().LearningRate(lrG).Betas(beta1, 0.999).Epsilon(1e-8).Done(),
		losses: map[*graph.Graph][2]*graph.Node{},
	}
	modelFn := func(scope *model.Scope, x, z *graph.Node) *graph.Node {
		lossD, lossG, _, _ := Losses(scope, x, z)
		opt.set(x.Graph(), lossD, lossG)
		train.AddMainLoss(graph.Add(lossD, lossG))
		return lossD
	}
	return train.NewTrainer(b, store, modelFn, nil, opt, nil, nil)
}

// LoadMNIST returns the MNIST training images as 784-vectors scaled to [−1, 1] (flat, N·784).
func LoadMNIST(train bool) ([]float32, int, error) {
	im, err := datasets.Open("mnist", train, nil)
	if err != nil {
		return nil, 0, err
	}
	if im.Height != ImageSide || im.Width != ImageSide || im.Channels != 1 {
		return nil, 0, fmt.Errorf("gan: MNIST images are %d×%d×%d, want 28×28×1", im.Height, im.Width, im.Channels)
	}
	out := make([]float32, len(im.Pixels))
	for i, p := range im.Pixels {
		out[i] = 2*p - 1
	}
	return out, im.N, nil
}

// RunDir is the folder of the run's checkpoints: ParamRunDir, else training.RunDir("gan-mnist").
func RunDir(store *model.Store) string {
	if d := params.MustGet[string](store, ParamRunDir); d != "" {
		return d
	}
	return training.RunDir("gan-mnist")
}

// TrainReport summarises a training run.
type TrainReport struct {
	Result *training.Result
	// Last is the checkpoint to resume from.
	Last string
}

// Train trains the GAN configured in store on the MNIST training set (pixels scaled to [−1, 1]),
// resuming from RunDir/last.ckpt if present: the seed fixes the initialisation, batches are
// drawn as a function of the global step (see doc.go), so a resumed run continues exactly, and
// the learning rates of store replace those of the checkpoint. A NaN or infinite loss stops
// training with an error wrapping training.ErrNonFinite and leaves the last checkpoint as it was.
// On the pure-Go backend create b with SafeBackendConfig. Every ParamEvalEvery steps it measures L_D, L_G, D(x) and
// D(G(z)) on a fixed batch of 256 real images and latent vectors (inference mode), recorded in
// the run's history; progress, if set, sees every step and evaluation. limit, if positive, uses
// only the first limit training images (for tests). Cancelling ctx stops the run after the
// current step with a checkpoint (StoppedBy "interrupted").
func Train(ctx context.Context, b compute.Backend, store *model.Store, command string, limit int, progress func(training.Progress)) (*TrainReport, error) {
	if g, d := learningRates(store); !(g > 0 && d > 0) || math.IsInf(g, 0) || math.IsInf(d, 0) {
		return nil, fmt.Errorf("the learning rates (--%s %v, --%s %v) must be positive numbers", params.ParamLearningRate, g, ParamDiscLearningRate, d)
	}
	cfg := ConfigFrom(store)
	if cfg.Latent <= 0 || cfg.Hidden1 <= 0 || cfg.Hidden2 <= 0 {
		return nil, fmt.Errorf("the network sizes (--%s %d, --%s %d, --%s %d) must be positive", ParamLatent, cfg.Latent, ParamHidden1, cfg.Hidden1, ParamHidden2, cfg.Hidden2)
	}
	if b1 := params.MustGet[float64](store, ParamBeta1); !(b1 >= 0 && b1 < 1) {
		return nil, fmt.Errorf("--%s %v: Adam's β₁ must lie in [0, 1) (DCGAN's is %v)", ParamBeta1, b1, DefaultBeta1)
	}
	if d := params.MustGet[time.Duration](store, params.ParamTimeBudget); d < 0 {
		return nil, fmt.Errorf("--%s %v: give 0 (none) or a positive duration such as 90m", params.ParamTimeBudget, d)
	}
	images, n, err := LoadMNIST(true)
	if err != nil {
		return nil, err
	}
	if limit > 0 && limit < n {
		n = limit
		images = images[:n*784]
	}
	batch := params.MustGet[int](store, params.ParamBatchSize)
	if batch < 2 || batch > n {
		return nil, fmt.Errorf("--%s %d must be between 2 and the %d training images", params.ParamBatchSize, batch, n)
	}
	seed := uint64(params.MustGet[int](store, params.ParamSeed))
	dir := RunDir(store)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("gan: creating the run folder: %w", err)
	}
	rep := &TrainReport{Last: filepath.Join(dir, "last.ckpt")}
	// Seed the weight initialisation (a resumed checkpoint replaces this state).
	if err := store.SetRNGStateFromSeed(int64(seed)); err != nil {
		return nil, fmt.Errorf("gan: seeding the initialisation: %w", err)
	}
	trainer := NewTrainer(b, store)
	src := &batchSource{images: images, n: n, batch: batch, latent: cfg.Latent, seed: seed}
	next := func() (train.Batch, error) {
		x, z := src.batchAt(int(optimizer.GetGlobalStep(store)))
		return train.Batch{Inputs: []*tensors.Tensor{x, z}}, nil
	}
	// Fixed evaluation batch.
	evalRng := rand.New(rand.NewPCG(seed, 0xe7))
	const evalN = 256
	ex := make([]float32, evalN*784)
	for i := range evalN {
		j := evalRng.IntN(n)
		copy(ex[i*784:(i+1)*784], images[j*784:(j+1)*784])
	}
	ez := make([]float32, evalN*cfg.Latent)
	for i := range ez {
		ez[i] = float32(evalRng.NormFloat64())
	}
	evalExec, err := model.NewExec(b, store, func(scope *model.Scope, x, z *graph.Node) []*graph.Node {
		lossD, lossG, dReal, dFake := Losses(scope, x, z)
		return []*graph.Node{lossD, lossG, dReal, dFake}
	})
	if err != nil {
		return nil, err
	}
	defer evalExec.Finalize()
	lrG, lrD := learningRates(store)
	meta := map[string]any{
		"paper": "001", "command": command, "backend": b.Name(), "dataset": "mnist",
		"seed": int(seed), "train_images": n, "batch_size": batch,
		"learning_rate": lrG, "d_learning_rate": lrD, "beta1": params.MustGet[float64](store, ParamBeta1),
		"latent": cfg.Latent, "hidden1": cfg.Hidden1, "hidden2": cfg.Hidden2,
	}
	if err := training.CheckResume(rep.Last, meta, []string{"seed", "train_images", "batch_size", "latent", "hidden1", "hidden2"},
		map[string]string{"train_images": "training images"}); err != nil {
		return nil, fmt.Errorf("gan: %w", err)
	}
	t0 := time.Now()
	res, err := training.Run(trainer, next, training.Settings{
		Steps:          params.MustGet[int](store, params.ParamSteps),
		TimeBudget:     params.MustGet[time.Duration](store, params.ParamTimeBudget),
		CheckpointPath: rep.Last,
		EvalEvery:      params.MustGet[int](store, ParamEvalEvery),
		Meta:           meta,
		LogEvery:       10,
		Context:        ctx,
		// A resumed checkpoint holds the rates it was trained with: this run's flags win.
		LearningRates: map[string]float64{GeneratorScope: lrG, DiscriminatorScope: lrD},
		Eval: func() (map[string]float64, error) {
			outs, err := evalExec.Call(tensors.FromFlatDataAndDimensions(ex, evalN, 784), tensors.FromFlatDataAndDimensions(ez, evalN, cfg.Latent))
			if err != nil {
				return nil, err
			}
			m := map[string]float64{}
			for i, name := range []string{"loss_d", "loss_g", "d_real", "d_fake"} {
				m[name] = scalarOf(outs[i])
				outs[i].MustFinalizeAll()
			}
			m["wall_time_s"] = time.Since(t0).Seconds()
			return m, nil
		},
		Callback: func(p training.Progress) bool {
			if progress != nil {
				progress(p)
			}
			return true
		},
	})
	rep.Result = res
	return rep, err
}

// batchSource draws the training batches as a function of the global step only, so that a run
// resumed from a checkpoint sees exactly the batches an uninterrupted run would: batch s (s
// completed steps before it) holds the images at positions s·B, …, s·B+B−1 of the concatenated
// epoch permutations (epoch e shuffled by PCG(seed, e)), and its latent vectors are drawn from
// PCG(seed, 2⁶³ + s).
type batchSource struct {
	images           []float32
	n, batch, latent int
	seed             uint64
	epoch            int
	perm             []int
}

func (b *batchSource) batchAt(step int) (x, z *tensors.Tensor) {
	xs := make([]float32, b.batch*784)
	for i := range b.batch {
		pos := step*b.batch + i
		if e := pos / b.n; b.perm == nil || e != b.epoch {
			b.epoch = e
			b.perm = rand.New(rand.NewPCG(b.seed, uint64(e))).Perm(b.n)
		}
		j := b.perm[pos%b.n]
		copy(xs[i*784:(i+1)*784], b.images[j*784:(j+1)*784])
	}
	rng := rand.New(rand.NewPCG(b.seed, 1<<63|uint64(step)))
	zs := make([]float32, b.batch*b.latent)
	for i := range zs {
		zs[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(xs, b.batch, 784), tensors.FromFlatDataAndDimensions(zs, b.batch, b.latent)
}

func scalarOf(t *tensors.Tensor) float64 {
	switch t.DType() {
	case dtypes.Float32:
		return float64(tensors.MustCopyFlatData[float32](t)[0])
	case dtypes.Float64:
		return tensors.MustCopyFlatData[float64](t)[0]
	}
	return math.NaN()
}
