package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/sparselab/sparselab/notebooks/nbrun"
)

func init() {
	register(&command{
		name:    "notebook",
		summary: "execute notebooks headless through the GoNB kernel and check their outputs",
		run:     runNotebook,
	})
}

func runNotebook(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("notebook", "notebook run [--quick] [--out DIR] [--cell-timeout 15m] NOTEBOOK.ipynb...", stderr)
	if len(args) == 0 || args[0] != "run" {
		fs.Usage()
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return errUsage
	}
	quick := fs.Bool("quick", false, "quick configuration (sets SPARSELAB_QUICK=1 for the kernel)")
	out := fs.String("out", "out/notebooks", "folder for the executed notebooks, their HTML copies and logs")
	cellTimeout := fs.Duration("cell-timeout", 0, "interrupt a cell running longer than this (0: 15m with --quick, 60m without: a full-mode cell can evaluate 600 test images per model several times on a CPU)")
	verbose := fs.Bool("v", false, "stream nbconvert's and the kernel's log to stderr")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("name one or more notebooks (e.g. notebooks/*.ipynb)")
	}
	switch {
	case *cellTimeout < 0:
		return fmt.Errorf("--cell-timeout %v must be 0 (the default) or more", *cellTimeout)
	case *cellTimeout == 0 && *quick:
		*cellTimeout = 15 * time.Minute
	case *cellTimeout == 0:
		*cellTimeout = 60 * time.Minute
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	abs, _ := filepath.Abs(*out)
	failed := 0
	for _, nb := range fs.Args() {
		if st, err := os.Stat(nb); err != nil || st.IsDir() || filepath.Ext(nb) != ".ipynb" {
			return fmt.Errorf("%q is not a notebook file (want an existing .ipynb file)", nb)
		}
	}
	for _, nb := range fs.Args() {
		fmt.Fprintf(stdout, "▶ %s ...\n", nb)
		opts := nbrun.Options{OutDir: *out, Quick: *quick, CellTimeout: *cellTimeout}
		if *verbose {
			opts.Log = stderr
		}
		res, err := nbrun.Run(ctx, nb, opts)
		if err != nil && res == nil {
			if errors.Is(err, nbrun.ErrSetup) {
				return fmt.Errorf("%w\n(run `make setup` or `scripts/setup.sh` first)", err)
			}
			return err
		}
		if res.OK() {
			fmt.Fprintf(stdout, "✔ %s\n", res.Summary())
		} else {
			failed++
			fmt.Fprintf(stdout, "✘ %s\n%v\n", nb, res.Err())
			if res.Stderr != "" {
				fmt.Fprintf(stdout, "  log tail:\n%s\n", res.Stderr)
			}
		}
	}
	fmt.Fprintf(stdout, "executed notebooks and HTML copies are in %s\n", abs)
	if failed > 0 {
		return fmt.Errorf("%d of %d notebook(s) failed", failed, fs.NArg())
	}
	return nil
}
