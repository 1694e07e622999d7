package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/sparselab/sparselab/models/aae"
	"github.com/sparselab/sparselab/models/backend"
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
	Batch       int     `json:"batch"`
	Seconds     float64 `json:"seconds_per_step"`
	Steps       int     `json:"steps_timed"`
	ImagesPerS  float64 `json:"images_per_s"`
	GFLOPs      float64 `json:"gflop_per_s"`
	CompileSecs float64 `json:"first_step_s,omitempty"`
	Error       string  `json:"error,omitempty"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "bench [--out DIR] [--backends go,onnx] [--models max,sum,ae] [--min-time 10s]", stderr)
	out := fs.String("out", "out/bench", "folder for report.md and results.json")
	backends := fs.String("backends", "", "comma-separated backends (default: every one available here)")
	models := fs.String("models", "max,sum,ae", "aggregations to time: max (MAX-AAE), sum (SUM-AAE), ae")
	batch := fs.Int("batch", aae.DefaultBatchSize, "batch size")
	channels := fs.Int("channels", aae.DefaultChannels, "c (8: MNIST sizes, 32: Fashion-MNIST sizes)")
	minTime := fs.Duration("min-time", 10*time.Second, "time each workload at least this long (after warm-up)")
	maxSteps := fs.Int("max-steps", 500, "time at most this many steps per workload")
	python := fs.String("python", "/usr/bin/python3", "Python with torch for the PyTorch peer (\"\" to skip)")
	fista := fs.Bool("fista", true, "also time FISTA (784×1024 dictionary, 256 signals, 100 iterations; paper 001)")
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
	switch {
	case *batch < 1, *channels < 1, *maxSteps < 1:
		return fmt.Errorf("--batch (%d), --channels (%d) and --max-steps (%d) must be positive", *batch, *channels, *maxSteps)
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
	for _, bname := range names {
		for _, agg := range aggs {
			fmt.Fprintf(stdout, "timing %s on %s (batch %d, c=%d)...\n", agg, bname, *batch, *channels)
			r := benchAAE(bname, agg, *batch, *channels, *minTime, *maxSteps)
			if r.Error != "" {
				fmt.Fprintf(stdout, "  failed: %s\n", r.Error)
			} else {
				fmt.Fprintf(stdout, "  %.3f s/step, %.1f images/s (first step %.1f s)\n", r.Seconds, r.ImagesPerS, r.CompileSecs)
			}
			rows = append(rows, r)
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
		trows, err := benchTorch(*python, *models, *batch, *channels, *minTime, *maxSteps, *fista)
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
	report := benchReport(rows, *channels)
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

func benchAAE(bname, agg string, batch, channels int, minTime time.Duration, maxSteps int) (row benchRow) {
	row = benchRow{Workload: "aae-train-step/" + agg, Framework: "GoMLX v0.28.2", Backend: bname, Batch: batch}
	defer func() {
		if r := recover(); r != nil {
			row.Error = fmt.Sprint(r)
		}
	}()
	b, choice, err := backend.New(bname)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	row.Backend = choice.Config
	store := model.NewStore()
	store.SetParam(aae.ParamAggregation, agg)
	store.SetParam(aae.ParamChannels, channels)
	trainer := aae.NewTrainer(b, store)
	rng := rand.New(rand.NewPCG(1, 2))
	data := randomBatch(rng, batch)
	step := func() error {
		t := tensors.FromShape(shapes.Make(dtypes.Float32, batch, aae.ImageSize, aae.ImageSize, 1))
		t.MutableFlatData(func(flat any) { copy(flat.([]float32), data) })
		_, err := trainer.TrainStep(train.Batch{Inputs: []*tensors.Tensor{t}})
		return err
	}
	t0 := time.Now()
	if err := step(); err != nil {
		row.Error = err.Error()
		return row
	}
	row.CompileSecs = time.Since(t0).Seconds()
	if err := step(); err != nil { // one more warm-up step
		row.Error = err.Error()
		return row
	}
	n, t1 := 0, time.Now()
	for n < maxSteps && (n == 0 || time.Since(t1) < minTime) {
		if err := step(); err != nil {
			row.Error = err.Error()
			return row
		}
		n++
	}
	sec := time.Since(t1).Seconds() / float64(n)
	row.Seconds, row.Steps, row.ImagesPerS = sec, n, float64(batch)/sec
	cfg := aae.Config{Aggregation: agg, Channels: channels, Blocks: aae.DefaultBlocks, BlockSize: aae.DefaultBlockSize}
	row.GFLOPs = 3 * 2 * float64(aae.ForwardMACs(cfg)) * float64(batch) / sec / 1e9
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

func benchTorch(python, models string, batch, channels int, minTime time.Duration, maxSteps int, fista bool) ([]benchRow, error) {
	if channels != aae.DefaultChannels {
		return nil, fmt.Errorf("the PyTorch peer only implements c=%d", aae.DefaultChannels)
	}
	if _, err := os.Stat("scripts/bench_torch.py"); err != nil {
		return nil, fmt.Errorf("run from the repository root (scripts/bench_torch.py not found)")
	}
	workloads := "aae"
	if fista {
		workloads = "aae,fista"
	}
	cmd := exec.Command(python, "scripts/bench_torch.py", "--workloads", workloads, "--models", models,
		"--batch", strconv.Itoa(batch), "--min-time", fmt.Sprint(minTime.Seconds()),
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
		agg := strings.TrimPrefix(r.Workload, "aae-train-step/")
		cfg := aae.Config{Aggregation: agg, Channels: channels, Blocks: aae.DefaultBlocks, BlockSize: aae.DefaultBlockSize}
		rows = append(rows, benchRow{Workload: r.Workload, Framework: r.Framework, Backend: "torch-" + r.Device,
			Batch: r.Batch, Seconds: r.Seconds, Steps: r.Iters, ImagesPerS: r.ImagesPerS,
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

func benchReport(rows []benchRow, channels int) string {
	peak, cpu := cpuPeak()
	torch := map[string]float64{}
	for _, r := range rows {
		if strings.HasPrefix(r.Backend, "torch-") && r.Error == "" {
			torch[r.Workload] = r.ImagesPerS
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# sparselab benchmark — %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&sb, "Machine: %s; peak ≈ %.0f GFLOP/s.\n\n", cpu, peak)
	fmt.Fprintf(&sb, "Workload: one training step (forward, backward, Adam) of paper 000's atomic autoencoders, "+
		"MNIST sizes (28×28, c = %d, 20 blocks × 10), batch %d, random images. FLOPs count convolutions and dense "+
		"layers only (3× the forward multiply-adds × 2). Epoch = 24,000 images (the reference code's training set).\n\n", channels, rows[0].Batch)
	sb.WriteString("| workload | framework | backend | s/step | images/s | epoch (24k) | vs PyTorch | GFLOP/s | % of peak | first step (s) |\n")
	sb.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	var fistaRows []benchRow
	torchFista := 0.0
	for _, r := range rows {
		if strings.HasPrefix(r.Workload, "fista") {
			fistaRows = append(fistaRows, r)
			if strings.HasPrefix(r.Backend, "torch-") && r.Error == "" {
				torchFista = r.Seconds
			}
			continue
		}
		if r.Error != "" {
			fmt.Fprintf(&sb, "| %s | %s | %s | failed: %s |||||||\n", r.Workload, r.Framework, r.Backend, oneLine(r.Error))
			continue
		}
		ratio := "—"
		if t, ok := torch[r.Workload]; ok && !strings.HasPrefix(r.Backend, "torch-") {
			ratio = fmt.Sprintf("%.2f×", r.ImagesPerS/t)
		}
		first := "—"
		if r.CompileSecs > 0 {
			first = fmt.Sprintf("%.1f", r.CompileSecs)
		}
		epoch := time.Duration(24000 / r.ImagesPerS * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(&sb, "| %s | %s | %s | %.3f | %.1f | %s | %s | %.1f | %.1f%% | %s |\n", r.Workload, r.Framework,
			r.Backend, r.Seconds, r.ImagesPerS, epoch, ratio, r.GFLOPs, 100*r.GFLOPs/peak, first)
	}
	sb.WriteString("\n\"vs PyTorch\" is images/s relative to PyTorch on the same machine in the same run (> 1: faster).\n")
	if len(fistaRows) > 0 {
		sb.WriteString("\nFISTA for the LASSO (paper 001's solver): 784×1024 Gaussian dictionary, 256 signals, 100 iterations, float32; " +
			"FLOPs = the two matrix products per iteration.\n\n")
		sb.WriteString("| workload | framework | backend | s/solve | vs PyTorch | GFLOP/s | % of peak | first solve (s) |\n|---|---|---|---|---|---|---|---|\n")
		for _, r := range fistaRows {
			if r.Error != "" {
				fmt.Fprintf(&sb, "| %s | %s | %s | failed: %s |||||\n", r.Workload, r.Framework, r.Backend, oneLine(r.Error))
				continue
			}
			ratio, first := "—", "—"
			if torchFista > 0 && !strings.HasPrefix(r.Backend, "torch-") {
				ratio = fmt.Sprintf("%.2f×", torchFista/r.Seconds)
			}
			if r.CompileSecs > 0 {
				first = fmt.Sprintf("%.1f", r.CompileSecs)
			}
			fmt.Fprintf(&sb, "| %s | %s | %s | %.3f | %s | %.1f | %.1f%% | %s |\n", r.Workload, r.Framework, r.Backend, r.Seconds, ratio, r.GFLOPs, 100*r.GFLOPs/peak, first)
		}
	}
	return sb.String()
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
