package datasets

import (
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// PixelRange says which interval the pixel values of an [Images] live in.
type PixelRange int

const (
	// RangeUnit means pixels in [0, 1], the range every loader produces. It is the zero value.
	RangeUnit PixelRange = iota
	// RangeSymmetric means pixels in [−1, 1] (x ↦ 2x − 1 from RangeUnit), the range used with
	// Tanh-output decoders.
	RangeSymmetric
)

// String returns "[0,1]" or "[-1,1]".
func (r PixelRange) String() string {
	switch r {
	case RangeUnit:
		return "[0,1]"
	case RangeSymmetric:
		return "[-1,1]"
	default:
		return fmt.Sprintf("PixelRange(%d)", int(r))
	}
}

// bounds returns the interval's end points.
func (r PixelRange) bounds() (lo, hi float32, ok bool) {
	switch r {
	case RangeUnit:
		return 0, 1, true
	case RangeSymmetric:
		return -1, 1, true
	default:
		return 0, 0, false
	}
}

// Images is an in-memory image dataset: N images of Height×Width×Channels float32 pixels.
//
// Pixels holds N·Height·Width·Channels values, channels-last and row-major: the value of
// channel c at row y, column x of image n is Pixels[((n·Height + y)·Width + x)·Channels + c].
// Range tells whether the values are in [0, 1] (the zero value, what loaders produce) or in
// [−1, 1].
//
// Labels holds one class index per image (into Classes), or is nil for unlabeled data (STL-10's
// unlabeled split, flat image folders).
//
// Methods never modify the receiver; those returning *Images return new values that share no
// memory with the receiver, except [Images.Image], which returns a view.
type Images struct {
	// Name identifies the dataset and split, e.g. "mnist/train".
	Name string
	// N is the number of images; Height, Width and Channels their size (Channels is 1 for
	// grayscale and 3 for RGB).
	N, Height, Width, Channels int
	// Pixels holds the pixel values, layout [N, Height, Width, Channels].
	Pixels []float32
	// Range is the interval of the pixel values.
	Range PixelRange
	// Labels holds the class of each image (len N), or nil for unlabeled images.
	Labels []int
	// Classes holds the class names, indexed by label; nil when there are no labels.
	Classes []string
}

// ImageSize returns the number of float32 values of one image, Height·Width·Channels.
func (im *Images) ImageSize() int { return im.Height * im.Width * im.Channels }

// Validate checks that the fields are consistent: non-negative sizes, len(Pixels) =
// N·Height·Width·Channels, Labels nil or of length N with every label in [0, len(Classes)),
// and a known Range. Loaders always return valid Images; Validate is for Images built by hand.
func (im *Images) Validate() error {
	if im == nil {
		return fmt.Errorf("datasets: nil *Images")
	}
	if im.N < 0 || im.Height <= 0 || im.Width <= 0 || im.Channels <= 0 {
		return fmt.Errorf("datasets: images %q: invalid size N=%d Height=%d Width=%d Channels=%d (N must be ≥ 0, the others > 0)",
			im.Name, im.N, im.Height, im.Width, im.Channels)
	}
	want := im.N * im.ImageSize()
	if want/im.ImageSize() != im.N {
		return fmt.Errorf("datasets: images %q: size %d×%d×%d×%d overflows int", im.Name, im.N, im.Height, im.Width, im.Channels)
	}
	if len(im.Pixels) != want {
		return fmt.Errorf("datasets: images %q: len(Pixels)=%d but N·Height·Width·Channels=%d", im.Name, len(im.Pixels), want)
	}
	if _, _, ok := im.Range.bounds(); !ok {
		return fmt.Errorf("datasets: images %q: unknown pixel range %v", im.Name, im.Range)
	}
	if im.Labels != nil {
		if len(im.Labels) != im.N {
			return fmt.Errorf("datasets: images %q: len(Labels)=%d but N=%d", im.Name, len(im.Labels), im.N)
		}
		for i, l := range im.Labels {
			if l < 0 || l >= len(im.Classes) {
				return fmt.Errorf("datasets: images %q: label %d of image %d is outside [0, %d) (len(Classes))", im.Name, l, i, len(im.Classes))
			}
		}
	}
	return nil
}

// checkIndex panics with a clear message if i is not an image index: indexing an image outside
// the dataset is a programming error, like indexing a slice out of range.
func (im *Images) checkIndex(i int) {
	if i < 0 || i >= im.N {
		panic(fmt.Sprintf("datasets: image index %d out of range [0, %d) in %q", i, im.N, im.Name))
	}
}

// Image returns the pixels of image i, layout [Height, Width, Channels]. The slice is a view
// into Pixels (modifying it modifies the dataset). It panics if i is out of range.
func (im *Images) Image(i int) []float32 {
	im.checkIndex(i)
	sz := im.ImageSize()
	return im.Pixels[i*sz : (i+1)*sz : (i+1)*sz]
}

// Clone returns a deep copy.
func (im *Images) Clone() *Images {
	out := *im
	out.Pixels = slices.Clone(im.Pixels)
	out.Labels = slices.Clone(im.Labels)
	out.Classes = slices.Clone(im.Classes)
	return &out
}

// emptyLike returns Images with the receiver's metadata, n images of the given size and
// freshly allocated pixels (and labels if the receiver has labels).
func (im *Images) emptyLike(name string, n, h, w int) *Images {
	out := &Images{
		Name: name, N: n, Height: h, Width: w, Channels: im.Channels,
		Pixels:  make([]float32, n*h*w*im.Channels),
		Range:   im.Range,
		Classes: slices.Clone(im.Classes),
	}
	if im.Labels != nil {
		out.Labels = make([]int, n)
	}
	return out
}

// Subset returns a new Images holding copies of the given images, in the given order
// (repetitions allowed). It panics if an index is out of range.
func (im *Images) Subset(indices []int) *Images {
	out := im.emptyLike(im.Name, len(indices), im.Height, im.Width)
	sz := im.ImageSize()
	for k, i := range indices {
		copy(out.Pixels[k*sz:(k+1)*sz], im.Image(i))
		if im.Labels != nil {
			out.Labels[k] = im.Labels[i]
		}
	}
	return out
}

// RandomSubset returns n distinct images drawn uniformly without replacement with the given
// seed, kept in their original order ([SampleIndices] gives the indices). It returns an error
// if n is negative or larger than N.
func (im *Images) RandomSubset(n int, seed int64) (*Images, error) {
	idx, err := SampleIndices(im.N, n, seed)
	if err != nil {
		return nil, fmt.Errorf("datasets: RandomSubset of %q: %w", im.Name, err)
	}
	return im.Subset(idx), nil
}

// Split partitions the images randomly (seeded) into a with round(frac·N) images and b with
// the rest; both keep the original order of their images. a's indices are
// SampleIndices(N, round(frac·N), seed), b holds the others. It returns an error if frac is
// not in [0, 1].
func (im *Images) Split(frac float64, seed int64) (a, b *Images, err error) {
	if !(frac >= 0 && frac <= 1) {
		return nil, nil, fmt.Errorf("datasets: Split of %q: fraction %v is not in [0, 1]", im.Name, frac)
	}
	na := int(math.Round(frac * float64(im.N)))
	idxA, err := SampleIndices(im.N, na, seed)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: Split of %q: %w", im.Name, err)
	}
	inA := make([]bool, im.N)
	for _, i := range idxA {
		inA[i] = true
	}
	idxB := make([]int, 0, im.N-na)
	for i := range im.N {
		if !inA[i] {
			idxB = append(idxB, i)
		}
	}
	return im.Subset(idxA), im.Subset(idxB), nil
}

// Rescale returns a copy with pixel values mapped affinely from the receiver's range to r
// (x ↦ 2x − 1 from [0, 1] to [−1, 1], x ↦ (x + 1)/2 back). Values outside the receiver's
// range are mapped by the same affine map, not clipped. It returns an error for an unknown
// range.
func (im *Images) Rescale(r PixelRange) (*Images, error) {
	lo0, hi0, ok0 := im.Range.bounds()
	lo1, hi1, ok1 := r.bounds()
	if !ok0 || !ok1 {
		return nil, fmt.Errorf("datasets: Rescale of %q from %v to %v: unknown pixel range", im.Name, im.Range, r)
	}
	out := im.Clone()
	out.Range = r
	if im.Range == r {
		return out, nil
	}
	scale := (hi1 - lo1) / (hi0 - lo0)
	for i, v := range out.Pixels {
		out.Pixels[i] = (v-lo0)*scale + lo1
	}
	return out, nil
}

// Symmetric returns a copy with pixels in [−1, 1]: x ↦ 2x − 1 for images in [0, 1], a plain
// copy if the images already are in [−1, 1]. It panics only if Range holds an unknown value
// (see [Images.Validate]).
func (im *Images) Symmetric() *Images {
	out, err := im.Rescale(RangeSymmetric)
	if err != nil {
		panic(err)
	}
	return out
}

// MeanStd returns the mean and the (population) standard deviation of all pixel values,
// accumulated in float64.
func (im *Images) MeanStd() (mean, std float64) {
	if len(im.Pixels) == 0 {
		return 0, 0
	}
	var sum float64
	for _, v := range im.Pixels {
		sum += float64(v)
	}
	mean = sum / float64(len(im.Pixels))
	var ss float64
	for _, v := range im.Pixels {
		d := float64(v) - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(im.Pixels)))
}

// Batch returns a new GoMLX tensor of shape [len(indices), Height, Width, Channels], dtype
// float32, holding copies of the given images. Each call allocates a new tensor, whose
// ownership passes to the caller (GoMLX's trainer frees the batches it is given). It panics if
// an index is out of range.
func (im *Images) Batch(indices []int) *tensors.Tensor {
	for _, i := range indices {
		im.checkIndex(i)
	}
	t := tensors.FromShape(shapes.Make(dtypes.Float32, len(indices), im.Height, im.Width, im.Channels))
	sz := im.ImageSize()
	tensors.MustMutableFlatData(t, func(flat []float32) {
		for k, i := range indices {
			copy(flat[k*sz:(k+1)*sz], im.Pixels[i*sz:(i+1)*sz])
		}
	})
	return t
}

// BatchLabels returns a new GoMLX tensor of shape [len(indices)], dtype int32, holding the
// labels of the given images, or nil if the images have no labels. It panics if an index is
// out of range.
func (im *Images) BatchLabels(indices []int) *tensors.Tensor {
	if im.Labels == nil {
		return nil
	}
	labels := make([]int32, len(indices))
	for k, i := range indices {
		im.checkIndex(i)
		labels[k] = int32(im.Labels[i])
	}
	return tensors.FromFlatDataAndDimensions(labels, len(indices))
}

// GoImage returns image i as a Go image for display or saving (image/png): *image.Gray for
// one channel, *image.NRGBA for three (other channel counts keep the first three, or repeat
// the first if fewer). Values are mapped from Range to 0–255 and clipped. It panics if i is out
// of range.
func (im *Images) GoImage(i int) image.Image {
	px := im.Image(i)
	lo, hi, ok := im.Range.bounds()
	if !ok {
		lo, hi = 0, 1
	}
	toByte := func(v float32) uint8 {
		u := (float64(v) - float64(lo)) / float64(hi-lo) * 255
		return uint8(math.Round(math.Max(0, math.Min(255, u))))
	}
	rect := image.Rect(0, 0, im.Width, im.Height)
	c := im.Channels
	if c == 1 {
		g := image.NewGray(rect)
		for p, v := range px {
			g.Pix[p] = toByte(v)
		}
		return g
	}
	out := image.NewNRGBA(rect)
	for p := range im.Height * im.Width {
		for k := range 3 {
			src := k
			if src >= c {
				src = 0
			}
			out.Pix[4*p+k] = toByte(px[p*c+src])
		}
		out.Pix[4*p+3] = 255
	}
	return out
}
