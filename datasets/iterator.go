package datasets

import (
	"fmt"
	"iter"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

// IteratorOptions configures a [BatchIterator] or a [Dataset].
type IteratorOptions struct {
	// BatchSize is the number of images per batch; it must be positive.
	BatchSize int
	// Seed seeds the shuffles: epoch e (counting from 0) visits the images in the order of a
	// permutation that depends only on (Seed, e, N).
	Seed int64
	// NoShuffle visits the images in their stored order every epoch.
	NoShuffle bool
	// DropLast drops an epoch's last batch when it is smaller than BatchSize (so that every
	// batch has the same shape and the graph compiles once). When the dataset holds fewer
	// than BatchSize images, an epoch then has no batch at all, which is an error.
	DropLast bool
	// Loop chains epochs without end: [BatchIterator.Next] never reports the end of an epoch,
	// and a [Dataset]'s iterator never ends (as GoMLX's Loop.RunSteps needs).
	Loop bool
}

// BatchIterator walks through an [Images] in batches, epoch after epoch, in a seeded shuffled
// order. It is not safe for concurrent use.
type BatchIterator struct {
	images *Images
	opts   IteratorOptions
	epoch  int   // current epoch
	order  []int // permutation of the current epoch
	pos    int   // next position in order
	last   []int // indices of the last batch
}

// NewIterator returns a [BatchIterator] over the images. It returns an error if the batch size
// is not positive or if DropLast leaves no batch in an epoch.
func (im *Images) NewIterator(opts IteratorOptions) (*BatchIterator, error) {
	if opts.BatchSize <= 0 {
		return nil, fmt.Errorf("datasets: iterator over %q: batch size %d must be positive", im.Name, opts.BatchSize)
	}
	if im.N == 0 || (opts.DropLast && im.N < opts.BatchSize) {
		return nil, fmt.Errorf("datasets: iterator over %q: %d images give no batch of %d (DropLast=%v); use a smaller batch size",
			im.Name, im.N, opts.BatchSize, opts.DropLast)
	}
	it := &BatchIterator{images: im, opts: opts}
	it.startEpoch(0)
	return it, nil
}

// epochOrder returns the order in which epoch e visits the images.
func (it *BatchIterator) epochOrder(e int) []int {
	n := it.images.N
	if it.opts.NoShuffle {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		return p
	}
	return permutation(n, it.opts.Seed, streamShuffle+uint64(e)<<32)
}

func (it *BatchIterator) startEpoch(e int) {
	it.epoch = e
	it.order = it.epochOrder(e)
	it.pos = 0
}

// Epoch returns the number of the epoch the next batch comes from, counting from 0.
func (it *BatchIterator) Epoch() int { return it.epoch }

// NextIndices returns the indices of the images of the next batch, or ok = false at the end of
// an epoch (never with Loop). After ok = false, the following call starts the next epoch, with
// a new permutation.
func (it *BatchIterator) NextIndices() (indices []int, ok bool) {
	bs, n := it.opts.BatchSize, len(it.order)
	remaining := n - it.pos
	if remaining <= 0 || (it.opts.DropLast && remaining < bs) {
		it.startEpoch(it.epoch + 1)
		if !it.opts.Loop {
			return nil, false
		}
		remaining = n
	}
	size := min(bs, remaining)
	indices = it.order[it.pos : it.pos+size : it.pos+size]
	it.pos += size
	it.last = indices
	return indices, true
}

// Next returns the next batch as a new tensor of shape [B, Height, Width, Channels] (see
// [Images.Batch]) with the labels of its images (nil for unlabeled images), or ok = false at
// the end of an epoch, as [BatchIterator.NextIndices] does. The caller owns the tensor.
func (it *BatchIterator) Next() (batch *tensors.Tensor, labels []int, ok bool) {
	idx, ok := it.NextIndices()
	if !ok {
		return nil, nil, false
	}
	if it.images.Labels != nil {
		labels = make([]int, len(idx))
		for k, i := range idx {
			labels[k] = it.images.Labels[i]
		}
	}
	return it.images.Batch(idx), labels, true
}

// Skip advances the iterator as n calls of [BatchIterator.NextIndices] would, without building
// the batches: a resumed training run skips the batches its interrupted part drew and goes on with
// the ones it would have drawn next (the order of each epoch depends only on the seed).
func (it *BatchIterator) Skip(n int) {
	for range n {
		it.NextIndices()
	}
}

// LastIndices returns the image indices of the batch the last Next or NextIndices returned.
func (it *BatchIterator) LastIndices() []int { return it.last }

// Dataset adapts [Images] to GoMLX's train.Dataset, for train.Trainer and train.Loop. Each
// batch has Inputs = [images tensor [B, H, W, C] float32] and, for labeled images,
// Labels = [labels tensor [B] int32] (nil for unlabeled images). Each call to Iter runs the
// next epoch (or, with IteratorOptions.Loop, all epochs without end), so RunEpochs sees
// successive epochs with their own shuffles.
type Dataset struct {
	it *BatchIterator
}

var _ train.Dataset = (*Dataset)(nil)

// Dataset returns a GoMLX train.Dataset over the images; see [Dataset]. It returns the errors
// of [Images.NewIterator].
func (im *Images) Dataset(opts IteratorOptions) (*Dataset, error) {
	it, err := im.NewIterator(opts)
	if err != nil {
		return nil, err
	}
	return &Dataset{it: it}, nil
}

// Name returns the images' Name.
func (ds *Dataset) Name() string { return ds.it.images.Name }

// Iterator returns the underlying [BatchIterator] (to read its epoch).
func (ds *Dataset) Iterator() *BatchIterator { return ds.it }

// Iter yields the batches of one epoch (or of all epochs with Loop). An epoch interrupted by
// the consumer resumes where it stopped at the next call.
func (ds *Dataset) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		it := ds.it
		for {
			idx, ok := it.NextIndices()
			if !ok {
				return
			}
			b := train.Batch{Inputs: []*tensors.Tensor{it.images.Batch(idx)}}
			if it.images.Labels != nil {
				b.Labels = []*tensors.Tensor{it.images.BatchLabels(idx)}
			}
			if !yield(b, nil) {
				return
			}
		}
	}
}
