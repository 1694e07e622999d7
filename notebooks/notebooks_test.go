// Package notebooks_test executes every notebook in this folder through the GoNB kernel, in
// quick mode, and fails if any of them fails (see notebooks/nbrun for what "fails" means).
//
// Skipped with -short. When Jupyter or GoNB is missing the test is skipped, unless
// SPARSELAB_REQUIRE_NOTEBOOKS=1 (set by `make test`), where it fails. Executed notebooks, their
// HTML and logs go to $SPARSELAB_NOTEBOOK_OUT, default <repo>/out/notebooks. Run one notebook
// with `go test ./notebooks -run 'TestNotebooks/00-getting-started'`.
package notebooks_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sparselab/sparselab/notebooks/nbrun"
)

func TestNotebooks(t *testing.T) {
	if testing.Short() {
		t.Skip("executes every notebook through the GoNB kernel; skipped with -short")
	}
	require := os.Getenv("SPARSELAB_REQUIRE_NOTEBOOKS") == "1"
	skipOrFail := func(format string, args ...any) {
		t.Helper()
		if require {
			t.Fatalf("SPARSELAB_REQUIRE_NOTEBOOKS=1 but "+format, args...)
		}
		t.Skipf("skipping: "+format, args...)
	}
	if _, err := nbrun.FindSetup("", ""); err != nil {
		skipOrFail("%v", err)
	}
	notebooks, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if len(notebooks) == 0 {
		skipOrFail("there are no notebooks in %s", mustGetwd(t))
	}
	out := os.Getenv("SPARSELAB_NOTEBOOK_OUT")
	if out == "" {
		out = filepath.Join("..", "out", "notebooks")
	}
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		// Leave time to report before `go test -timeout` kills the binary.
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-30*time.Second))
		defer cancel()
	}
	for _, nb := range notebooks {
		name := nb[:len(nb)-len(filepath.Ext(nb))]
		t.Run(name, func(t *testing.T) {
			r, err := nbrun.Run(ctx, nb, nbrun.Options{OutDir: out, Quick: true, CellTimeout: 15 * time.Minute})
			if r != nil {
				t.Log(r.Summary())
				for _, c := range r.Cells {
					t.Logf("  cell %2d %-8s %8s  %s", c.Index, c.Status, c.Duration.Round(time.Second), c.FirstLine)
				}
			}
			if err != nil {
				if r != nil && r.Stderr != "" {
					t.Logf("tail of nbconvert's stderr (full log beside the executed notebook):\n%s", lastBytes(r.Stderr, 3000))
				}
				t.Error(err)
			}
		})
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
