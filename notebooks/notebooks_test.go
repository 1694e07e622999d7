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
	"strings"
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
			// Fresh run folders: every test run trains from scratch instead of resuming a checkpoint.
			env := []string{"SPARSELAB_RUNS=" + t.TempDir()}
			r, err := nbrun.Run(ctx, nb, nbrun.Options{OutDir: out, Quick: true, CellTimeout: 15 * time.Minute, Env: env})
			if r != nil {
				t.Log(r.Summary())
				for _, c := range r.Cells {
					t.Logf("  cell %2d %-8s %8s  %s", c.Index, c.Status, c.Duration.Round(time.Second), c.FirstLine)
				}
			}
			if err != nil {
				if r != nil && r.Stderr != "" {
					t.Logf("tail of nbconvert's stderr without the kernel's info lines (full log beside the executed notebook):\n%s",
						lastBytes(dropInfoLines(r.Stderr), 3000))
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

// dropInfoLines removes the kernel's klog info lines ("I1125 00:31:29.358491 ...").
func dropInfoLines(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if len(l) > 5 && l[0] == 'I' && strings.IndexFunc(l[1:5], func(r rune) bool { return r < '0' || r > '9' }) < 0 {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
