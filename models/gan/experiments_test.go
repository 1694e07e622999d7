package gan

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/params"
)

// TestExperimentFlagErrors sets one inversion flag to a value the solvers reject and checks that
// the error names the flag (not a field of solvers/invert's settings) and that the defaults pass.
func TestExperimentFlagErrors(t *testing.T) {
	newStore := func(t *testing.T, name, text string) *model.Store {
		t.Helper()
		store, err := params.NewStore(ExperimentSpecs()...)
		if err != nil {
			t.Fatal(err)
		}
		if name != "" {
			if err := params.Set(store, name, text); err != nil {
				t.Fatal(err)
			}
		}
		return store
	}
	if _, err := SweepSettings(newStore(t, "", ""), nil); err != nil {
		t.Errorf("sweep defaults: %v", err)
	}
	if _, err := InversionSettings(newStore(t, "", ""), nil); err != nil {
		t.Errorf("inversion defaults: %v", err)
	}
	for _, tc := range []struct {
		name  string
		value string
		sweep bool // SweepSettings checks it, else InversionSettings
	}{
		{ParamSweepLatent, "0", true},
		{ParamSweepTrials, "-2", true},
		{ParamGDSteps, "-3", true},
		{ParamGDRestarts, "-1", false},
		{ParamGDLearningRate, "-0.1", true},
		{ParamSupportThreshold, "-1", false},
		{ParamSupportThreshold, "NaN", true},
		{ParamGDLearningRate, "+Inf", false},
		{ParamSamples, "0", false},
		{ParamHiddenFraction, "1", false},
		{ParamHiddenRows, "0", false},
	} {
		store := newStore(t, tc.name, tc.value)
		var err error
		if tc.sweep {
			_, err = SweepSettings(store, nil)
		} else {
			_, err = InversionSettings(store, nil)
		}
		if err == nil || !strings.HasPrefix(err.Error(), "flag --"+tc.name+" = ") {
			t.Errorf("--%s=%s: error %v, want one naming the flag", tc.name, tc.value, err)
		}
	}
}
