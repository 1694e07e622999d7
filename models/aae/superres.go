package aae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/autoenc"
	"github.com/sparselab/sparselab/models/metrics"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/solvers"
	"github.com/sparselab/sparselab/solvers/linop"
)

// Super-resolution setting of the paper (section 4.2): A = S·F, F a circular Gaussian blur of
// σ = 0.7 pixel over the whole 28×28 grid, S keeping every second pixel (28 → 14).
const (
	SRFactor = 2
	SRSigma  = 0.7
)

// SRMeasurement says how an [SRProblem] measures its images, y = A·x + n with A = S·F; the zero
// value is the paper's (×2, σ = 0.7, noise-free).
type SRMeasurement struct {
	// Factor is the subsampling factor of S (0: SRFactor, 2); it must divide the image height and
	// width.
	Factor int
	// Sigma is the standard deviation of the circular Gaussian blur F in pixels (0: SRSigma, 0.7).
	Sigma float64
	// Noise is the standard deviation of the white Gaussian noise n added to y, in pixel units
	// (images in [0, 1]); 0 means none, as in the paper.
	Noise float64
	// Seed seeds the noise.
	Seed uint64
}

func (m SRMeasurement) withDefaults() (SRMeasurement, error) {
	if m.Factor == 0 {
		m.Factor = SRFactor
	}
	if m.Sigma == 0 {
		m.Sigma = SRSigma
	}
	switch {
	case m.Factor < 1:
		return m, fmt.Errorf("aae: super-resolution factor %d must be positive", m.Factor)
	case !(m.Sigma > 0) || math.IsInf(m.Sigma, 0):
		return m, fmt.Errorf("aae: super-resolution blur σ = %g must be positive and finite", m.Sigma)
	case !(m.Noise >= 0) || math.IsInf(m.Noise, 0):
		return m, fmt.Errorf("aae: super-resolution noise σ = %g must be finite and ≥ 0", m.Noise)
	}
	return m, nil
}

// String describes the measurement, e.g. "×2, blur σ = 0.7, noise-free".
func (m SRMeasurement) String() string {
	m, _ = m.withDefaults()
	noise := "noise-free"
	if m.Noise > 0 {
		noise = fmt.Sprintf("noise σ = %g", m.Noise)
	}
	return fmt.Sprintf("×%d, blur σ = %g, %s", m.Factor, m.Sigma, noise)
}

// IsPaper reports whether m is the paper's measurement (×2, σ = 0.7, noise-free), the one its
// Table 2 numbers belong to.
func (m SRMeasurement) IsPaper() bool {
	d, err := m.withDefaults()
	return err == nil && d.Factor == SRFactor && d.Sigma == SRSigma && d.Noise == 0
}

// SRProblem is a batch of super-resolution problems y = A·x (+ noise) built from test images.
type SRProblem struct {
	Truth       *datasets.Images // x, [N,H,W,C]
	Op          linop.Operator   // A
	Y           []float32        // y, [N,H/Factor,W/Factor,C] flat
	Measurement SRMeasurement    // how y was made, defaults filled in
	pgd         *solvers.PGD
}

// NewSRProblem measures the images as the paper does: A = S·F, ×2, σ = 0.7, noise-free.
func NewSRProblem(b compute.Backend, truth *datasets.Images) (*SRProblem, error) {
	return NewSRProblemWith(b, truth, SRMeasurement{})
}

// NewSRProblemWith measures the images with m (zero fields: the paper's values).
func NewSRProblemWith(b compute.Backend, truth *datasets.Images, m SRMeasurement) (*SRProblem, error) {
	m, err := m.withDefaults()
	if err != nil {
		return nil, err
	}
	if truth == nil || truth.N == 0 {
		return nil, fmt.Errorf("aae: super-resolution: no test images")
	}
	if truth.Height%m.Factor != 0 || truth.Width%m.Factor != 0 {
		return nil, fmt.Errorf("aae: super-resolution factor %d does not divide the %d×%d images", m.Factor, truth.Height, truth.Width)
	}
	shape := []int{truth.Height, truth.Width, truth.Channels}
	op, err := linop.SuperResolution(shape, m.Factor, m.Sigma)
	if err != nil {
		return nil, err
	}
	exec, err := linop.NewExec(b, op)
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	y, err := exec.Apply(truth.Pixels)
	if err != nil {
		return nil, fmt.Errorf("measuring the super-resolution problems: %w", err)
	}
	if m.Noise > 0 {
		rng := rand.New(rand.NewPCG(m.Seed, 0x5e))
		for i := range y {
			y[i] += float32(m.Noise * rng.NormFloat64())
		}
	}
	pgd, err := solvers.NewPGD(b, op)
	if err != nil {
		return nil, err
	}
	return &SRProblem{Truth: truth, Op: op, Y: y, Measurement: m, pgd: pgd}, nil
}

// Finalize frees the compiled PGD graphs; the problem cannot run PGD afterwards.
func (p *SRProblem) Finalize() {
	if p.pgd != nil {
		p.pgd.Finalize()
		p.pgd = nil
	}
}

// SRResult is one method's super-resolution of the problems.
type SRResult struct {
	Method string
	X      []float32 // estimates, [N,28,28,1] flat
	PSNR   []float64
	Sum    metrics.Summary
	PGD    *solvers.PGDResult // nil for the baselines
}

// Baseline upsamples y by bilinear or bicubic interpolation (no learning), with the samples of y
// on grid: [linop.HalfPixel] is the authors' (PyTorch's align_corners=False), whose estimate is
// shifted by (f−1)/2 pixels from the grid the subsampling measured y on (½ pixel at ×2, 1½ at
// ×4); [linop.Decimated] places them where the subsampling took them. The method is named
// "bicubic" (half-pixel) or "bicubic-decimated".
func (p *SRProblem) Baseline(b compute.Backend, method linop.Interpolation, grid linop.Grid) (*SRResult, error) {
	t := p.Truth
	f := p.Measurement.Factor
	x, err := solvers.Interpolate(b, p.Y, []int{t.Height / f, t.Width / f, t.Channels}, t.Height, t.Width, method, grid)
	if err != nil {
		return nil, err
	}
	return p.result(BaselineName(method, grid), x, nil)
}

// BaselineName names an interpolation baseline: "bilinear", "bicubic" (PyTorch's half-pixel grid,
// the authors'), "bilinear-decimated", "bicubic-decimated".
func BaselineName(method linop.Interpolation, grid linop.Grid) string {
	if grid == linop.HalfPixel {
		return method.String()
	}
	return method.String() + "-" + grid.String()
}

// SRSettings returns the PGD settings that the store's pgd_* parameters ([ParamPGDRule] and
// the others) describe, with an error naming the flag of a value PGD would reject.
func SRSettings(store *model.Store) (*solvers.PGDSettings, error) {
	var s solvers.PGDSettings
	var err error
	if s.Rule, err = solvers.ParseStepRule(params.MustGet[string](store, ParamPGDRule)); err != nil {
		return nil, fmt.Errorf("--%s: %w", ParamPGDRule, err)
	}
	if s.Estimate, err = solvers.ParseEstimate(params.MustGet[string](store, ParamPGDEstimate)); err != nil {
		return nil, fmt.Errorf("--%s: %w", ParamPGDEstimate, err)
	}
	if s.Iterations = params.MustGet[int](store, ParamPGDIterations); s.Iterations < 1 {
		return nil, fmt.Errorf("--%s must be at least 1, got %d", ParamPGDIterations, s.Iterations)
	}
	if s.Step = params.MustGet[float64](store, ParamPGDStep); !(s.Step >= 0) || math.IsInf(s.Step, 0) {
		return nil, fmt.Errorf("--%s must be a positive number (or 0 for 1/‖A‖²), got %g", ParamPGDStep, s.Step)
	}
	grid := params.MustGet[string](store, ParamPGDStepGrid)
	for _, f := range strings.Split(grid, ",") {
		g, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(g > 0) || math.IsInf(g, 0) {
			return nil, fmt.Errorf("--%s %q: %q is not a positive number", ParamPGDStepGrid, grid, f)
		}
		s.Steps = append(s.Steps, g)
	}
	// A flag of the other rule would be silently ignored.
	switch {
	case s.Rule == solvers.BestResidualStep && s.Step != 0:
		return nil, fmt.Errorf("--%s %g is the step of --%s fixed; the %s rule tries the steps of --%s (%s): pass --%s fixed, or drop --%s",
			ParamPGDStep, s.Step, ParamPGDRule, s.Rule, ParamPGDStepGrid, grid, ParamPGDRule, ParamPGDStep)
	case s.Rule == solvers.FixedStep && grid != joinSteps(solvers.DefaultSteps):
		return nil, fmt.Errorf("--%s %q lists the steps of --%s %s; the fixed rule takes one step, --%s: pass --%s %s, or drop --%s",
			ParamPGDStepGrid, grid, ParamPGDRule, solvers.BestResidualStep, ParamPGDStep, ParamPGDRule, solvers.BestResidualStep, ParamPGDStepGrid)
	}
	return &s, nil
}

// SRMeasurementOf returns the measurement that the store's sr_* parameters ([ParamSRFactor],
// [ParamSRSigma], [ParamSRNoise]; the noise seeded by params.ParamSeed) describe, with an error
// naming the flag of a value it would reject.
func SRMeasurementOf(store *model.Store) (SRMeasurement, error) {
	m := SRMeasurement{
		Factor: params.MustGet[int](store, ParamSRFactor),
		Sigma:  params.MustGet[float64](store, ParamSRSigma),
		Noise:  params.MustGet[float64](store, ParamSRNoise),
		Seed:   uint64(params.MustGet[int](store, params.ParamSeed)),
	}
	switch {
	case m.Factor < 1 || ImageSize%m.Factor != 0:
		return m, fmt.Errorf("--%s must divide the image size %d (2, 4, 7 or 14), got %d", ParamSRFactor, ImageSize, m.Factor)
	case !(m.Sigma > 0) || math.IsInf(m.Sigma, 0):
		return m, fmt.Errorf("--%s must be a positive number, got %g", ParamSRSigma, m.Sigma)
	case !(m.Noise >= 0) || math.IsInf(m.Noise, 0):
		return m, fmt.Errorf("--%s must be 0 (noise-free) or a positive number, got %g", ParamSRNoise, m.Noise)
	}
	return m, nil
}

// DescribePGD says in a few words which PGD the settings run, e.g. "best-residual rule, steps
// [1 10 5], 15 iterations, min-residual iterate". nil means what [SRProblem.PGD] runs for nil
// settings, the authors' rule.
func DescribePGD(s *solvers.PGDSettings) string {
	if s == nil {
		s = &solvers.PGDSettings{Rule: solvers.BestResidualStep}
	}
	e := s.Estimate
	if e == solvers.EstimateDefault {
		e = s.Rule.DefaultEstimate()
	}
	k := s.Iterations
	if k == 0 {
		k = solvers.DefaultIterations
	}
	if s.Rule == solvers.FixedStep {
		step := "γ = 1/‖A‖²"
		if s.Step != 0 {
			step = fmt.Sprintf("γ = %g", s.Step)
		}
		return fmt.Sprintf("fixed rule, %s, %d iterations, %s iterate", step, k, e)
	}
	steps := s.Steps
	if steps == nil {
		steps = solvers.DefaultSteps
	}
	return fmt.Sprintf("best-residual rule, steps %v, %d iterations, %s iterate", steps, k, e)
}

// PGD solves the problems with projected gradient descent, the autoencoder of store (weights
// already loaded) as projector. settings nil means the reference code's rule (best of the steps
// {1, 10, 5}, 15 iterations, minimum-residual iterate); [SRSettings] reads them from flags.
func (p *SRProblem) PGD(b compute.Backend, store *model.Store, name string, settings *solvers.PGDSettings) (*SRResult, error) {
	if p.pgd == nil {
		return nil, fmt.Errorf("aae: PGD with the %s projector: the super-resolution problem was finalized", name)
	}
	ae := autoenc.New(b, store, func(scope *model.Scope, x *graphNode) *graphNode { return New(scope, x).Done() })
	defer ae.Finalize()
	if settings == nil {
		settings = &solvers.PGDSettings{Rule: solvers.BestResidualStep}
	}
	s := *settings
	s.Truth = p.Truth.Pixels
	res, err := p.pgd.Solve(p.Y, solvers.ImagesProjector(ae.Reconstruct), &s)
	if err != nil {
		return nil, fmt.Errorf("PGD with the %s projector: %w", name, err)
	}
	return p.result("PGD-"+name, res.X, res)
}

func (p *SRProblem) result(method string, x []float32, pgd *solvers.PGDResult) (*SRResult, error) {
	ps, err := metrics.BatchPSNR(p.Truth.Pixels, x, p.Truth.ImageSize(), 1)
	if err != nil {
		return nil, err
	}
	return &SRResult{Method: method, X: x, PSNR: ps, Sum: metrics.Summarize(ps), PGD: pgd}, nil
}
