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
func LoadWeights(store *model.Store, path string) (*training.Checkpoint, error) {
	if path != "" {
		return training.LoadCheckpoint(store, path)
	}
	if err := Resolve(store); err != nil {
		return nil, err
	}
	c, err := Shipped(model.GetParamOr(store.RootScope(), ParamDataset, "mnist"), model.GetParamOr(store.RootScope(), ParamAggregation, DefaultAggregation))
	if err != nil {
		return nil, err
	}
	return c, c.Apply(store)
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
