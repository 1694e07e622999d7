// Package training runs sparselab's training loops: optimizer steps through a GoMLX
// [train.Trainer], bounded by steps, epochs or wall time, with periodic validation, atomic
// resumable checkpoints (see [SaveCheckpoint]) and a clear stop on a non-finite loss.
//
// It follows gonum's solver style: a [Settings] struct whose zero values mean documented
// defaults, a [Result] with per-step statistics, and a callback that sees every step.
//
// A Result's validations are its learning curve. [Result.Trend] reads it on a log-epoch axis,
// where the validation PSNR of long runs at one learning rate is close to a straight line
//
//	v(e) ≈ a + s·log₂ e,
//
// so s, the gain per doubling of epochs ([LogTrend]), says what training twice as long would give.
// That forecast tends high, as curves level off; [Result.PowerTrend] fits the power law
// v(e) ≈ v∞ − b·e^(−α) of learning-curve studies, whose gain per doubling shrinks by 2^(−α) each
// time ([PowerTrend]), and tends low: the two bracket what more training gives. [Result.BackTest]
// measures both against the run itself, fitting them to an earlier doubling of epochs and reading
// them where the run has since been validated.
package training

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/models/backend"
)

// Settings of a training run. Zero values mean the defaults given per field. At least one of
// Steps or TimeBudget must be set.
type Settings struct {
	// Steps is the global step to train up to (a resumed run counts the steps already done).
	Steps int
	// TimeBudget stops training after this much wall time in this call; 0 means none.
	TimeBudget time.Duration
	// CheckpointPath, if set, is where checkpoints are written (atomically) and resumed from.
	CheckpointPath string
	// CheckpointEvery is the wall time between checkpoints; default 2 minutes. A checkpoint is
	// always written at the end of a run that did not fail.
	CheckpointEvery time.Duration
	// Meta is stored in each checkpoint's header (command, seed, dataset...).
	Meta map[string]any
	// EvalEvery is the number of steps between validations (0: only at the end).
	EvalEvery int
	// Eval, if set, computes validation metrics (e.g. "psnr") on the current weights.
	Eval func() (map[string]float64, error)
	// LogEvery is the number of steps between entries in Result.Losses; default 1. Each entry
	// is the mean batch loss of the steps since the previous one (a run that stops between two
	// entries logs the mean of its last steps too), so the curve is smoothed, not subsampled.
	LogEvery int
	// Callback, if set, is called after every step and every validation; returning false stops.
	Callback func(p Progress) bool
	// LearningRates maps an optimizer's scope ("" for the root scope, e.g. "generator" for a
	// scoped one) to the learning rate of this run. GoMLX's optimizers keep their learning rate in
	// a variable, which a checkpoint saves: without this, a resumed run would silently keep the
	// checkpoint's rate whatever it was asked for. Run writes these rates into the resumed
	// variables (see [SetLearningRate]); a fresh run's optimizers take their rates when built.
	LearningRates map[string]float64
	// Context, if set, stops the run when it is cancelled (e.g. on Ctrl-C, see
	// signal.NotifyContext): the step in flight finishes and the checkpoint is written at once,
	// without the final validation a time budget gets (a validation can take many seconds, and
	// GoNB kills an interrupted cell after 5); Result.StoppedBy is "interrupted" and Run returns
	// no error, so the same command resumes where it stopped. Nil means never.
	Context context.Context
}

// Progress is what the callback sees.
type Progress struct {
	Step, TotalSteps int
	Loss             float64 // this step's batch loss
	Elapsed          time.Duration
	Eval             map[string]float64 // set when this call follows a validation
}

// LossPoint is one logged training loss: the mean batch loss of the steps after the previous
// point up to Step.
type LossPoint struct {
	Step int
	Loss float64
}

// LearningRateKey is the key under which [Run] records, beside each validation's metrics, the
// learning rate of the optimizer of scope ("learning_rate" for the root scope,
// "learning_rate/generator" for the scope "generator").
func LearningRateKey(scope string) string {
	if scope == "" {
		return "learning_rate"
	}
	return "learning_rate/" + strings.Trim(scope, "/")
}

// EvalPoint is one validation.
type EvalPoint struct {
	Step    int
	Metrics map[string]float64
}

// Result summarises a run.
type Result struct {
	StartStep, EndStep int
	Losses             []LossPoint
	Evals              []EvalPoint
	Elapsed            time.Duration // wall time up to the last checkpoint or the end; in a history, of all its runs
	StepsPerSecond     float64       // of this run (in a history: of the last run)
	StoppedBy          string        // "steps", "time", "callback", "interrupted"
	Checkpoint         string        // last checkpoint written, if any
}

// ErrNonFinite is wrapped by the error returned when a step's loss is NaN or infinite.
var ErrNonFinite = errors.New("non-finite loss")

// Resume loads s.CheckpointPath into the trainer's store if the file exists, and returns the
// global step it holds (0 if there is no checkpoint).
func Resume(trainer *train.Trainer, path string) (int, error) {
	if path == "" {
		return 0, nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if _, err := LoadCheckpoint(trainer.Store(), path); err != nil {
		return 0, err
	}
	return int(optimizer.GetGlobalStep(trainer.Store())), nil
}

// SetLearningRate writes lr into the learning-rate variable of the optimizer under scope ("" for
// the root scope) and reports whether the store had that variable (it has one once the training
// graph was built or a checkpoint holding it was loaded).
func SetLearningRate(store *model.Store, scope string, lr float64) (bool, error) {
	path := "/" + optimizer.Scope + "/" + optimizer.ParamLearningRate
	if scope != "" {
		path = "/" + strings.Trim(scope, "/") + path
	}
	v := store.GetVariable(path)
	if err := checkLearningRate(lr, path); err != nil {
		return v != nil, err
	}
	if v == nil {
		return false, nil
	}
	old, err := v.Value()
	if err != nil {
		return true, fmt.Errorf("training: reading %s: %w", path, err)
	}
	var t *tensors.Tensor
	switch old.DType() {
	case dtypes.Float32:
		t = tensors.FromValue(float32(lr))
	case dtypes.Float64:
		t = tensors.FromValue(lr)
	default:
		return true, fmt.Errorf("training: %s has dtype %s, expected a float", path, old.DType())
	}
	if err := v.SetValue(t); err != nil {
		return true, fmt.Errorf("training: setting %s: %w", path, err)
	}
	return true, nil
}

// checkLearningRate refuses a learning rate that is not a positive finite number.
func checkLearningRate(lr float64, what string) error {
	if math.IsNaN(lr) || math.IsInf(lr, 0) || lr <= 0 {
		return fmt.Errorf("training: learning rate %v for %s: give a positive number (e.g. 1e-4)", lr, what)
	}
	return nil
}

// Run trains with batches from next until the settings' bounds are reached. next must return a
// fresh batch each call (the trainer takes ownership of its tensors). If CheckpointPath names an
// existing checkpoint, training resumes from it.
func Run(trainer *train.Trainer, next func() (train.Batch, error), s Settings) (*Result, error) {
	if s.Steps <= 0 && s.TimeBudget <= 0 {
		return nil, errors.New("training: set Steps or TimeBudget (both are zero: the run would never stop)")
	}
	if s.CheckpointEvery <= 0 {
		s.CheckpointEvery = 2 * time.Minute
	}
	if s.LogEvery <= 0 {
		s.LogEvery = 1
	}
	for scope, lr := range s.LearningRates {
		if err := checkLearningRate(lr, fmt.Sprintf("the optimizer of scope %q", scope)); err != nil {
			return nil, err
		}
	}
	start, err := Resume(trainer, s.CheckpointPath)
	if err != nil {
		return nil, err
	}
	for scope, lr := range s.LearningRates {
		if _, err := SetLearningRate(trainer.Store(), scope, lr); err != nil {
			return nil, err
		}
	}
	if start == 0 {
		// No checkpoint, but the store may hold weights loaded elsewhere (e.g. shipped weights)
		// with their global step: continue counting from there.
		start = int(optimizer.GetGlobalStep(trainer.Store()))
	}
	var prev *Result
	if start > 0 {
		// Keep the history of the runs that made the checkpoint (missing or unreadable: start anew).
		prev, _ = LoadResultJSON(HistoryPath(s.CheckpointPath))
	}
	res := &Result{StartStep: start, EndStep: start}
	t0 := time.Now()
	lastCkpt := t0
	step := start
	// The steps since the last logged loss, and the sum of their losses.
	window, windowSum := 0, 0.0
	logLoss := func() {
		if window > 0 {
			res.Losses = append(res.Losses, LossPoint{Step: step, Loss: windowSum / float64(window)})
			window, windowSum = 0, 0
		}
	}
	evaluate := func() (map[string]float64, error) {
		if s.Eval == nil {
			return nil, nil
		}
		m, err := s.Eval()
		if err != nil {
			return nil, fmt.Errorf("validation at step %d: %w", step, err)
		}
		// The history also records the learning rates the validation was trained at, so that a
		// learning curve can be read one rate at a time (see [Result.Trend]).
		rec := make(map[string]float64, len(m)+len(s.LearningRates))
		for k, v := range m {
			rec[k] = v
		}
		for scope, lr := range s.LearningRates {
			rec[LearningRateKey(scope)] = lr
		}
		res.Evals = append(res.Evals, EvalPoint{Step: step, Metrics: rec})
		return m, nil
	}
	save := func() error {
		if s.CheckpointPath == "" {
			return nil
		}
		meta := map[string]any{}
		for k, v := range s.Meta {
			meta[k] = v
		}
		meta["global_step"] = step
		// The history on disk counts this run's wall time up to now: a run that is killed (no
		// clean stop) keeps the time it trained in the record.
		res.clock(t0)
		if err := SaveCheckpoint(trainer.Store(), s.CheckpointPath, meta); err != nil {
			return err
		}
		if err := res.merged(prev).SaveJSON(HistoryPath(s.CheckpointPath)); err != nil {
			return err
		}
		res.Checkpoint = s.CheckpointPath
		lastCkpt = time.Now()
		return nil
	}
	for {
		if s.Steps > 0 && step >= s.Steps {
			res.StoppedBy = "steps"
			break
		}
		if s.TimeBudget > 0 && time.Since(t0) >= s.TimeBudget {
			res.StoppedBy = "time"
			break
		}
		if s.Context != nil && s.Context.Err() != nil {
			res.StoppedBy = "interrupted"
			break
		}
		batch, err := next()
		if err != nil {
			return res, fmt.Errorf("training: getting batch for step %d: %w", step+1, err)
		}
		metrics, err := trainer.TrainStep(batch)
		if err != nil {
			return res, fmt.Errorf("training step %d: %w", step+1, err)
		}
		loss := scalar(metrics[0])
		for _, m := range metrics {
			// Freed now rather than by the garbage collector, which does not see backend memory.
			m.MustFinalizeAll()
		}
		step++
		res.EndStep = step
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			msg := "no checkpoint was written by this run"
			if _, err := os.Stat(s.CheckpointPath); err == nil && s.CheckpointPath != "" {
				msg = fmt.Sprintf("the last good checkpoint is kept at %s", s.CheckpointPath)
			} else if start > 0 {
				msg = fmt.Sprintf("no checkpoint was written by this run, and the weights it started from (step %d) are unchanged", start)
			}
			return res, fmt.Errorf("training stopped at step %d: loss is %v (%w); %s — lower the learning rate or check the data",
				step, loss, ErrNonFinite, msg)
		}
		window++
		windowSum += loss
		if step%s.LogEvery == 0 {
			logLoss()
		}
		p := Progress{Step: step, TotalSteps: s.Steps, Loss: loss, Elapsed: time.Since(t0)}
		if s.EvalEvery > 0 && step%s.EvalEvery == 0 {
			if p.Eval, err = evaluate(); err != nil {
				return res, err
			}
		}
		if time.Since(lastCkpt) >= s.CheckpointEvery {
			if err := save(); err != nil {
				return res, err
			}
		}
		if s.Callback != nil && !s.Callback(p) {
			res.StoppedBy = "callback"
			break
		}
	}
	logLoss()
	res.clock(t0)
	if s.Eval != nil && res.StoppedBy != "interrupted" && (len(res.Evals) == 0 || res.Evals[len(res.Evals)-1].Step != step) {
		m, err := evaluate()
		if err != nil {
			return res, err
		}
		if s.Callback != nil {
			s.Callback(Progress{Step: step, TotalSteps: s.Steps, Elapsed: res.Elapsed, Eval: m, Loss: math.NaN()})
		}
	}
	if err := save(); err != nil {
		return res, err
	}
	return res, nil
}

// clock sets r's wall time to the time since t0 and its speed to the steps taken in it.
func (r *Result) clock(t0 time.Time) {
	r.Elapsed = time.Since(t0)
	r.StepsPerSecond = 0
	if n := r.EndStep - r.StartStep; n > 0 && r.Elapsed > 0 {
		r.StepsPerSecond = float64(n) / r.Elapsed.Seconds()
	}
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	default:
		return math.NaN()
	}
}

// SaveJSON writes the result as JSON to path (atomically), e.g. to plot the curves later.
func (r *Result) SaveJSON(path string) error {
	js, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return fmt.Errorf("encoding training result: %w", err)
	}
	return writeFileAtomic(path, func(w io.Writer) error { _, err := w.Write(js); return err })
}

// LoadResultJSON reads a result written by [Result.SaveJSON].
func LoadResultJSON(path string) (*Result, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading training result: %w", err)
	}
	var r Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("training result %s is not valid JSON: %w", path, err)
	}
	return &r, nil
}

// LossCurve returns the logged steps and losses as float64 slices, for plotting.
func (r *Result) LossCurve() (steps, losses []float64) {
	for _, p := range r.Losses {
		steps = append(steps, float64(p.Step))
		losses = append(losses, p.Loss)
	}
	return steps, losses
}

// Thinned returns a copy of r with at most maxLosses loss points, for storing or plotting a long
// history: consecutive points are merged in groups of ⌈len/maxLosses⌉, each group becoming one
// point at its last step whose loss is the mean over the steps the group covers (each point
// weighted by the steps since the one before it, so already-merged points keep their weight).
// Validations are kept as they are. r itself is returned if it is short enough or maxLosses < 1.
func (r *Result) Thinned(maxLosses int) *Result {
	n := len(r.Losses)
	if maxLosses < 1 || n <= maxLosses {
		return r
	}
	k := (n + maxLosses - 1) / maxLosses
	t := *r
	t.Losses = make([]LossPoint, 0, (n+k-1)/k)
	prevStep := r.StartStep
	for i := 0; i < n; i += k {
		var sum, weight float64
		for _, p := range r.Losses[i:min(i+k, n)] {
			w := float64(p.Step - prevStep)
			if w < 1 { // out of order or repeated steps: count the point once
				w = 1
			}
			sum += w * p.Loss
			weight += w
			prevStep = p.Step
		}
		t.Losses = append(t.Losses, LossPoint{Step: prevStep, Loss: sum / weight})
	}
	return &t
}

// Upto returns a copy of r without the loss points and validations after step, ending at step
// (r itself if nothing comes after it): the history of a checkpoint taken at that step, e.g. a
// run's best one, from the history of the whole run.
func (r *Result) Upto(step int) *Result {
	nl := len(r.Losses)
	for nl > 0 && r.Losses[nl-1].Step > step {
		nl--
	}
	ne := len(r.Evals)
	for ne > 0 && r.Evals[ne-1].Step > step {
		ne--
	}
	if nl == len(r.Losses) && ne == len(r.Evals) && r.EndStep <= step {
		return r
	}
	t := *r
	t.Losses, t.Evals = r.Losses[:nl:nl], r.Evals[:ne:ne]
	t.EndStep = min(r.EndStep, step)
	return &t
}

// HistoryPath is where [Run] keeps the losses and validations of every run that contributed
// to the checkpoint at ckpt: ckpt + ".history.json".
func HistoryPath(ckpt string) string { return ckpt + ".history.json" }

// LoadHistory returns the losses and validations of all the runs that made the checkpoint at
// ckpt, oldest first, as one Result (StartStep is the first run's, EndStep the last one's).
func LoadHistory(ckpt string) (*Result, error) { return LoadResultJSON(HistoryPath(ckpt)) }

// merged returns prev's points up to r's first step followed by r's (r itself if prev is nil):
// points prev holds past the step r resumed from belong to a run that r supersedes.
func (r *Result) merged(prev *Result) *Result {
	if prev == nil {
		return r
	}
	prev = prev.Upto(r.StartStep)
	m := *r
	m.StartStep = prev.StartStep
	m.Losses = append(append([]LossPoint{}, prev.Losses...), r.Losses...)
	m.Evals = append(append([]EvalPoint{}, prev.Evals...), r.Evals...)
	m.Elapsed = prev.Elapsed + r.Elapsed
	return &m
}

// RunDir returns the folder for the checkpoints and logs of a named run: $SPARSELAB_RUNS/name,
// else $SPARSELAB_CACHE/runs/name (default ~/.cache/sparselab/runs/name).
func RunDir(name string) string {
	if d := os.Getenv("SPARSELAB_RUNS"); d != "" {
		return filepath.Join(d, name)
	}
	return filepath.Join(backend.CacheDir(), "runs", name)
}
