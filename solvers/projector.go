package solvers

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/solvers/linop"
)

// Projector maps a batch of arrays x, flat row-major with shape [N, d...] (for images
// [N, H, W, C], channels-last), to their projections P(x), a slice of the same length. Project
// may overwrite x and may return it; it must not keep it after returning.
type Projector interface {
	Project(x []float32, shape []int) ([]float32, error)
}

// ProjectorFunc adapts a function to [Projector].
type ProjectorFunc func(x []float32, shape []int) ([]float32, error)

// Project calls f(x, shape).
func (f ProjectorFunc) Project(x []float32, shape []int) ([]float32, error) { return f(x, shape) }

// IdentityProjector is P(x) = x: with it PGD is plain gradient descent (Landweber iteration).
type IdentityProjector struct{}

// Project returns x.
func (IdentityProjector) Project(x []float32, _ []int) ([]float32, error) { return x, nil }

// BoxProjector clamps every value to [Lo, Hi]: the projection onto a box, e.g. [0, 1] for images.
type BoxProjector struct{ Lo, Hi float32 }

// Project clamps x in place and returns it.
func (p BoxProjector) Project(x []float32, _ []int) ([]float32, error) {
	if p.Lo > p.Hi {
		return nil, fmt.Errorf("solvers.BoxProjector: empty box [%g, %g]", p.Lo, p.Hi)
	}
	for i, v := range x {
		x[i] = min(max(v, p.Lo), p.Hi)
	}
	return x, nil
}

// ImagesProjector adapts a function on image batches, such as an autoencoder's reconstruction
// ((*autoenc.Autoencoder).Reconstruct), to [Projector]: shape must be [N, H, W, C].
func ImagesProjector(reconstruct func(*datasets.Images) ([]float32, error)) Projector {
	return ProjectorFunc(func(x []float32, shape []int) ([]float32, error) {
		if len(shape) != 4 {
			return nil, fmt.Errorf("solvers.ImagesProjector: want image batches [N, H, W, C], got shape %v", shape)
		}
		images := &datasets.Images{Name: "pgd", N: shape[0], Height: shape[1], Width: shape[2], Channels: shape[3],
			Pixels: x, Range: datasets.RangeUnit}
		if err := images.Validate(); err != nil {
			return nil, fmt.Errorf("solvers.ImagesProjector: %w", err)
		}
		out, err := reconstruct(images)
		if err != nil {
			return nil, fmt.Errorf("solvers.ImagesProjector: %w", err)
		}
		if len(out) != len(x) {
			return nil, fmt.Errorf("solvers.ImagesProjector: the reconstruction has %d values for %d input values", len(out), len(x))
		}
		return out, nil
	})
}

// GraphProjector compiles fn, a GoMLX graph function from a batch [N, d...] to a batch of the same
// shape (a variable-free network, a clamp, a normalisation…), into a [Projector] on backend b.
// The graph is compiled once per batch shape.
func GraphProjector(b compute.Backend, fn func(x *graph.Node) *graph.Node) (Projector, error) {
	if b == nil || fn == nil {
		return nil, fmt.Errorf("solvers.GraphProjector: nil backend or function")
	}
	exec, err := graph.NewExec(b, func(x *graph.Node) *graph.Node { return linop.NotInput(fn(x), x) })
	if err != nil {
		return nil, fmt.Errorf("solvers.GraphProjector: %w", err)
	}
	return ProjectorFunc(func(x []float32, shape []int) ([]float32, error) {
		if linop.Size(shape) != len(x) {
			return nil, fmt.Errorf("solvers.GraphProjector: %d values for shape %v", len(x), shape)
		}
		in := tensors.FromFlatDataAndDimensions(x, shape...)
		defer in.MustFinalizeAll()
		out, err := exec.Call(in)
		if err != nil {
			return nil, fmt.Errorf("solvers.GraphProjector: %w", err)
		}
		defer out[0].MustFinalizeAll()
		if !out[0].Shape().Equal(in.Shape()) {
			return nil, fmt.Errorf("solvers.GraphProjector: the graph maps %s to %s; a projector keeps the shape", in.Shape(), out[0].Shape())
		}
		return tensors.CopyFlatData[float32](out[0])
	}), nil
}
