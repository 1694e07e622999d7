package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/kernelext"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/gan"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/solvers/invert"
)

func init() {
	register(&command{name: "invert", summary: "paper 001: random-weights sweep, MNIST GAN training and inversion/inpainting", run: runInvert})
}

const invertSynopsis = "invert sweep|run|check|gan-train|gan-sample|gan-export|gan-info [flags]  (flags have the notebook's names)"

func runInvert(args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "gan-train", "gan-sample", "gan-export", "gan-info":
		return runGAN(sub, args, stdout, stderr)
	case "sweep", "run", "check":
	case "", "-h", "--help", "-help":
		fs := newFlagSet("invert", invertSynopsis, stderr)
		fs.Usage()
		return errUsage
	default:
		return fmt.Errorf("unknown invert sub-command %q: want sweep, run, check, gan-train, gan-sample, gan-export or gan-info", sub)
	}
	fs := newFlagSet("invert "+sub, invertSynopsis, stderr)
	store, err := paramFlags(fs, gan.ExperimentSpecs()...)
	if err != nil {
		return err
	}
	backendName := fs.String("backend", "", "GoMLX backend for gradient descent (default: $GOMLX_BACKEND or the best available)")
	outDir := fs.String("out", "out/invert", "folder for the JSON results and PNG figures")
	weights := fs.String("weights", "", "run, check: GAN checkpoint (default: the shipped weights)")
	if err := parse(fs, args); err != nil {
		return err
	}
	net, err := loadGANNetwork(*weights, sub)
	if err != nil {
		return err
	}
	if sub == "check" {
		return runInvertCheck(net, store, stdout)
	}
	b, choice, err := backend.New(*backendName)
	if err != nil {
		return err
	}
	defer b.Finalize()
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backend %s (gradient descent)\n", choice)
	switch sub {
	case "sweep":
		s, err := gan.SweepSettings(store, b)
		if err != nil {
			return err
		}
		last := -1
		s.Progress = func(done, total int) {
			if pct := 10 * done / total; pct != last {
				last = pct
				fmt.Fprintf(stdout, "  %d/%d inversions\n", done, total)
			}
		}
		res, err := invert.Sweep(s)
		if err != nil {
			return err
		}
		printSweep(stdout, res)
		if err := writeJSON(filepath.Join(*outDir, "sweep.json"), res); err != nil {
			return err
		}
		fig, err := gan.SweepFigure(res)
		if err != nil {
			return err
		}
		path := filepath.Join(*outDir, "fig4-random-weights-sweep.png")
		if err := fig.Save(path); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s and %s (%s)\n", filepath.Join(*outDir, "sweep.json"), path, res.Duration.Round(1e9))
		return nil
	default: // run
		s, err := gan.InversionSettings(store, b)
		if err != nil {
			return err
		}
		res, err := invert.InvertSamples(net, s)
		if err != nil {
			return err
		}
		printInversion(stdout, res)
		mask := params.MustGet[string](store, gan.ParamMask)
		base := filepath.Join(*outDir, "gan-"+mask)
		if err := writeJSON(base+".json", res); err != nil {
			return err
		}
		fig, err := gan.SNRFigure(res, "mask "+mask)
		if err != nil {
			return err
		}
		if err := fig.Save(base + "-snr.png"); err != nil {
			return err
		}
		if len(res.Methods) >= 2 {
			for _, c := range [][2]string{{res.Methods[1], res.Methods[0]}, {res.Methods[0], res.Methods[1]}} {
				idx := res.Cases(c[0], c[1], 6)
				if len(idx) == 0 {
					continue
				}
				fig, err := gan.CasesFigure(res, idx, res.Methods, fmt.Sprintf("%s better than %s", c[0], c[1]))
				if err != nil {
					return err
				}
				if err := fig.Save(fmt.Sprintf("%s-cases-%s-vs-%s.png", base, c[0], c[1])); err != nil {
					return err
				}
			}
		}
		fmt.Fprintf(stdout, "wrote %s.json and figures %s-*.png\n", base, base)
		return nil
	}
}

func loadGANNetwork(weights, sub string) (*invert.Network, error) {
	if sub == "sweep" {
		return nil, nil
	}
	if weights == "" {
		return gan.Shipped()
	}
	return gan.LoadNetwork(weights)
}

func runInvertCheck(net *invert.Network, store *model.Store, stdout io.Writer) error {
	rng := rand.New(rand.NewPCG(uint64(params.MustGet[int](store, gan.ParamInvertSeed)), 7))
	for i := range 3 {
		z := invert.RandomLatent(rng, net.LatentSize())
		fmt.Fprintf(stdout, "sample %d:\n%s\n", i, invert.CheckUniqueness(net, z))
	}
	return nil
}

// printSweep prints the sweep's summary table (the one notebook 02 shows).
func printSweep(w io.Writer, res *invert.SweepResult) {
	fmt.Fprint(w, kernelext.TextTable(gan.SweepSummaryHeader, gan.SweepSummaryRows(res)))
}

// printInversion prints the inversion experiment's summary table (the one notebook 02 shows).
func printInversion(w io.Writer, res *invert.InversionResult) {
	fmt.Fprintf(w, "mask %s: %d observed pixels of %d; sizes %v\n", res.Mask, res.Observed, res.Sizes[len(res.Sizes)-1], res.Sizes)
	fmt.Fprint(w, kernelext.TextTable(gan.InversionSummaryHeader(res), gan.InversionSummaryRows(res)))
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.WriteFile(path, data, 0o644)
}
