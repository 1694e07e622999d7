package solvers

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/solvers/linop"
)

// Interpolate resizes a batch of channels-last images y, [B, H, W, C] flat with shape = [H, W, C],
// to [B, outH, outW, C] by bilinear or bicubic interpolation with the samples on grid
// ([linop.ResizeOn], [linop.InterpolationMatrixOn]): the super-resolution baselines of paper 000
// (y = A·x upsampled back to the image size). [linop.HalfPixel] is PyTorch's align_corners=False,
// the authors' baseline; [linop.Decimated] puts each sample where [linop.Subsample] took it.
func Interpolate(b compute.Backend, y []float32, shape []int, outH, outW int, method linop.Interpolation, grid linop.Grid) ([]float32, error) {
	op, err := linop.ResizeOn(shape, outH, outW, method, grid)
	if err != nil {
		return nil, fmt.Errorf("solvers.Interpolate: %w", err)
	}
	e, err := linop.NewExec(b, op)
	if err != nil {
		return nil, fmt.Errorf("solvers.Interpolate: %w", err)
	}
	defer e.Finalize()
	out, err := e.Apply(y)
	if err != nil {
		return nil, fmt.Errorf("solvers.Interpolate: %w", err)
	}
	return out, nil
}
