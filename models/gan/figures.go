package gan

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sparselab/sparselab/plotting"
	"github.com/sparselab/sparselab/solvers/invert"
)

// methodLabel returns a method's display name.
func methodLabel(m string) string {
	switch m {
	case invert.MethodGD:
		return "gradient descent"
	case invert.MethodLayeredBP:
		return "Layered Basis-Pursuit"
	case invert.MethodLatentPursuit:
		return "Latent-Pursuit"
	case invert.MethodOracle:
		return "oracle"
	}
	return m
}

// layerName returns the name of layer l of an L-layer generator (0: z, L: the image).
func layerName(l, L int) string {
	switch l {
	case 0:
		return "latent z"
	case L:
		return "image x_" + fmt.Sprint(L)
	}
	return fmt.Sprintf("hidden x_%d", l)
}

// SweepFigure redraws paper 001's Fig. 4 from a random-weights sweep: one panel per layer (z, the
// hidden layer, the image), the SNR of each method against the hidden width n_1 with its median and
// 10/25/75/90% quantile ribbons, and the uniqueness line n_1 = 2·n_0 dashed.
func SweepFigure(res *invert.SweepResult) (*plotting.Figure, error) {
	if res == nil || len(res.Trials) == 0 {
		return nil, fmt.Errorf("gan.SweepFigure: empty sweep result")
	}
	L := len(res.Trials[0].LayerSNR) - 1
	var panels []*plotting.Figure
	for l := 0; l <= L; l++ {
		var series []plotting.RibbonSeries
		for _, m := range res.Methods {
			x, s := res.Samples(m, l)
			series = append(series, plotting.RibbonSeries{Name: methodLabel(m), X: x, Samples: s})
		}
		fig, err := plotting.QuantileRibbons(plotting.RibbonOptions{
			Title:  "SNR of " + layerName(l, L),
			XLabel: "hidden width n₁", YLabel: "SNR (dB)",
			VLines: []plotting.VLine{{X: float64(2 * res.LatentSize), Label: "n₁ = 2·n₀"}},
		}, series...)
		if err != nil {
			return nil, fmt.Errorf("gan.SweepFigure: layer %d: %w", l, err)
		}
		panels = append(panels, fig)
	}
	return plotting.Panels(len(panels), panels...)
}

// SNRFigure draws the distribution of the per-layer SNR of each method over the samples of an
// inversion experiment (paper 001's Figs. 5, 8 and 11): one histogram panel per layer.
func SNRFigure(res *invert.InversionResult, title string) (*plotting.Figure, error) {
	if res == nil || len(res.Samples) == 0 {
		return nil, fmt.Errorf("gan.SNRFigure: empty inversion result")
	}
	L := len(res.Sizes) - 1
	var panels []*plotting.Figure
	for l := 0; l <= L; l++ {
		var samples []plotting.Sample
		for _, m := range res.Methods {
			v := finite(res.LayerSNRs(m, l))
			if len(v) > 0 {
				samples = append(samples, plotting.Sample{Name: methodLabel(m), Values: v})
			}
		}
		if len(samples) == 0 {
			continue
		}
		fig, err := plotting.Histograms(plotting.HistogramOptions{
			Title: fmt.Sprintf("%s: %s", title, layerName(l, L)), XLabel: "SNR (dB)", Bins: 20, Normalize: true,
		}, samples...)
		if err != nil {
			return nil, fmt.Errorf("gan.SNRFigure: layer %d: %w", l, err)
		}
		panels = append(panels, fig)
	}
	return plotting.Panels(2, panels...)
}

func finite(v []float64) []float64 {
	out := v[:0:0]
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// CasesFigure draws image grids of chosen samples (paper 001's Figs. 6–7, 9–10, 12–13): one column
// per sample; rows the ground truth, the masked input (inpainting only; hidden pixels grey), and
// each method's recovered image G(ẑ). Images are 28×28 in [−1, 1].
func CasesFigure(res *invert.InversionResult, indices []int, methods []string, title string) (*plotting.Figure, error) {
	if res == nil || len(indices) == 0 {
		return nil, fmt.Errorf("gan.CasesFigure: no samples to show")
	}
	n := len(res.Truth[0])
	side := int(math.Round(math.Sqrt(float64(n))))
	if side*side != n {
		return nil, fmt.Errorf("gan.CasesFigure: images of %d pixels are not square", n)
	}
	var rows [][]float64
	var labels []string
	pick := func(src [][]float64, label string) error {
		for _, i := range indices {
			if i < 0 || i >= len(src) || src[i] == nil {
				return fmt.Errorf("gan.CasesFigure: %s has no image %d", label, i)
			}
			rows = append(rows, src[i])
		}
		labels = append(labels, label)
		return nil
	}
	if err := pick(res.Truth, "ground truth"); err != nil {
		return nil, err
	}
	if res.Masks != nil {
		masked := make([][]float64, len(res.Truth))
		for _, i := range indices {
			masked[i] = invert.ApplyMask(res.Truth[i], res.Masks[i], 0)
		}
		if err := pick(masked, "masked input"); err != nil {
			return nil, err
		}
	}
	for _, m := range methods {
		if err := pick(res.Images[m], methodLabel(m)); err != nil {
			return nil, err
		}
	}
	imgs := plotting.Images{N: len(rows), Height: side, Width: side, Channels: 1}
	for _, r := range rows {
		for _, v := range r {
			imgs.Pixels = append(imgs.Pixels, float32(v))
		}
	}
	return plotting.ImageGrid(imgs, plotting.GridOptions{
		Columns: len(indices), Title: title, RowLabels: labels, Range: [2]float64{-1, 1},
	})
}

// SampleFigure draws n images G(z) of a (folded) generator for seeded z ~ N(0, I), in [−1, 1].
func SampleFigure(net *invert.Network, n int, seed uint64) (*plotting.Figure, error) {
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("gan.SampleFigure: %w", err)
	}
	size := net.OutputSize()
	side := int(math.Round(math.Sqrt(float64(size))))
	if side*side != size || n < 1 {
		return nil, fmt.Errorf("gan.SampleFigure: need n ≥ 1 square images, got n = %d and %d pixels", n, size)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a))
	imgs := plotting.Images{N: n, Height: side, Width: side, Channels: 1}
	for range n {
		for _, v := range net.Generate(invert.RandomLatent(rng, net.LatentSize())) {
			imgs.Pixels = append(imgs.Pixels, float32(v))
		}
	}
	return plotting.ImageGrid(imgs, plotting.GridOptions{Title: "samples G(z), z ~ N(0, I)", Range: [2]float64{-1, 1}})
}
