package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/solvers/lasso"
)

func init() {
	register(&command{
		name:    "solve",
		summary: "sparse coding on .npy files: solve lasso --dict D.npy --signals X.npy --lambda λ --out Z.npy",
		run:     runSolve,
	})
}

const solveSynopsis = `solve lasso --dict D.npy --signals X.npy --lambda λ --out Z.npy [flags]

Solves min_z ½‖D·z − x‖² + λ‖z‖₁ (with --nonneg also z ≥ 0) for every signal x by FISTA or ISTA.
D is [m, k] (m values per signal, k atoms). X is [n, m], one signal per row as NumPy and PyTorch
store batches (Z is written [n, k]); or [m, n], one signal per column (Z is written [k, n]); or
[m], one signal (Z is [k]). --layout auto reads X as rows when its second axis has m entries,
else as columns. Z is float64 if D or X is stored in float64, else float32 (--dtype changes it).`

func runSolve(args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	fs := newFlagSet("solve "+sub, solveSynopsis, stderr)
	dict := fs.String("dict", "", "dictionary D, a .npy array [m, k]")
	signals := fs.String("signals", "", "signals X, a .npy array [n, m] (rows), [m, n] (columns) or [m]")
	out := fs.String("out", "", "output .npy file for the codes Z")
	lambda := fs.Float64("lambda", 0.1, "λ (with --relative: the fraction of each signal's λ_max = ‖Dᵀx‖∞)")
	relative := fs.Bool("relative", false, "λ_b = lambda·‖Dᵀx_b‖∞ per signal (lambda ≥ 1 gives z = 0)")
	nonneg := fs.Bool("nonneg", false, "constrain z ≥ 0")
	method := fs.String("method", "fista", "fista or ista")
	iters := fs.Int("iters", lasso.DefaultMaxIterations, "maximum number of iterations")
	tol := fs.Float64("tol", lasso.DefaultTolerance, "stop when every signal's relative change ‖z_k − z_{k−1}‖/‖z_k‖ ≤ tol (negative: never)")
	chunk := fs.Int("chunk", lasso.DefaultChunk, "iterations per compiled graph call")
	lipschitz := fs.Float64("lipschitz", 0, "L ≥ ‖D‖₂², the inverse step (0: power iteration)")
	backtrack := fs.Bool("backtracking", false, "Beck–Teboulle backtracking on L, per signal")
	layout := fs.String("layout", lasso.LayoutAuto, "how X holds the signals: auto, rows ([n, m]) or columns ([m, n])")
	dtype := fs.String("dtype", "auto", "computation and output dtype: auto, float32 or float64")
	batch := fs.Int("batch", lasso.DefaultFileBatch, "signals solved per call")
	backendName := fs.String("backend", "", "GoMLX backend (default: $GOMLX_BACKEND or the best available)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	quiet := fs.Bool("quiet", false, "no per-batch progress lines")
	switch sub {
	case "lasso":
	case "", "-h", "--help", "-help":
		fs.Usage()
		return errUsage
	default:
		fs.Usage()
		return fmt.Errorf("unknown solve problem %q: want lasso", sub)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dict == "" || *signals == "" || *out == "" {
		fs.Usage()
		return fmt.Errorf("--dict, --signals and --out are required")
	}
	m, err := lasso.ParseMethod(*method)
	if err != nil {
		return err
	}
	if *tol == 0 {
		return fmt.Errorf("--tol 0 would mean the default; give a positive tolerance, or a negative one to never stop early")
	}
	if *iters <= 0 || *chunk <= 0 || *batch <= 0 {
		return fmt.Errorf("--iters, --chunk and --batch must be positive")
	}
	b, choice, err := backend.New(*backendName)
	if err != nil {
		return err
	}
	job := lasso.NPYJob{
		Dict: *dict, Signals: *signals, Out: *out, Lambda: *lambda, Relative: *relative,
		Layout: *layout, DType: *dtype, Batch: *batch,
		Settings: lasso.Settings{Method: m, NonNegative: *nonneg, MaxIterations: *iters, Tolerance: *tol,
			Chunk: *chunk, Lipschitz: *lipschitz, Backtracking: *backtrack},
	}
	if !*quiet && !*asJSON {
		job.Progress = stdout
		fmt.Fprintf(stdout, "backend %s\n", choice)
	}
	rep, err := lasso.SolveNPY(b, job)
	if err != nil {
		return err
	}
	if *asJSON {
		js, _ := json.MarshalIndent(struct {
			*lasso.NPYReport
			Backend string  `json:"backend"`
			Method  string  `json:"method"`
			Seconds float64 `json:"seconds"`
			Out     string  `json:"out"`
		}{rep, choice.Config, m.String(), rep.Runtime.Seconds(), *out}, "", "  ")
		fmt.Fprintln(stdout, string(js))
		return nil
	}
	fmt.Fprintf(stdout, "%s: %d signals of %d values, %d atoms (%s, %s), L = %.6g\n", m, rep.N, rep.M, rep.K, rep.Layout, rep.DType, rep.Lipschitz)
	fmt.Fprintf(stdout, "up to %d iterations, %d of %d batches converged; mean objective %.6g, mean non-zeros %.2f of %d\n",
		rep.Iterations, rep.Converged, rep.Batches, rep.MeanObjective, rep.MeanNonZeros, rep.K)
	fmt.Fprintf(stdout, "wrote %s in %s\n", *out, rep.Runtime.Round(time.Millisecond))
	return nil
}
