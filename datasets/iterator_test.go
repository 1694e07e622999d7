package datasets

import (
	"slices"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// epochIndices collects the indices of one epoch.
func epochIndices(t *testing.T, it *BatchIterator) (all []int, sizes []int) {
	t.Helper()
	for {
		idx, ok := it.NextIndices()
		if !ok {
			return all, sizes
		}
		all = append(all, idx...)
		sizes = append(sizes, len(idx))
	}
}

func TestIteratorEpochs(t *testing.T) {
	im := makeImages(10, 2, 2, 1, 3)
	tests := []struct {
		name      string
		opts      IteratorOptions
		wantSizes []int
	}{
		{"keep last", IteratorOptions{BatchSize: 4, Seed: 1}, []int{4, 4, 2}},
		{"drop last", IteratorOptions{BatchSize: 4, Seed: 1, DropLast: true}, []int{4, 4}},
		{"exact", IteratorOptions{BatchSize: 5, Seed: 1, DropLast: true}, []int{5, 5}},
		{"ordered", IteratorOptions{BatchSize: 3, NoShuffle: true}, []int{3, 3, 3, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, err := im.NewIterator(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var epochs [][]int
			for e := range 3 {
				if it.Epoch() != e {
					t.Fatalf("Epoch() = %d, want %d", it.Epoch(), e)
				}
				all, sizes := epochIndices(t, it)
				if !slices.Equal(sizes, tc.wantSizes) {
					t.Fatalf("epoch %d batch sizes %v, want %v", e, sizes, tc.wantSizes)
				}
				seen := map[int]bool{}
				for _, i := range all {
					if seen[i] || i < 0 || i >= 10 {
						t.Fatalf("epoch %d: index %d repeated or out of range: %v", e, i, all)
					}
					seen[i] = true
				}
				epochs = append(epochs, all)
			}
			if tc.opts.NoShuffle {
				if !slices.Equal(epochs[0], []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
					t.Errorf("ordered epoch = %v", epochs[0])
				}
				return
			}
			if slices.Equal(epochs[0], epochs[1]) && slices.Equal(epochs[1], epochs[2]) {
				t.Error("all epochs have the same order")
			}
			// Same seed, same sequence; another seed, another one.
			it2, _ := im.NewIterator(tc.opts)
			again, _ := epochIndices(t, it2)
			if !slices.Equal(again, epochs[0]) {
				t.Errorf("same seed gave %v then %v", epochs[0], again)
			}
			o := tc.opts
			o.Seed++
			it3, _ := im.NewIterator(o)
			if other, _ := epochIndices(t, it3); slices.Equal(other, epochs[0]) {
				t.Error("seeds 1 and 2 gave the same order")
			}
		})
	}
}

func TestIteratorNextAndLoop(t *testing.T) {
	im := makeImages(5, 2, 3, 1, 2)
	it, err := im.NewIterator(IteratorOptions{BatchSize: 2, Seed: 3, Loop: true, DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	for step := range 7 { // 3.5 epochs of 2 batches: Loop never ends.
		b, labels, ok := it.Next()
		if !ok {
			t.Fatalf("Loop iterator ended at step %d", step)
		}
		idx := it.LastIndices()
		if !slices.Equal(b.Shape().Dimensions, []int{2, 2, 3, 1}) {
			t.Fatalf("batch shape %v", b.Shape().Dimensions)
		}
		flat := tensors.MustCopyFlatData[float32](b)
		for k, i := range idx {
			if !slices.Equal(flat[k*6:(k+1)*6], im.Image(i)) || labels[k] != im.Labels[i] {
				t.Fatalf("step %d entry %d does not match image %d", step, k, i)
			}
		}
	}
	if it.Epoch() != 3 {
		t.Errorf("after 7 batches of 2 from 5 images with DropLast, epoch = %d, want 3", it.Epoch())
	}
	unlabeled := makeImages(3, 1, 1, 1, 0)
	it, _ = unlabeled.NewIterator(IteratorOptions{BatchSize: 2})
	if _, labels, ok := it.Next(); !ok || labels != nil {
		t.Errorf("unlabeled Next: labels %v, ok %v", labels, ok)
	}
}

// TestIteratorSkip: after Skip(n), an iterator goes on as one that drew n batches, across epochs,
// with and without Loop.
func TestIteratorSkip(t *testing.T) {
	im := makeImages(5, 2, 3, 1, 2)
	for _, opts := range []IteratorOptions{
		{BatchSize: 2, Seed: 3, Loop: true, DropLast: true},
		{BatchSize: 2, Seed: 3},
	} {
		for n := range 9 {
			ref, _ := im.NewIterator(opts)
			for range n {
				ref.NextIndices()
			}
			it, _ := im.NewIterator(opts)
			it.Skip(n)
			for k := range 4 {
				want, wantOK := ref.NextIndices()
				got, ok := it.NextIndices()
				if ok != wantOK || !slices.Equal(got, want) || it.Epoch() != ref.Epoch() {
					t.Fatalf("%+v: after Skip(%d), batch %d = %v (ok %v, epoch %d), want %v (ok %v, epoch %d)",
						opts, n, k, got, ok, it.Epoch(), want, wantOK, ref.Epoch())
				}
			}
		}
	}
}

func TestIteratorErrors(t *testing.T) {
	im := makeImages(3, 1, 1, 1, 0)
	for _, o := range []IteratorOptions{{BatchSize: 0}, {BatchSize: -2}, {BatchSize: 4, DropLast: true}} {
		if _, err := im.NewIterator(o); err == nil {
			t.Errorf("NewIterator(%+v) gave no error", o)
		}
	}
	if _, err := makeImages(0, 1, 1, 1, 0).NewIterator(IteratorOptions{BatchSize: 1}); err == nil {
		t.Error("iterator over no images gave no error")
	}
}

func TestDatasetAdapter(t *testing.T) {
	im := makeImages(7, 2, 2, 1, 3)
	im.Name = "adapter"
	ds, err := im.Dataset(IteratorOptions{BatchSize: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name() != "adapter" {
		t.Errorf("Name() = %q", ds.Name())
	}
	for epoch := range 2 {
		count := 0
		for b, err := range ds.Iter() {
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Inputs) != 1 || len(b.Labels) != 1 {
				t.Fatalf("batch has %d inputs and %d labels", len(b.Inputs), len(b.Labels))
			}
			n := b.Inputs[0].Shape().Dimensions[0]
			labels := tensors.MustCopyFlatData[int32](b.Labels[0])
			for k, i := range ds.Iterator().LastIndices() {
				if int(labels[k]) != im.Labels[i] {
					t.Errorf("label %d = %d, want %d", k, labels[k], im.Labels[i])
				}
			}
			count += n
			if err := b.Finalize(); err != nil {
				t.Fatal(err)
			}
		}
		if count != 7 {
			t.Errorf("epoch %d yielded %d images, want 7", epoch, count)
		}
	}
	if ds.Iterator().Epoch() != 2 {
		t.Errorf("after two Iter calls the epoch is %d, want 2", ds.Iterator().Epoch())
	}
}
