package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/sparselab/sparselab/models/aae"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
)

func init() {
	register(&command{
		name:    "aae",
		summary: "paper 000, max-sparsity atomic autoencoders: aae train | eval | export | info",
		run:     runAAE,
	})
}

func runAAE(args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	fs := newFlagSet("aae "+sub, "aae train|eval|export|info [flags]  (flags have the notebook's names)", stderr)
	store, err := params.NewStore(aae.Specs()...)
	if err != nil {
		return err
	}
	if err := params.RegisterFlags(fs, store); err != nil {
		return err
	}
	backendName := fs.String("backend", "", "GoMLX backend (default: $GOMLX_BACKEND or the best available)")
	weights := fs.String("weights", "", "eval: checkpoint to evaluate: a path, \"run\" for the run folder's best.ckpt, or empty for the shipped weights")
	asJSON := fs.Bool("json", false, "eval: print the result as JSON")
	exportTo := fs.String("to", "models/aae/weights", "export: folder receiving <dataset>-<aggregation>.ckpt")
	switch sub {
	case "train", "eval", "export", "info":
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
