package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/aae"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
	"github.com/sparselab/sparselab/plotting"
	"github.com/sparselab/sparselab/solvers/linop"
)

func init() {
	register(&command{
		name:    "aae",
		summary: "paper 000, max-sparsity atomic autoencoders: aae train | eval | atoms | decompose | traverse | superres | export | snapshot | info | import",
		run:     runAAE,
	})
}

func runAAE(args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	fs := newFlagSet("aae "+sub, "aae train|eval|atoms|decompose|traverse|superres|export|snapshot|info|import|revive [flags]  (flags have the notebook's names)", stderr)
	store, err := paramFlags(fs, aae.Specs()...)
	if err != nil {
		return err
	}
	backendName := fs.String("backend", "", "GoMLX backend (default: $GOMLX_BACKEND or the best available)")
	weights := fs.String("weights", "", "eval, atoms, decompose, traverse, superres, info: the weights to use: a checkpoint's path, \"run\" for the run folder's best.ckpt, or empty for the shipped weights (superres: paths, comma-separated, replace the shipped weights of the models they were trained as)")
	asJSON := fs.Bool("json", false, "eval, atoms, decompose, traverse, superres, info: print the results as JSON")
	exportTo := fs.String("to", "models/aae/weights", "export: folder receiving <dataset>-<aggregation>.ckpt; snapshot: folder receiving the run's last.ckpt and its history (required)")
	force := fs.Bool("force", false, "export: replace the weights in --to even if they recorded a higher validation PSNR than the run's best")
	images := fs.String("images", "0,1,2", "decompose: comma-separated test image indices (relative to --test_offset)")
	block := fs.Int("block", -1, "traverse: latent block (-1: the coordinate with the widest test-set range, as in notebook 01)")
	coord := fs.Int("coord", -1, "traverse: coordinate within the block (-1: 0, or the widest with --block -1)")
	steps := fs.Int("traverse_steps", aae.DefaultTraversalSteps, "traverse: number of images along the sweep (at least 2)")
	rawNorm := fs.Bool("raw", false, "decompose, atoms (figure): atom norms without clipping atoms to [0,1]")
	from := fs.String("from", "", "import: the .npz that scripts/reference_weights.py exported from one of the authors' PyTorch models (required)")
	ckpt := fs.String("ckpt", "", "import: the checkpoint to write (default: --from with .ckpt for .npz)")
	reviveNoise := fs.Float64("revive_noise", 0, fmt.Sprintf("revive: noise added to the copied encoder weights, relative to their root mean square (0: %g; negative: an exact copy)", aae.DefaultReviveNoise))
	reviveImages := fs.Int("revive_images", aae.DefaultReviveImages, "revive: number of training images (the first of the run's split) to find the idle atoms on")
	backtestEpochs := fs.String("backtest_epochs", "", "info: epochs at which to back-test the trends (each fitted to the doubling of epochs before) and to read the history --beside names beside a run's, comma-separated (empty: 20, 40, 80, … and the last validation)")
	beside := fs.String("beside", "", "info: a checkpoint whose training history is read beside the run's, step for step (its .history.json; for a best.ckpt, its run folder's); empty: the shipped weights of the run's model")
	outDir := fs.String("out", "out/aae", "atoms, decompose, traverse, superres: folder for the PNG figures")
	switch sub {
	case "train", "eval", "export", "snapshot", "info", "superres", "decompose", "traverse", "atoms", "import", "revive":
	case "", "-h", "--help", "-help":
		fs.Usage()
		return errUsage
	default:
		fs.Usage()
		return fmt.Errorf("unknown aae sub-command %q: want train, eval, atoms, decompose, traverse, superres, export, snapshot, info, import or revive", sub)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := aae.Resolve(store); err != nil {
		return err
	}
	for _, name := range []string{params.ParamSteps, aae.ParamTestCount, aae.ParamEvalEvery, params.ParamBatchSize, aae.ParamSubset} {
		if v := params.MustGet[int](store, name); v < 0 || (v == 0 && name != aae.ParamSubset) {
			return fmt.Errorf("--%s must be positive, got %d", name, v)
		}
	}
	switch sub {
	case "snapshot":
		given := false
		fs.Visit(func(f *flag.Flag) { given = given || f.Name == "to" })
		if !given {
			return fmt.Errorf("snapshot: give the folder to copy the run to with --to (it is the --run_dir that resumes it elsewhere)")
		}
		src, dst := filepath.Join(aae.RunDir(store), "last.ckpt"), filepath.Join(*exportTo, "last.ckpt")
		if err := training.CopyRun(src, dst, aae.ShippedHistoryLosses); err != nil {
			return fmt.Errorf("snapshot: %w (train first, or name the run with --run_dir)", err)
		}
		fmt.Fprintf(stdout, "copied %s (optimizer state included) and its history to %s: `aae train --run_dir %s` with the run's flags resumes it\n", src, dst, *exportTo)
		return nil
	case "export":
		rep, err := aae.Export(store, *exportTo, *force)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "exported the weights of %s (validation PSNR %.2f dB) to %s", rep.From, rep.ValPSNR, rep.To)
		if !math.IsNaN(rep.Replaced) {
			fmt.Fprintf(stdout, " (replacing %.2f dB)", rep.Replaced)
		}
		fmt.Fprintln(stdout)
		if rep.History != "" {
			fmt.Fprintf(stdout, "training history: %s\n", rep.History)
		}
		return nil
	case "info":
		epochs, err := parseEpochs(*backtestEpochs)
		if err != nil {
			return err
		}
		var c *training.Checkpoint
		if *weights == "" {
			c, err = aae.Shipped(params.MustGet[string](store, aae.ParamDataset), params.MustGet[string](store, aae.ParamAggregation))
		} else {
			c, err = training.ReadCheckpoint(runWeights(store, *weights))
		}
		if err != nil {
			return err
		}
		var h *training.Result
		if *weights == "" {
			h, err = aae.ShippedHistory(params.MustGet[string](store, aae.ParamDataset), params.MustGet[string](store, aae.ParamAggregation))
		} else {
			h, err = runHistory(c.Path)
		}
		var p progress
		if err == nil {
			var ref *training.Result // the history beside a run's: --beside, else the shipped model's
			var refName string
			switch {
			case *beside != "":
				refName = runWeights(store, *beside)
				if ref, err = runHistory(refName); err != nil {
					return fmt.Errorf("--beside %s: %w (give a checkpoint with its training history: a run's last.ckpt or best.ckpt, or exported weights)", *beside, err)
				}
			case *weights != "":
				ds, _ := c.Header.Meta[aae.ParamDataset].(string)
				agg, _ := c.Header.Meta[aae.ParamAggregation].(string)
				ref, _ = aae.ShippedHistory(ds, agg) // none for a model never shipped: no comparison
				refName = "the shipped " + ds + " " + aae.DisplayName(agg)
			}
			p = readProgress(h, c.Header.Meta, true, epochs, ref, refName)
		}
		if *asJSON {
			out := map[string]any{"checkpoint": c.Path, "variables": len(c.Header.Variables), "meta": c.Header.Meta}
			if err != nil {
				out["history_error"] = err.Error()
			} else {
				out["progress"] = p.jsonMap()
			}
			js, jerr := json.MarshalIndent(out, "", "  ")
			if jerr != nil {
				return fmt.Errorf("info: %w", jerr)
			}
			fmt.Fprintln(stdout, string(js))
			return nil
		}
		js, _ := json.MarshalIndent(c.Header.Meta, "", "  ")
		fmt.Fprintf(stdout, "%s: %d variables\n%s\n", c.Path, len(c.Header.Variables), js)
		if err != nil {
			fmt.Fprintf(stdout, "no training history beside it (%v)\n", err)
			return nil
		}
		p.write(stdout)
		return nil
	}
	b, choice, err := backend.New(*backendName)
	if err != nil {
		return err
	}
	if sub == "import" {
		return importReference(fs, store, b, *from, *ckpt, stdout)
	}
	switch sub {
	case "train":
		fmt.Fprintf(stdout, "backend %s; run folder %s\n", choice, aae.RunDir(store))
		command := "sparselab aae train " + strings.Join(args, " ")
		lastPrint := time.Now()
		ctx, release := training.InterruptContext(stderr)
		defer release()
		rep, err := aae.Train(ctx, b, store, command, func(p training.Progress) {
			if p.Eval != nil {
				fmt.Fprintf(stdout, "step %d: validation PSNR %.2f dB (%s)\n", p.Step, p.Eval["psnr"], p.Elapsed.Round(time.Second))
			} else if time.Since(lastPrint) > 30*time.Second {
				fmt.Fprintf(stdout, "step %d/%d: loss %.5f (%s)\n", p.Step, p.TotalSteps, p.Loss, p.Elapsed.Round(time.Second))
				lastPrint = time.Now()
			}
		})
		if rep != nil && rep.Result != nil {
			r := rep.Result
			fmt.Fprintf(stdout, "trained steps %d→%d in %s (%.2f steps/s, stopped by %s); best validation PSNR %.2f dB at step %d\n",
				r.StartStep, r.EndStep, r.Elapsed.Round(time.Second), r.StepsPerSecond, r.StoppedBy, rep.BestPSNR, rep.BestStep)
			if r.StoppedBy == "steps" && r.StartStep == r.EndStep {
				fmt.Fprintf(stdout, "nothing was trained: the run was already at step %d, --%s %d (it counts every step of the run); pass a larger --%s to go on\n",
					r.StartStep, params.ParamSteps, params.MustGet[int](store, params.ParamSteps), params.ParamSteps)
			}
			fmt.Fprintf(stdout, "checkpoints: %s (resume), %s (best)\n", rep.Last, rep.Best)
			// The whole run so far (this call and those it resumed): best validation, and what
			// training twice as long would give at the rate of its last doubling.
			h, herr := training.LoadHistory(rep.Last)
			c, cerr := training.ReadCheckpoint(rep.Last)
			if herr == nil && cerr == nil {
				fmt.Fprint(stdout, "the run so far: ")
				printProgress(stdout, h, c.Header.Meta)
			}
		}
		return err
	case "revive":
		return runAAERevive(b, store, *weights, *reviveImages, *reviveNoise, stdout)
	case "superres":
		return runAAESuperres(b, store, *weights, *asJSON, *outDir, stdout, stderr)
	case "atoms":
		if _, err := aae.LoadWeights(store, runWeights(store, *weights)); err != nil {
			return err
		}
		test, err := aae.LoadTest(params.MustGet[string](store, aae.ParamDataset), params.MustGet[int](store, aae.ParamTestOffset), params.MustGet[int](store, aae.ParamTestCount))
		if err != nil {
			return err
		}
		a, err := aae.NewAnalyzer(b, store)
		if err != nil {
			return err
		}
		defer a.Finalize()
		out := map[string]any{"dataset": params.MustGet[string](store, aae.ParamDataset), "aggregation": params.MustGet[string](store, aae.ParamAggregation),
			"test_offset": params.MustGet[int](store, aae.ParamTestOffset), "test_count": test.N, "threshold": aae.DefaultThreshold}
		figNorm := aae.NormClipped
		if *rawNorm {
			figNorm = aae.NormRaw
		}
		var figAct *aae.Activation
		for _, norm := range []aae.AtomNorm{aae.NormClipped, aae.NormRaw, aae.NormContribution, aae.NormGreedy} {
			act, err := a.ActivatedAtoms(test, aae.ActivationOptions{Norm: norm})
			if err != nil {
				return err
			}
			if norm == figNorm {
				figAct = act
			}
			out[norm.String()] = map[string]any{"mean": act.MeanCount, "std": act.StdCount, "histogram": act.Histogram, "mean_sorted_ratios": act.SortedMean, "mean_sorted_norms": act.SortedMeanNorm,
				"usage": act.Usage, "never_activated": act.Unused(0), "activated_in_at_most_1pct": act.Unused(0.01)}
			if !*asJSON {
				what := norm.String() + " atoms"
				switch norm {
				case aae.NormContribution:
					what = "atoms measured by what they add to the reconstruction, ‖x̂ − x̂₋ₖ‖, beyond the paper"
				case aae.NormGreedy:
					what = "atoms greedy selection needs to come within the threshold of x̂, beyond the paper"
				}
				fmt.Fprintf(stdout, "%s activated atoms per image (%s, threshold %.2f): %.2f ± %.2f over %d test images\n",
					strings.ToUpper(params.MustGet[string](store, aae.ParamAggregation)), what, aae.DefaultThreshold, act.MeanCount, act.StdCount, test.N)
				fmt.Fprintf(stdout, "  atoms never activated: %d of %d; in at most 1%% of the images: %d; share of images activating each atom:%s\n",
					act.Unused(0), len(act.Usage), act.Unused(0.01), formatUsage(act.Usage, 0))
			}
		}
		if a.Config().Aggregation == "max" {
			enc, err := a.Atoms(test)
			if err != nil {
				return err
			}
			share := enc.WinShare()
			never := aae.Idle(share)
			out["win_share"], out["never_max"] = share, never
			if !*asJSON {
				fmt.Fprintf(stdout, "atoms that are the pixelwise max nowhere (no gradient from the loss): %d of %d; share of pixels each atom sets:%s\n",
					never, len(share), formatUsage(share, 1))
			}
		}
		if *asJSON {
			js, _ := json.MarshalIndent(out, "", "  ")
			fmt.Fprintln(stdout, string(js))
		}
		ds, agg := params.MustGet[string](store, aae.ParamDataset), params.MustGet[string](store, aae.ParamAggregation)
		fig, err := aae.ActivationFigure(ds, []string{aae.DisplayName(agg)}, []*aae.Activation{figAct})
		if err != nil {
			return err
		}
		return saveFigure(stderr, fig, *outDir, "atoms-"+ds+"-"+agg)
	case "decompose", "traverse":
		w := *weights
		if w == "run" {
			w = aae.RunDir(store) + "/best.ckpt"
		}
		if _, err := aae.LoadWeights(store, w); err != nil {
			return err
		}
		test, err := aae.LoadTest(params.MustGet[string](store, aae.ParamDataset), params.MustGet[int](store, aae.ParamTestOffset), params.MustGet[int](store, aae.ParamTestCount))
		if err != nil {
			return err
		}
		a, err := aae.NewAnalyzer(b, store)
		if err != nil {
			return err
		}
		defer a.Finalize()
		name := params.MustGet[string](store, aae.ParamDataset) + "-" + params.MustGet[string](store, aae.ParamAggregation)
		var result any
		var fig *plotting.Figure
		if sub == "decompose" {
			var idx []int
			for _, f := range strings.Split(*images, ",") {
				var i int
				if _, err := fmt.Sscan(strings.TrimSpace(f), &i); err != nil {
					return fmt.Errorf("--images: %q is not an index", f)
				}
				if i < 0 || i >= test.N {
					return fmt.Errorf("--images: index %d is outside the %d test images loaded (--test_offset %d, --test_count %d): use 0 to %d, or raise --test_count",
						i, test.N, params.MustGet[int](store, aae.ParamTestOffset), params.MustGet[int](store, aae.ParamTestCount), test.N-1)
				}
				idx = append(idx, i)
			}
			norm := aae.NormClipped
			if *rawNorm {
				norm = aae.NormRaw
			}
			decs, err := a.Decompose(test, idx, aae.ActivationOptions{Norm: norm})
			if err != nil {
				return err
			}
			result, fig, err = decompositionFigure(decs, name, params.MustGet[int](store, aae.ParamTestOffset))
			if err != nil {
				return err
			}
			name = "decompose-" + name
		} else {
			if *steps < 2 {
				return fmt.Errorf("--traverse_steps %d: a traversal needs at least 2 images", *steps)
			}
			blk, crd, err := a.TraversalCoordinate(test, *block, *coord)
			if err != nil {
				return err
			}
			tr, err := a.Traverse(test, aae.TraversalOptions{Block: blk, Coord: crd, Steps: *steps})
			if err != nil {
				return err
			}
			result, fig, err = traversalFigure(tr, name, params.MustGet[int](store, aae.ParamTestOffset))
			if err != nil {
				return err
			}
			name = fmt.Sprintf("traverse-%s-b%d-c%d", name, blk, crd)
		}
		if *asJSON {
			js, _ := json.MarshalIndent(result, "", "  ")
			fmt.Fprintln(stdout, string(js))
		}
		return saveFigure(stderr, fig, *outDir, name)
	case "eval":
		w := *weights
		if w == "run" {
			w = aae.RunDir(store) + "/best.ckpt"
		}
		ev, err := aae.Evaluate(b, store, w)
		if err != nil {
			return err
		}
		if *asJSON {
			js, _ := json.MarshalIndent(ev, "", "  ")
			fmt.Fprintln(stdout, string(js))
			return nil
		}
		ev.WriteSummary(stdout)
	}
	return nil
}

// runAAESuperres runs Table 2 for one dataset: bilinear and bicubic baselines, and PGD with the
// AE, SUM-AAE and MAX-AAE as projectors.
func runAAESuperres(b compute.Backend, base *model.Store, weights string, asJSON bool, outDir string, stdout, stderr io.Writer) error {
	ds := params.MustGet[string](base, aae.ParamDataset)
	set, err := aae.SRSettings(base)
	if err != nil {
		return err
	}
	meas, err := aae.SRMeasurementOf(base)
	if err != nil {
		return err
	}
	test, err := aae.LoadTest(ds, params.MustGet[int](base, aae.ParamTestOffset), params.MustGet[int](base, aae.ParamTestCount))
	if err != nil {
		return err
	}
	prob, err := aae.NewSRProblemWith(b, test, meas)
	if err != nil {
		return err
	}
	defer prob.Finalize()
	type iteration struct {
		K            int     `json:"k"`
		MeanPSNR     float64 `json:"mean_psnr"`
		MeanResidual float64 `json:"mean_residual"`
		Active       int     `json:"active_images"`
	}
	type row struct {
		Method   string    `json:"method"`
		PSNRMean float64   `json:"psnr_mean"`
		PSNRStd  float64   `json:"psnr_std"`
		PSNR     []float64 `json:"psnr"`
		// PGD only: the projector's weights (a checkpoint path; empty for the shipped ones), the
		// step γ of the fixed rule and the mean statistics of every iterate x_k.
		Weights    string      `json:"weights,omitempty"`
		Step       float64     `json:"step,omitempty"`
		Iterations []iteration `json:"iterations,omitempty"`
	}
	// Checkpoint paths (not "run"), comma-separated, replace the shipped weights of the models
	// they record.
	own := map[string]string{} // aggregation → path
	if weights != "" && weights != "run" {
		for _, path := range strings.Split(weights, ",") {
			if path = strings.TrimSpace(path); path == "" {
				continue
			}
			c, err := training.ReadCheckpoint(path)
			if err != nil {
				return err
			}
			agg, _ := c.Header.Meta[aae.ParamAggregation].(string)
			if agg == "" {
				return fmt.Errorf("--weights %s records no aggregation (ae, sum or max): superres cannot tell which projector it is; evaluate it with `aae eval --aggregation A --weights %s`", path, path)
			}
			if prev, ok := own[agg]; ok {
				return fmt.Errorf("--weights gives two %s projectors, %s and %s: give one checkpoint per model", aae.DisplayName(agg), prev, path)
			}
			own[agg] = path
		}
	}
	var rows []row
	var shown []*aae.SRResult // bicubic and the PGD results, for the figures
	for _, grid := range []linop.Grid{linop.HalfPixel, linop.Decimated} {
		for _, m := range []linop.Interpolation{linop.Bilinear, linop.Bicubic} {
			r, err := prob.Baseline(b, m, grid)
			if err != nil {
				return err
			}
			rows = append(rows, row{Method: r.Method, PSNRMean: r.Sum.Mean, PSNRStd: r.Sum.Std, PSNR: r.PSNR})
			if m == linop.Bicubic && grid == linop.HalfPixel {
				shown = append(shown, r)
			}
		}
	}
	for _, agg := range []string{"ae", "sum", "max"} {
		store, err := aae.ModelStore(base, ds, agg)
		if err != nil {
			return err
		}
		w := own[agg] // "" (the shipped weights) unless a path holds this model's weights
		if weights == "run" {
			w = aae.RunDir(store) + "/best.ckpt"
		}
		c, err := aae.LoadWeights(store, w)
		if err != nil {
			return err
		}
		if weights != "" {
			fmt.Fprintf(stderr, "PGD-%s: weights %s\n", aae.DisplayName(agg), c.Path)
		}
		r, err := prob.PGD(b, store, aae.DisplayName(agg), set)
		if err != nil {
			return err
		}
		pr := row{Method: r.Method, PSNRMean: r.Sum.Mean, PSNRStd: r.Sum.Std, PSNR: r.PSNR, Step: r.PGD.Step}
		if w != "" {
			pr.Weights = c.Path
		}
		for _, it := range r.PGD.Iterations {
			pr.Iterations = append(pr.Iterations, iteration{it.Iteration, it.MeanPSNR(), it.MeanResidual(), it.Active})
		}
		rows = append(rows, pr)
		shown = append(shown, r)
	}
	name := ds + "-" + set.Rule.String()
	if !meas.IsPaper() {
		m := prob.Measurement
		name += fmt.Sprintf("-x%d-blur%g-noise%g", m.Factor, m.Sigma, m.Noise)
	}
	fig, err := aae.SuperResolutionFigure(fmt.Sprintf("super-resolution (%s; %s)", ds, prob.Measurement), test, shown, 6)
	if err != nil {
		return err
	}
	if err := saveFigure(stderr, fig, outDir, "superres-"+name); err != nil {
		return err
	}
	if fig, err = aae.PGDIterationFigure("PGD iterates ("+ds+")", shown...); err != nil {
		return err
	}
	if err := saveFigure(stderr, fig, outDir, "superres-iterations-"+name); err != nil {
		return err
	}
	if asJSON {
		js, _ := json.MarshalIndent(map[string]any{"dataset": ds, "test_offset": params.MustGet[int](base, aae.ParamTestOffset), "test_count": test.N,
			"measurement": prob.Measurement.String(), "paper_measurement": meas.IsPaper(), "pgd": aae.DescribePGD(set), "results": rows}, "", "  ")
		fmt.Fprintln(stdout, string(js))
		return nil
	}
	fmt.Fprintf(stdout, "super-resolution of %s test images (%d images; %s; PGD: %s), PSNR mean ± std (dB):\n", ds, test.N, prob.Measurement, aae.DescribePGD(set))
	for _, r := range rows {
		fmt.Fprintf(stdout, "  %-18s %.2f ± %.2f\n", r.Method, r.PSNRMean, r.PSNRStd)
	}
	if last := rows[len(rows)-1]; last.Step > 0 {
		fmt.Fprintf(stdout, "fixed step γ = %.4g\n", last.Step)
	}
	return nil
}

// decompositionFigure draws each decomposition as a row (aae.DecompositionFigure) and returns its
// JSON summary.
// index counts from --test_offset, test_index from the first test image.
func decompositionFigure(decs []aae.Decomposition, name string, offset int) (any, *plotting.Figure, error) {
	type row struct {
		Index     int       `json:"index"`
		TestIndex int       `json:"test_index"`
		Activated int       `json:"activated_atoms"`
		Blocks    []int     `json:"blocks_by_norm"`
		Ratios    []float64 `json:"norm_ratios"`
	}
	var rows []row
	for _, d := range decs {
		rows = append(rows, row{d.Index, offset + d.Index, d.Activated, d.Blocks, d.Ratios})
	}
	fig, err := aae.DecompositionFigure("Atom decompositions ("+name+"): image, reconstruction, atoms by norm ratio", decs, 0)
	return rows, fig, err
}

// traversalFigure draws a latent traversal (aae.TraversalFigure) and returns its JSON summary;
// base, argmin and argmax count from --test_offset, given as test_offset.
func traversalFigure(tr *aae.Traversal, name string, offset int) (any, *plotting.Figure, error) {
	fig, err := aae.TraversalFigure(fmt.Sprintf("Latent traversal (%s): θ[%d,%d] from %.2f to %.2f", name, tr.Block, tr.Coord, tr.Min, tr.Max), tr)
	summary := map[string]any{"block": tr.Block, "coord": tr.Coord, "base": tr.Base, "min": tr.Min, "max": tr.Max,
		"argmin": tr.ArgMin, "argmax": tr.ArgMax, "values": tr.Values, "test_offset": offset}
	return summary, fig, err
}

// saveFigure writes fig as dir/name.png, creating dir, and says so on log.
func saveFigure(log io.Writer, fig *plotting.Figure, dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	path := filepath.Join(dir, name+".png")
	if err := fig.Save(path); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(log, "wrote %s\n", path)
	return nil
}

// runWeights maps the --weights flag: "run" is the run folder's best checkpoint, "" the shipped weights.
func runWeights(store *model.Store, w string) string {
	if w == "run" {
		return aae.RunDir(store) + "/best.ckpt"
	}
	return w
}

// runHistory reads the training history of checkpoint path: the one beside it, else, for a run
// folder's best.ckpt, the run's (beside last.ckpt).
func runHistory(path string) (*training.Result, error) {
	h, err := training.LoadHistory(path)
	if err != nil && filepath.Base(path) == "best.ckpt" {
		if h, err2 := training.LoadHistory(filepath.Join(filepath.Dir(path), "last.ckpt")); err2 == nil {
			return h, nil
		}
	}
	return h, err
}

// formatUsage prints per-atom shares as percentages, blocks 0, 1, … in order.
func formatUsage(usage []float64, decimals int) string {
	var b strings.Builder
	for _, u := range usage {
		fmt.Fprintf(&b, " %.*f%%", decimals, 100*u)
	}
	return b.String()
}

// runAAERevive is `aae revive`: the idle atoms of a MAX-AAE's weights brought back, written as
// the run folder's checkpoint for `aae train` to go on from.
func runAAERevive(b compute.Backend, store *model.Store, weights string, images int, noise float64, stdout io.Writer) error {
	if images <= 0 {
		return fmt.Errorf("--revive_images must be positive, got %d", images)
	}
	rep, err := aae.ReviveRun(b, store, runWeights(store, weights), images, aae.ReviveSettings{Noise: noise, Seed: uint64(params.MustGet[int](store, params.ParamSeed))})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d of %d atoms are the pixelwise max nowhere on %d training images (share of pixels each atom sets:%s)\n",
		rep.From, len(rep.Idle), len(rep.WinShare), rep.Images, formatUsage(rep.WinShare, 1))
	if rep.To == "" {
		fmt.Fprintln(stdout, "no idle atom: nothing written")
		return nil
	}
	pairs := make([]string, len(rep.Idle))
	for i, k := range rep.Idle {
		pairs[i] = fmt.Sprintf("%d←%d", k, rep.Sources[i])
	}
	fmt.Fprintf(stdout, "gave the idle blocks the encoder weights of working ones (%s), noise %g; wrote %s at step %d\n",
		strings.Join(pairs, " "), rep.Noise, rep.To, rep.Step)
	fmt.Fprintf(stdout, "go on with `sparselab aae train --run_dir %s` and the weights' flags (e.g. --learning_rate 1e-4)\n", filepath.Dir(rep.To))
	return nil
}
