// Package nbrun executes a Jupyter notebook through the real GoNB kernel, headless, and decides
// whether it worked.
//
// Execution is `jupyter nbconvert --to notebook --execute --allow-errors` with the "gonb"
// kernel (installed by scripts/setup.sh with -go_work=<repo>, so cells can import sparselab's
// packages), followed by `jupyter nbconvert --to html` of the executed copy. The kernel inherits
// nbrun's environment with PATH extended by `go env GOROOT`/bin and GOBIN (or GOPATH/bin), so
// GoNB finds `go`, `goimports` and `gonb`. With [Options.Quick] the environment variable
// SPARSELAB_QUICK=1 (params.EnvQuick) reaches every cell, where params.QuickFromEnv and the
// "quick" parameter read it. The kernel's working directory is the notebook's folder.
//
// nbconvert alone is not a test: it exits 0 when a cell panics, calls os.Exit(2) or runs a
// failing shell command, and later cells keep running. nbrun therefore reads the executed
// notebook (nbformat 4 JSON, https://nbformat.readthedocs.io/en/latest/format_description.html)
// and reports a problem for every
//
//   - output of type "error" (GoNB publishes one for compile errors and for a cell program that
//     exits non-zero, panics included);
//   - stream text with a Go panic ("panic: …"), a runtime "fatal error: …", "exit status N" with
//     N ≠ 0 (what GoNB prints when a `!shell` command or the cell program fails), "signal: …"
//     (killed, interrupted), a "GoNB Error:" report, or a time-out;
//   - code cell that was not executed;
//   - expectation of the notebook's metadata that is not met ([Expect]).
//
// Cells are interrupted after [Options.CellTimeout]; the whole run is bounded by the context
// and [Options.Timeout], after which nbconvert, the kernel and the cell program are stopped.
//
// # Writing a notebook that nbrun (and `make test`) accepts
//
// The first code cell switches off GoNB's automatic `go get` and imports sparselab's packages;
// the kernel's go.work makes the repository and its pinned dependencies (go.mod) available, so
// no `replace` trick is needed:
//
//	%noautoget
//	import (
//		"github.com/sparselab/sparselab/kernelext"
//		"github.com/sparselab/sparselab/models/params"
//	)
//
//	var store = params.MustCommandLine(params.Merge(params.Common(),
//		params.Spec{Name: params.ParamSteps, Default: 3000, Quick: 30, Help: "training steps"})...)
//
// (`%noautoget` makes every import resolve from the repository's build list; with automatic
// `go get`, a cell importing a module directly, e.g. gonbui, asks the module proxy for its
// latest version, which fails when the proxy refuses it and may pick other versions than
// go.mod's.) Later cells are `%%` cells, optionally with flags named like the parameters
// (`%% --steps=300`); quick mode reaches them through SPARSELAB_QUICK=1, i.e. the "quick"
// parameter and the Quick defaults of the specs. Output goes through kernelext (figures, images,
// tables, Markdown, progress); nothing may wait for input (no widgets, no RequestInput). The
// notebook's metadata declares what it must produce:
//
//	"metadata": {"sparselab": {"expect": {"images": 3, "tables": 1, "text": ["PSNR"]}}}
//
// Give every cell an "id" (nbformat 4.5) to keep nbformat from warning.
package nbrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sparselab/sparselab/models/params"
)

// EnvQuick is the environment variable set to "1" for quick runs (the same as params.EnvQuick).
const EnvQuick = params.EnvQuick

// KernelName is the Jupyter kernel nbrun uses by default.
const KernelName = "gonb"

// ErrSetup marks errors caused by a missing or incomplete Jupyter/GoNB installation (as opposed
// to a notebook that fails): callers may skip rather than fail on it.
var ErrSetup = errors.New("jupyter/GoNB setup incomplete")

// Options configure [Run]. The zero value is usable.
type Options struct {
	// OutDir receives <name>.ipynb (executed), <name>.html and <name>.log (nbconvert's and the
	// kernel's standard error). Default: $TMPDIR/sparselab-nbrun.
	OutDir string
	// Quick sets SPARSELAB_QUICK=1 for the kernel. When false the variable is inherited as is.
	Quick bool
	// Env holds extra KEY=VALUE entries for the kernel (they override inherited ones).
	Env []string
	// CellTimeout interrupts a cell that runs longer (default 10 minutes).
	CellTimeout time.Duration
	// Timeout bounds the whole run (0: only the context's deadline).
	Timeout time.Duration
	// NoHTML skips the HTML export.
	NoHTML bool
	// Kernel is the kernel name (default "gonb").
	Kernel string
	// Jupyter is the jupyter command (default: "jupyter" on PATH, else /usr/bin/jupyter).
	Jupyter string
	// Log, if not nil, receives nbconvert's standard error as it runs.
	Log io.Writer
}

// Setup describes the tools nbrun found.
type Setup struct {
	Jupyter    string // jupyter command
	GoBin      string // folder of the go command
	ToolBin    string // folder of gonb and goimports (GOBIN or GOPATH/bin)
	KernelArgv []string
	GoWork     string // the kernel's -go_work folder ("" if none)
}

type setupKey struct{ jupyter, kernel string }

type setupResult struct {
	setup *Setup
	err   error
}

var (
	setupMu    sync.Mutex
	setupCache = map[setupKey]setupResult{}
)

// FindSetup looks for jupyter (with nbconvert), go, goimports and the GoNB kernelspec. Its
// errors wrap [ErrSetup] and say how to install what is missing. The answer is remembered for
// the life of the process (asking jupyter takes seconds).
func FindSetup(jupyter, kernel string) (*Setup, error) {
	if kernel == "" {
		kernel = KernelName
	}
	setupMu.Lock()
	defer setupMu.Unlock()
	key := setupKey{jupyter, kernel}
	if r, ok := setupCache[key]; ok {
		return r.setup, r.err
	}
	s, err := findSetup(jupyter, kernel)
	setupCache[key] = setupResult{s, err}
	return s, err
}

func findSetup(jupyter, kernel string) (*Setup, error) {
	s := &Setup{}
	var err error
	if s.Jupyter, err = findJupyter(jupyter); err != nil {
		return nil, err
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("%w: the go command is not on PATH", ErrSetup)
	}
	out, err := exec.Command(goCmd, "env", "-json", "GOROOT", "GOBIN", "GOPATH").Output()
	if err != nil {
		return nil, fmt.Errorf("%w: `go env` failed: %v", ErrSetup, err)
	}
	var env struct{ GOROOT, GOBIN, GOPATH string }
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("%w: reading `go env -json`: %v", ErrSetup, err)
	}
	s.GoBin = filepath.Join(env.GOROOT, "bin")
	s.ToolBin = env.GOBIN
	if s.ToolBin == "" {
		s.ToolBin = filepath.Join(filepath.SplitList(env.GOPATH)[0], "bin")
	}
	for _, tool := range []string{"goimports", "gonb"} {
		if _, err := os.Stat(filepath.Join(s.ToolBin, tool)); err != nil {
			if _, perr := exec.LookPath(tool); perr != nil {
				return nil, fmt.Errorf("%w: %s is neither in %s nor on PATH (run scripts/setup.sh tools)", ErrSetup, tool, s.ToolBin)
			}
		}
	}
	out, err = exec.Command(s.Jupyter, "kernelspec", "list", "--json").Output()
	if err != nil {
		return nil, fmt.Errorf("%w: `%s kernelspec list` failed: %v (run scripts/setup.sh jupyter)", ErrSetup, s.Jupyter, err)
	}
	var specs struct {
		Kernelspecs map[string]struct {
			Spec struct {
				Argv []string `json:"argv"`
			} `json:"spec"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &specs); err != nil {
		return nil, fmt.Errorf("%w: reading `jupyter kernelspec list --json`: %v", ErrSetup, err)
	}
	ks, ok := specs.Kernelspecs[kernel]
	if !ok || len(ks.Spec.Argv) == 0 {
		return nil, fmt.Errorf("%w: Jupyter has no %q kernel (run scripts/setup.sh tools)", ErrSetup, kernel)
	}
	s.KernelArgv = ks.Spec.Argv
	if _, err := os.Stat(ks.Spec.Argv[0]); err != nil && !strings.Contains(ks.Spec.Argv[0], "{") {
		if _, perr := exec.LookPath(ks.Spec.Argv[0]); perr != nil {
			return nil, fmt.Errorf("%w: the %q kernel runs %s, which does not exist (run scripts/setup.sh tools)", ErrSetup, kernel, ks.Spec.Argv[0])
		}
	}
	for _, a := range ks.Spec.Argv {
		for _, p := range []string{"-go_work=", "--go_work="} {
			if v, ok := strings.CutPrefix(a, p); ok {
				s.GoWork = v
			}
		}
	}
	return s, nil
}

// modulePath is the module whose packages the notebooks import.
const modulePath = "github.com/sparselab/sparselab"

// checkGoWork refuses to run a notebook when the kernel's go.work member goWork (the checkout
// whose packages the cells import) does not exist, or when the notebook lies in another
// checkout of sparselab than goWork: the cells would import that checkout's packages, or fail
// to start. Both happen after scripts/setup.sh ran in another clone of the repository.
func checkGoWork(notebookPath, goWork, kernel string) error {
	if goWork == "" {
		return nil
	}
	if st, err := os.Stat(goWork); err != nil || !st.IsDir() {
		return fmt.Errorf("%w: the %q kernel imports sparselab from %s (its go.work member), which does not exist: run scripts/setup.sh tools in the checkout you work in", ErrSetup, kernel, goWork)
	}
	abs, err := filepath.Abs(notebookPath)
	if err != nil {
		return nil
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if raw, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			if goModModule(raw) == modulePath && !sameDir(dir, goWork) {
				return fmt.Errorf("%w: %s belongs to the sparselab checkout %s, but the %q kernel imports sparselab from %s: run scripts/setup.sh tools in %s", ErrSetup, notebookPath, dir, kernel, goWork, dir)
			}
			return nil
		}
		if filepath.Dir(dir) == dir {
			return nil
		}
	}
}

// goModModule returns the module path declared in a go.mod file ("" if none).
func goModModule(goMod []byte) string {
	for _, line := range strings.Split(string(goMod), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// sameDir reports whether a and b name the same folder (after resolving symbolic links).
func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

func findJupyter(jupyter string) (string, error) {
	candidates := []string{jupyter}
	if jupyter == "" {
		candidates = []string{"jupyter", "/usr/bin/jupyter"}
	}
	for _, c := range candidates {
		p, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if err := exec.Command(p, "nbconvert", "--version").Run(); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no jupyter command with nbconvert (tried %s; run scripts/setup.sh jupyter)", ErrSetup, strings.Join(candidates, ", "))
}

// Env returns the environment for the kernel: the current one with PATH extended by the go
// and tool folders, SPARSELAB_QUICK=1 if quick, then extra.
func (s *Setup) Env(quick bool, extra []string) []string {
	env := os.Environ()
	path := os.Getenv("PATH")
	env = append(env, "PATH="+s.GoBin+string(os.PathListSeparator)+s.ToolBin+string(os.PathListSeparator)+path)
	if quick {
		env = append(env, EnvQuick+"=1")
	}
	return append(env, extra...)
}

// Run executes a notebook and checks the executed copy (see the package documentation). The
// returned error is nil only if the notebook ran without problems; it wraps [ErrSetup] when
// the tools are missing (then the Result is nil). Otherwise the Result is not nil and describes
// what happened, even when the error is not nil.
func Run(ctx context.Context, notebookPath string, opts Options) (*Result, error) {
	if _, err := os.Stat(notebookPath); err != nil {
		return nil, fmt.Errorf("nbrun: notebook: %w", err)
	}
	setup, err := FindSetup(opts.Jupyter, opts.Kernel)
	if err != nil {
		return nil, err
	}
	kernel := opts.Kernel
	if kernel == "" {
		kernel = KernelName
	}
	if err := checkGoWork(notebookPath, setup.GoWork, kernel); err != nil {
		return nil, err
	}
	cellTimeout := opts.CellTimeout
	if cellTimeout <= 0 {
		cellTimeout = 10 * time.Minute
	}
	outDir := opts.OutDir
	if outDir == "" {
		outDir = filepath.Join(os.TempDir(), "sparselab-nbrun")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("nbrun: creating output folder: %w", err)
	}
	stem := strings.TrimSuffix(filepath.Base(notebookPath), ".ipynb")
	executed := filepath.Join(outDir, stem+".ipynb")
	if abs, err := filepath.Abs(notebookPath); err == nil {
		if absOut, err := filepath.Abs(executed); err == nil && abs == absOut {
			return nil, fmt.Errorf("nbrun: the output folder %s would overwrite the notebook itself; choose another Options.OutDir", outDir)
		}
	}
	_ = os.Remove(executed) // never check a stale copy
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	env := setup.Env(opts.Quick, opts.Env)

	logPath := filepath.Join(outDir, stem+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("nbrun: creating log file: %w", err)
	}
	defer logFile.Close()
	tail := &tailBuffer{max: 8 << 10}
	stderr := io.MultiWriter(logFile, tail)
	if opts.Log != nil {
		stderr = io.MultiWriter(stderr, opts.Log)
	}

	secs := int((cellTimeout + time.Second - 1) / time.Second)
	args := []string{"nbconvert", "--to", "notebook", "--execute", "--allow-errors",
		"--ExecutePreprocessor.kernel_name=" + kernel,
		fmt.Sprintf("--ExecutePreprocessor.timeout=%d", secs),
		"--ExecutePreprocessor.interrupt_on_timeout=True",
		"--output-dir", outDir, "--output", stem, notebookPath}
	start := time.Now()
	runErr := runCommand(ctx, setup.Jupyter, args, env, stderr)
	duration := time.Since(start)

	r := &Result{Notebook: notebookPath}
	if _, err := os.Stat(executed); err == nil {
		checked, cerr := Check(executed)
		if cerr != nil {
			r.Problems = append(r.Problems, cerr.Error())
		} else {
			r = checked
			r.Notebook = notebookPath
		}
	} else {
		r.Problems = append(r.Problems, "nbconvert wrote no executed notebook")
	}
	r.Duration = duration
	r.Stderr = tail.String()
	if ctx.Err() != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("timed out: the run was stopped after %s (%v)", duration.Round(time.Second), ctx.Err()))
	} else if runErr != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("nbconvert failed (%v): %s", runErr, lastLines(r.Stderr, 3)))
	}
	if strings.Contains(r.Stderr, "Timeout waiting for execute reply") {
		timedOut := false
		for i, c := range r.Cells {
			if c.Duration >= cellTimeout-time.Second {
				r.Cells[i].Status = "failed"
				r.Cells[i].Problems = append(r.Cells[i].Problems, "timed out")
				r.Problems = append(r.Problems, fmt.Sprintf("cell %d %q: timed out after %s (Options.CellTimeout); interrupted", c.Index, c.FirstLine, c.Duration.Round(time.Second)))
				timedOut = true
			}
		}
		if !timedOut {
			r.Problems = append(r.Problems, fmt.Sprintf("a cell timed out (Options.CellTimeout %s)", cellTimeout))
		}
	}
	if r.Executed != "" && !opts.NoHTML && ctx.Err() == nil {
		htmlArgs := []string{"nbconvert", "--to", "html", "--output-dir", outDir, "--output", stem, executed}
		if err := runCommand(ctx, setup.Jupyter, htmlArgs, env, logFile); err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("HTML export failed (%v); see %s", err, logPath))
		} else {
			r.HTML = filepath.Join(outDir, stem+".html")
		}
	}
	return r, r.Err()
}

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if extra := t.buf.Len() - t.max; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return t.buf.String() }

// lastLines returns the last n non-empty lines that are not kernel log lines (klog "I1125 …").
func lastLines(s string, n int) string {
	var keep []string
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0 && len(keep) < n; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || (len(l) > 5 && strings.ContainsRune("IWE", rune(l[0])) && l[1] >= '0' && l[1] <= '9') {
			continue
		}
		keep = append([]string{l}, keep...)
	}
	return strings.Join(keep, " | ")
}
