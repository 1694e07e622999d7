package main

import (
	"fmt"
	"io"

	"github.com/sparselab/sparselab/models/backend"
)

func init() {
	register(&command{
		name:    "backends",
		summary: "list the compute backends available here and the one that would be picked",
		run:     runBackends,
	})
}

func runBackends(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backends", "backends [--try] [--install-xla=cpu|cuda [--lib-dir=DIR]]", stderr)
	try := fs.Bool("try", false, "create each available backend and report its description")
	install := fs.String("install-xla", "", "download and install an XLA PJRT plugin: cpu or cuda (needs internet)")
	libDir := fs.String("lib-dir", "", "with --install-xla: the lib folder to install into (default ~/.local/lib)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *install != "" {
		if err := backend.InstallXLA(*install, *libDir); err != nil {
			return err
		}
	}
	choice, err := backend.Pick("")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "available: %s\n", joinQuoted(backend.Available()))
	fmt.Fprintf(stdout, "default:   %s\n", choice)
	if lib := backend.ONNXLibrary(); lib != "" {
		fmt.Fprintf(stdout, "onnx lib:  %s\n", lib)
	}
	if p := backend.XLAPlugin(); p != "" {
		fmt.Fprintf(stdout, "xla:       %s\n", p)
	}
	if *try {
		for _, name := range backend.Available() {
			b, c, err := backend.New(name)
			if err != nil {
				fmt.Fprintf(stdout, "  %-5s FAILED: %v\n", name, err)
				continue
			}
			fmt.Fprintf(stdout, "  %-5s %s — %s\n", name, c.Config, b.Description())
		}
	}
	return nil
}
