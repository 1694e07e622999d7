package aae

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/training"
)

// The weights sparselab ships, trained with this package's code (see weights/README.md for the
// command, seed, steps, epochs and wall time of each). They are embedded in the binary.
//
//go:embed weights
var shipped embed.FS

// ShippedName is the file name of the shipped weights of a dataset and aggregation.
func ShippedName(dataset, aggregation string) string {
	return fmt.Sprintf("%s-%s.ckpt", dataset, aggregation)
}

// Shipped returns the shipped weights of a dataset ("mnist", "fashion-mnist") and aggregation
// ("max", "sum", "ae").
func Shipped(dataset, aggregation string) (*training.Checkpoint, error) {
	name := ShippedName(dataset, aggregation)
	raw, err := fs.ReadFile(shipped, "weights/"+name)
	if err != nil {
		return nil, fmt.Errorf("no shipped weights %s for %s %s: train them with `sparselab aae train --dataset %s --aggregation %s`",
			name, dataset, aggregation, dataset, aggregation)
	}
	return training.ParseCheckpoint("shipped:"+name, raw)
}

// LoadWeights loads weights into store: from path if it is not empty, else the shipped weights
// of the store's dataset and aggregation.
//
// The latent batch normalisation ([ParamLatentBatchNorm]) follows the weights: it is switched on
// when they hold its running statistics, off when they do not.
func LoadWeights(store *model.Store, path string) (*training.Checkpoint, error) {
	var c *training.Checkpoint
	var err error
	if path != "" {
		if c, err = training.LoadCheckpoint(store, path); err != nil {
			return nil, err
		}
	} else {
		if err := Resolve(store); err != nil {
			return nil, err
		}
		c, err = Shipped(model.GetParamOr(store.RootScope(), ParamDataset, "mnist"), model.GetParamOr(store.RootScope(), ParamAggregation, DefaultAggregation))
		if err != nil {
			return nil, err
		}
		if err := c.Apply(store); err != nil {
			return nil, err
		}
	}
	store.RootScope().SetParam(ParamLatentBatchNorm, hasLatentBatchNorm(c))
	return c, nil
}

// hasLatentBatchNorm reports whether a checkpoint holds the latent batch normalisation's state.
func hasLatentBatchNorm(c *training.Checkpoint) bool {
	for _, v := range c.Header.Variables {
		if strings.Contains(v.Path, "/encoder/"+LatentBatchNormScope+"/") {
			return true
		}
	}
	return false
}

// ShippedHistory returns the training history (losses and validations of every run) of the
// shipped weights of a dataset and aggregation.
func ShippedHistory(dataset, aggregation string) (*training.Result, error) {
	name := strings.TrimSuffix(ShippedName(dataset, aggregation), ".ckpt") + ".history.json"
	raw, err := fs.ReadFile(shipped, "weights/"+name)
	if err != nil {
		return nil, fmt.Errorf("no shipped training history %s", name)
	}
	var r training.Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("shipped training history %s: %w", name, err)
	}
	return &r, nil
}
