package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/aae"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
	"github.com/sparselab/sparselab/solvers/linop"
)

func init() {
	register(&command{
		name:    "aae",
		summary: "paper 000, max-sparsity atomic autoencoders: aae train | eval | superres | export | info",
		run:     runAAE,
	})
}

func runAAE(args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	fs := newFlagSet("aae "+sub, "aae train|eval|superres|export|info [flags]  (flags have the notebook's names)", stderr)
	store, err := params.NewStore(aae.Specs()...)
	if err != nil {
		return err
	}
	if err := params.RegisterFlags(fs, store); err != nil {
		return err
	}
	backendName := fs.String("backend", "", "GoMLX backend (default: $GOMLX_BACKEND or the best available)")
	weights := fs.String("weights", "", "eval, superres: checkpoint to evaluate: a path, \"run\" for the run folder's best.ckpt, or empty for the shipped weights")
	asJSON := fs.Bool("json", false, "eval: print the result as JSON")
	exportTo := fs.String("to", "models/aae/weights", "export: folder receiving <dataset>-<aggregation>.ckpt")
	switch sub {
	case "train", "eval", "export", "info", "superres":
	default:
		fs.Usage()
		return errUsage
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := aae.Resolve(store); err != nil {
		return err
	}
	switch sub {
	case "export":
		src := aae.RunDir(store) + "/best.ckpt"
		dst := filepath.Join(*exportTo, aae.ShippedName(params.MustGet[string](store, aae.ParamDataset), params.MustGet[string](store, aae.ParamAggregation)))
		if err := training.ExportWeights(src, dst, map[string]any{"exported_from": src}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "exported the weights of %s to %s\n", src, dst)
		// The training history (losses, validations) goes beside the weights for the notebook's curves.
		if hist, err := training.LoadHistory(aae.RunDir(store) + "/last.ckpt"); err == nil {
			if err := hist.SaveJSON(strings.TrimSuffix(dst, ".ckpt") + ".history.json"); err != nil {
				return err
			}
		}
		return nil
	case "info":
		var c *training.Checkpoint
		var err error
		if *weights == "" {
			c, err = aae.Shipped(params.MustGet[string](store, aae.ParamDataset), params.MustGet[string](store, aae.ParamAggregation))
		} else {
			c, err = training.ReadCheckpoint(*weights)
		}
		if err != nil {
			return err
		}
		js, _ := json.MarshalIndent(c.Header.Meta, "", "  ")
		fmt.Fprintf(stdout, "%s: %d variables\n%s\n", c.Path, len(c.Header.Variables), js)
		return nil
	}
	b, choice, err := backend.New(*backendName)
	if err != nil {
		return err
	}
	switch sub {
	case "train":
		fmt.Fprintf(stdout, "backend %s; run folder %s\n", choice, aae.RunDir(store))
		command := "sparselab aae train " + strings.Join(args, " ")
		lastPrint := time.Now()
		rep, err := aae.Train(b, store, command, func(p training.Progress) {
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
			fmt.Fprintf(stdout, "checkpoints: %s (resume), %s (best)\n", rep.Last, rep.Best)
		}
		return err
	case "superres":
		return runAAESuperres(b, store, *weights, *asJSON, stdout)
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
func runAAESuperres(b compute.Backend, base *model.Store, weights string, asJSON bool, stdout io.Writer) error {
	ds := params.MustGet[string](base, aae.ParamDataset)
	test, err := aae.LoadTest(ds, params.MustGet[int](base, aae.ParamTestOffset), params.MustGet[int](base, aae.ParamTestCount))
	if err != nil {
		return err
	}
	prob, err := aae.NewSRProblem(b, test)
	if err != nil {
		return err
	}
	type row struct {
		Method   string    `json:"method"`
		PSNRMean float64   `json:"psnr_mean"`
		PSNRStd  float64   `json:"psnr_std"`
		PSNR     []float64 `json:"psnr"`
	}
	var rows []row
	for _, m := range []linop.Interpolation{linop.Bilinear, linop.Bicubic} {
		r, err := prob.Baseline(b, m)
		if err != nil {
			return err
		}
		rows = append(rows, row{r.Method, r.Sum.Mean, r.Sum.Std, r.PSNR})
	}
	for _, agg := range []string{"ae", "sum", "max"} {
		store, err := aae.ModelStore(base, ds, agg)
		if err != nil {
			return err
		}
		w := weights
		if w == "run" {
			w = aae.RunDir(store) + "/best.ckpt"
		}
		if _, err := aae.LoadWeights(store, w); err != nil {
			return err
		}
		r, err := prob.PGD(b, store, strings.ToUpper(agg), nil)
		if err != nil {
			return err
		}
		rows = append(rows, row{r.Method, r.Sum.Mean, r.Sum.Std, r.PSNR})
	}
	if asJSON {
		js, _ := json.MarshalIndent(map[string]any{"dataset": ds, "test_offset": params.MustGet[int](base, aae.ParamTestOffset), "test_count": test.N, "results": rows}, "", "  ")
		fmt.Fprintln(stdout, string(js))
		return nil
	}
	fmt.Fprintf(stdout, "×2 super-resolution of %s test images (%d images), PSNR mean ± std (dB):\n", ds, test.N)
	for _, r := range rows {
		fmt.Fprintf(stdout, "  %-12s %.2f ± %.2f\n", r.Method, r.PSNRMean, r.PSNRStd)
	}
	return nil
}
