package solvers

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/sparselab/sparselab/solvers/linop"
)

// Interpolate resizes a batch of channels-last images y, [B, H, W, C] flat with shape = [H, W, C],
// to [B, outH, outW, C] by bilinear or bicubic interpolation with PyTorch's align_corners=False
// conventions ([linop.Resize], [linop.InterpolationMatrix]): the super-resolution baselines of
// paper 000 (y = A·x upsampled ×2 back to the image size).
func Interpolate(b compute.Backend, y []float32, shape []int, outH, outW int, method linop.Interpolation) ([]float32, error) {
	op, err := linop.Resize(shape, outH, outW, method)
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
