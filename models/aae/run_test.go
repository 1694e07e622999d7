package aae

import (
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/sparselab/sparselab/models/params"
	"github.com/sparselab/sparselab/models/training"
)

// TestStartFromShipped checks that a run without a checkpoint continues the shipped model: its
// global step and its training history.
func TestStartFromShipped(t *testing.T) {
	c, err := Shipped("mnist", "max")
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []bool{true, false} {
		store, err := params.NewStore(Specs()...)
		if err != nil {
			t.Fatal(err)
		}
		if err := params.Set(store, ParamFromShipped, map[bool]string{true: "true", false: "false"}[from]); err != nil {
			t.Fatal(err)
		}
		if err := Resolve(store); err != nil {
			t.Fatal(err)
		}
		last := filepath.Join(t.TempDir(), "last.ckpt")
		if err := startFromShipped(store, last); err != nil {
			t.Fatal(err)
		}
		step := optimizer.GetGlobalStep(store)
		_, histErr := training.LoadHistory(last)
		if from {
			if want := int64(c.Header.Meta["global_step"].(float64)); step != want || histErr != nil {
				t.Errorf("from shipped: global step %d (want %d), history error %v", step, want, histErr)
			}
		} else if step != 0 || histErr == nil {
			t.Errorf("from scratch: global step %d, history error %v; want 0 and no history", step, histErr)
		}
	}
}
