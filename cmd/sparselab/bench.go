package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/aae"
	"github.com/sparselab/sparselab/models/autoenc"
	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/solvers"
	"github.com/sparselab/sparselab/solvers/lasso"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "time training steps on every backend here and in PyTorch; write a Markdown report",
		run:     runBench,
	})
}

// benchRow is one measured workload.
type benchRow struct {
	Workload    string  `json:"workload"`
	Framework   string  `json:"framework"`
	Backend     string  `json:"backend"`
	Channels    int     `json:"channels,omitempty"` // c of paper 000's autoencoders: 8 (MNIST sizes), 32 (Fashion-MNIST)
	Batch       int     `json:"batch"`
	Seconds     float64 `json:"seconds_per_step"`
	Steps       int     `json:"steps_timed"`
	ImagesPerS  float64 `json:"images_per_s"`
	GFLOPs      float64 `json:"gflop_per_s"`
	CompileSecs float64 `json:"first_step_s,omitempty"`
	Error       string  `json:"error,omitempty"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "bench [--out DIR] [--backends go,onnx] [--models max,sum,ae] [--channels 8,32] [--min-time 10s] [--pgd-images 100]", stderr)
	out := fs.String("out", "out/bench", "folder for report.md and results.json")
	backends := fs.String("backends", "", "comma-separated backends (default: every one available here)")
	models := fs.String("models", "max,sum,ae", "aggregations to time: max (MAX-AAE), sum (SUM-AAE), ae")
	batch := fs.Int("batch", aae.DefaultBatchSize, "batch size")
	channelList := fs.String("channels", "8,32", "comma-separated c of the autoencoders to time (8: the MNIST models' sizes, 32: the Fashion-MNIST models')")
	minTime := fs.Duration("min-time", 10*time.Second, "time each workload at least this long (after warm-up)")
	maxSteps := fs.Int("max-steps", 500, "time at most this many steps per workload")
	python := fs.String("python", "/usr/bin/python3", "Python with torch for the PyTorch peer (\"\" to skip)")
	fista := fs.Bool("fista", true, "also time FISTA (784×1024 dictionary, 256 signals, 100 iterations; paper 001)")
	pgdImages := fs.Int("pgd-images", 100, "also time PGD super-resolution (paper 000's Table 2: steps {1, 10, 5}, 15 iterations) on this many images per solve (0 to skip)")
	if err := parse(fs, args); err != nil {
		return err
	}
	names := backend.Available()
	if *backends != "" {
		names = strings.Split(*backends, ",")
		for _, n := range names {
			if _, err := backend.Pick(n); errors.Is(err, backend.ErrUnknown) {
				return fmt.Errorf("--backends: %w", err)
			}
		}
	}
	var channels []int
	for _, f := range strings.Split(*channelList, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 2 || c%2 != 0 {
			return fmt.Errorf("--channels %q: want even numbers of at least 2, comma-separated (8: MNIST sizes, 32: Fashion-MNIST sizes)", *channelList)
		}
		channels = append(channels, c)
	}
	switch {
	case *batch < 1, *maxSteps < 1:
		return fmt.Errorf("--batch (%d) and --max-steps (%d) must be positive", *batch, *maxSteps)
	case *pgdImages < 0:
		return fmt.Errorf("--pgd-images %d must be 0 (skip) or more", *pgdImages)
	case *minTime < 0:
		return fmt.Errorf("--min-time %v must be 0 or more", *minTime)
	}
	aggs := strings.Split(*models, ",")
	for _, a := range aggs {
		if _, err := aae.AggregatorByName(a); err != nil {
			return err
		}
	}
	var rows []benchRow
	add := func(r benchRow, unit string) {
		if r.Error != "" {
			fmt.Fprintf(stdout, "  failed: %s\n", r.Error)
		} else {
			fmt.Fprintf(stdout, "  %.3f s/%s, %.1f images/s (first %s %.1f s)\n", r.Seconds, unit, r.ImagesPerS, unit, r.CompileSecs)
		}
		rows = append(rows, r)
	}
	for _, bname := range names {
		for _, c := range channels {
			for _, agg := range aggs {
				fmt.Fprintf(stdout, "timing %s on %s (batch %d, c=%d)...\n", agg, bname, *batch, c)
				add(benchAAE(bname, agg, *batch, c, *minTime, *maxSteps), "step")
			}
		}
	}
	for _, bname := range names {
		for _, c := range channels {
			for _, agg := range aggs {
				if *pgdImages > 0 {
					fmt.Fprintf(stdout, "timing PGD super-resolution with the %s projector (c=%d) on %s (%d images)...\n", agg, c, bname, *pgdImages)
					add(benchPGD(bname, agg, *pgdImages, c, *minTime, *maxSteps), "solve")
				}
			}
		}
	}
	if *fista {
		for _, bname := range names {
			fmt.Fprintf(stdout, "timing FISTA on %s...\n", bname)
			rows = append(rows, benchFISTA(bname, *minTime, *maxSteps))
		}
	}
	if *python != "" {
		fmt.Fprintf(stdout, "timing PyTorch (%s scripts/bench_torch.py)...\n", *python)
		trows, err := benchTorch(*python, *models, *batch, channels, *minTime, *maxSteps, *fista, *pgdImages)
		if err != nil {
			fmt.Fprintf(stdout, "  PyTorch peer skipped: %v\n", err)
		}
		rows = append(rows, trows...)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(rows, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "results.json"), js, 0o644); err != nil {
		return err
	}
	report := benchReport(rows)
	path := filepath.Join(*out, "report.md")
	if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s\nwrote %s and results.json\n", report, path)
	return nil
}

func randomBatch(rng *rand.Rand, batch int) []float32 {
	data := make([]float32, batch*aae.ImageSize*aae.ImageSize)
	for i := range data {
		data[i] = rng.Float32()
	}
	return data
}

// timeWorkload times one workload on backend bname with an untrained model of the given
// aggregation and channels: setup builds it and returns the function to time, which runs once
// (compilation and set-up: row.CompileSecs), warm more times, then as often as minTime and maxRuns
// allow; then the cleanup setup returned (if any) frees what it built. It fills row.Backend,
// row.Seconds and row.Steps, or row.Error.
func timeWorkload(row *benchRow, bname, agg string, channels, warm int, minTime time.Duration, maxRuns int,
	setup func(compute.Backend, *model.Store) (run func() error, cleanup func(), err error)) {
	defer func() {
		if r := recover(); r != nil {
			row.Error = fmt.Sprint(r)
		}
	}()
	b, choice, err := backend.New(bname)
	if err != nil {
		row.Error = err.Error()
		return
	}
	row.Backend = choice.Config
	store := model.NewStore()
	store.SetParam(aae.ParamAggregation, agg)
	store.SetParam(aae.ParamChannels, channels)
	run, cleanup, err := setup(b, store)
	if err != nil {
		row.Error = err.Error()
		return
	}
	if cleanup != nil {
		defer cleanup()
	}
	t0 := time.Now()
	for i := 0; i <= warm; i++ {
		if err := run(); err != nil {
			row.Error = err.Error()
			return
		}
		if i == 0 {
			row.CompileSecs = time.Since(t0).Seconds()
		}
	}
	n, t1 := 0, time.Now()
	for n < maxRuns && (n == 0 || time.Since(t1) < minTime) {
		if err := run(); err != nil {
			row.Error = err.Error()
			return
		}
		n++
	}
	row.Seconds, row.Steps = time.Since(t1).Seconds()/float64(n), n
}

// benchAAE times one training step (forward, backward, Adam) of paper 000's autoencoder.
func benchAAE(bname, agg string, batch, channels int, minTime time.Duration, maxSteps int) benchRow {
	row := benchRow{Workload: "aae-train-step/" + agg, Framework: "GoMLX v0.28.2", Backend: bname, Channels: channels, Batch: batch}
	timeWorkload(&row, bname, agg, channels, 1, minTime, maxSteps, func(b compute.Backend, store *model.Store) (func() error, func(), error) {
		trainer := aae.NewTrainer(b, store)
		data := randomBatch(rand.New(rand.NewPCG(1, 2)), batch)
		return func() error {
			t := tensors.FromShape(shapes.Make(dtypes.Float32, batch, aae.ImageSize, aae.ImageSize, 1))
			t.MutableFlatData(func(flat any) { copy(flat.([]float32), data) })
			_, err := trainer.TrainStep(train.Batch{Inputs: []*tensors.Tensor{t}})
			return err
		}, nil, nil
	})
	if row.Error != "" {
		return row
	}
	row.ImagesPerS = float64(batch) / row.Seconds
	cfg := aae.Config{Aggregation: agg, Channels: channels, Blocks: aae.DefaultBlocks, BlockSize: aae.DefaultBlockSize}
	row.GFLOPs = 3 * 2 * float64(aae.ForwardMACs(cfg)) * float64(batch) / row.Seconds / 1e9
	return row
}

// benchPGD times paper 000's super-resolution (Table 2): the reference code's PGD (steps
// {1, 10, 5}, 15 iterations, so 45 projections) on a batch of random images, with an untrained
// autoencoder of the given aggregation as projector (the cost does not depend on the weights).
func benchPGD(bname, agg string, images, channels int, minTime time.Duration, maxRuns int) benchRow {
	row := benchRow{Workload: "pgd-superres-x2/" + agg, Framework: "GoMLX v0.28.2", Backend: bname, Channels: channels, Batch: images}
	timeWorkload(&row, bname, agg, channels, 0, minTime, maxRuns, func(b compute.Backend, store *model.Store) (func() error, func(), error) {
		truth := &datasets.Images{Name: "random", N: images, Height: aae.ImageSize, Width: aae.ImageSize, Channels: 1,
			Pixels: randomBatch(rand.New(rand.NewPCG(3, 4)), images)}
		prob, err := aae.NewSRProblem(b, truth)
		if err != nil {
			return nil, nil, err
		}
		prob.Finalize() // only its measurements and operator are used
		pgd, err := solvers.NewPGD(b, prob.Op)
		if err != nil {
			return nil, nil, err
		}
		ae := autoenc.New(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node { return aae.New(scope, x).Done() })
		proj := solvers.ImagesProjector(ae.Reconstruct)
		// A negative tolerance never stops early: every solve does all 15 iterations.
		settings := &solvers.PGDSettings{Rule: solvers.BestResidualStep, Tolerance: -1}
		return func() error {
				_, err := pgd.Solve(prob.Y, proj, settings)
				return err
			}, func() {
				ae.Finalize()
				pgd.Finalize()
			}, nil
	})
	if row.Error == "" {
		row.ImagesPerS = float64(images) / row.Seconds
	}
	return row
}

func benchFISTA(bname string, minTime time.Duration, maxRuns int) benchRow {
	row := benchRow{Workload: "fista-784x1024-b256-100it", Framework: "GoMLX v0.28.2", Backend: bname}
	b, choice, err := backend.New(bname)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	row.Backend = choice.Config
	r, err := lasso.BenchFISTA(b, &lasso.BenchOptions{MinTime: minTime, MaxRuns: maxRuns})
	if err != nil {
		row.Error = err.Error()
		return row
	}
	row.Seconds, row.Steps, row.GFLOPs, row.CompileSecs = r.Seconds, r.Runs, r.GFLOPs, r.FirstSeconds
	return row
}

func benchTorch(python, models string, batch int, channels []int, minTime time.Duration, maxSteps int, fista bool, pgdImages int) ([]benchRow, error) {
	cs := make([]string, len(channels))
	for i, c := range channels {
		cs[i] = strconv.Itoa(c)
	}
	if _, err := os.Stat("scripts/bench_torch.py"); err != nil {
		return nil, fmt.Errorf("run from the repository root (scripts/bench_torch.py not found)")
	}
	workloads := "aae"
	if fista {
		workloads += ",fista"
	}
	if pgdImages > 0 {
		workloads += ",pgd"
	}
	cmd := exec.Command(python, "scripts/bench_torch.py", "--workloads", workloads, "--models", models, "--channels", strings.Join(cs, ","),
		"--batch", strconv.Itoa(batch), "--pgd-images", strconv.Itoa(pgdImages), "--min-time", fmt.Sprint(minTime.Seconds()),
		"--max-iters", strconv.Itoa(maxSteps), "--threads", strconv.Itoa(runtime.NumCPU()))
	// OpenBLAS settings that this workplace sets for old builds slow current ones down; the peer
	// runs with the library's own choice of kernels.
	cmd.Env = filterEnv(os.Environ(), "OPENBLAS_CORETYPE=", "OPENBLAS_L2_SIZE=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s (install it with `scripts/setup.sh torch`)", err, strings.TrimSpace(stderr.String()))
	}
	var rows []benchRow
	sc := bufio.NewScanner(bytes.NewReader(outb))
	for sc.Scan() {
		var r struct {
			Workload   string  `json:"workload"`
			Channels   int     `json:"channels"`
			Batch      int     `json:"batch"`
			Seconds    float64 `json:"seconds"`
			Iters      int     `json:"iters"`
			ImagesPerS float64 `json:"images_per_s"`
			Framework  string  `json:"framework"`
			Device     string  `json:"device"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue
		}
		if strings.HasPrefix(r.Workload, "fista") {
			rows = append(rows, benchRow{Workload: r.Workload, Framework: r.Framework, Backend: "torch-" + r.Device,
				Seconds: r.Seconds, Steps: r.Iters, GFLOPs: 4 * 784 * 1024 * 256 * 100 / r.Seconds / 1e9})
			continue
		}
		if strings.HasPrefix(r.Workload, "pgd") {
			rows = append(rows, benchRow{Workload: r.Workload, Framework: r.Framework, Backend: "torch-" + r.Device,
				Channels: r.Channels, Batch: r.Batch, Seconds: r.Seconds, Steps: r.Iters, ImagesPerS: r.ImagesPerS})
			continue
		}
		agg := strings.TrimPrefix(r.Workload, "aae-train-step/")
		cfg := aae.Config{Aggregation: agg, Channels: r.Channels, Blocks: aae.DefaultBlocks, BlockSize: aae.DefaultBlockSize}
		rows = append(rows, benchRow{Workload: r.Workload, Framework: r.Framework, Backend: "torch-" + r.Device,
			Channels: r.Channels, Batch: r.Batch, Seconds: r.Seconds, Steps: r.Iters, ImagesPerS: r.ImagesPerS,
			GFLOPs: 3 * 2 * float64(aae.ForwardMACs(cfg)) * float64(r.Batch) / r.Seconds / 1e9})
	}
	return rows, nil
}

func filterEnv(env []string, drop ...string) []string {
	var out []string
	for _, e := range env {
		keep := true
		for _, d := range drop {
			if strings.HasPrefix(e, d) {
				keep = false
			}
		}
		if keep {
			out = append(out, e)
		}
	}
	return out
}

// cpuPeak estimates the CPU's peak float32 FLOP/s: cores × clock × FLOPs per cycle (32 with two
// 256-bit FMA pipes, i.e. AVX2+FMA; a machine with two full 512-bit FMA units reaches 64).
func cpuPeak() (gflops float64, desc string) {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	s := string(raw)
	modelName, mhz := "unknown CPU", 0.0
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			modelName = strings.TrimSpace(v)
		case "cpu MHz":
			if mhz == 0 {
				mhz, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
			}
		}
	}
	perCycle := 16.0
	if strings.Contains(s, " fma") && strings.Contains(s, " avx2") {
		perCycle = 32
	}
	cores := runtime.NumCPU()
	gflops = float64(cores) * mhz / 1000 * perCycle
	return gflops, fmt.Sprintf("%s, %d cores at %.0f MHz, %g float32 FLOP/cycle/core assumed (two 256-bit FMA pipes)",
		modelName, cores, mhz, perCycle)
}

func benchReport(rows []benchRow) string {
	peak, cpu := cpuPeak()
	// PyTorch's images/s of each workload and size, the peer of ours in the same run.
	type key struct {
		workload string
		channels int
	}
	torch := map[key]float64{}
	for _, r := range rows {
		if strings.HasPrefix(r.Backend, "torch-") && r.Error == "" {
			torch[key{r.Workload, r.Channels}] = r.ImagesPerS
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# sparselab benchmark — %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&sb, "Machine: %s; peak ≈ %.0f GFLOP/s.\n\n", cpu, peak)
	fmt.Fprintf(&sb, "Workload: one training step (forward, backward, Adam) of paper 000's autoencoders "+
		"(28×28 images, 20 blocks × 10; c = 8 are the MNIST models' sizes, c = 32 the Fashion-MNIST models'), batch %d, "+
		"random images. FLOPs count convolutions and dense layers only (3× the forward multiply-adds × 2). "+
		"Epoch = 24,000 images (the reference code's training set, both datasets).\n\n", rows[0].Batch)
	sb.WriteString("| workload | c | framework | backend | s/step | images/s | epoch (24k) | vs PyTorch | GFLOP/s | % of peak | first step (s) |\n")
	sb.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	var fistaRows, pgdRows []benchRow
	torchFista := 0.0
	for _, r := range rows {
		if strings.HasPrefix(r.Workload, "pgd") {
			pgdRows = append(pgdRows, r)
			continue
		}
		if strings.HasPrefix(r.Workload, "fista") {
			fistaRows = append(fistaRows, r)
			if strings.HasPrefix(r.Backend, "torch-") && r.Error == "" {
				torchFista = r.Seconds
			}
			continue
		}
		if r.Error != "" {
			sb.WriteString(failedRow(r, 6))
			continue
		}
		ratio, first := peerCells(r, r.ImagesPerS/torch[key{r.Workload, r.Channels}])
		epoch := time.Duration(24000 / r.ImagesPerS * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(&sb, "| %s | %d | %s | %s | %.3f | %.1f | %s | %s | %.1f | %.1f%% | %s |\n", r.Workload, r.Channels, r.Framework,
			r.Backend, r.Seconds, r.ImagesPerS, epoch, ratio, r.GFLOPs, 100*r.GFLOPs/peak, first)
	}
	sb.WriteString("\n\"vs PyTorch\" is images/s relative to PyTorch on the same machine in the same run (> 1: faster).\n")
	if len(pgdRows) > 0 {
		sb.WriteString("\nPGD super-resolution (paper 000's Table 2): ×2 subsampling after a circular Gaussian blur (σ = 0.7), " +
			"the reference code's rule (steps {1, 10, 5} tried at every iteration, 15 iterations: 45 projections), " +
			"an untrained autoencoder of the sizes above as projector, random images. \"600 images\" is one Table 2 column.\n\n")
		sb.WriteString("| workload | c | framework | backend | images/solve | s/solve | images/s | 600 images | vs PyTorch | first solve (s) |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range pgdRows {
			if r.Error != "" {
				sb.WriteString(failedRow(r, 5))
				continue
			}
			ratio, first := peerCells(r, r.ImagesPerS/torch[key{r.Workload, r.Channels}])
			col := time.Duration(600 / r.ImagesPerS * float64(time.Second)).Round(time.Second)
			fmt.Fprintf(&sb, "| %s | %d | %s | %s | %d | %.2f | %.1f | %s | %s | %s |\n", r.Workload, r.Channels, r.Framework, r.Backend, r.Batch, r.Seconds, r.ImagesPerS, col, ratio, first)
		}
	}
	if len(fistaRows) > 0 {
		sb.WriteString("\nFISTA for the LASSO (paper 001's solver): 784×1024 Gaussian dictionary, 256 signals, 100 iterations, float32; " +
			"FLOPs = the two matrix products per iteration.\n\n")
		sb.WriteString("| workload | framework | backend | s/solve | vs PyTorch | GFLOP/s | % of peak | first solve (s) |\n|---|---|---|---|---|---|---|---|\n")
		for _, r := range fistaRows {
			if r.Error != "" {
				sb.WriteString(failedRow(r, 4))
				continue
			}
			ratio, first := peerCells(r, torchFista/r.Seconds)
			fmt.Fprintf(&sb, "| %s | %s | %s | %.3f | %s | %.1f | %.1f%% | %s |\n", r.Workload, r.Framework, r.Backend, r.Seconds, ratio, r.GFLOPs, 100*r.GFLOPs/peak, first)
		}
	}
	return sb.String()
}

// peerCells returns a row's "vs PyTorch" cell (ratio > 1: ours is faster; "—" on PyTorch's own
// rows and where PyTorch did not run, i.e. ratio is 0 or not finite) and its "first step" cell.
func peerCells(r benchRow, ratio float64) (vs, first string) {
	vs, first = "—", "—"
	if ratio > 0 && !math.IsInf(ratio, 0) && !strings.HasPrefix(r.Backend, "torch-") {
		vs = fmt.Sprintf("%.2f×", ratio)
	}
	if r.CompileSecs > 0 {
		first = fmt.Sprintf("%.1f", r.CompileSecs)
	}
	return vs, first
}

// failedRow is a report row for a workload that failed: its name, framework, backend and error,
// then empty cells for the table's other columns.
func failedRow(r benchRow, emptyCells int) string {
	w := r.Workload
	if r.Channels > 0 { // the autoencoder tables' c column
		w += fmt.Sprintf(" | %d", r.Channels)
	}
	return fmt.Sprintf("| %s | %s | %s | failed: %s |%s\n", w, r.Framework, r.Backend, oneLine(r.Error), strings.Repeat(" |", emptyCells))
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
