package nbrun

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests run small notebooks through the real GoNB kernel. They are skipped with -short,
// and when Jupyter or GoNB is missing unless SPARSELAB_REQUIRE_NOTEBOOKS=1.

// writeNotebook writes an nbformat 4 notebook with the given code cells and metadata.
func writeNotebook(t *testing.T, dir, name string, metadata map[string]any, cells ...string) string {
	t.Helper()
	type cell struct {
		CellType       string         `json:"cell_type"`
		ID             string         `json:"id"`
		Metadata       map[string]any `json:"metadata"`
		ExecutionCount *int           `json:"execution_count"`
		Outputs        []any          `json:"outputs"`
		Source         string         `json:"source"`
	}
	md := map[string]any{"kernelspec": map[string]string{"name": "gonb", "display_name": "Go (gonb)", "language": "go"}}
	for k, v := range metadata {
		md[k] = v
	}
	nb := map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": md}
	var cs []cell
	for i, src := range cells {
		cs = append(cs, cell{CellType: "code", ID: "c" + string(rune('a'+i)), Metadata: map[string]any{}, Outputs: []any{}, Source: src})
	}
	nb["cells"] = cs
	data, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func requireKernel(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs notebooks through the GoNB kernel; skipped with -short")
	}
	if _, err := FindSetup("", ""); err != nil {
		if os.Getenv("SPARSELAB_REQUIRE_NOTEBOOKS") == "1" {
			t.Fatalf("SPARSELAB_REQUIRE_NOTEBOOKS=1 but: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

// demoImports is the first cell recommended by the package documentation; gonbui is imported
// directly to check that %noautoget lets modules the proxy refuses resolve from go.work.
const demoImports = `%noautoget
import (
	"bytes"
	"image"
	"image/color"
	"image/png"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/sparselab/sparselab/kernelext"
	"github.com/sparselab/sparselab/models/params"
)

var store = params.MustCommandLine(params.Common()...)
`

const demoMain = `%% --steps=7
fmt.Println("steps:", params.MustGet[int](store, params.ParamSteps), "quick:", params.QuickFromEnv(), "notebook:", gonbui.IsNotebook)
must(kernelext.Markdown("## Demo\nSome *Markdown* with $x^2$."))
h, rows := params.Table(store)
must(kernelext.Table("Parameters", h, rows))
img := image.NewGray(image.Rect(0, 0, 32, 32))
for i := range img.Pix {
	img.Pix[i] = uint8(i)
}
img.Set(0, 0, color.Gray{255})
var buf bytes.Buffer
must(png.Encode(&buf, img))
must(kernelext.PNG("gradient", buf.Bytes()))
p := kernelext.NewProgress("loop", 5)
for i := 1; i <= 5; i++ {
	p.Update(i, "")
}
p.Done("done")
`

const demoHelpers = `func must(err error) {
	if err != nil {
		panic(err)
	}
}
`

func TestRunRealKernel(t *testing.T) {
	requireKernel(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if keep := os.Getenv("NBRUN_TEST_OUT"); keep != "" {
		out = keep // keep the executed notebooks for inspection
	}
	ctx := context.Background()

	t.Run("clean", func(t *testing.T) {
		nb := writeNotebook(t, dir, "demo.ipynb",
			map[string]any{"sparselab": map[string]any{"expect": map[string]any{"images": 1, "tables": 1, "text": []string{"steps: 7 quick: true notebook: true"}}}},
			demoImports+"\n"+demoHelpers, demoMain)
		start := time.Now()
		r, err := Run(ctx, nb, Options{OutDir: out, Quick: true, CellTimeout: 5 * time.Minute})
		if err != nil {
			if r != nil {
				t.Logf("stderr tail:\n%s", r.Stderr)
			}
			t.Fatal(err)
		}
		t.Logf("%s (wall %s)", r.Summary(), time.Since(start).Round(100*time.Millisecond))
		for _, c := range r.Cells {
			t.Logf("  cell %d %-8s %6s %q", c.Index, c.Status, c.Duration.Round(10*time.Millisecond), c.FirstLine)
		}
		if r.Counts.Images != 1 || r.Counts.Tables != 1 {
			t.Errorf("counts %+v, want 1 image and 1 table", r.Counts)
		}
		html, err := os.ReadFile(r.HTML)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"data:image/png;base64", "<table", "loop"} {
			if !strings.Contains(string(html), w) {
				t.Errorf("HTML export lacks %q", w)
			}
		}
	})

	t.Run("panic", func(t *testing.T) {
		nb := writeNotebook(t, dir, "panics.ipynb", nil,
			"%%\nfmt.Println(\"before\")\n", "%%\npanic(\"deliberate\")\n", "!echo shell; exit 3\n", "%%\nfmt.Println(\"after\")\n")
		r, err := Run(ctx, nb, Options{OutDir: out, NoHTML: true, CellTimeout: 5 * time.Minute})
		if err == nil || r == nil {
			t.Fatalf("Run of a panicking notebook: err=%v, want a failure", err)
		}
		if errors.Is(err, ErrSetup) {
			t.Fatal(err)
		}
		all := strings.Join(r.Problems, "\n")
		for _, w := range []string{"stderr: panic: deliberate", "stderr: exit status 3"} {
			if !strings.Contains(all, w) {
				t.Errorf("problems lack %q:\n%s", w, all)
			}
		}
		var statuses []string
		for _, c := range r.Cells {
			statuses = append(statuses, c.Status)
		}
		if got := strings.Join(statuses, ","); got != "ok,failed,failed,ok" {
			t.Errorf("statuses %s, want ok,failed,failed,ok (problems:\n%s)", got, all)
		}
	})

	// The cells below sleep ten minutes and the runs must end well before: the bounds tell an
	// interrupted run from one that sleeps to the end, not how fast the kernel is (on a loaded
	// machine starting the kernel and compiling a cell alone can take a minute).
	t.Run("cell timeout", func(t *testing.T) {
		nb := writeNotebook(t, dir, "sleeps.ipynb", nil,
			"%%\nfmt.Println(\"sleeping\")\ntime.Sleep(10 * time.Minute)\n")
		start := time.Now()
		r, err := Run(ctx, nb, Options{OutDir: out, NoHTML: true, CellTimeout: 3 * time.Second})
		if err == nil || r == nil {
			t.Fatalf("Run of a sleeping notebook: err=%v, want a failure", err)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Minute {
			t.Errorf("the run took %s: the cell was not interrupted", elapsed)
		}
		if all := strings.Join(r.Problems, "\n"); !strings.Contains(all, "timed out") {
			t.Errorf("problems do not mention the time-out:\n%s", all)
		}
		t.Logf("problems:\n%s", strings.Join(r.Problems, "\n"))
	})

	t.Run("run timeout", func(t *testing.T) {
		nb := writeNotebook(t, dir, "sleeps-long.ipynb", nil,
			"%%\nfmt.Println(\"sleeping\")\ntime.Sleep(10 * time.Minute)\n")
		start := time.Now()
		r, err := Run(ctx, nb, Options{OutDir: out, NoHTML: true, Timeout: 8 * time.Second})
		if err == nil || r == nil {
			t.Fatalf("Run past its Timeout: err=%v, want a failure", err)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Minute {
			t.Errorf("the run took %s after an 8 s Timeout", elapsed)
		}
		if all := strings.Join(r.Problems, "\n"); !strings.Contains(all, "timed out: the run was stopped") {
			t.Errorf("problems do not mention the time-out:\n%s", all)
		}
	})
}
