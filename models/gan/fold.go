package gan

import (
	"embed"
	"fmt"
	"io/fs"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/nn"
	"github.com/sparselab/sparselab/models/training"
	"github.com/sparselab/sparselab/solvers/invert"
	"gonum.org/v1/gonum/mat"
)

// ShippedName is the file of the shipped weights in weights/.
const ShippedName = "mnist-gan.ckpt"

// The weights sparselab ships, trained with this package's code (weights/README.md has the
// command, seed, steps and wall time).
//
//go:embed weights/mnist-gan.ckpt
var shipped embed.FS

// ShippedCheckpoint returns the shipped GAN weights (generator and discriminator, no optimizer
// state).
func ShippedCheckpoint() (*training.Checkpoint, error) {
	raw, err := fs.ReadFile(shipped, "weights/"+ShippedName)
	if err != nil {
		return nil, fmt.Errorf("no shipped GAN weights (%s): train them with `sparselab invert gan-train` and export with `sparselab invert gan-export`", ShippedName)
	}
	return training.ParseCheckpoint("shipped:"+ShippedName, raw)
}

// Shipped returns the shipped generator with BatchNorm folded in, ready for inversion.
func Shipped() (*invert.Network, error) {
	c, err := ShippedCheckpoint()
	if err != nil {
		return nil, err
	}
	return FoldCheckpoint(c)
}

// LoadNetwork reads a GAN checkpoint file (a training run's last.ckpt or exported weights) and
// returns its folded generator.
func LoadNetwork(path string) (*invert.Network, error) {
	c, err := training.ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	return FoldCheckpoint(c)
}

// FoldCheckpoint folds the generator stored in a checkpoint (see Fold).
func FoldCheckpoint(c *training.Checkpoint) (*invert.Network, error) {
	net, err := fold(func(path string) *tensors.Tensor { return c.Value(path) })
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", c.Path, err)
	}
	return net, nil
}

// Fold returns the generator held in store (its variables must exist: load weights or build the
// generator once) as an invert.Network with every BatchNorm folded into the dense layer before
// it: W' = diag(γ/√(σ²+ε))·W, b' = γ(b − μ)/√(σ²+ε) + β, with the running statistics μ, σ².
// Layers: ReLU, ReLU, PLU(0.1, 1). The result matches Generator in inference mode.
func Fold(store *model.Store) (net *invert.Network, err error) {
	defer func() {
		// A checkpoint applied to the store that lacks one of the generator's variables.
		if r := recover(); r != nil {
			missing, ok := r.(*training.MissingVariableError)
			if !ok {
				panic(r)
			}
			net, err = nil, missing
		}
	}()
	return fold(func(path string) *tensors.Tensor {
		v := store.GetVariable(path)
		if v == nil {
			return nil
		}
		t, err := v.Value()
		if err != nil {
			return nil
		}
		return t
	})
}

func vector(get func(string) *tensors.Tensor, path string, n int) ([]float64, error) {
	t := get(path)
	if t == nil {
		return nil, fmt.Errorf("the generator variable %s is missing: is this a GAN checkpoint from `sparselab invert gan-train`?", path)
	}
	if t.Shape().Size() != n && n >= 0 {
		return nil, fmt.Errorf("variable %s has %d values, want %d", path, t.Shape().Size(), n)
	}
	if dt := t.DType(); dt != dtypes.Float32 && dt != dtypes.Float64 {
		return nil, fmt.Errorf("variable %s has dtype %s, want a float", path, dt)
	}
	return asFloat64s(t), nil
}

// asFloat64s returns the values of a float32, float64 or int64 tensor as float64 (nil for other
// dtypes).
func asFloat64s(t *tensors.Tensor) []float64 {
	switch t.DType() {
	case dtypes.Float32:
		return widen(tensors.MustCopyFlatData[float32](t))
	case dtypes.Float64:
		return tensors.MustCopyFlatData[float64](t)
	case dtypes.Int64:
		return widen(tensors.MustCopyFlatData[int64](t))
	}
	return nil
}

func widen[T float32 | int64](in []T) []float64 {
	out := make([]float64, len(in))
	for i, v := range in {
		out[i] = float64(v)
	}
	return out
}

func fold(get func(string) *tensors.Tensor) (*invert.Network, error) {
	net := &invert.Network{}
	for i := range 3 {
		base := "/" + GeneratorScope + "/" + layerScope(i)
		wt := get(base + "/dense/" + nn.WeightName)
		if wt == nil || wt.Rank() != 2 {
			return nil, fmt.Errorf("the generator variable %s/dense/weight is missing or not a matrix: is this a GAN checkpoint from `sparselab invert gan-train`?", base)
		}
		in, out := wt.Shape().Dimensions[0], wt.Shape().Dimensions[1]
		w, err := vector(get, base+"/dense/"+nn.WeightName, in*out)
		if err != nil {
			return nil, err
		}
		bias, err := vector(get, base+"/dense/"+nn.BiasName, out)
		if err != nil {
			return nil, err
		}
		scale := make([]float64, out)
		shift := make([]float64, out)
		layer := invert.Layer{Act: invert.ReLU}
		if i < 2 {
			gamma, err := vector(get, base+"/bn/"+nn.WeightName, out)
			if err != nil {
				return nil, err
			}
			beta, err := vector(get, base+"/bn/"+nn.BiasName, out)
			if err != nil {
				return nil, err
			}
			mean, err := vector(get, base+"/bn/"+nn.RunningMeanName, out)
			if err != nil {
				return nil, err
			}
			variance, err := vector(get, base+"/bn/"+nn.RunningVarName, out)
			if err != nil {
				return nil, err
			}
			for j := range out {
				scale[j] = gamma[j] / math.Sqrt(variance[j]+nn.DefaultBatchNormEpsilon)
				shift[j] = beta[j] - scale[j]*mean[j]
			}
		} else {
			layer.Act = invert.PLU
			for j := range out {
				scale[j] = 1
			}
		}
		// Dense stores W as [in, out]; the network wants out×in.
		wm := mat.NewDense(out, in, nil)
		for r := range out {
			for c := range in {
				wm.Set(r, c, scale[r]*w[c*out+r])
			}
		}
		layer.W = wm
		layer.B = make([]float64, out)
		for j := range out {
			layer.B[j] = scale[j]*bias[j] + shift[j]
		}
		net.Layers = append(net.Layers, layer)
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	return net, nil
}
