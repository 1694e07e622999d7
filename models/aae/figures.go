package aae

import (
	"fmt"
	"slices"

	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/plotting"
	"github.com/sparselab/sparselab/solvers"
)

// DecompositionFigure redraws the paper's Fig. 3: one row per decomposition, the image, its
// reconstruction and its atoms in decreasing order of norm, each captioned with its norm ratio
// ‖atom‖/‖x‖. atoms bounds the atoms shown per row (0 or more than K: all K).
func DecompositionFigure(title string, decs []Decomposition, atoms int) (*plotting.Figure, error) {
	if len(decs) == 0 {
		return nil, fmt.Errorf("aae.DecompositionFigure: no decomposition to draw")
	}
	shown := len(decs[0].Atoms)
	if atoms > 0 && atoms < shown {
		shown = atoms
	}
	var pixels []float32
	var titles []string
	for _, d := range decs {
		if len(d.Atoms) < shown || len(d.Ratios) < shown {
			return nil, fmt.Errorf("aae.DecompositionFigure: image #%d has %d atoms and %d ratios, the figure shows %d", d.Index, len(d.Atoms), len(d.Ratios), shown)
		}
		pixels = append(append(pixels, d.Input...), d.Recon...)
		titles = append(titles, fmt.Sprintf("x (#%d)", d.Index), "x̂")
		for k := range shown {
			pixels = append(pixels, d.Atoms[k]...)
			titles = append(titles, fmt.Sprintf("%.2f", d.Ratios[k]))
		}
	}
	fig, err := plotting.ImageGrid(plotting.Images{N: len(decs) * (2 + shown), Height: ImageSize, Width: ImageSize, Channels: 1, Pixels: pixels},
		plotting.GridOptions{Columns: 2 + shown, Titles: titles, Title: title})
	if err != nil {
		return nil, fmt.Errorf("aae.DecompositionFigure: %w", err)
	}
	return fig, nil
}

// TraversalFigure redraws the paper's Fig. 5: the images decoded along the sweep of θ[Block,
// Coord] (eq. 6), captioned with the coordinate's value, and below them the traversed atom for
// atomic models, captioned with its largest pixel. Both rows map [0, 1] to black…white, the
// range an image shows: an atom that stays at or below 0 (one the pixelwise max never picks)
// is black, not stretched into a pattern that looks active.
func TraversalFigure(title string, tr *Traversal) (*plotting.Figure, error) {
	if tr == nil || len(tr.Images) == 0 || len(tr.Values) != len(tr.Images) {
		return nil, fmt.Errorf("aae.TraversalFigure: want a traversal with as many values as images")
	}
	var pixels []float32
	var titles []string
	for i, im := range tr.Images {
		pixels = append(pixels, im...)
		titles = append(titles, fmt.Sprintf("%.2f", tr.Values[i]))
	}
	labels := []string{"image"}
	if tr.Atoms != nil {
		if len(tr.Atoms) != len(tr.Images) {
			return nil, fmt.Errorf("aae.TraversalFigure: %d atoms for %d images", len(tr.Atoms), len(tr.Images))
		}
		labels = append(labels, "atom")
		for _, at := range tr.Atoms {
			if len(at) == 0 {
				return nil, fmt.Errorf("aae.TraversalFigure: an empty atom")
			}
			pixels = append(pixels, at...)
			titles = append(titles, fmt.Sprintf("max %.2f", slices.Max(at)))
		}
	}
	fig, err := plotting.ImageGrid(plotting.Images{N: len(titles), Height: ImageSize, Width: ImageSize, Channels: 1, Pixels: pixels},
		plotting.GridOptions{Columns: len(tr.Images), Titles: titles, RowLabels: labels, Scale: plotting.FixedRange, Title: title})
	if err != nil {
		return nil, fmt.Errorf("aae.TraversalFigure: %w", err)
	}
	return fig, nil
}

// ActivationFigure redraws the paper's Fig. 4 for the models named in names (acts[i] measured on
// names[i]'s model, e.g. SUM-AAE and MAX-AAE on one dataset): the histograms of the number of
// activated atoms per image; the paper's curve, the mean of each image's atom norms ‖atom‖₂ in
// decreasing order ([Activation.SortedMeanNorm]); and the same for the ratios ‖atom‖/‖x‖ that
// the activation threshold (dashed) applies to ([Activation.SortedMean]).
func ActivationFigure(dataset string, names []string, acts []*Activation) (*plotting.Figure, error) {
	if len(acts) == 0 || len(names) != len(acts) {
		return nil, fmt.Errorf("aae.ActivationFigure: want one name per activation, got %d names and %d activations", len(names), len(acts))
	}
	var samples []plotting.Sample
	var curves, normCurves []plotting.Series
	threshold := acts[0].Threshold
	for i, act := range acts {
		if act == nil || len(act.Counts) == 0 {
			return nil, fmt.Errorf("aae.ActivationFigure: %s: no images measured", names[i])
		}
		counts := make([]float64, len(act.Counts))
		for j, c := range act.Counts {
			counts[j] = float64(c)
		}
		samples = append(samples, plotting.Sample{Name: names[i], Values: counts})
		rank := make([]float64, len(act.SortedMean))
		for j := range rank {
			rank[j] = float64(j + 1)
		}
		curves = append(curves, plotting.Series{Name: names[i], X: rank, Y: act.SortedMean, Points: true})
		if len(act.SortedMeanNorm) != len(act.SortedMean) {
			return nil, fmt.Errorf("aae.ActivationFigure: %s: %d sorted mean norms for %d ratios", names[i], len(act.SortedMeanNorm), len(act.SortedMean))
		}
		normCurves = append(normCurves, plotting.Series{Name: names[i], X: rank, Y: act.SortedMeanNorm, Points: true})
	}
	if threshold > 0 && len(acts[0].SortedMean) > 0 {
		k := len(acts[0].SortedMean)
		curves = append(curves, plotting.Series{Name: fmt.Sprintf("threshold %.2f", threshold), X: []float64{1, float64(k)}, Y: []float64{threshold, threshold}, Dashed: true})
	}
	norm := acts[0].Norm
	h, err := plotting.Histograms(plotting.HistogramOptions{Title: fmt.Sprintf("Activated atoms per image (%s, %s atoms)", dataset, norm),
		XLabel: "activated atoms", YLabel: "images", Integer: true}, samples...)
	if err != nil {
		return nil, fmt.Errorf("aae.ActivationFigure: %w", err)
	}
	n, err := plotting.CurvesWith(plotting.CurveOptions{Title: fmt.Sprintf("Mean sorted atom norms (%s, %s)", dataset, norm),
		XLabel: "rank of the atom", YLabel: "‖atom‖₂"}, normCurves...)
	if err != nil {
		return nil, fmt.Errorf("aae.ActivationFigure: %w", err)
	}
	c, err := plotting.CurvesWith(plotting.CurveOptions{Title: fmt.Sprintf("Mean sorted norm ratios (%s)", dataset),
		XLabel: "rank of the atom", YLabel: "‖atom‖ / ‖x‖"}, curves...)
	if err != nil {
		return nil, fmt.Errorf("aae.ActivationFigure: %w", err)
	}
	return plotting.Row(h, n, c)
}

// PGDIterationFigure draws the mean PSNR of the PGD iterates x_0, x_1, … of each result against
// the iteration (points joined; dashed for the fixed rule; the legend gives the mean PSNR of the
// estimate PGD returned, which with the minimum-residual estimate picks each image's own
// iterate and so lies on no curve), and each baseline (a result without
// PGD, e.g. bicubic) as a flat dashed line without points, e.g. to compare the paper's fixed-step iteration with the authors'
// step grid. The results must come from one SRProblem (PGD's statistics need its ground truth).
func PGDIterationFigure(title string, results ...*SRResult) (*plotting.Figure, error) {
	var curves, flat []plotting.Series
	last := 0
	for _, r := range results {
		if r == nil {
			return nil, fmt.Errorf("aae.PGDIterationFigure: nil result")
		}
		if r.PGD == nil {
			flat = append(flat, plotting.Series{Name: fmt.Sprintf("%s (%.2f dB)", r.Method, r.Sum.Mean), Y: []float64{r.Sum.Mean}})
			continue
		}
		its := r.PGD.Iterations
		if len(its) == 0 || its[0].PSNR == nil {
			return nil, fmt.Errorf("aae.PGDIterationFigure: %s has no per-iteration PSNR (PGD ran without ground truth)", r.Method)
		}
		x := make([]float64, len(its))
		y := make([]float64, len(its))
		for i := range its {
			x[i], y[i] = float64(its[i].Iteration), its[i].MeanPSNR()
		}
		last = max(last, its[len(its)-1].Iteration)
		// The returned estimate (the minimum-residual iterate under the authors' rule) need not be
		// any one iterate for every image: the legend gives its PSNR, the table's number.
		curves = append(curves, plotting.Series{Name: fmt.Sprintf("%s (%s; returned %.2f dB)", r.Method, r.PGD.Rule, r.Sum.Mean), X: x, Y: y, Points: true,
			Dashed: r.PGD.Rule == solvers.FixedStep})
	}
	if len(curves) == 0 {
		return nil, fmt.Errorf("aae.PGDIterationFigure: no PGD result among %d", len(results))
	}
	for _, f := range flat {
		f.X, f.Y = []float64{0, float64(last)}, []float64{f.Y[0], f.Y[0]}
		f.Dashed = true
		curves = append(curves, f)
	}
	fig, err := plotting.CurvesWith(plotting.CurveOptions{Title: title, XLabel: "PGD iteration k", YLabel: "mean PSNR of x_k (dB)"}, curves...)
	if err != nil {
		return nil, fmt.Errorf("aae.PGDIterationFigure: %w", err)
	}
	return fig, nil
}

// SuperResolutionFigure redraws the paper's Fig. 6: the first n test images (n ≤ 0 or more than
// there are: all) in a row, and below them each result's estimates of the same images, one row per
// result labelled with its method. All results must come from one SRProblem with truth as its
// ground truth.
func SuperResolutionFigure(title string, truth *datasets.Images, results []*SRResult, n int) (*plotting.Figure, error) {
	if truth == nil || truth.N == 0 {
		return nil, fmt.Errorf("aae.SuperResolutionFigure: no ground-truth images")
	}
	if n <= 0 || n > truth.N {
		n = truth.N
	}
	size := truth.ImageSize()
	pixels := slices.Clone(truth.Pixels[:n*size])
	labels := []string{"original"}
	for _, r := range results {
		if r == nil || len(r.X) != truth.N*size {
			got := 0
			if r != nil {
				got = len(r.X)
			}
			return nil, fmt.Errorf("aae.SuperResolutionFigure: a result has %d values, want %d (%d images of %d pixels)", got, truth.N*size, truth.N, size)
		}
		pixels = append(pixels, r.X[:n*size]...)
		labels = append(labels, r.Method)
	}
	fig, err := plotting.ImageGrid(plotting.Images{N: len(pixels) / size, Height: truth.Height, Width: truth.Width, Channels: truth.Channels, Pixels: pixels},
		plotting.GridOptions{Columns: n, RowLabels: labels, Title: title})
	if err != nil {
		return nil, fmt.Errorf("aae.SuperResolutionFigure: %w", err)
	}
	return fig, nil
}
