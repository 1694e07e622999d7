package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sparselab/sparselab/models/aae"
	"github.com/sparselab/sparselab/models/params"
)

// importReference is `aae import`: it converts one of the authors' PyTorch models, exported by
// scripts/reference_weights.py, into a sparselab checkpoint and checks it against PyTorch's output.
func importReference(fs *flag.FlagSet, store *model.Store, b compute.Backend, from, ckpt string, stdout io.Writer) error {
	if from == "" {
		return fmt.Errorf("import: give the exported model with --from FILE.npz (scripts/reference_weights.py export AAE_MNIST_max.pt FILE.npz writes one)")
	}
	if ckpt == "" {
		ckpt = strings.TrimSuffix(from, ".npz") + ".ckpt"
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	ref, err := aae.ReadReference(from)
	if err != nil {
		return err
	}
	if given[aae.ParamAggregation] && params.MustGet[string](store, aae.ParamAggregation) != ref.Meta.Aggregation {
		return fmt.Errorf("import: %s holds the authors' %s, not --%s %s: leave --%s out (the file decides)",
			from, aae.DisplayName(ref.Meta.Aggregation), aae.ParamAggregation, params.MustGet[string](store, aae.ParamAggregation), aae.ParamAggregation)
	}
	dataset := params.MustGet[string](store, aae.ParamDataset)
	if !given[aae.ParamDataset] { // the paper's c tells the dataset
		for _, ds := range []string{"mnist", "fashion-mnist"} {
			if c, _ := aae.ChannelsFor(ds); c == ref.Meta.Channels {
				dataset = ds
			}
		}
	}
	rep, err := aae.ImportReference(b, from, dataset, ckpt, "sparselab aae import --from "+from+" --ckpt "+ckpt)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	fmt.Fprintln(stdout, rep)
	fmt.Fprintf(stdout, "evaluate it with: sparselab aae eval --dataset %s --aggregation %s --weights %s\n", dataset, ref.Meta.Aggregation, ckpt)
	return nil
}
