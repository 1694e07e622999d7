package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparselab/sparselab/models/aae"
	"github.com/sparselab/sparselab/models/training"
	"github.com/sparselab/sparselab/solvers/npy"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestHelpListsCommands(t *testing.T) {
	code, out, _ := runCLI("--help")
	if code != 0 {
		t.Fatalf("--help exited %d", code)
	}
	for _, c := range []string{"aae", "backends", "bench", "data", "invert", "notebook", "solve"} {
		if !strings.Contains(out, "\n  "+c+" ") {
			t.Errorf("--help does not list %q:\n%s", c, out)
		}
	}
}

func TestUserMistakesGiveClearErrors(t *testing.T) {
	empty := t.TempDir() // a run folder without a checkpoint: training would start from the shipped weights
	maxWeights := filepath.Join("..", "..", "models", "aae", "weights", "mnist-max.ckpt")
	refSum := filepath.Join("..", "..", "models", "aae", "testdata", "reference", "sum.npz") // c = 2: no paper model
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"aae", "bogus"}, 1, `unknown aae sub-command "bogus"`},
		{[]string{"aae", "eval", "--dataset", "cifar"}, 1, `not "cifar"`},
		{[]string{"aae", "train", "--steps", "-5"}, 1, "--steps must be positive"},
		{[]string{"invert", "bogus"}, 1, `unknown invert sub-command "bogus"`},
		{[]string{"invert", "sweep", "--sweep_widths", "5:x:1"}, 1, `"x" is not an integer`},
		{[]string{"invert", "run", "--mask", "stripes", "--methods", "oracle"}, 1, `unknown mask "stripes"`},
		{[]string{"invert", "run", "--methods", "magic"}, 1, `unknown method "magic"`},
		{[]string{"invert", "run", "--weights", "/nonexistent.ckpt"}, 1, "nonexistent.ckpt"},
		{[]string{"invert", "sweep", "--gd_steps", "-3"}, 1, "flag --gd_steps = -3: must be ≥ 0"},
		{[]string{"invert", "run", "--support_threshold", "NaN"}, 1, "flag --support_threshold = NaN"},
		{[]string{"invert", "run", "--hidden_rows", "0"}, 1, "flag --hidden_rows = 0: must be at least 1"},
		{[]string{"aae", "decompose", "--aggregation", "max", "--test_count", "5", "--images", "1,7"}, 1,
			"--images: index 7 is outside the 5 test images loaded (--test_offset 0, --test_count 5): use 0 to 4, or raise --test_count"},
		{[]string{"aae", "traverse", "--aggregation", "max", "--test_count", "5", "--block", "20"}, 1, "--block 20: the model has 20 latent blocks: use 0 to 19, or -1"},
		{[]string{"aae", "traverse", "--aggregation", "max", "--test_count", "5", "--block", "0", "--coord", "-2"}, 1, "--coord -2: a latent block has 10 coordinates"},
		{[]string{"aae", "traverse", "--aggregation", "max", "--test_count", "5", "--coord", "3"}, 1, "--coord 3 needs --block"},
		{[]string{"aae", "traverse", "--aggregation", "max", "--test_count", "5", "--traverse_steps", "1"}, 1, "--traverse_steps 1: a traversal needs at least 2 images"},
		{[]string{"aae", "revive", "--aggregation", "sum", "--backend", "go", "--revive_images", "2", "--run_dir", empty}, 1, "idle atoms are a MAX-AAE's"},
		{[]string{"aae", "revive", "--revive_images", "0", "--run_dir", empty}, 1, "--revive_images must be positive, got 0"},
		{[]string{"aae", "revive", "--revive_noise", "NaN", "--backend", "go", "--revive_images", "2", "--run_dir", empty}, 1, "noise NaN must be a finite number"},
		{[]string{"aae", "superres", "--pgd_rule", "adaptive"}, 1, `--pgd_rule: solvers: unknown PGD step rule "adaptive"`},
		{[]string{"aae", "superres", "--sr_factor", "3"}, 1, "--sr_factor must divide the image size 28 (2, 4, 7 or 14), got 3"},
		{[]string{"aae", "superres", "--pgd_step_grid", "1,,5"}, 1, `--pgd_step_grid "1,,5": "" is not a positive number`},
		{[]string{"data", "fetch", "nope"}, 1, `unknown dataset "nope"`},
		{[]string{"notebook", "run", "README.md"}, 1, "is not a notebook file"},
		{[]string{"notebook", "run", "--cell-timeout", "-1m", "README.md"}, 1, "--cell-timeout -1m0s must be 0 (the default) or more"},
		{[]string{"aae", "train", "--aggregation", "max", "--run_dir", empty, "--time_budget", "1m", "--backend", "go"}, 1,
			"at or past --steps 75000, so nothing would be trained"},
		{[]string{"aae", "train", "--aggregation", "max", "--run_dir", empty, "--steps", "400000", "--seed", "3", "--backend", "go"}, 1,
			"pass --from_shipped=false to train from scratch"},
		{[]string{"aae", "train", "--aggregation", "ae", "--ae_decoder_activation=false", "--run_dir", empty, "--steps", "3000000", "--backend", "go"}, 1,
			"the shipped mnist AE weights were trained with the decoder activation of the paper's AE: pass --ae_decoder_activation=true to continue them"},
		{[]string{"aae", "train", "--aggregation", "ae", "--run_dir", empty, "--init_weights", "/nonexistent.ckpt", "--backend", "go"}, 1,
			"--init_weights: checkpoint /nonexistent.ckpt does not exist"},
		{[]string{"aae", "train", "--aggregation", "ae", "--run_dir", empty, "--init_weights", maxWeights, "--steps", "3000000", "--backend", "go"}, 1,
			`--init_weights: weights ` + maxWeights + ` are for aggregation "max", not the mnist AE asked for`},
		{[]string{"aae", "eval", "--aggregation", "sum", "--weights", maxWeights, "--test_count", "2", "--backend", "go"}, 1,
			`are for aggregation "max", not the mnist SUM-AAE asked for`},
		{[]string{"aae", "snapshot", "--run_dir", empty}, 1, "snapshot: give the folder to copy the run to with --to"},
		{[]string{"aae", "snapshot", "--run_dir", empty, "--to", filepath.Join(empty, "copy")}, 1, "last.ckpt does not exist"},
		{[]string{"aae", "info", "--weights", "main.go"}, 1, "not a sparselab checkpoint"},
		{[]string{"aae", "info", "--weights", "/nonexistent.ckpt"}, 1, "/nonexistent.ckpt does not exist"},
		{[]string{"aae", "info", "--backtest_epochs", "20,-4"}, 1, "--backtest_epochs \"20,-4\": want positive numbers of epochs"},
		{[]string{"aae", "info", "--backtest_epochs", "twenty"}, 1, "--backtest_epochs \"twenty\": want positive numbers of epochs"},
		{[]string{"aae", "import", "--backend", "go"}, 1, "import: give the exported model with --from FILE.npz"},
		{[]string{"aae", "import", "--backend", "go", "--from", refSum}, 1, "has c = 2, the paper's mnist models have c = 8"},
		{[]string{"aae", "import", "--backend", "go", "--from", refSum, "--aggregation", "max"}, 1, "holds the authors' SUM-AAE, not --aggregation max"},
		{[]string{"aae", "import", "--backend", "go", "--from", "/nonexistent.npz"}, 1, "/nonexistent.npz does not exist"},
		{[]string{"aae", "superres", "--backend", "go", "--weights", maxWeights + "," + maxWeights}, 1, "--weights gives two MAX-AAE projectors"},
		{[]string{"bench", "--backends", "go,tpu"}, 1, `--backends: unknown backend "tpu"`},
		{[]string{"bench", "--batch", "0"}, 1, "must be positive"},
		{[]string{"bench", "--channels", "8,x"}, 1, `--channels "8,x": want even numbers of at least 2`},
		{[]string{"bench", "--channels", "7"}, 1, `--channels "7": want even numbers`},
		{[]string{"bench", "--min-time", "-1s"}, 1, "--min-time -1s must be 0 or more"},
		{[]string{"bench", "--pgd-images", "-1"}, 1, "--pgd-images -1 must be 0 (skip) or more"},
	} {
		code, _, errOut := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("sparselab %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
		if strings.Contains(errOut, "goroutine ") {
			t.Errorf("sparselab %v printed a panic trace:\n%s", tc.args, errOut)
		}
	}
}

func TestErrorLineDropsTheRepeatedPackagePrefix(t *testing.T) {
	for _, tc := range []struct {
		command string
		err     error
		want    string
	}{
		{"aae", errors.New("aae: Traverse: block 99 is outside [0, 20)"), "sparselab aae: Traverse: block 99 is outside [0, 20)"},
		{"aae", errors.New("unknown aggregation \"maxx\""), "sparselab aae: unknown aggregation \"maxx\""},
		{"invert", errors.New("aae: not this command's package"), "sparselab invert: aae: not this command's package"},
	} {
		if got := errorLine(tc.command, tc.err); got != tc.want {
			t.Errorf("errorLine(%q, %q) = %q, want %q", tc.command, tc.err, got, tc.want)
		}
	}
}

// TestSolveLassoNPY solves a LASSO whose answer is known: with an orthonormal dictionary
// (the identity) the solution is the soft-thresholded signal.
func TestSolveLassoNPY(t *testing.T) {
	dir := t.TempDir()
	d := make([]float64, 16)
	for i := 0; i < 4; i++ {
		d[i*4+i] = 1
	}
	x := []float64{3, -0.5, 1.5, -2, 0.2, 0, -4, 1}
	dictPath, sigPath, outPath := filepath.Join(dir, "D.npy"), filepath.Join(dir, "X.npy"), filepath.Join(dir, "Z.npy")
	if err := npy.WriteFile(dictPath, d, []int{4, 4}); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(sigPath, x, []int{2, 4}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("solve", "lasso", "--backend", "go", "--dict", dictPath, "--signals", sigPath, "--lambda", "1", "--out", outPath, "--tol", "1e-12", "--iters", "200")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	z, shape, err := npy.ReadFile[float64](outPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 2 || shape[0] != 2 || shape[1] != 4 {
		t.Fatalf("Z shape %v, want [2 4]", shape)
	}
	want := []float64{2, 0, 0.5, -1, 0, 0, -3, 0}
	for i := range want {
		if math.Abs(z[i]-want[i]) > 1e-6 {
			t.Errorf("z[%d] = %v, want %v", i, z[i], want[i])
		}
	}
}

// TestInvertSweepAndRun runs a tiny random-weights sweep and a tiny GAN inversion from the CLI and
// checks the reports and files.
func TestInvertSweepAndRun(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI("invert", "sweep", "--backend", "go", "--out", dir, "--sweep_latent", "5",
		"--sweep_image", "60", "--sweep_widths", "4,30", "--sweep_trials", "2", "--gd_steps", "200")
	if code != 0 {
		t.Fatalf("invert sweep exited %d: %s", code, errOut)
	}
	for _, want := range []string{"latent-pursuit", "layered-bp", "gd", "fig4-random-weights-sweep.png"} {
		if !strings.Contains(out, want) {
			t.Errorf("sweep output lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runCLI("invert", "run", "--backend", "go", "--out", dir, "--samples", "2", "--mask", "rows",
		"--methods", "latent-pursuit,oracle")
	if code != 0 {
		t.Fatalf("invert run exited %d: %s", code, errOut)
	}
	if !strings.Contains(out, "420 observed pixels of 784") || !strings.Contains(out, "oracle") {
		t.Errorf("run output:\n%s", out)
	}
	if _, err := filepath.Glob(filepath.Join(dir, "gan-rows*.png")); err != nil {
		t.Error(err)
	}
	code, out, _ = runCLI("invert", "check")
	if code != 0 || !strings.Contains(out, "verdict") {
		t.Errorf("invert check exited %d:\n%s", code, out)
	}
}

// TestSuperresFlags runs `aae superres` with the paper's fixed-step PGD on three MNIST test images
// and checks the JSON: the PGD the flags chose, every method's PSNR, and PGD above the bicubic
// baseline (the paper's claim, which holds by several dB on these images).
func TestSuperresFlags(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI("aae", "superres", "--backend", "go", "--test_count", "3", "--pgd_rule", "fixed",
		"--pgd_iterations", "3", "--json", "--out", dir)
	if code != 0 {
		t.Fatalf("aae superres exited %d: %s", code, errOut)
	}
	var res struct {
		PGD         string `json:"pgd"`
		Measurement string `json:"measurement"`
		Paper       bool   `json:"paper_measurement"`
		TestCount   int    `json:"test_count"`
		Results     []struct {
			Method     string    `json:"method"`
			PSNRMean   float64   `json:"psnr_mean"`
			PSNR       []float64 `json:"psnr"`
			Step       float64   `json:"step"`
			Iterations []struct {
				K        int     `json:"k"`
				MeanPSNR float64 `json:"mean_psnr"`
			} `json:"iterations"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if res.PGD != "fixed rule, γ = 1/‖A‖², 3 iterations, last iterate" || res.TestCount != 3 ||
		res.Measurement != "×2, blur σ = 0.7, noise-free" || !res.Paper {
		t.Errorf("pgd %q, test_count %d, measurement %q (paper's: %v)", res.PGD, res.TestCount, res.Measurement, res.Paper)
	}
	psnr := map[string]float64{}
	for _, r := range res.Results {
		if len(r.PSNR) != 3 || math.IsNaN(r.PSNRMean) {
			t.Errorf("%s: %d PSNR values, mean %v", r.Method, len(r.PSNR), r.PSNRMean)
		}
		psnr[r.Method] = r.PSNRMean
		if !strings.HasPrefix(r.Method, "PGD") {
			continue
		}
		// γ = 1/‖A‖² with ‖A‖ ≈ 0.516 (one pixel in four kept after the blur); x_0 … x_3 recorded,
		// the last iterate returned.
		its := r.Iterations
		if math.Abs(r.Step-3.758) > 0.01 || len(its) != 4 || its[3].K != 3 || math.Abs(its[3].MeanPSNR-r.PSNRMean) > 1e-9 || !(its[3].MeanPSNR > its[0].MeanPSNR) {
			t.Errorf("%s: step %v, iterations %+v", r.Method, r.Step, its)
		}
	}
	for _, m := range []string{"PGD-AE", "PGD-SUM-AAE", "PGD-MAX-AAE"} {
		if !(psnr[m] > psnr["bicubic"]+3) {
			t.Errorf("%s %.2f dB is not 3 dB above bicubic %.2f dB", m, psnr[m], psnr["bicubic"])
		}
	}
	for _, f := range []string{"superres-mnist-fixed.png", "superres-iterations-mnist-fixed.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil || !strings.Contains(errOut, "wrote "+filepath.Join(dir, f)) {
			t.Errorf("figure %s: %v (stderr %q)", f, err, errOut)
		}
	}
}

// TestAtomsUsage runs `aae atoms` on the shipped MNIST MAX-AAE and checks the per-atom usage it
// reports against the mean count and the histogram of the same run.
func TestAtomsUsage(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI("aae", "atoms", "--backend", "go", "--aggregation", "max", "--test_count", "8", "--json", "--out", dir)
	if code != 0 {
		t.Fatalf("aae atoms exited %d: %s", code, errOut)
	}
	type stats struct {
		Mean      float64   `json:"mean"`
		Histogram []int     `json:"histogram"`
		Usage     []float64 `json:"usage"`
		Never     *int      `json:"never_activated"`
		Rare      *int      `json:"activated_in_at_most_1pct"`
	}
	var res struct {
		TestCount int       `json:"test_count"`
		Clipped   stats     `json:"clipped"`
		Raw       stats     `json:"raw"`
		Contrib   stats     `json:"contribution"`
		Greedy    stats     `json:"greedy"`
		WinShare  []float64 `json:"win_share"`
		NeverMax  *int      `json:"never_max"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if res.TestCount != 8 {
		t.Errorf("test_count %d, want 8", res.TestCount)
	}
	for name, st := range map[string]stats{"clipped": res.Clipped, "raw": res.Raw, "contribution": res.Contrib, "greedy": res.Greedy} {
		if len(st.Usage) != 20 || len(st.Histogram) != 21 || st.Never == nil || st.Rare == nil {
			t.Fatalf("%s: %d usage values, %d histogram bins, never %v, rare %v", name, len(st.Usage), len(st.Histogram), st.Never, st.Rare)
		}
		var sum float64
		never := 0
		for _, u := range st.Usage {
			sum += u
			if u*8 != math.Round(u*8) || u < 0 || u > 1 {
				t.Errorf("%s: usage %v is not a count of 8 images", name, u)
			}
			if u == 0 {
				never++
			}
		}
		if math.Abs(sum-st.Mean) > 1e-9 {
			t.Errorf("%s: usage sums to %v, mean activated atoms %v", name, sum, st.Mean)
		}
		// With 8 images, at most 1% of them is none of them.
		if *st.Never != never || *st.Rare != never {
			t.Errorf("%s: never_activated %d, activated_in_at_most_1pct %d, usage has %d zeros", name, *st.Never, *st.Rare, never)
		}
	}
	if len(res.WinShare) != 20 || res.NeverMax == nil {
		t.Fatalf("win_share %v, never_max %v", res.WinShare, res.NeverMax)
	}
	var total float64
	zeros := 0
	for _, w := range res.WinShare {
		total += w
		if w == 0 {
			zeros++
		}
	}
	if math.Abs(total-1) > 1e-9 || *res.NeverMax != zeros {
		t.Errorf("win shares sum to %v, never_max %d for %d zero shares", total, *res.NeverMax, zeros)
	}
	// An atom that is the pixelwise max nowhere adds nothing to any reconstruction.
	for k, w := range res.WinShare {
		if w == 0 && len(res.Contrib.Usage) == 20 && res.Contrib.Usage[k] != 0 {
			t.Errorf("atom %d sets no pixel but counts as contributing in a share %v of the images", k, res.Contrib.Usage[k])
		}
	}
	// Under the max, greedy selection must take every atom that contributes at least the
	// threshold: no set without it comes closer to x̂.
	if res.Greedy.Mean < res.Contrib.Mean {
		t.Errorf("greedy selection counts %v atoms per image, fewer than the %v contributing ones", res.Greedy.Mean, res.Contrib.Mean)
	}
	if _, err := os.Stat(filepath.Join(dir, "atoms-mnist-max.png")); err != nil {
		t.Errorf("figure: %v", err)
	}
}

// TestRevive revives the idle atoms of the MNIST MAX-AAE shipped until 2026-12-08 (nine of 20,
// kept in models/aae/experiments) with exact copies (no noise) and checks that the run folder's
// new checkpoint reconstructs as those weights do, carries their step and history, and that a
// second revive into the same folder is refused.
func TestRevive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	before := filepath.Join("..", "..", "models", "aae", "experiments", "mnist-max-previously-shipped", "last.ckpt")
	code, out, errOut := runCLI("aae", "revive", "--backend", "go", "--weights", before, "--revive_images", "20", "--revive_noise", "-1", "--run_dir", dir)
	if code != 0 {
		t.Fatalf("aae revive exited %d: %s", code, errOut)
	}
	if !strings.Contains(out, "wrote "+filepath.Join(dir, "last.ckpt")+" at step 315000") || !strings.Contains(out, "atoms are the pixelwise max nowhere on 20 training images") {
		t.Errorf("output: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "last.ckpt.history.json")); err != nil {
		t.Errorf("history: %v", err)
	}
	eval := func(weights string) float64 {
		code, out, errOut := runCLI("aae", "eval", "--backend", "go", "--test_count", "4", "--json", "--weights", weights)
		if code != 0 {
			t.Fatalf("aae eval %s exited %d: %s", weights, code, errOut)
		}
		var res struct {
			PSNR float64 `json:"psnr_mean"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("eval output is not JSON: %v\n%s", err, out)
		}
		return res.PSNR
	}
	if from, revived := eval(before), eval(filepath.Join(dir, "last.ckpt")); math.Abs(from-revived) > 1e-3 || from < 20 {
		t.Errorf("exact copies into idle blocks changed the test PSNR: %.4f → %.4f dB", from, revived)
	}
	code, _, errOut = runCLI("aae", "revive", "--backend", "go", "--weights", before, "--revive_images", "20", "--run_dir", dir)
	if code != 1 || !strings.Contains(errOut, "already holds a checkpoint") {
		t.Errorf("second revive into %s: exit %d, %s", dir, code, errOut)
	}
}

// TestBenchReport runs the smallest benchmark (one training step and one PGD solve on the go
// backend for each of the two sizes, no PyTorch) and checks that the report and results.json carry
// all four.
func TestBenchReport(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI("bench", "--out", dir, "--backends", "go", "--models", "ae", "--min-time", "0",
		"--max-steps", "1", "--pgd-images", "3", "--fista=false", "--python", "", "--batch", "8")
	if code != 0 {
		t.Fatalf("bench exited %d: %s\n%s", code, errOut, out)
	}
	report, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| aae-train-step/ae | 8 | GoMLX", "| aae-train-step/ae | 32 | GoMLX", "| pgd-superres-x2/ae | 8 | GoMLX", "| pgd-superres-x2/ae | 32 | GoMLX", "600 images"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report.md lacks %q:\n%s", want, report)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []benchRow
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("results.json has %d rows, want 4 (training step and PGD, c = 8 and 32): %s", len(rows), raw)
	}
	for i, r := range rows {
		if r.Error != "" || !(r.Seconds > 0) || r.Steps != 1 || r.Channels != []int{8, 32}[i%2] {
			t.Errorf("row %+v: want a timed run of one step at c = %d and no error", r, []int{8, 32}[i%2])
		}
	}
	for _, pgd := range rows[2:] {
		if pgd.Batch != 3 || math.Abs(pgd.ImagesPerS*pgd.Seconds-3) > 1e-9 {
			t.Errorf("PGD row %+v: want 3 images per solve and images/s = 3 / s", pgd)
		}
	}
	if rows[0].Batch != 8 || math.Abs(rows[0].ImagesPerS*rows[0].Seconds-8) > 1e-9 {
		t.Errorf("training row %+v: want batch 8 and images/s = 8 / s", rows[0])
	}
}

// logHistory returns the metadata of an MNIST MAX-AAE checkpoint (375 steps per epoch) and a
// history validated every epoch from 1 to epochs on 15 + 2·log₂ e dB.
func logHistory(epochs int) (map[string]any, *training.Result) {
	meta := map[string]any{"paper": "000", "dataset": "mnist", "aggregation": "max", "batch_size": 64.0, "train_images": 24000.0}
	h := &training.Result{EndStep: 375 * epochs}
	for e := 1; e <= epochs; e++ {
		h.Evals = append(h.Evals, training.EvalPoint{Step: 375 * e, Metrics: map[string]float64{"psnr": 15 + 2*math.Log2(float64(e))}})
	}
	return meta, h
}

// TestInfoProgress checks what `aae info` says of a checkpoint's training history: the best
// validation and the line through the last doubling of epochs, read beside the checkpoint or, for
// a run folder's best.ckpt, beside its last.ckpt.
func TestInfoProgress(t *testing.T) {
	meta, h := logHistory(8)
	dir := t.TempDir()
	best := filepath.Join(dir, "best.ckpt")
	if err := training.WriteCheckpoint(best, meta, nil); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("aae", "info", "--weights", best)
	if code != 0 || !strings.Contains(out, "no training history beside it") {
		t.Errorf("without a history: exit %d, output %q %q; want a note that there is none", code, out, errOut)
	}
	if code, out, errOut := runCLI("aae", "info", "--weights", best, "--json"); code != 0 || !strings.Contains(out, `"history_error":`) {
		t.Errorf("--json without a history: exit %d, output %q %q; want a history_error", code, out, errOut)
	}
	if err := h.SaveJSON(training.HistoryPath(filepath.Join(dir, "last.ckpt"))); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI("aae", "info", "--weights", best)
	for _, want := range []string{
		"validation PSNR: best 21.00 dB at step 3000 (epoch 8.0)",
		"trend: +2.00 dB per doubling of epochs over epochs 4–8 (5 validations, RMSE 0.000); at that rate 23.00 dB after 16 epochs",
		// A log line is the curve with exponent 0: it forecasts the same.
		"levelling-off curve (power law) over the same validations: does not level off visibly (exponent 0.000; +2.00 dB from epoch 8 to 16), over epochs 4–8 (5 validations, RMSE 0.000); 23.00 dB after 16 epochs",
		// The paper's MNIST MAX-AAE, 28.42 dB: 15 + 2·log₂ e reaches it at e = 2^6.71 ≈ 105.
		"the paper's Table 1 value for this model, 28.42 dB, read as a validation PSNR: after about 105 epochs (3.7 doublings from 8) by the line and the curve alike",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, output %q %q; want %q", code, out, errOut, want)
		}
	}
	// With the pace of the last run: 1.25 steps/s, 300 s per epoch; 97 epochs to go are about 8 hours.
	h.StepsPerSecond = 1.25
	if err := h.SaveJSON(training.HistoryPath(filepath.Join(dir, "last.ckpt"))); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI("aae", "info", "--weights", best)
	if want := "by the line and the curve alike; at the last run's pace, 300 s per epoch, about 8 hours more\n"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("exit %d, output %q %q; want %q", code, out, errOut, want)
	}
	// Back-tests at chosen epochs: at 8 the window 2–4 holds 3 validations, too few for the curve.
	code, out, errOut = runCLI("aae", "info", "--weights", best, "--backtest_epochs", "8")
	if want := "epoch 8: no back-test"; code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "3 validations") {
		t.Errorf("exit %d, output %q %q; want %q naming the 3 validations", code, out, errOut, want)
	}
	// The shipped weights' history is embedded beside them.
	if code, out, errOut := runCLI("aae", "info", "--dataset", "mnist", "--aggregation", "sum"); code != 0 || !strings.Contains(out, "dB per doubling of epochs") {
		t.Errorf("shipped MNIST SUM-AAE: exit %d, output %q %q; want its trend", code, out, errOut)
	}
}

// TestInfoBackTests checks the back-tests `aae info` prints for a run's history, by default at
// 20, 40, … epochs and the last validation, and the shipped model's history beside the run's, or
// the one --beside names.
func TestInfoBackTests(t *testing.T) {
	meta, h := logHistory(50)
	dir := t.TempDir()
	last := filepath.Join(dir, "last.ckpt")
	if err := training.WriteCheckpoint(last, meta, nil); err != nil {
		t.Fatal(err)
	}
	if err := h.SaveJSON(training.HistoryPath(last)); err != nil {
		t.Fatal(err)
	}
	shipped, err := aae.ShippedHistory("mnist", "max")
	if err != nil {
		t.Fatal(err)
	}
	at20, _, _ := shipped.ValueAt("psnr", shipped.StartStep+20*375)
	shippedBest := math.Inf(-1)
	for _, e := range shipped.Evals {
		if v, ok := e.Metrics["psnr"]; ok {
			shippedBest = max(shippedBest, v)
		}
	}
	code, out, errOut := runCLI("aae", "info", "--weights", last)
	for _, want := range []string{
		// On an exact line both trends forecast the measured value: 15 + 2·log₂ 20 = 23.64.
		"epoch 20 from epochs 5–10: line 23.64 (", "measured 23.64",
		"epoch 40 from epochs 10–20: line 25.64 (",
		"epoch 50 from epochs 13–25: line 26.29 (",
		fmt.Sprintf("epoch 20: 23.64 (epoch 20.0) / %.2f (epoch 20.0), %+.2f dB", at20, 15+2*math.Log2(20)-at20),
		// The shipped MAX-AAE's best (about 25.4 dB) lies below 15 + 2·log₂ 50 = 26.29.
		fmt.Sprintf("the shipped mnist MAX-AAE's best validation PSNR, %.2f dB (epoch ", shippedBest), "reached by the line and the curve alike",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, output %q %q; want %q", code, out, errOut, want)
		}
	}
	if strings.Contains(out, "epoch 80") {
		t.Errorf("output %q back-tests past the run's last validation", out)
	}

	// Past the run's last validation there is nothing to compare with.
	code, out, errOut = runCLI("aae", "info", "--weights", last, "--backtest_epochs", "60")
	for _, want := range []string{"epoch 60: no back-test", "nothing to compare the forecast with", "epoch 60: not reached by both histories"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, output %q %q; want %q", code, out, errOut, want)
		}
	}

	// --beside reads another history beside the run's, here the run's own; a checkpoint without
	// one is refused, naming the flag.
	code, out, errOut = runCLI("aae", "info", "--weights", last, "--beside", last)
	for _, want := range []string{"validation PSNR beside " + last + "'s history at the same step", "epoch 20: 23.64 (epoch 20.0) / 23.64 (epoch 20.0), +0.00 dB",
		last + "'s best validation PSNR, 26.29 dB (epoch 50): reached"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("--beside: exit %d, output %q %q; want %q", code, out, errOut, want)
		}
	}
	missing := filepath.Join(dir, "none.ckpt")
	if code, _, errOut = runCLI("aae", "info", "--weights", last, "--beside", missing); code != 1 || !strings.Contains(errOut, "--beside "+missing) {
		t.Errorf("--beside %s: exit %d, %q; want an error naming the flag", missing, code, errOut)
	}

	// The same as JSON.
	code, out, errOut = runCLI("aae", "info", "--weights", last, "--json")
	var got struct {
		Checkpoint string
		Progress   struct {
			BestPSNR  float64 `json:"best_psnr"`
			LastEpoch float64 `json:"last_epoch"`
			Trend     struct {
				PerDoubling float64 `json:"per_doubling"`
			}
			EpochsToPaper struct{ Line, Curve *float64 } `json:"epochs_to_paper"`
			BackTests     []struct {
				Epoch, Line, Measured float64
				FitFrom               float64 `json:"fit_from"`
			} `json:"backtests"`
			Beside []struct {
				Epoch, PSNR float64
				Shipped     float64 `json:"shipped_psnr"`
			} `json:"beside_shipped"`
			ShippedBest         float64                        `json:"shipped_best_psnr"`
			EpochsToShippedBest struct{ Line, Curve *float64 } `json:"epochs_to_shipped_best"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("--json: exit %d, %v; output %q %q", code, err, out, errOut)
	}
	pr := got.Progress
	// 15 + 2·log₂ e reaches the paper's 28.42 dB at e = 2^6.71 ≈ 105 epochs.
	if got.Checkpoint != last || math.Abs(pr.BestPSNR-(15+2*math.Log2(50))) > 1e-9 || pr.LastEpoch != 50 || math.Abs(pr.Trend.PerDoubling-2) > 1e-9 ||
		pr.EpochsToPaper.Line == nil || math.Abs(*pr.EpochsToPaper.Line-math.Exp2(6.71)) > 0.1 {
		t.Errorf("--json: %+v", got)
	}
	if len(pr.BackTests) != 3 || pr.BackTests[0].Epoch != 20 || pr.BackTests[0].FitFrom != 5 || math.Abs(pr.BackTests[0].Line-pr.BackTests[0].Measured) > 1e-6 {
		t.Errorf("--json back-tests: %+v, want 20, 40, 50 epochs, forecasts that hit", pr.BackTests)
	}
	if len(pr.Beside) != 3 || pr.Beside[0].Shipped != at20 {
		t.Errorf("--json beside the shipped history: %+v, want 3 rows, %.2f at 20 epochs", pr.Beside, at20)
	}
	if to := pr.EpochsToShippedBest.Line; pr.ShippedBest != shippedBest || to == nil || math.Abs(*to-math.Exp2((shippedBest-15)/2)) > 1e-6 {
		t.Errorf("--json shipped best: %v, epochs to it %+v; want %v at 2^((best−15)/2) epochs", pr.ShippedBest, pr.EpochsToShippedBest, shippedBest)
	}
}

func TestApproxDuration(t *testing.T) {
	for _, tc := range []struct {
		s    float64
		want string
	}{
		{600, "about 10 minutes"},
		{89 * 60, "about 89 minutes"},
		{2 * 3600, "about 2 hours"},
		{71 * 3600, "about 71 hours"},
		{4.5 * 86400, "about 4.5 days"},
	} {
		if got := approxDuration(tc.s); got != tc.want {
			t.Errorf("approxDuration(%g) = %q, want %q", tc.s, got, tc.want)
		}
	}
}
