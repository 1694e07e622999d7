// Command sparselab runs sparselab's experiments, data downloads, notebooks and benchmarks from a
// terminal. Every experiment's parameters have the same names here as the flags of its notebook.
//
//	sparselab <command> [flags]
//	sparselab help <command>
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/params"
)

// command is one sub-command of the CLI.
type command struct {
	name    string
	summary string
	// run parses args (everything after the command name) and does the work.
	run func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// errUsage marks an error whose message is a usage text already printed.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintf(w, `sparselab — sparse representations in deep generative models, in Go.

Usage:
  sparselab <command> [flags]
  sparselab help <command>     flags of one command

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, `
Environment:
  GOMLX_BACKEND     backend: go, onnx[:cpu], xla[:cuda|cpu|/path/plugin.so] (default: best available)
  SPARSELAB_CACHE   cache folder (default ~/.cache/sparselab): ONNX Runtime, datasets
  SPARSELAB_DATA    dataset folder (default $SPARSELAB_CACHE/data)
`)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(stdout)
		return 0
	}
	name := args[0]
	if name == "help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				_ = c.run([]string{"-h"}, stdout, stderr)
				return 0
			}
			fmt.Fprintf(stderr, "sparselab: unknown command %q\n", args[1])
			return 2
		}
		usage(stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "sparselab: unknown command %q; run `sparselab --help` for the list\n", name)
		return 2
	}
	if err := c.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintln(stderr, errorLine(name, err))
		return 1
	}
	return 0
}

// newFlagSet returns a FlagSet for a command that prints its usage to stderr and returns errors
// instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sparselab "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: sparselab %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// paramFlags returns a store holding the hyperparameters specs, each registered as a flag of fs
// (the notebooks' parameter names).
func paramFlags(fs *flag.FlagSet, specs ...params.Spec) (*model.Store, error) {
	store, err := params.NewStore(specs...)
	if err != nil {
		return nil, err
	}
	if err := params.RegisterFlags(fs, store); err != nil {
		return nil, err
	}
	return store, nil
}

// parse parses fs, turning a usage error into errUsage (the usage text is already printed).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

func joinQuoted(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// errorLine is the line a failed command prints: "sparselab <command>: <error>", without the
// package prefix that library errors of the same name carry ("aae: …" under `sparselab aae`).
func errorLine(command string, err error) string {
	return fmt.Sprintf("sparselab %s: %s", command, strings.TrimPrefix(err.Error(), command+": "))
}
