package aae

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/models/autoenc"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
	"github.com/sparselab/sparselab/solvers"
)

// TestResolveRefusesBadHyperparameters checks that Resolve names the flag of a value that would
// otherwise panic in graph building (sizes) or fail late (after loading data, or after training).
func TestResolveRefusesBadHyperparameters(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{ParamBlocks, "0", "--blocks must be positive"},
		{ParamBlockSize, "-2", "--block_size must be positive"},
		{ParamChannels, "-4", "--channels must be positive"},
		{ParamTestOffset, "-3", "--test_offset must be 0 or more"},
		{ParamValFraction, "0", "--val_fraction must lie strictly between 0 and 1"},
		{ParamValFraction, "1.5", "--val_fraction must lie strictly between 0 and 1"},
		{ParamValFraction, "NaN", "--val_fraction must lie strictly between 0 and 1"},
		{params.ParamLearningRate, "-1", "--learning_rate must be a positive number"},
		{params.ParamLearningRate, "NaN", "--learning_rate must be a positive number"},
		{params.ParamLearningRate, "+Inf", "--learning_rate must be a positive number"},
		{params.ParamTimeBudget, "-1m", "--time_budget must be 0 (none) or a positive duration"},
		{ParamAggregation, "median", `unknown aggregation "median"`},
		{ParamDataset, "cifar", `not "cifar"`},
		{ParamChannels, "0", ""}, // 0: the dataset's c
		{params.ParamTimeBudget, "0s", ""},
	} {
		store, err := params.NewStore(Specs()...)
		if err != nil {
			t.Fatal(err)
		}
		if err := params.Set(store, tc.name, tc.value); err != nil {
			t.Fatalf("setting %s=%s: %v", tc.name, tc.value, err)
		}
		err = Resolve(store)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s=%s: unexpected error %v", tc.name, tc.value, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s=%s: error %v, want one containing %q", tc.name, tc.value, err, tc.want)
		}
	}
}

// TestStartFromShipped checks that a run without a checkpoint continues the shipped model: its
// global step and its training history up to that step.
func TestStartFromShipped(t *testing.T) {
	c, err := Shipped("mnist", "max")
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []bool{true, false} {
		store, err := params.NewStore(Specs()...)
		if err != nil {
			t.Fatal(err)
		}
		if err := params.Set(store, ParamFromShipped, map[bool]string{true: "true", false: "false"}[from]); err != nil {
			t.Fatal(err)
		}
		if err := params.Set(store, params.ParamSteps, "400000"); err != nil { // past the shipped step
			t.Fatal(err)
		}
		if err := Resolve(store); err != nil {
			t.Fatal(err)
		}
		last := filepath.Join(t.TempDir(), "last.ckpt")
		if err := startFromShipped(store, last, 24000); err != nil {
			t.Fatal(err)
		}
		step := optimizer.GetGlobalStep(store)
		hist, histErr := training.LoadHistory(last)
		if from {
			want := int64(c.Header.Meta["global_step"].(float64))
			if step != want || histErr != nil {
				t.Errorf("from shipped: global step %d (want %d), history error %v", step, want, histErr)
			} else if n := len(hist.Losses); int64(hist.EndStep) != want || n == 0 || int64(hist.Losses[n-1].Step) > want ||
				int64(hist.Evals[len(hist.Evals)-1].Step) > want {
				// The run goes on from the shipped step: the history must not already hold later steps.
				t.Errorf("from shipped: history ends at step %d (last loss at %d), want %d", hist.EndStep, hist.Losses[n-1].Step, want)
			}
		} else if step != 0 || histErr == nil {
			t.Errorf("from scratch: global step %d, history error %v; want 0 and no history", step, histErr)
		}
	}
}

// TestStartFromShippedRefuses: continuing the shipped weights must not silently train nothing
// (--steps at or below their step), validate on images they trained on (another seed or split),
// or load them into a model of other sizes (that run starts from scratch instead).
func TestStartFromShippedRefuses(t *testing.T) {
	c, err := Shipped("mnist", DefaultAggregation)
	if err != nil {
		t.Fatal(err)
	}
	shippedStep := fmt.Sprint(metaFloat(c.Header.Meta, "global_step"))
	for _, tc := range []struct {
		flags       map[string]string
		trainImages int
		want        string // "" : no error
		fromScratch bool
	}{
		{flags: map[string]string{}, trainImages: 24000, want: "--steps counts their steps too"},
		{flags: map[string]string{params.ParamSteps: shippedStep}, trainImages: 24000, want: "at or past --steps " + shippedStep},
		{flags: map[string]string{params.ParamSteps: "400000", params.ParamSeed: "3"}, trainImages: 24000, want: "--from_shipped=false"},
		{flags: map[string]string{params.ParamSteps: "400000"}, trainImages: 12000, want: "24000 training images"},
		{flags: map[string]string{params.ParamSteps: "400000", ParamBlocks: "10"}, trainImages: 24000, fromScratch: true},
		{flags: map[string]string{params.ParamSteps: "400000", ParamChannels: "16"}, trainImages: 24000, fromScratch: true},
		{flags: map[string]string{params.ParamSteps: "400000", ParamBlockSize: "5"}, trainImages: 24000, fromScratch: true},
		{flags: map[string]string{params.ParamSteps: "400000"}, trainImages: 24000},
	} {
		store := paperStore(t, tc.flags)
		err := startFromShipped(store, filepath.Join(t.TempDir(), "last.ckpt"), tc.trainImages)
		step := optimizer.GetGlobalStep(store)
		switch {
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v, %d training images: error %v, want one containing %q", tc.flags, tc.trainImages, err, tc.want)
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.flags, err)
		case tc.want == "" && tc.fromScratch != (step == 0):
			t.Errorf("%v: global step %d after the start, want from scratch %v", tc.flags, step, tc.fromScratch)
		}
	}
}

// TestStartFromInit checks --init_weights: a new run starts from the named weights (the shipped
// ones, a file with its exported history beside it, or a run's best.ckpt with the run's history),
// continuing their step and history; the decoder activation of an AE may differ from theirs; a
// run folder with a checkpoint resumes it instead; and weights of another model or split, or
// already past --steps, are refused.
func TestStartFromInit(t *testing.T) {
	// shipped returns the shipped MNIST weights of an aggregation and their history.
	shipped := func(agg string) (*training.Checkpoint, *training.Result) {
		c, err := Shipped("mnist", agg)
		if err != nil {
			t.Fatal(err)
		}
		h, err := ShippedHistory("mnist", agg)
		if err != nil {
			t.Fatal(err)
		}
		return c, h
	}
	c, hist := shipped("ae")
	shippedStep := int64(c.Header.Meta["global_step"].(float64))
	dir := t.TempDir()
	// write copies the weights of src to path with the global step given, and src's history up
	// to that step to historyAt (if not "").
	write := func(src *training.Checkpoint, h *training.Result, path string, step int, historyAt string) string {
		var vars []training.Variable
		for _, e := range src.Header.Variables {
			vars = append(vars, training.Variable{Path: e.Path, Value: src.Value(e.Path), Trainable: e.Trainable})
		}
		meta := maps.Clone(src.Header.Meta)
		meta["global_step"] = step
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := training.WriteCheckpoint(path, meta, vars); err != nil {
			t.Fatal(err)
		}
		if historyAt != "" {
			if err := h.Upto(step).SaveJSON(historyAt); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	exported := write(c, hist, filepath.Join(dir, "w.ckpt"), 1000, filepath.Join(dir, "w.history.json"))
	best := write(c, hist, filepath.Join(dir, "run", "best.ckpt"), 2000, filepath.Join(dir, "run", "last.ckpt.history.json"))
	bare := write(c, hist, filepath.Join(dir, "bare.ckpt"), 3000, "")
	corrupt := write(c, hist, filepath.Join(dir, "corrupt.ckpt"), 3000, "")
	if err := os.WriteFile(filepath.Join(dir, "corrupt.history.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, sumHist := shipped("sum")
	sumStep := int(sum.Header.Meta["global_step"].(float64))
	sumFile := write(sum, sumHist, filepath.Join(dir, "sum", "mnist-sum.ckpt"), sumStep, filepath.Join(dir, "sum", "mnist-sum.history.json"))
	resumed := filepath.Join(dir, "resumed")
	write(c, hist, filepath.Join(resumed, "last.ckpt"), 5, "")
	for _, tc := range []struct {
		name     string
		flags    map[string]string
		lastDir  string // run folder ("" a new one)
		step     int64  // global step after the start
		history  bool   // a history is written into the run folder
		want     string // error ("" none)
		wantInit bool
	}{
		{name: "unset", flags: map[string]string{}, wantInit: false},
		{name: "shipped", flags: map[string]string{ParamInitWeights: InitShipped}, step: shippedStep, history: true, wantInit: true},
		{name: "shipped, same architecture", flags: map[string]string{ParamInitWeights: InitShipped, ParamAEDecoderActivation: "false"}, step: shippedStep, history: true, wantInit: true},
		{name: "exported", flags: map[string]string{ParamInitWeights: exported}, step: 1000, history: true, wantInit: true},
		{name: "best.ckpt", flags: map[string]string{ParamInitWeights: best}, step: 2000, history: true, wantInit: true},
		{name: "no history", flags: map[string]string{ParamInitWeights: bare}, step: 3000, wantInit: true},
		{name: "resume", flags: map[string]string{ParamInitWeights: exported}, lastDir: resumed, wantInit: true},
		// A SUM-AAE's weights start a MAX-AAE (the same variables), but are not its past.
		{name: "sum into max", flags: map[string]string{ParamInitWeights: sumFile, ParamAggregation: "max", params.ParamSteps: "1000"}, step: 0, wantInit: true},
		{name: "sum into sum", flags: map[string]string{ParamInitWeights: sumFile, ParamAggregation: "sum", params.ParamSteps: "400000"}, step: int64(sumStep), history: true, wantInit: true},
		{name: "sum into ae", flags: map[string]string{ParamInitWeights: sumFile}, want: `are for aggregation "sum"`, wantInit: true},
		{name: "corrupt history", flags: map[string]string{ParamInitWeights: corrupt}, want: "corrupt.history.json is not valid JSON", wantInit: true},
		{name: "missing", flags: map[string]string{ParamInitWeights: filepath.Join(dir, "none.ckpt")}, want: "--init_weights: checkpoint", wantInit: true},
		{name: "other model", flags: map[string]string{ParamInitWeights: exported, ParamAggregation: "sum"}, want: `are for aggregation "ae"`, wantInit: true},
		{name: "other c", flags: map[string]string{ParamInitWeights: exported, ParamChannels: "16"}, want: "--channels 8", wantInit: true},
		{name: "batch norm", flags: map[string]string{ParamInitWeights: exported, ParamLatentBatchNorm: "true"}, want: "lack a latent batch normalisation: pass --latent_batchnorm=false", wantInit: true},
		{name: "other split", flags: map[string]string{ParamInitWeights: exported, params.ParamSeed: "2"}, want: "another split", wantInit: true},
		{name: "past --steps", flags: map[string]string{ParamInitWeights: best, params.ParamSteps: "2000"}, want: "at or past --steps 2000", wantInit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flags := map[string]string{ParamAggregation: "ae", params.ParamSteps: "3000000"}
			maps.Copy(flags, tc.flags)
			store := paperStore(t, flags)
			runDir := tc.lastDir
			if runDir == "" {
				runDir = t.TempDir()
			}
			last := filepath.Join(runDir, "last.ckpt")
			init, err := startFromInit(store, last, 24000)
			if init != tc.wantInit {
				t.Errorf("reported init %v, want %v", init, tc.wantInit)
			}
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want one containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := optimizer.GetGlobalStep(store); got != tc.step {
				t.Errorf("global step %d, want %d", got, tc.step)
			}
			h, herr := training.LoadHistory(last)
			switch {
			case tc.history && herr != nil:
				t.Errorf("no history in the run folder: %v", herr)
			case tc.history && int64(h.EndStep) != tc.step:
				t.Errorf("history ends at step %d, want %d", h.EndStep, tc.step)
			case !tc.history && herr == nil:
				t.Errorf("a history was written (ends at step %d), want none", h.EndStep)
			}
		})
	}
}

// TestCheckResume: a run folder's checkpoint is only resumed with the settings it was made with
// (the learning rate may change).
func TestCheckResume(t *testing.T) {
	dir := t.TempDir()
	last := filepath.Join(dir, "last.ckpt")
	meta := map[string]any{ParamDataset: "mnist", ParamAggregation: "max", ParamChannels: 8, ParamBlocks: 20,
		ParamBlockSize: 10, ParamLatentBatchNorm: false, params.ParamSeed: 0, "train_images": 24000,
		params.ParamBatchSize: 64, params.ParamLearningRate: 1e-4}
	if err := checkResume(last, meta); err != nil {
		t.Fatalf("no checkpoint yet: %v", err)
	}
	store := model.NewStore()
	store.RootScope().VariableWithValue("w", []float32{1, 2})
	if err := training.SaveCheckpoint(store, last, meta); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		v    any
		want string
	}{
		{params.ParamLearningRate, 3e-5, ""},
		{params.ParamSeed, 1, "--seed 0, this one asks for 1"},
		{"train_images", 12000, "--subset"},
		{ParamLatentBatchNorm, true, "--latent_batchnorm"},
		{ParamChannels, 16, "--channels"},
		{ParamAggregation, "sum", "--run_dir"},
	} {
		m := map[string]any{}
		for k, v := range meta {
			m[k] = v
		}
		m[tc.key] = tc.v
		err := checkResume(last, m)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s = %v: error %v, want one containing %q", tc.key, tc.v, err, tc.want)
		}
	}
}

// TestLatentBatchNorm: the option adds running statistics but no trainable parameter; exported
// weights carry it, and LoadWeights switches it on (or off) from the weights, so a store without
// the flag reproduces the trained model's reconstructions; a run with the option does not start
// from the shipped weights (another architecture).
func TestLatentBatchNorm(t *testing.T) {
	b := goBackend(t)
	dir := t.TempDir()
	store := tinyStore("max")
	store.SetParam(ParamLatentBatchNorm, true)
	fn := func(scope *model.Scope, x *graph.Node) *graph.Node { return New(scope, x).Done() }
	ae := autoenc.New(b, store, fn)
	ckpt := filepath.Join(dir, "last.ckpt")
	images := testImages(8)
	if _, err := ae.Train(images, autoenc.Settings{BatchSize: 4, LearningRate: 1e-3,
		Training: training.Settings{Steps: 6, CheckpointPath: ckpt}}); err != nil {
		t.Fatal(err)
	}
	mean := store.GetVariable("/encoder/" + LatentBatchNormScope + "/running_mean")
	if mean == nil {
		t.Fatal("no running mean of the latent batch normalisation")
	}
	moved := false
	for _, v := range mean.MustValue().Value().([]float32) {
		moved = moved || v != 0
	}
	if !moved {
		t.Error("the running mean did not move during training")
	}
	for v := range store.IterVariables() {
		if strings.Contains(v.Path(), LatentBatchNormScope) && v.Trainable {
			t.Errorf("trainable variable %s: the latent batch normalisation has no scale or offset", v.Path())
		}
	}
	want, err := ae.Reconstruct(images)
	if err != nil {
		t.Fatal(err)
	}
	exported := filepath.Join(dir, "exported.ckpt")
	if err := training.ExportWeights(ckpt, exported, nil); err != nil {
		t.Fatal(err)
	}
	store2 := tinyStore("max") // no flag: the weights decide
	if _, err := LoadWeights(store2, exported); err != nil {
		t.Fatal(err)
	}
	if !model.GetParamOr(store2.RootScope(), ParamLatentBatchNorm, false) {
		t.Fatal("LoadWeights did not switch the latent batch normalisation on")
	}
	got, err := autoenc.New(b, store2, fn).Reconstruct(images)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(got, want); d > 1e-6 {
		t.Errorf("reconstructions from the exported weights differ by %g", d)
	}
	// Weights without it switch it off.
	store3, err := params.NewStore(Specs()...) // the shipped MNIST MAX-AAE
	if err != nil {
		t.Fatal(err)
	}
	store3.SetParam(ParamLatentBatchNorm, true)
	if _, err := LoadWeights(store3, ""); err != nil {
		t.Fatal(err)
	}
	if model.GetParamOr(store3.RootScope(), ParamLatentBatchNorm, true) {
		t.Error("shipped weights (no latent batch normalisation) left the option on")
	}
	// Training with the option does not start from the shipped weights.
	ps, err := params.NewStore(Specs()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := params.Set(ps, ParamLatentBatchNorm, "true"); err != nil {
		t.Fatal(err)
	}
	if err := Resolve(ps); err != nil {
		t.Fatal(err)
	}
	if err := startFromShipped(ps, filepath.Join(t.TempDir(), "last.ckpt"), 24000); err != nil {
		t.Fatal(err)
	}
	if step := optimizer.GetGlobalStep(ps); step != 0 {
		t.Errorf("a run with the latent batch normalisation started from the shipped weights (step %d)", step)
	}
}

// TestSeedInit: the seed decides the initial weights of a run from scratch. Two stores seeded
// alike reconstruct identically before any training; another seed gives other weights.
func TestSeedInit(t *testing.T) {
	b := goBackend(t)
	images := testImages(2)
	fn := func(scope *model.Scope, x *graph.Node) *graph.Node { return New(scope, x).Done() }
	recon := func(seed int) []float32 {
		t.Helper()
		store := tinyStore("max")
		store.SetParam(params.ParamSeed, seed)
		if err := seedInit(store); err != nil {
			t.Fatal(err)
		}
		out, err := autoenc.New(b, store, fn).Reconstruct(images)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, again, other := recon(3), recon(3), recon(4)
	if d := maxAbsDiff(a, again); d != 0 {
		t.Errorf("seed 3 twice: reconstructions differ by %g, want identical initial weights", d)
	}
	if d := maxAbsDiff(a, other); d < 1e-6 {
		t.Errorf("seeds 3 and 4: reconstructions differ by only %g, want different initial weights", d)
	}
}

// TestBestSoFar: a run that resumes a folder starts from the best checkpoint's validation PSNR and
// global step, so its report names that step when the run itself does not improve on it.
func TestBestSoFar(t *testing.T) {
	for _, tc := range []struct {
		name     string
		meta     map[string]any // nil: no best checkpoint
		wantPSNR float64
		wantStep int
	}{
		{"no checkpoint", nil, -1e300, 0},
		{"psnr and step", map[string]any{"val_psnr": 26.2, "global_step": 1773750}, 26.2, 1773750},
		{"no psnr recorded", map[string]any{"global_step": 10}, -1e300, 0},
	} {
		dir := t.TempDir()
		if tc.meta != nil {
			s := model.NewStore()
			if _, err := s.CreateVariable("/decoder/conv1/weight", tensors.FromValue([]float32{1})); err != nil {
				t.Fatal(err)
			}
			if err := training.SaveCheckpoint(s, filepath.Join(dir, "best.ckpt"), tc.meta); err != nil {
				t.Fatal(err)
			}
		}
		psnr, step := bestSoFar(filepath.Join(dir, "best.ckpt"))
		if psnr != tc.wantPSNR || step != tc.wantStep {
			t.Errorf("%s: bestSoFar = %g dB at step %d, want %g at %d", tc.name, psnr, step, tc.wantPSNR, tc.wantStep)
		}
	}
}

// TestSRSettings: the pgd_* flags' defaults are the reference code's PGD, each flag reaches its
// setting, and a value PGD would reject is an error naming the flag.
func TestSRSettings(t *testing.T) {
	newStore := func(t *testing.T, kv ...string) *model.Store {
		t.Helper()
		store, err := params.NewStore(Specs()...)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(kv); i += 2 {
			if err := params.Set(store, kv[i], kv[i+1]); err != nil {
				t.Fatalf("setting %s=%s: %v", kv[i], kv[i+1], err)
			}
		}
		return store
	}
	s, err := SRSettings(newStore(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.Rule != solvers.BestResidualStep || s.Iterations != solvers.DefaultIterations || !slices.Equal(s.Steps, solvers.DefaultSteps) ||
		s.Estimate != solvers.EstimateDefault || s.Step != 0 {
		t.Errorf("defaults: %+v, want the reference code's PGD", *s)
	}
	if got, want := DescribePGD(s), "best-residual rule, steps [1 10 5], 15 iterations, min-residual iterate"; got != want {
		t.Errorf("DescribePGD(defaults) = %q, want %q", got, want)
	}
	if got, want := DescribePGD(nil), DescribePGD(s); got != want {
		t.Errorf("DescribePGD(nil) = %q, want the defaults' %q", got, want)
	}
	s, err = SRSettings(newStore(t, ParamPGDRule, "fixed", ParamPGDStep, "0.5", ParamPGDIterations, "40", ParamPGDEstimate, "min-residual"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Rule != solvers.FixedStep || s.Step != 0.5 || s.Iterations != 40 || s.Estimate != solvers.EstimateMinResidual {
		t.Errorf("set flags: %+v", *s)
	}
	if g, err := SRSettings(newStore(t, ParamPGDStepGrid, "2, 4")); err != nil || !slices.Equal(g.Steps, []float64{2, 4}) {
		t.Errorf("--pgd_step_grid 2,4: %+v, %v", g, err)
	}
	// A flag of the other rule is refused rather than ignored.
	if _, err := SRSettings(newStore(t, ParamPGDStep, "5")); err == nil || !strings.Contains(err.Error(), "--pgd_step 5 is the step of --pgd_rule fixed") {
		t.Errorf("--pgd_step under the best-residual rule: error %v", err)
	}
	if _, err := SRSettings(newStore(t, ParamPGDRule, "fixed", ParamPGDStepGrid, "2,4")); err == nil || !strings.Contains(err.Error(), "the fixed rule takes one step") {
		t.Errorf("--pgd_step_grid under the fixed rule: error %v", err)
	}
	if got, want := DescribePGD(s), "fixed rule, γ = 0.5, 40 iterations, min-residual iterate"; got != want {
		t.Errorf("DescribePGD = %q, want %q", got, want)
	}
	for _, tc := range []struct{ name, value, want string }{
		{ParamPGDRule, "adaptive", `--pgd_rule: solvers: unknown PGD step rule "adaptive"`},
		{ParamPGDEstimate, "best", `--pgd_estimate: solvers: unknown PGD estimate "best"`},
		{ParamPGDIterations, "0", "--pgd_iterations must be at least 1, got 0"},
		{ParamPGDStep, "-1", "--pgd_step must be a positive number (or 0 for 1/‖A‖²), got -1"},
		{ParamPGDStep, "NaN", "--pgd_step must be a positive number"},
		{ParamPGDStepGrid, "1,x", `--pgd_step_grid "1,x": "x" is not a positive number`},
		{ParamPGDStepGrid, "", `--pgd_step_grid "": "" is not a positive number`},
		{ParamPGDStepGrid, "1,-5", `"-5" is not a positive number`},
	} {
		if _, err := SRSettings(newStore(t, tc.name, tc.value)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%q: error %v, want one containing %q", tc.name, tc.value, err, tc.want)
		}
	}
}

// TestAEDecoderActivationResume checks that a run folder of one AE architecture does not resume
// as the other: AE checkpoints from before the option (which record nothing) have no activation.
func TestAEDecoderActivationResume(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, meta map[string]any) string {
		path := filepath.Join(dir, name)
		v := training.Variable{Path: "/decoder/fc2/bias", Value: tensors.FromFlatDataAndDimensions([]float32{0}, 1), Trainable: true}
		if err := training.WriteCheckpoint(path, meta, []training.Variable{v}); err != nil {
			t.Fatal(err)
		}
		return path
	}
	old := write("old.ckpt", map[string]any{"paper": "000", ParamAggregation: "ae"})
	with := write("with.ckpt", map[string]any{"paper": "000", ParamAggregation: "ae", ParamAEDecoderActivation: true})
	maxRun := write("max.ckpt", map[string]any{"paper": "000", ParamAggregation: "max"})
	for _, tc := range []struct {
		ckpt string
		act  bool
		want string
	}{
		{old, false, ""},
		{old, true, "trained without --ae_decoder_activation"},
		{with, true, ""},
		{with, false, "--ae_decoder_activation true"},
		{maxRun, true, "--aggregation max"}, // another model: the aggregation is what differs
	} {
		err := checkResume(tc.ckpt, map[string]any{ParamAggregation: "ae", ParamAEDecoderActivation: tc.act})
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s resumed with activation %v: %v, want %q", filepath.Base(tc.ckpt), tc.act, err, tc.want)
		}
	}
}
