package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/gan"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
)

// runGAN implements `sparselab invert gan-train|gan-sample|gan-export|gan-info`.
func runGAN(sub string, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("invert "+sub, "invert gan-train|gan-sample|gan-export|gan-info [flags]", stderr)
	store, err := paramFlags(fs, gan.Specs()...)
	if err != nil {
		return err
	}
	backendName := fs.String("backend", "", "GoMLX backend (default: $GOMLX_BACKEND or the best available)")
	weights := fs.String("weights", "", "gan-sample, gan-info: GAN checkpoint (default: the shipped weights)")
	out := fs.String("out", "", "gan-sample: PNG file (default out/invert/gan-samples.png); gan-export: folder receiving "+gan.ShippedName+" (default models/gan/weights)")
	count := fs.Int("count", 64, "gan-sample: number of samples")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch sub {
	case "gan-export":
		dir := *out
		if dir == "" {
			dir = "models/gan/weights"
		}
		src := filepath.Join(gan.RunDir(store), "last.ckpt")
		if _, err := os.Stat(src); err != nil {
			return fmt.Errorf("no GAN training run to export at %s: train one with `sparselab invert gan-train` (same --run_dir): %w", src, err)
		}
		dst := filepath.Join(dir, gan.ShippedName)
		if err := training.ExportWeights(src, dst, map[string]any{"exported_from": src}); err != nil {
			return err
		}
		if hist, err := training.LoadHistory(src); err == nil {
			if err := hist.SaveJSON(strings.TrimSuffix(dst, ".ckpt") + ".history.json"); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "exported the weights of %s to %s\n", src, dst)
		return nil
	case "gan-info":
		c, err := gan.ShippedCheckpoint()
		if *weights != "" {
			c, err = training.ReadCheckpoint(*weights)
		}
		if err != nil {
			return err
		}
		js, _ := json.MarshalIndent(c.Header.Meta, "", "  ")
		fmt.Fprintf(stdout, "%s: %d variables\n%s\n", c.Path, len(c.Header.Variables), js)
		return nil
	case "gan-sample":
		net, err := gan.Shipped()
		if *weights != "" {
			net, err = gan.LoadNetwork(*weights)
		}
		if err != nil {
			return err
		}
		fig, err := gan.SampleFigure(net, *count, uint64(params.MustGet[int](store, params.ParamSeed)))
		if err != nil {
			return err
		}
		path := *out
		if path == "" {
			path = "out/invert/gan-samples.png"
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := fig.Save(path); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d samples to %s\n", *count, path)
		return nil
	}
	choice, err := backend.Pick(*backendName)
	if err != nil {
		return err
	}
	b, choice, err := backend.New(gan.SafeBackendConfig(choice.Config))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backend %s; run folder %s\n", choice, gan.RunDir(store))
	command := "sparselab invert gan-train " + strings.Join(args, " ")
	last := time.Now()
	ctx, release := training.InterruptContext(stderr)
	defer release()
	rep, err := gan.Train(ctx, b, store, command, 0, func(p training.Progress) {
		if p.Eval != nil {
			fmt.Fprintf(stdout, "step %d: L_D %.3f  L_G %.3f  D(x) %.3f  D(G(z)) %.3f (%s)\n", p.Step,
				p.Eval["loss_d"], p.Eval["loss_g"], p.Eval["d_real"], p.Eval["d_fake"], p.Elapsed.Round(time.Second))
		} else if time.Since(last) > 30*time.Second {
			fmt.Fprintf(stdout, "step %d/%d: L_D + L_G %.4f (%s)\n", p.Step, p.TotalSteps, p.Loss, p.Elapsed.Round(time.Second))
			last = time.Now()
		}
	})
	if rep != nil && rep.Result != nil {
		r := rep.Result
		fmt.Fprintf(stdout, "trained steps %d→%d in %s (%.2f steps/s, stopped by %s); checkpoint %s\n",
			r.StartStep, r.EndStep, r.Elapsed.Round(time.Second), r.StepsPerSecond, r.StoppedBy, rep.Last)
	}
	return err
}
