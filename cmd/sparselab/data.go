package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/sparselab/sparselab/datasets"
)

func init() {
	register(&command{
		name:    "data",
		summary: "list datasets, or fetch them into the cache (checksummed, offline sources first)",
		run:     runData,
	})
}

func runData(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data", "data list [-v] | data fetch NAME...", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	switch rest[0] {
	case "list":
		dir, err := datasets.CacheDir()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "cache: %s\n", dir)
		verbose := len(rest) > 1 && rest[1] == "-v"
		for _, n := range datasets.Names() {
			d := datasets.Describe(n)
			if !verbose {
				d, _, _ = strings.Cut(d, "\n")
				d = strings.TrimPrefix(d, n+" — ")
			}
			fmt.Fprintf(stdout, "  %-14s %s\n", n, d)
		}
		return nil
	case "fetch":
		if len(rest) < 2 {
			return fmt.Errorf("fetch: name one or more datasets: %s", joinQuoted(datasets.Names()))
		}
		for _, n := range rest[1:] {
			dir, err := datasets.Fetch(n, stdout)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: %s\n", n, dir)
		}
		return nil
	default:
		return fmt.Errorf("unknown data sub-command %q: want list or fetch", rest[0])
	}
}
