package training

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/models/backend"
)

// linearModel is y = x·w with w of shape [2,1], initialised to zero.
func linearModel(scope *model.Scope, x *Node) *Node {
	w := scope.In("linear").VariableWithValue("w", [][]float32{{0}, {0}})
	return MatMul(x, w.NodeValue(x.Graph()))
}

// batches returns a batch function for the target y = 2·x₀ − 3·x₁ on fixed inputs.
func batches() func() (train.Batch, error) {
	xs := [][]float32{{1, 0}, {0, 1}, {1, 1}, {2, -1}}
	ys := [][]float32{{2}, {-3}, {-1}, {7}}
	return func() (train.Batch, error) {
		return train.Batch{Inputs: []*tensors.Tensor{tensors.FromValue(xs)}, Labels: []*tensors.Tensor{tensors.FromValue(ys)}}, nil
	}
}

func newTrainer(t *testing.T, lr float64) *train.Trainer {
	t.Helper()
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	return train.NewTrainer(b, store, linearModel, loss.MeanSquaredError,
		optimizer.Adam().LearningRate(lr).Done(), nil, nil)
}

func weights(t *testing.T, tr *train.Trainer) []float32 {
	t.Helper()
	v := tr.Store().GetVariable("/linear/w")
	if v == nil {
		t.Fatal("variable /linear/w not found")
	}
	m := v.MustValue().Value().([][]float32)
	return []float32{m[0][0], m[1][0]}
}

func TestRunLearnsAndCheckpointsResume(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "lin.ckpt")
	tr := newTrainer(t, 0.05)
	res, err := Run(tr, batches(), Settings{Steps: 300, CheckpointPath: ckpt, LogEvery: 10,
		Meta: map[string]any{"command": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.StoppedBy != "steps" || res.EndStep != 300 || len(res.Losses) != 30 {
		t.Fatalf("result %+v", res)
	}
	if first, last := res.Losses[0].Loss, res.Losses[len(res.Losses)-1].Loss; !(last < first/100) {
		t.Errorf("loss did not fall: first %g, last %g", first, last)
	}
	w := weights(t, tr)
	if math.Abs(float64(w[0])-2) > 0.05 || math.Abs(float64(w[1])+3) > 0.05 {
		t.Errorf("learned w=%v, want [2 -3]", w)
	}

	// A new trainer resumes from the checkpoint: same weights, global step 300, then continues.
	tr2 := newTrainer(t, 0.05)
	res2, err := Run(tr2, batches(), Settings{Steps: 310, CheckpointPath: ckpt})
	if err != nil {
		t.Fatal(err)
	}
	if res2.StartStep != 300 || res2.EndStep != 310 {
		t.Errorf("resumed run went from %d to %d, want 300 to 310", res2.StartStep, res2.EndStep)
	}
	if got := optimizer.GetGlobalStep(tr2.Store()); got != 310 {
		t.Errorf("global step after resume = %d, want 310", got)
	}
	w2 := weights(t, tr2)
	if math.Abs(float64(w2[0]-w[0])) > 0.01 || math.Abs(float64(w2[1]-w[1])) > 0.01 {
		t.Errorf("resumed weights %v far from saved %v", w2, w)
	}
	hist, err := LoadHistory(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if hist.StartStep != 0 || hist.EndStep != 310 || len(hist.Losses) != 30+10 || hist.Losses[len(hist.Losses)-1].Step != 310 {
		t.Errorf("history from %d to %d with %d losses, want 0 to 310 with 40", hist.StartStep, hist.EndStep, len(hist.Losses))
	}
	c, err := ReadCheckpoint(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if c.Header.Meta["global_step"].(float64) != 310 {
		t.Errorf("checkpoint meta %v", c.Header.Meta)
	}
}

// A cancelled context (Ctrl-C in the CLI) stops the run after the step in flight with a
// checkpoint, no final validation and no error; the same settings then resume from that step.
func TestRunStopsWhenInterrupted(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "lin.ckpt")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evals := 0
	settings := Settings{Steps: 1000, CheckpointPath: ckpt, CheckpointEvery: time.Hour, Context: ctx,
		Eval: func() (map[string]float64, error) { evals++; return map[string]float64{"n": float64(evals)}, nil },
		Callback: func(p Progress) bool {
			if p.Step == 7 {
				cancel() // as the CLI's signal handler does
			}
			return true
		}}
	tr := newTrainer(t, 0.05)
	res, err := Run(tr, batches(), settings)
	if err != nil {
		t.Fatalf("an interrupted run must not fail: %v", err)
	}
	if res.StoppedBy != "interrupted" || res.EndStep != 7 || res.Checkpoint != ckpt || evals != 0 {
		t.Fatalf("interrupted run: stopped by %q at step %d, checkpoint %q, %d validations; want interrupted at 7, %s, 0",
			res.StoppedBy, res.EndStep, res.Checkpoint, evals, ckpt)
	}
	c, err := ReadCheckpoint(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if c.Header.Meta["global_step"].(float64) != 7 {
		t.Errorf("checkpoint written at global step %v, want 7", c.Header.Meta["global_step"])
	}
	// Resuming with a live context continues from step 7 to the end.
	settings.Context, settings.Steps, settings.Callback = context.Background(), 12, nil
	res2, err := Run(newTrainer(t, 0.05), batches(), settings)
	if err != nil {
		t.Fatal(err)
	}
	if res2.StartStep != 7 || res2.EndStep != 12 || res2.StoppedBy != "steps" {
		t.Errorf("resumed run: steps %d→%d stopped by %q, want 7→12 by steps", res2.StartStep, res2.EndStep, res2.StoppedBy)
	}
	// A context cancelled before the start stops before the first step, still leaving a checkpoint.
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	settings.Context, settings.Steps = done, 20
	res3, err := Run(newTrainer(t, 0.05), batches(), settings)
	if err != nil || res3.StartStep != 12 || res3.EndStep != 12 || res3.StoppedBy != "interrupted" {
		t.Errorf("run with a cancelled context: %+v, %v; want no step, stopped by interrupted", res3, err)
	}
}

func TestRunStopsOnNonFiniteLossKeepingCheckpoint(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "lin.ckpt")
	tr := newTrainer(t, 0.05)
	if _, err := Run(tr, batches(), Settings{Steps: 5, CheckpointPath: ckpt}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	// Feed NaN inputs: the loss becomes NaN on the first step.
	nan := float32(math.NaN())
	next := func() (train.Batch, error) {
		return train.Batch{Inputs: []*tensors.Tensor{tensors.FromValue([][]float32{{nan, 1}})},
			Labels: []*tensors.Tensor{tensors.FromValue([][]float32{{1}})}}, nil
	}
	_, err = Run(tr, next, Settings{Steps: 50, CheckpointPath: ckpt, CheckpointEvery: 1})
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "last good checkpoint") {
		t.Fatalf("want a non-finite loss error naming the checkpoint, got %v", err)
	}
	after, _ := os.ReadFile(ckpt)
	if string(before) != string(after) {
		t.Error("the checkpoint changed after a NaN step")
	}

	// Weights loaded elsewhere (e.g. shipped ones, global step 7) and no checkpoint yet: the error
	// must not point to a checkpoint that does not exist.
	tr2 := newTrainer(t, 0.05)
	if err := optimizer.GetGlobalStepVar(tr2.Store()).SetValue(tensors.FromScalar(int64(7))); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "none.ckpt")
	_, err = Run(tr2, next, Settings{Steps: 50, CheckpointPath: fresh})
	if !errors.Is(err, ErrNonFinite) || strings.Contains(err.Error(), "last good checkpoint") || !strings.Contains(err.Error(), "started from (step 7) are unchanged") {
		t.Fatalf("NaN with no checkpoint on disk: got %v, want an error saying the starting weights are unchanged", err)
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("a checkpoint %s was written by a run that only saw NaN losses", fresh)
	}
}

func TestCheckpointCorruptionIsReported(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "lin.ckpt")
	tr := newTrainer(t, 0.05)
	if _, err := Run(tr, batches(), Settings{Steps: 2, CheckpointPath: ckpt}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(ckpt)
	for name, data := range map[string][]byte{
		"truncated": raw[:len(raw)-3],
		"garbage":   []byte("hello world, not a checkpoint"),
		"flipped":   append(append([]byte{}, raw[:len(raw)-1]...), raw[len(raw)-1]^0xff),
	} {
		p := filepath.Join(dir, name+".ckpt")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadCheckpoint(p); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("%s: err=%v, want a 'corrupt' error", name, err)
		}
	}
	missing := filepath.Join(dir, "missing.ckpt")
	if _, err := ReadCheckpoint(missing); err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing+" does not exist") {
		t.Errorf("missing file: err=%v, want a 'does not exist' error naming the file and wrapping fs.ErrNotExist", err)
	}
}

func TestRunNeedsABound(t *testing.T) {
	if _, err := Run(newTrainer(t, 0.1), batches(), Settings{}); err == nil {
		t.Fatal("want an error for a run without Steps or TimeBudget")
	}
}

func TestExportWeightsKeepsOnlyTrainable(t *testing.T) {
	dir := t.TempDir()
	ckpt, exported := filepath.Join(dir, "lin.ckpt"), filepath.Join(dir, "weights.ckpt")
	tr := newTrainer(t, 0.05)
	if _, err := Run(tr, batches(), Settings{Steps: 20, CheckpointPath: ckpt, Meta: map[string]any{"seed": 3}}); err != nil {
		t.Fatal(err)
	}
	if err := ExportWeights(ckpt, exported, map[string]any{"note": "shipped"}); err != nil {
		t.Fatal(err)
	}
	c, err := ReadCheckpoint(exported)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Header.Variables) != 1 || c.Header.Variables[0].Path != "/linear/w" {
		t.Fatalf("exported variables %+v, want only /linear/w", c.Header.Variables)
	}
	if c.Header.Meta["note"] != "shipped" || c.Header.Meta["seed"].(float64) != 3 {
		t.Errorf("meta %v", c.Header.Meta)
	}
	// The exported weights reproduce the trained model.
	tr2 := newTrainer(t, 0.05)
	if _, err := LoadCheckpoint(tr2.Store(), exported); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(tr2, batches(), Settings{Steps: 1}); err != nil {
		t.Fatal(err)
	}
	w := weights(t, tr)
	w2 := weights(t, tr2)
	if math.Abs(float64(w[0]-w2[0])) > 0.1 || math.Abs(float64(w[1]-w2[1])) > 0.1 {
		t.Errorf("weights after loading the export %v, trained %v", w2, w)
	}
}

// TestResumedRunUsesItsOwnLearningRate: the checkpoint holds the optimizer's learning-rate
// variable; Settings.LearningRates makes the resumed run use the rate it was given (Adam moves each
// weight by about the learning rate per step), without it the checkpoint's rate silently stays.
func TestResumedRunUsesItsOwnLearningRate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rates   map[string]float64
		wantLR  float64
		maxMove float64
	}{
		{"flag wins", map[string]float64{"": 1e-4}, 1e-4, 3e-4},
		{"checkpoint's rate without LearningRates", nil, 0.05, math.Inf(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ckpt := filepath.Join(t.TempDir(), "lin.ckpt")
			if _, err := Run(newTrainer(t, 0.05), batches(), Settings{Steps: 5, CheckpointPath: ckpt}); err != nil {
				t.Fatal(err)
			}
			tr := newTrainer(t, 1e-4)
			if _, err := Resume(tr, ckpt); err != nil {
				t.Fatal(err)
			}
			before := weights(t, tr)
			psnr := map[string]float64{"psnr": 1}
			res, err := Run(tr, batches(), Settings{Steps: 6, CheckpointPath: ckpt, LearningRates: tc.rates,
				Eval: func() (map[string]float64, error) { return psnr, nil }})
			if err != nil {
				t.Fatal(err)
			}
			// The history records the rate given beside the validation, without touching the
			// map the Eval function returned.
			lr, recorded := res.Evals[len(res.Evals)-1].Metrics[LearningRateKey("")]
			if want := tc.rates != nil; recorded != want || (want && lr != tc.wantLR) || len(psnr) != 1 {
				t.Errorf("validation records learning rate %g (%v), want %g (%v); Eval's map now %v", lr, recorded, tc.wantLR, want, psnr)
			}
			v := tr.Store().GetVariable("/" + optimizer.Scope + "/" + optimizer.ParamLearningRate)
			if v == nil {
				t.Fatal("no learning-rate variable after training")
			}
			if got := toFloat(t, v.MustValue().Value()); math.Abs(got-tc.wantLR) > 1e-9 {
				t.Errorf("learning rate after resume = %g, want %g", got, tc.wantLR)
			}
			after := weights(t, tr)
			for i := range after {
				if d := math.Abs(float64(after[i] - before[i])); d > tc.maxMove {
					t.Errorf("weight %d moved by %g in one step, more than %g for the learning rate %g", i, d, tc.maxMove, tc.wantLR)
				}
			}
		})
	}
}

func TestSetLearningRate(t *testing.T) {
	tr := newTrainer(t, 0.05)
	if ok, err := SetLearningRate(tr.Store(), "", 1e-3); ok || err != nil {
		t.Errorf("before any graph: SetLearningRate = %v, %v; want false, nil", ok, err)
	}
	if _, err := Run(tr, batches(), Settings{Steps: 1}); err != nil {
		t.Fatal(err)
	}
	if ok, err := SetLearningRate(tr.Store(), "", 1e-3); !ok || err != nil {
		t.Errorf("SetLearningRate = %v, %v; want true, nil", ok, err)
	}
	if ok, _ := SetLearningRate(tr.Store(), "generator", 1e-3); ok {
		t.Error("found a learning rate under a scope that has no optimizer")
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), 0, -1e-3} {
		if _, err := SetLearningRate(tr.Store(), "", bad); err == nil || !strings.Contains(err.Error(), "learning rate") {
			t.Errorf("SetLearningRate(%v): want an error naming the learning rate, got %v", bad, err)
		}
	}
}

func toFloat(t *testing.T, v any) float64 {
	t.Helper()
	switch x := v.(type) {
	case float32:
		return float64(x)
	case float64:
		return x
	}
	t.Fatalf("learning rate of type %T", v)
	return 0
}

// Logged losses are the means of the batch losses since the previous entry, and a run that stops
// between two entries logs its last steps too.
func TestRunLogsMeanLosses(t *testing.T) {
	tr := newTrainer(t, 0.05)
	var perStep []float64
	res, err := Run(tr, batches(), Settings{Steps: 25, LogEvery: 10, Callback: func(p Progress) bool {
		perStep = append(perStep, p.Loss)
		return true
	}})
	if err != nil {
		t.Fatal(err)
	}
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	want := []LossPoint{{10, mean(perStep[:10])}, {20, mean(perStep[10:20])}, {25, mean(perStep[20:25])}}
	if len(perStep) != 25 || len(res.Losses) != len(want) {
		t.Fatalf("%d steps seen, losses %+v; want 25 steps and %+v", len(perStep), res.Losses, want)
	}
	for i, w := range want {
		if got := res.Losses[i]; got.Step != w.Step || math.Abs(got.Loss-w.Loss) > 1e-12*math.Abs(w.Loss) {
			t.Errorf("loss point %d = %+v, want %+v", i, got, w)
		}
	}
}

func TestThinned(t *testing.T) {
	steps := func(losses ...float64) []LossPoint {
		ps := make([]LossPoint, len(losses))
		for i, l := range losses {
			ps[i] = LossPoint{Step: i + 1, Loss: l}
		}
		return ps
	}
	for _, tc := range []struct {
		name  string
		r     Result
		max   int
		wantL []LossPoint
	}{
		{"short enough", Result{Losses: steps(1, 2, 3)}, 3, steps(1, 2, 3)},
		{"no limit", Result{Losses: steps(1, 2, 3)}, 0, steps(1, 2, 3)},
		{"groups of 4, a short last one", Result{Losses: steps(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)}, 3,
			[]LossPoint{{4, 2.5}, {8, 6.5}, {10, 9.5}}},
		{"weighted by the steps a point covers", Result{StartStep: 100,
			Losses: []LossPoint{{110, 1}, {111, 12}, {120, 2}, {130, 5}}}, 2,
			[]LossPoint{{111, (10*1 + 12) / 11.0}, {130, (9*2 + 10*5) / 19.0}}},
		{"everything into one point", Result{Losses: steps(2, 4, 6)}, 1, []LossPoint{{3, 4}}},
	} {
		got := tc.r.Thinned(tc.max)
		if len(got.Losses) != len(tc.wantL) {
			t.Errorf("%s: %+v, want %+v", tc.name, got.Losses, tc.wantL)
			continue
		}
		for i, w := range tc.wantL {
			if g := got.Losses[i]; g.Step != w.Step || math.Abs(g.Loss-w.Loss) > 1e-12 {
				t.Errorf("%s: point %d = %+v, want %+v", tc.name, i, g, w)
			}
		}
	}
	// The original is left alone.
	r := Result{Losses: steps(1, 2, 3, 4)}
	r.Thinned(1)
	if len(r.Losses) != 4 || r.Losses[3].Loss != 4 {
		t.Errorf("Thinned changed its receiver: %+v", r.Losses)
	}
}

func TestUpto(t *testing.T) {
	r := &Result{StartStep: 0, EndStep: 30,
		Losses: []LossPoint{{10, 3}, {20, 2}, {30, 1}},
		Evals:  []EvalPoint{{Step: 15, Metrics: map[string]float64{"psnr": 20}}, {Step: 30, Metrics: map[string]float64{"psnr": 21}}}}
	for _, tc := range []struct {
		step, end, losses, evals int
	}{{30, 30, 3, 2}, {40, 30, 3, 2}, {20, 20, 2, 1}, {15, 15, 1, 1}, {5, 5, 0, 0}} {
		u := r.Upto(tc.step)
		if u.EndStep != tc.end || len(u.Losses) != tc.losses || len(u.Evals) != tc.evals {
			t.Errorf("Upto(%d): end %d, %d losses, %d evals; want %d, %d, %d", tc.step, u.EndStep, len(u.Losses), len(u.Evals), tc.end, tc.losses, tc.evals)
		}
	}
	if len(r.Losses) != 3 || r.EndStep != 30 {
		t.Errorf("Upto changed its receiver: %+v", r)
	}
}

// A run resumed from an earlier step than its history reaches (e.g. a best checkpoint)
// supersedes the history's later points.
func TestMergedSupersedes(t *testing.T) {
	prev := &Result{EndStep: 30, Losses: []LossPoint{{10, 3}, {20, 2}, {30, 1}},
		Evals: []EvalPoint{{Step: 20}, {Step: 30}}}
	r := &Result{StartStep: 20, EndStep: 25, Losses: []LossPoint{{25, 1.5}}, Evals: []EvalPoint{{Step: 25}}}
	m := r.merged(prev)
	var steps []int
	for _, p := range m.Losses {
		steps = append(steps, p.Step)
	}
	for _, e := range m.Evals {
		steps = append(steps, e.Step)
	}
	if m.StartStep != 0 || m.EndStep != 25 || fmt.Sprint(steps) != "[10 20 25 20 25]" {
		t.Errorf("merged history %d–%d, loss and validation steps %v; want 0–25, [10 20 25 20 25]", m.StartStep, m.EndStep, steps)
	}
}

// The history written with each periodic checkpoint counts the wall time of the run so far, so
// a run killed between checkpoints (no clean stop) keeps the time it trained in the record, and
// a resumed run adds its own to it.
func TestPeriodicCheckpointsRecordWallTime(t *testing.T) {
	const pause = 5 * time.Millisecond
	ckpt := filepath.Join(t.TempDir(), "lin.ckpt")
	for _, tc := range []struct {
		steps    int
		startMin time.Duration // the least wall time the history must hold at the check
	}{
		{10, 10 * pause},
		{20, 20 * pause}, // resumed at step 10: its own 10 pauses on top of the first run's
	} {
		var seen *Result
		settings := Settings{Steps: tc.steps, CheckpointPath: ckpt, CheckpointEvery: time.Nanosecond,
			Callback: func(p Progress) bool {
				time.Sleep(pause)
				if p.Step == tc.steps-1 {
					// The checkpoint of this step was written before the callback: read what a
					// killed run would leave behind.
					h, err := LoadHistory(ckpt)
					if err != nil {
						t.Fatal(err)
					}
					seen = h
				}
				return true
			}}
		if _, err := Run(newTrainer(t, 0.05), batches(), settings); err != nil {
			t.Fatal(err)
		}
		// Written at step steps−1, before that step's pause: the pauses of steps−2 steps.
		want := tc.startMin - 2*pause
		if seen == nil {
			t.Fatalf("run to step %d: no history read at step %d", tc.steps, tc.steps-1)
		}
		if seen.EndStep != tc.steps-1 || seen.Elapsed < want || seen.StepsPerSecond <= 0 {
			t.Errorf("run to step %d: history on disk before the end says step %d, wall time %v, %.1f steps/s; want step %d, ≥ %v, a speed",
				tc.steps, seen.EndStep, seen.Elapsed, seen.StepsPerSecond, tc.steps-1, want)
		}
	}
}

// TestCopyRun: a run copied with CopyRun resumes from the copy at the same step with the same
// weights, and its history is thinned but keeps its validations.
func TestCopyRun(t *testing.T) {
	src := filepath.Join(t.TempDir(), "last.ckpt")
	evals := 0
	eval := func() (map[string]float64, error) { evals++; return map[string]float64{"v": float64(evals)}, nil }
	if _, err := Run(newTrainer(t, 0.05), batches(), Settings{Steps: 40, CheckpointPath: src, EvalEvery: 10, Eval: eval}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy", "last.ckpt")
	if err := CopyRun(src, dst, 5); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(src)
	b, _ := os.ReadFile(dst)
	if string(a) != string(b) {
		t.Error("the copied checkpoint differs from the original")
	}
	hist, err := LoadHistory(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Losses) > 5 || len(hist.Evals) != 4 || hist.EndStep != 40 {
		t.Errorf("copied history: %d losses (want ≤ 5), %d validations (want 4), end step %d (want 40)", len(hist.Losses), len(hist.Evals), hist.EndStep)
	}
	res, err := Run(newTrainer(t, 0.05), batches(), Settings{Steps: 45, CheckpointPath: dst})
	if err != nil || res.StartStep != 40 || res.EndStep != 45 {
		t.Errorf("resuming the copy: %+v, %v; want steps 40→45", res, err)
	}
	if err := CopyRun(filepath.Join(t.TempDir(), "none.ckpt"), dst, 0); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("copying a missing run: %v, want a does-not-exist error", err)
	}
}

// TestCheckResume: a checkpoint is resumed only with the settings it records for the given keys.
func TestCheckResume(t *testing.T) {
	last := filepath.Join(t.TempDir(), "last.ckpt")
	meta := map[string]any{"seed": 0, "train_images": 24000, "learning_rate": 1e-4}
	keys, names := []string{"seed", "train_images"}, map[string]string{"train_images": "training images"}
	if err := CheckResume(last, meta, keys, names); err != nil {
		t.Fatalf("no checkpoint yet: %v", err)
	}
	if _, err := Run(newTrainer(t, 0.05), batches(), Settings{Steps: 2, CheckpointPath: last, Meta: meta}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		v    any
		want string
	}{
		{"learning_rate", 3e-5, ""}, // not a key: may change
		{"seed", 2, "trained with --seed 0, this one asks for 2"},
		{"train_images", 100, "trained with 24000 training images, this one asks for 100"},
	} {
		m := map[string]any{}
		for k, v := range meta {
			m[k] = v
		}
		m[tc.key] = tc.v
		err := CheckResume(last, m, keys, names)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s = %v: %v, want %q", tc.key, tc.v, err, tc.want)
		}
	}
}

// TestCheckpointMissingLayerVariable: a checkpoint that holds a layer's weight but not its bias
// (made by another version of the model) is refused, whether the bias exists before the
// checkpoint is applied or the model asks for it afterwards; variables of scopes the checkpoint
// does not hold (optimizer moments, new metrics) are initialised as usual.
func TestCheckpointMissingLayerVariable(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "weight-only.ckpt")
	src := model.NewStore()
	if _, err := src.CreateVariable("/layer/weight", tensors.FromValue([][]float32{{1}, {2}})); err != nil {
		t.Fatal(err)
	}
	if err := SaveCheckpoint(src, ckpt, nil); err != nil {
		t.Fatal(err)
	}
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	layer := func(withBias bool) func(scope *model.Scope, x *Node) *Node {
		return func(scope *model.Scope, x *Node) *Node {
			g := x.Graph()
			l := scope.In("layer")
			w := l.VariableWithShape("weight", shapes.Make(dtypes.Float32, 2, 1))
			scale := scope.In("other").VariableWithValue("scale", float32(1))
			out := Mul(MatMul(x, w.NodeValue(g)), scale.NodeValue(g))
			if withBias {
				out = Add(out, l.VariableWithValue("bias", []float32{0}).NodeValue(g))
			}
			return out
		}
	}
	x := tensors.FromValue([][]float32{{1, 1}})

	// Without a bias in the model, the checkpoint loads and the variable of another scope is new.
	store := model.NewStore()
	if _, err := LoadCheckpoint(store, ckpt); err != nil {
		t.Fatal(err)
	}
	out, err := model.CallOnce(b, store, layer(false), x)
	if err != nil {
		t.Fatalf("model without a bias: %v", err)
	}
	if got := out.Value().([][]float32)[0][0]; got != 3 {
		t.Errorf("output %v, want 3 from the checkpoint's weight", got)
	}

	// With a bias the model asks for later: its execution fails naming the variable.
	store = model.NewStore()
	if _, err := LoadCheckpoint(store, ckpt); err != nil {
		t.Fatal(err)
	}
	_, err = model.CallOnce(b, store, layer(true), x)
	if err == nil || !strings.Contains(err.Error(), "no variable /layer/bias") {
		t.Errorf("model with a bias the checkpoint lacks: error %v, want one naming /layer/bias", err)
	}

	// With the bias already in the store: Apply fails.
	store = model.NewStore()
	if _, err := store.CreateVariable("/layer/bias", tensors.FromValue([]float32{0})); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpoint(store, ckpt); err == nil || !strings.Contains(err.Error(), "no variable /layer/bias") {
		t.Errorf("store holding a bias the checkpoint lacks: error %v, want one naming /layer/bias", err)
	}
}
