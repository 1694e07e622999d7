package aae

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/sparselab/sparselab/models/nn"
)

// fc2 returns the encoder's last layer, weights [in·K·d] then biases [K·d], flat.
func fc2(t *testing.T, store *model.Store) (w, b []float32) {
	t.Helper()
	flat := func(name string) []float32 {
		var out []float32
		switch x := store.GetVariable(encoderOutput + name).MustValue().Value().(type) {
		case [][]float32:
			for _, row := range x {
				out = append(out, row...)
			}
		case []float32:
			out = append(out, x...)
		}
		return out
	}
	return flat("weight"), flat("bias")
}

// sameBlocks checks that block k's code θ_k and atom equal block j's on every image of enc, within
// tol: what an exact copy of block j's encoder weights into block k gives.
func sameBlocks(t *testing.T, enc *Encoding, k, j int, tol float64) {
	t.Helper()
	for i := range enc.N {
		c := enc.Code(i)
		if d := maxAbsDiff(c[k*testBlockSize:(k+1)*testBlockSize], c[j*testBlockSize:(j+1)*testBlockSize]); d > tol {
			t.Errorf("image %d: θ_%d differs from θ_%d by %g after an exact copy", i, k, j, d)
		}
		if d := maxAbsDiff(enc.Atom(i, k), enc.Atom(i, j)); d > tol {
			t.Errorf("image %d: atom %d differs from atom %d by %g after an exact copy", i, k, j, d)
		}
	}
}

// TestReviveBlocks checks the copy ReviveIdle makes: without noise, block 3 of the encoder's
// last layer becomes block 1 exactly (so its θ and atom are block 1's); with noise, only the
// revived block's units change, each from its source by a perturbation of about the relative
// noise asked for.
func TestReviveBlocks(t *testing.T) {
	images := testImages(5)
	store := tinyStore("max")
	a := newAnalyzer(t, store)
	cfg := a.Config()
	w0, b0 := fc2(t, store)
	if err := reviveBlocks(store, cfg, []int{3}, []int{1}, 0, 0); err != nil {
		t.Fatal(err)
	}
	enc, err := a.Atoms(images)
	if err != nil {
		t.Fatal(err)
	}
	// Equal up to float rounding: the backend may sum different columns in different orders.
	sameBlocks(t, enc, 3, 1, 1e-6)

	setFC2(t, store, w0, b0)
	const noise = 0.1
	if err := reviveBlocks(store, cfg, []int{0, 3}, []int{2, 1}, noise, 3); err != nil {
		t.Fatal(err)
	}
	w1, b1 := fc2(t, store)
	cols := testBlocks * testBlockSize
	var ss, ssSrc float64
	n := 0
	for _, pair := range [][2][]float32{{w0, w1}, {b0, b1}} {
		old, revived := pair[0], pair[1]
		for i := range old {
			block := (i % cols) / testBlockSize
			src := map[int]int{0: 2, 3: 1}
			j, ok := src[block]
			if !ok {
				if old[i] != revived[i] {
					t.Fatalf("unit %d of block %d, not revived, changed", i%cols, block)
				}
				continue
			}
			from := float64(old[i+(j-block)*testBlockSize])
			ss += (float64(revived[i]) - from) * (float64(revived[i]) - from)
			ssSrc += from * from
			n++
		}
	}
	// The noise is relative per source and per variable; over all the units it is about noise.
	if rel := math.Sqrt(ss / ssSrc); rel < noise/2 || rel > 2*noise {
		t.Errorf("revived units differ from their sources by %.3g relative, want about %g", rel, noise)
	}
	if n != 2*(len(w0)/cols+1)*testBlockSize {
		t.Errorf("%d revived values", n)
	}
}

// TestReviveBlocksLatentBatchNorm checks the copy with the latent batch normalisation: block 3
// also gets block 1's running mean and variance, so that its normalised θ and its atom are block
// 1's, and no other block's statistics change.
func TestReviveBlocksLatentBatchNorm(t *testing.T) {
	images := testImages(5)
	store := tinyStore("max")
	store.SetParam(ParamLatentBatchNorm, true)
	a := newAnalyzer(t, store)
	cfg := a.Config()
	if !cfg.LatentBatchNorm {
		t.Fatal("the model has no latent batch normalisation")
	}
	// Distinct statistics per unit (newAnalyzer drew the variances at random, some negative).
	bn := "/encoder/" + LatentBatchNormScope + "/"
	units := testBlocks * testBlockSize
	mean, variance := make([]float32, units), make([]float32, units)
	for u := range units {
		mean[u], variance[u] = 0.01*float32(u)-0.1, 0.5+0.03*float32(u)
	}
	setValue(t, store.GetVariable(bn+nn.RunningMeanName), mean)
	setValue(t, store.GetVariable(bn+nn.RunningVarName), variance)
	before, err := a.Atoms(images)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(before.Atom(0, 3), before.Atom(0, 1)); d < 1e-3 {
		t.Fatalf("atoms 3 and 1 already agree (%g): the test would not tell", d)
	}
	if err := reviveBlocks(store, cfg, []int{3}, []int{1}, 0, 0); err != nil {
		t.Fatal(err)
	}
	enc, err := a.Atoms(images)
	if err != nil {
		t.Fatal(err)
	}
	sameBlocks(t, enc, 3, 1, 1e-5)
	for name, want := range map[string][]float32{nn.RunningMeanName: mean, nn.RunningVarName: variance} {
		got := store.GetVariable(bn + name).MustValue().Value().([]float32)
		for u := range units {
			w := want[u]
			if u/testBlockSize == 3 {
				w = want[u-2*testBlockSize]
			}
			if got[u] != w {
				t.Errorf("%s[%d] = %g after the revival, want %g", name, u, got[u], w)
			}
		}
	}
}

// TestReviveIdleErrors checks what ReviveIdle refuses.
func TestReviveIdleErrors(t *testing.T) {
	images := testImages(2)
	store := tinyStore("max")
	a := newAnalyzer(t, store)
	if _, err := a.ReviveIdle(store, images, ReviveSettings{Noise: math.NaN()}); err == nil || !strings.Contains(err.Error(), "finite") {
		t.Errorf("NaN noise: %v", err)
	}
	r, err := a.ReviveIdle(store, images, ReviveSettings{Noise: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.WinShare) != testBlocks || len(r.Usage) != testBlocks || len(r.Sources) != len(r.Idle) {
		t.Errorf("revival %+v", r)
	}
	sum := tinyStore("sum")
	if _, err := newAnalyzer(t, sum).ReviveIdle(sum, images, ReviveSettings{}); err == nil || !strings.Contains(err.Error(), "MAX-AAE") {
		t.Errorf("SUM-AAE: %v", err)
	}
}

// setFC2 writes back what fc2 returned.
func setFC2(t *testing.T, store *model.Store, w, b []float32) {
	t.Helper()
	cols := testBlocks * testBlockSize
	rows := make([][]float32, len(w)/cols)
	for i := range rows {
		rows[i] = append([]float32(nil), w[i*cols:(i+1)*cols]...)
	}
	setValue(t, store.GetVariable(encoderOutput+"weight"), rows)
	setValue(t, store.GetVariable(encoderOutput+"bias"), append([]float32(nil), b...))
}

// setValue sets a variable from a Go slice ([]float32 or [][]float32).
func setValue(t *testing.T, v *model.Variable, vals any) {
	t.Helper()
	tt, err := tensors.FromAnyValue(vals)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetValue(tt); err != nil {
		t.Fatal(err)
	}
}
