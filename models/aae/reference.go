package aae

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sparselab/sparselab/datasets"
	"github.com/sparselab/sparselab/models/nn"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
	"github.com/sparselab/sparselab/solvers/npy"
)

// Weights of the authors' PyTorch models.
//
// Joundi, Traonmilin and Newson released their six trained MNIST and Fashion-MNIST models with
// their code, as TorchScript archives (Model_AAE/AAE_<MNIST|FMNIST>_<max|sum|simple>.pt).
// scripts/reference_weights.py exports one to an .npz (its PyTorch state under PyTorch's names,
// a meta.json, and the model's output on 16 check images); [ReadReference] reads that file and
// converts it to sparselab's variables:
//
//   - convolution kernels [out, in, kh, kw] → [kh, kw, in, out];
//   - dense weights [out, in] → [in, out];
//   - PyTorch flattens and reshapes feature maps channels-first (index ch·49 + h·7 + w), sparselab
//     channels-last (index (h·7 + w)·c + ch), so the rows of the encoder's first dense layer and the
//     columns (and bias) of the decoder's last dense layer are permuted;
//   - the latent BatchNorm1d of the released MNIST MAX-AAE becomes ParamLatentBatchNorm's running
//     averages; the released AEs' LeakyReLU after the decoder's second dense layer becomes
//     ParamAEDecoderActivation;
//   - "multscal", a parameter of the authors' class that its forward pass never uses, is dropped.
//
// [Reference.Verify] then runs sparselab's model on the check images and compares its output
// with PyTorch's, so a converted model is known to compute the same function, not only to have
// the right shapes.

// ReferenceMeta is what scripts/reference_weights.py records about an exported model.
type ReferenceMeta struct {
	// Aggregation is "max", "sum" or "ae" (the authors' "simple" autoencoder).
	Aggregation string `json:"aggregation"`
	// Channels is c; Latent the size of θ; Blocks and BlockSize its split (atomic models only).
	Channels  int `json:"channels"`
	Latent    int `json:"latent"`
	Blocks    int `json:"blocks"`
	BlockSize int `json:"block_size"`
	// LatentBatchNorm reports a BatchNorm1d after the encoder (the released MNIST MAX-AAE).
	LatentBatchNorm bool `json:"latent_batchnorm"`
	// Source is the exported file's name and SourceSHA256 its checksum.
	Source       string `json:"source"`
	SourceSHA256 string `json:"source_sha256"`
	ExportedBy   string `json:"exported_by"`
}

// Reference is a PyTorch model of the authors' code converted to sparselab's variables.
type Reference struct {
	// Path is the .npz it was read from.
	Path string
	Meta ReferenceMeta
	// Variables are the model's weights under sparselab's paths, in sparselab's layouts.
	Variables []training.Variable
	// CheckInput holds images [N, 28, 28] in [0, 1] and CheckOutput the PyTorch model's output
	// on them; both nil when the file has none.
	CheckInput, CheckOutput []float32
}

// refLayer maps one PyTorch layer to a sparselab scope.
type refLayer struct {
	scope string
	kind  int // refConv, refDense, refDenseInPerm (rows permuted), refDenseOutPerm (columns permuted)
}

const (
	refConv = iota
	refDense
	refDenseInPerm
	refDenseOutPerm
)

// refLayers returns the layers of the authors' model of the given aggregation, by PyTorch prefix.
func refLayers(aggregation string) map[string]refLayer {
	m := map[string]refLayer{
		"encoder.0": {"/encoder/conv1", refConv},
		"encoder.2": {"/encoder/conv2", refConv},
		"encoder.5": {"/encoder/fc1", refDenseInPerm},
		"encoder.7": {"/encoder/fc2", refDense},
	}
	// The decoder's dense layers (PyTorch indices 0, 2, 4, …: LeakyReLUs between) feed the shared
	// convolution stack (indices 0, 3, 6: upsampling and LeakyReLU between).
	dense, convs, n := "mini_decoder", "mini_decoder_deconv", 4
	if aggregation == "ae" {
		dense, convs, n = "mlp_decoder", "decoder", 2
	}
	for i := range n {
		kind := refDense
		if i == n-1 {
			kind = refDenseOutPerm
		}
		m[fmt.Sprintf("%s.%d", dense, 2*i)] = refLayer{fmt.Sprintf("/decoder/fc%d", i+1), kind}
	}
	for i := range 3 {
		m[fmt.Sprintf("%s.%d", convs, 3*i)] = refLayer{fmt.Sprintf("/decoder/conv%d", i+1), refConv}
	}
	return m
}

// ReadReference reads an .npz written by scripts/reference_weights.py and converts its weights
// (see the package's notes above). Unknown arrays, missing layers and inconsistent shapes are
// errors naming the array.
func ReadReference(path string) (*Reference, error) {
	a, err := npy.ReadArchive[float32](path)
	if err != nil {
		return nil, fmt.Errorf("reading the exported PyTorch model: %w", err)
	}
	r := &Reference{Path: path}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s is not a model exported by scripts/reference_weights.py: %s", path, fmt.Sprintf(format, args...))
	}
	raw, ok := a.Files["meta.json"]
	if !ok {
		return nil, bad("no meta.json")
	}
	if err := json.Unmarshal(raw, &r.Meta); err != nil {
		return nil, bad("meta.json: %v", err)
	}
	m := &r.Meta
	if m.Aggregation != "ae" && m.Aggregation != "max" && m.Aggregation != "sum" {
		return nil, bad("aggregation %q (want max, sum or ae)", m.Aggregation)
	}
	if m.Aggregation == "ae" {
		// The plain autoencoder's θ has no blocks; record sparselab's default split of it.
		m.Blocks, m.BlockSize = 1, m.Latent
		if m.Latent%DefaultBlockSize == 0 {
			m.Blocks, m.BlockSize = m.Latent/DefaultBlockSize, DefaultBlockSize
		}
	}
	if m.Channels < 2 || m.Channels%2 != 0 || m.Blocks < 1 || m.BlockSize < 1 || m.Blocks*m.BlockSize != m.Latent {
		return nil, bad("channels %d, latent %d = %d blocks × %d", m.Channels, m.Latent, m.Blocks, m.BlockSize)
	}
	layers := refLayers(m.Aggregation)
	used := map[string]bool{}
	get := func(name string, dims ...int) ([]float32, error) {
		arr, ok := a.Arrays[name]
		if !ok {
			return nil, bad("no array %s", name)
		}
		used[name] = true
		if fmt.Sprint(arr.Shape) != fmt.Sprint(dims) {
			return nil, bad("array %s has shape %v, want %v for c = %d, latent %d×%d", name, arr.Shape, dims, m.Channels, m.Blocks, m.BlockSize)
		}
		return arr.Data, nil
	}
	c, cells := m.Channels, (ImageSize/4)*(ImageSize/4)
	// perm[ours] = PyTorch's index of the same feature: ours (h·7+w)·c + ch, PyTorch ch·49 + h·7 + w.
	perm := make([]int, c*cells)
	for p := range cells {
		for ch := range c {
			perm[p*c+ch] = ch*cells + p
		}
	}
	for _, prefix := range slices.Sorted(maps.Keys(layers)) {
		l := layers[prefix]
		wArr, ok := a.Arrays[prefix+".weight"]
		if !ok {
			return nil, bad("no array %s.weight", prefix)
		}
		var w, b []float32
		var wDims []int
		switch l.kind {
		case refConv:
			if len(wArr.Shape) != 4 {
				return nil, bad("%s.weight has shape %v, want a convolution kernel [out, in, kh, kw]", prefix, wArr.Shape)
			}
			o, i, kh, kw := wArr.Shape[0], wArr.Shape[1], wArr.Shape[2], wArr.Shape[3]
			if w, err = get(prefix+".weight", o, i, kh, kw); err != nil {
				return nil, err
			}
			if b, err = get(prefix+".bias", o); err != nil {
				return nil, err
			}
			w, wDims = convKernel(w, o, i, kh, kw), []int{kh, kw, i, o}
		default:
			if len(wArr.Shape) != 2 {
				return nil, bad("%s.weight has shape %v, want a dense weight [out, in]", prefix, wArr.Shape)
			}
			o, i := wArr.Shape[0], wArr.Shape[1]
			if l.kind == refDenseInPerm && i != len(perm) || l.kind == refDenseOutPerm && o != len(perm) {
				return nil, bad("%s.weight has shape %v, which does not fit c·7·7 = %d", prefix, wArr.Shape, len(perm))
			}
			if w, err = get(prefix+".weight", o, i); err != nil {
				return nil, err
			}
			if b, err = get(prefix+".bias", o); err != nil {
				return nil, err
			}
			var rows, cols []int
			if l.kind == refDenseInPerm {
				rows = perm
			}
			if l.kind == refDenseOutPerm {
				cols = perm
				pb := make([]float32, o)
				for j := range pb {
					pb[j] = b[perm[j]]
				}
				b = pb
			}
			w, wDims = denseWeight(w, o, i, rows, cols), []int{i, o}
		}
		r.Variables = append(r.Variables,
			training.Variable{Path: l.scope + "/weight", Value: tensorOf(w, wDims...), Trainable: true},
			training.Variable{Path: l.scope + "/bias", Value: tensorOf(b, len(b)), Trainable: true})
	}
	if m.LatentBatchNorm {
		for _, v := range []struct{ torch, ours string }{{"running_mean", nn.RunningMeanName}, {"running_var", nn.RunningVarName}} {
			x, err := get("encoder.9."+v.torch, m.Latent)
			if err != nil {
				return nil, err
			}
			r.Variables = append(r.Variables, training.Variable{
				Path: "/encoder/" + LatentBatchNormScope + "/" + v.ours, Value: tensorOf(x, m.Latent)})
		}
	}
	if _, ok := a.Arrays["multscal"]; ok && m.Aggregation != "ae" {
		used["multscal"] = true // unused by the authors' forward pass
	}
	in, okIn := a.Arrays["check_input"]
	out, okOut := a.Arrays["check_output"]
	if okIn != okOut {
		return nil, bad("check_input and check_output come together (one of them is missing)")
	}
	if okIn {
		if len(in.Shape) != 3 || in.Shape[1] != ImageSize || in.Shape[2] != ImageSize || fmt.Sprint(in.Shape) != fmt.Sprint(out.Shape) {
			return nil, bad("check_input %v and check_output %v should both be [N, 28, 28]", in.Shape, out.Shape)
		}
		r.CheckInput, r.CheckOutput = in.Data, out.Data
		used["check_input"], used["check_output"] = true, true
	}
	for name := range a.Arrays {
		if !used[name] {
			return nil, bad("array %s belongs to no layer of the authors' %s model", name, DisplayName(m.Aggregation))
		}
	}
	return r, nil
}

// convKernel converts a PyTorch kernel [o, i, kh, kw] to [kh, kw, i, o].
func convKernel(w []float32, o, i, kh, kw int) []float32 {
	out := make([]float32, len(w))
	for co := range o {
		for ci := range i {
			for y := range kh {
				for x := range kw {
					out[((y*kw+x)*i+ci)*o+co] = w[((co*i+ci)*kh+y)*kw+x]
				}
			}
		}
	}
	return out
}

// denseWeight converts a PyTorch weight [o, i] to [i, o]; row r of the result takes input
// rows[r] of PyTorch's (identity when nil), column j output cols[j].
func denseWeight(w []float32, o, i int, rows, cols []int) []float32 {
	out := make([]float32, len(w))
	for r := range i {
		src := r
		if rows != nil {
			src = rows[r]
		}
		for j := range o {
			dst := j
			if cols != nil {
				dst = cols[j]
			}
			out[r*o+j] = w[dst*i+src]
		}
	}
	return out
}

func tensorOf(data []float32, dims ...int) *tensors.Tensor {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MustMutableFlatData(t, func(flat []float32) { copy(flat, data) })
	return t
}

// WriteCheckpoint writes the converted weights as a sparselab checkpoint for dataset ("mnist"
// or "fashion-mnist"), loadable with --weights by every aae command. Its header records the
// model's sizes, the source file and its checksum, and command.
func (r *Reference) WriteCheckpoint(path, dataset, command string) error {
	m := r.Meta
	meta := map[string]any{
		"paper": "000", "dataset": dataset, "aggregation": m.Aggregation, "channels": m.Channels,
		"blocks": m.Blocks, "block_size": m.BlockSize, "latent_batchnorm": m.LatentBatchNorm,
		"reference_source": m.Source, "reference_source_sha256": m.SourceSHA256,
		"imported_from": filepath.Base(r.Path), "command": command,
	}
	if m.Aggregation == "ae" {
		meta[ParamAEDecoderActivation] = true
	}
	return training.WriteCheckpoint(path, meta, r.Variables)
}

// Verify runs the model store holds (the converted weights loaded into it) on the check images
// and returns the largest absolute difference from the PyTorch model's output, and the number
// of images compared (0 when the file had none).
func (r *Reference) Verify(b compute.Backend, store *model.Store) (maxDiff float64, n int, err error) {
	if r.CheckInput == nil {
		return 0, 0, nil // ImportReference refuses such a file
	}
	n = len(r.CheckInput) / pixels
	images := &datasets.Images{Name: "check images", N: n, Height: ImageSize, Width: ImageSize, Channels: 1, Pixels: r.CheckInput}
	an, err := NewAnalyzer(b, store)
	if err != nil {
		return 0, 0, err
	}
	defer an.Finalize()
	theta, err := an.Latents(images)
	if err != nil {
		return 0, 0, err
	}
	enc, err := an.Decode(theta)
	if err != nil {
		return 0, 0, err
	}
	for i, v := range enc.Recon {
		maxDiff = math.Max(maxDiff, math.Abs(float64(v)-float64(r.CheckOutput[i])))
	}
	return maxDiff, n, nil
}

// ReferenceTolerance is the largest difference from the PyTorch model's output (pixels in [0, 1])
// that [ImportReference] accepts: float32 rounding in another order of operations stays far below.
const ReferenceTolerance = 1e-4

// ImportReport is what [ImportReference] did.
type ImportReport struct {
	Meta ReferenceMeta
	// Out is the checkpoint written; Checked the number of check images compared and MaxDiff the
	// largest absolute difference of sparselab's output from PyTorch's on them.
	Out     string
	Checked int
	MaxDiff float64
}

// ImportReference converts the exported PyTorch model at npzPath ([ReadReference]) for dataset,
// loads it into a fresh model, checks that its output on the check images matches PyTorch's
// within [ReferenceTolerance], and only then writes it to out ([Reference.WriteCheckpoint]). A model whose c
// is not the paper's for the dataset is refused, naming the dataset it fits.
func ImportReference(b compute.Backend, npzPath, dataset, out, command string) (*ImportReport, error) {
	r, err := ReadReference(npzPath)
	if err != nil {
		return nil, err
	}
	if r.CheckInput == nil {
		return nil, fmt.Errorf("%s has no check images (check_input, check_output), so the conversion cannot be checked against PyTorch: export it again with scripts/reference_weights.py", npzPath)
	}
	want, err := ChannelsFor(dataset)
	if err != nil {
		return nil, err
	}
	if r.Meta.Channels != want {
		hint := ""
		for _, ds := range []string{"mnist", "fashion-mnist"} {
			if c, _ := ChannelsFor(ds); c == r.Meta.Channels {
				hint = fmt.Sprintf(": pass --%s %s", ParamDataset, ds)
			}
		}
		return nil, fmt.Errorf("%s has c = %d, the paper's %s models have c = %d%s", npzPath, r.Meta.Channels, dataset, want, hint)
	}
	// Written beside out first, and renamed to out only once it computes PyTorch's outputs.
	tmp := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".unchecked")
	defer os.Remove(tmp) // no-op after the rename
	if err := r.WriteCheckpoint(tmp, dataset, command); err != nil {
		return nil, err
	}
	store, err := referenceStore(r.Meta, dataset)
	if err != nil {
		return nil, err
	}
	if _, err := LoadWeights(store, tmp); err != nil {
		return nil, err
	}
	rep := &ImportReport{Meta: r.Meta, Out: out}
	if rep.MaxDiff, rep.Checked, err = r.Verify(b, store); err != nil {
		return nil, err
	}
	if rep.MaxDiff > ReferenceTolerance {
		return rep, fmt.Errorf("sparselab's model with the weights of %s differs from the PyTorch model by up to %.3g on its check images (tolerance %g): "+
			"the conversion does not fit this model, so %s was not written", npzPath, rep.MaxDiff, ReferenceTolerance, out)
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, fmt.Errorf("writing %s: %w", out, err)
	}
	return rep, nil
}

// referenceStore returns a store configured for a model of the given sizes.
func referenceStore(m ReferenceMeta, dataset string) (*model.Store, error) {
	store, err := params.NewStore(Specs()...)
	if err != nil {
		return nil, err
	}
	root := store.RootScope()
	root.SetParam(ParamDataset, dataset)
	root.SetParam(ParamAggregation, m.Aggregation)
	root.SetParam(ParamChannels, m.Channels)
	root.SetParam(ParamBlocks, m.Blocks)
	root.SetParam(ParamBlockSize, m.BlockSize)
	return store, nil
}

// describeReference is a one-line description of an imported model, for reports.
func describeReference(m ReferenceMeta) string {
	parts := []string{DisplayName(m.Aggregation), fmt.Sprintf("c = %d", m.Channels), fmt.Sprintf("latent %d×%d", m.Blocks, m.BlockSize)}
	if m.LatentBatchNorm {
		parts = append(parts, "latent BatchNorm")
	}
	return strings.Join(parts, ", ")
}

// String describes the report in one line.
func (r *ImportReport) String() string {
	return fmt.Sprintf("%s (%s) → %s: output within %.2g of PyTorch's on %d check images",
		r.Meta.Source, describeReference(r.Meta), r.Out, r.MaxDiff, r.Checked)
}
