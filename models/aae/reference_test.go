package aae

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/sparselab/sparselab/models/backend"
	"github.com/sparselab/sparselab/models/training"
	"github.com/sparselab/sparselab/solvers/npy"
)

// The fixtures in testdata/reference are small random models (c = 2, 3 blocks of 2; the AE with a
// latent of 6) built with the authors' PyTorch module layout, exported with their PyTorch output
// on 4 check images by `scripts/reference_weights.py fixtures models/aae/testdata/reference`.
var referenceFixtures = []struct {
	file, aggregation string
	batchNorm         bool
}{
	{"max-bn.npz", "max", true},
	{"sum.npz", "sum", false},
	{"ae.npz", "ae", false},
}

// loadReference reads a fixture, writes it as a checkpoint and loads that into a fresh store.
func loadReference(t *testing.T, file string) (*Reference, string) {
	t.Helper()
	r, err := ReadReference(filepath.Join("testdata", "reference", file))
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "w.ckpt")
	if err := r.WriteCheckpoint(ckpt, "mnist", "test"); err != nil {
		t.Fatal(err)
	}
	return r, ckpt
}

// loadedStore returns a store for the converted model r with the checkpoint ckpt loaded.
func loadedStore(t *testing.T, r *Reference, ckpt string) *model.Store {
	t.Helper()
	store, err := referenceStore(r.Meta, "mnist")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadWeights(store, ckpt); err != nil {
		t.Fatal(err)
	}
	return store
}

// TestReferenceMatchesPyTorch checks, on every backend, that sparselab's model with weights
// converted from the authors' PyTorch layout computes PyTorch's output (the fixtures' check
// images), for MAX-AAE with the latent BatchNorm, SUM-AAE and the AE.
func TestReferenceMatchesPyTorch(t *testing.T) {
	for _, fx := range referenceFixtures {
		r, ckpt := loadReference(t, fx.file)
		if r.Meta.Aggregation != fx.aggregation || r.Meta.LatentBatchNorm != fx.batchNorm || r.Meta.Channels != 2 {
			t.Fatalf("%s: meta %+v", fx.file, r.Meta)
		}
		for _, name := range backend.Available() {
			b, _, err := backend.New(name)
			if err != nil {
				t.Fatal(err)
			}
			store := loadedStore(t, r, ckpt)
			cfg := FromScope(store.RootScope())
			if cfg.LatentBatchNorm != fx.batchNorm || cfg.AEDecoderActivation != (fx.aggregation == "ae") {
				t.Errorf("%s: the weights set %+v", fx.file, cfg)
			}
			diff, n, err := r.Verify(b, store)
			if err != nil || n != 4 || !(diff <= ReferenceTolerance) {
				t.Errorf("%s on %s: max |sparselab − PyTorch| = %g over %d images, %v", fx.file, name, diff, n, err)
			}
		}
	}
}

// TestReferenceCheckCatchesLayout makes sure the check can fail: the decoder's last dense layer
// converted without the channels-first → channels-last permutation, or the AE without its
// decoder activation, must be caught.
func TestReferenceCheckCatchesLayout(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	run := func(r *Reference, mutate func(vars []training.Variable), aeActivation bool) float64 {
		t.Helper()
		vars := append([]training.Variable(nil), r.Variables...)
		mutate(vars)
		r2 := *r
		r2.Variables = vars
		ckpt := filepath.Join(t.TempDir(), "w.ckpt")
		if err := r2.WriteCheckpoint(ckpt, "mnist", "test"); err != nil {
			t.Fatal(err)
		}
		store := loadedStore(t, r, ckpt)
		store.RootScope().SetParam(ParamAEDecoderActivation, aeActivation)
		diff, _, err := r2.Verify(b, store)
		if err != nil {
			t.Fatal(err)
		}
		return diff
	}
	r, _ := loadReference(t, "max-bn.npz")
	unpermuted := func(vars []training.Variable) {
		for i, v := range vars {
			if v.Path == "/decoder/fc4/weight" {
				dims := v.Value.Shape().Dimensions
				w := make([]float32, dims[0]*dims[1])
				v.Value.MustConstFlatData(func(flat any) { copy(w, flat.([]float32)) })
				// Undo the column permutation: column p·c+ch back to ch·49+p.
				c, cells := r.Meta.Channels, 49
				out := make([]float32, len(w))
				for row := range dims[0] {
					for p := range cells {
						for ch := range c {
							out[row*dims[1]+ch*cells+p] = w[row*dims[1]+p*c+ch]
						}
					}
				}
				vars[i].Value = tensorOf(out, dims...)
			}
		}
	}
	if d := run(r, unpermuted, false); !(d > 10*ReferenceTolerance) {
		t.Errorf("a channels-first fc4 gave max difference %g: the check does not see the layout", d)
	}
	if d := run(r, func([]training.Variable) {}, false); !(d <= ReferenceTolerance) {
		t.Errorf("the unchanged conversion gave %g", d)
	}
	ae, _ := loadReference(t, "ae.npz")
	if d := run(ae, func([]training.Variable) {}, false); !(d > 10*ReferenceTolerance) {
		t.Errorf("the AE without its decoder activation gave max difference %g: the check does not see it", d)
	}
}

// scalarNPY returns a .npy file holding the float32 scalar 1.
func scalarNPY(t *testing.T) string {
	var buf bytes.Buffer
	if err := npy.Write(&buf, []float32{1}, []int{}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestReferenceBadInput checks the errors for files that are not an exported model.
func TestReferenceBadInput(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadReference(filepath.Join(dir, "none.npz")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
	// Copy a fixture, dropping or adding members.
	rewrite := func(name string, keep func(member string) bool, extra map[string]string) string {
		src, err := zip.OpenReader(filepath.Join("testdata", "reference", "sum.npz"))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		z := zip.NewWriter(f)
		for _, m := range src.File {
			if !keep(m.Name) {
				continue
			}
			w, _ := z.Create(m.Name)
			rc, _ := m.Open()
			_, _ = io.Copy(w, rc)
			rc.Close()
		}
		for n, body := range extra {
			w, _ := z.Create(n)
			_, _ = io.WriteString(w, body)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	all := func(string) bool { return true }
	for _, tc := range []struct {
		name string
		path string
		want string
	}{
		{"no meta", rewrite("a.npz", func(m string) bool { return m != "meta.json" }, nil), "no meta.json"},
		{"no layer", rewrite("b.npz", func(m string) bool { return m != "mini_decoder.4.weight.npy" }, nil), "no array mini_decoder.4.weight"},
		{"no bias", rewrite("c.npz", func(m string) bool { return m != "encoder.5.bias.npy" }, nil), "no array encoder.5.bias"},
		{"half a check", rewrite("e.npz", func(m string) bool { return m != "check_output.npy" }, nil), "check_input and check_output come together"},
		{"unknown array", rewrite("d.npz", all, map[string]string{"decoder.9.weight.npy": scalarNPY(t)}), "decoder.9.weight belongs to no layer"},
	} {
		if _, err := ReadReference(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	// A file without check images cannot be checked, so it is not imported.
	unchecked := rewrite("f.npz", func(m string) bool { return !strings.HasPrefix(m, "check_") }, nil)
	if _, err := ImportReference(b, unchecked, "mnist", filepath.Join(dir, "u.ckpt"), "test"); err == nil || !strings.Contains(err.Error(), "has no check images") {
		t.Errorf("no check images: %v", err)
	}
	// A model whose c is not the paper's for the dataset.
	_, err = ImportReference(b, filepath.Join("testdata", "reference", "sum.npz"), "mnist", filepath.Join(dir, "x.ckpt"), "test")
	if err == nil || !strings.Contains(err.Error(), "c = 2") {
		t.Errorf("c = 2 for mnist: %v", err)
	}
}

// TestEvaluateLoaded checks that EvaluateLoaded measures the weights in the store (here a
// converted fixture) and Evaluate the weights it is given: the same PSNRs for the same weights.
// (Notebook 01 once evaluated a store its --retrain had trained with Evaluate(store, ""), which
// reloads the shipped weights.)
func TestEvaluateLoaded(t *testing.T) {
	b, _, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	r, ckpt := loadReference(t, "sum.npz")
	stores := make([]*model.Store, 2)
	for i := range stores {
		if stores[i], err = referenceStore(r.Meta, "mnist"); err != nil {
			t.Fatal(err)
		}
		stores[i].RootScope().SetParam(ParamTestCount, 4)
	}
	if _, err := LoadWeights(stores[0], ckpt); err != nil {
		t.Fatal(err)
	}
	loaded, err := EvaluateLoaded(b, stores[0])
	if err != nil {
		t.Fatal(err)
	}
	given, err := Evaluate(b, stores[1], ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.PSNR) != 4 || !slices.Equal(loaded.PSNR, given.PSNR) || given.Weights != ckpt || loaded.Weights != "" {
		t.Errorf("EvaluateLoaded %v (weights %q), Evaluate %v (weights %q)", loaded.PSNR, loaded.Weights, given.PSNR, given.Weights)
	}
}
