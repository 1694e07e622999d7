package datasets

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// CIFAR-10 binary format constants.
const (
	cifarSide   = 32
	cifarPlane  = cifarSide * cifarSide
	cifarRecord = 1 + 3*cifarPlane // label byte + R, G, B planes
	cifarDir    = "cifar-10-batches-bin"
)

// cifar10Classes are the CIFAR-10 class names, as in batches.meta.txt.
var cifar10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// ParseCIFAR10 parses the content of one CIFAR-10 binary batch file (data_batch_k.bin or
// test_batch.bin): a sequence of 3073-byte records, a label byte 0–9 then the 32×32 red,
// green and blue planes (row-major). It returns 32×32×3 channels-last images in [0, 1]
// (v/255) with the CIFAR-10 classes. It returns an error if the length is not a whole number
// of records, holds none, or a label is above 9.
func ParseCIFAR10(data []byte) (*Images, error) {
	if len(data)%cifarRecord != 0 {
		return nil, fmt.Errorf("CIFAR-10 data truncated or corrupt: %d bytes is %d records of %d bytes plus %d bytes",
			len(data), len(data)/cifarRecord, cifarRecord, len(data)%cifarRecord)
	}
	n := len(data) / cifarRecord
	if n == 0 {
		return nil, fmt.Errorf("CIFAR-10 data is empty: no record of %d bytes (an interrupted download? delete it and run `sparselab data fetch cifar-10`)", cifarRecord)
	}
	im := &Images{Name: "cifar-10", N: n, Height: cifarSide, Width: cifarSide, Channels: 3,
		Pixels: make([]float32, n*cifarPlane*3), Labels: make([]int, n), Classes: append([]string(nil), cifar10Classes...)}
	for i := range n {
		rec := data[i*cifarRecord : (i+1)*cifarRecord]
		if rec[0] >= 10 {
			return nil, fmt.Errorf("CIFAR-10 record %d has label %d, want 0–9 (not a CIFAR-10 binary file? CIFAR-100 records have two label bytes)", i, rec[0])
		}
		im.Labels[i] = int(rec[0])
		chwToHWC(rec[1:], im.Pixels[i*3*cifarPlane:(i+1)*3*cifarPlane], cifarSide, cifarSide, 3, false)
	}
	return im, nil
}

// chwToHWC converts one channels-first uint8 image to channels-last floats in [0, 1]. With
// columnMajor, each channel plane is stored column by column (STL-10), else row by row.
func chwToHWC(src []byte, dst []float32, h, w, c int, columnMajor bool) {
	plane := h * w
	for ch := range c {
		p := src[ch*plane : (ch+1)*plane]
		for y := range h {
			for x := range w {
				var v byte
				if columnMajor {
					v = p[x*h+y]
				} else {
					v = p[y*w+x]
				}
				dst[(y*w+x)*c+ch] = float32(v) / 255
			}
		}
	}
}

// resolveDir returns dir/sub if it holds probe, else dir.
func resolveDir(dir, sub, probe string) string {
	if _, err := os.Stat(filepath.Join(dir, sub, probe)); err == nil {
		return filepath.Join(dir, sub)
	}
	return dir
}

// missingFileError wraps a failure to open a dataset file with what to do.
func missingFileError(dataset, path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("datasets: %s file %s not found (run `sparselab data fetch %s`, or datasets.Fetch(%q, …), and pass the folder it prints): %w",
			dataset, path, dataset, dataset, err)
	}
	return fmt.Errorf("datasets: %s: %w", dataset, err)
}

// LoadCIFAR10 loads the CIFAR-10 training split (data_batch_1.bin … data_batch_5.bin, 50 000
// images) or test split (test_batch.bin, 10 000) of the binary version. dir is the folder
// [Fetch]("cifar-10", …) returns (holding cifar-10-batches-bin/) or the cifar-10-batches-bin
// folder itself. Images are 32×32×3 in [0, 1]; Name is "cifar-10/train" or "cifar-10/test".
func LoadCIFAR10(dir string, train bool) (*Images, error) {
	files, split := []string{"test_batch.bin"}, "test"
	if train {
		files, split = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}, "train"
	}
	base := resolveDir(dir, cifarDir, files[0])
	var parts []*Images
	total := 0
	for _, name := range files {
		path := filepath.Join(base, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, missingFileError("cifar-10", path, err)
		}
		part, err := ParseCIFAR10(data)
		if err != nil {
			return nil, fmt.Errorf("datasets: %s: %w (delete it and run `sparselab data fetch cifar-10`)", path, err)
		}
		parts = append(parts, part)
		total += part.N
	}
	out := &Images{Name: "cifar-10/" + split, N: total, Height: cifarSide, Width: cifarSide, Channels: 3,
		Pixels: make([]float32, 0, total*3*cifarPlane), Labels: make([]int, 0, total), Classes: append([]string(nil), cifar10Classes...)}
	for _, p := range parts {
		out.Pixels = append(out.Pixels, p.Pixels...)
		out.Labels = append(out.Labels, p.Labels...)
	}
	return out, nil
}

// STL-10 binary format constants.
const (
	stlSide   = 96
	stlPlane  = stlSide * stlSide
	stlRecord = 3 * stlPlane
	stlDir    = "stl10_binary"
)

// stl10Classes are the STL-10 class names, as in class_names.txt (label byte k is class k−1).
var stl10Classes = []string{"airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"}

// STL10Split names a split of STL-10.
type STL10Split string

// The STL-10 splits.
const (
	// STL10Train is the labeled training split, train_X.bin / train_y.bin, 5000 images.
	STL10Train STL10Split = "train"
	// STL10Test is the labeled test split, test_X.bin / test_y.bin, 8000 images.
	STL10Test STL10Split = "test"
	// STL10Unlabeled is the unlabeled split, unlabeled_X.bin, 100 000 images (11 GB as
	// float32 at 96×96×3: use STL10Options.Limit or a smaller size).
	STL10Unlabeled STL10Split = "unlabeled"
)

// STL10Options configures [LoadSTL10].
type STL10Options struct {
	// Limit loads only the first Limit images of the split (0 loads all).
	Limit int
	// Height and Width resize the images while loading (see [Images.Resize]), which keeps
	// memory low; 0 keeps the native 96×96. Set both or neither.
	Height, Width int
}

// LoadSTL10 loads a split of the binary version of STL-10. dir is the folder
// [Fetch]("stl-10", …) returns (holding stl10_binary/) or the stl10_binary folder itself. The
// images, stored column-major per channel plane in the files, are returned channels-last
// row-major, 96×96×3 (or the size of opts) in [0, 1]; labels 1–10 in the files become 0–9;
// the unlabeled split has nil Labels. Name is "stl-10/<split>".
func LoadSTL10(dir string, split STL10Split, opts STL10Options) (*Images, error) {
	var xName, yName string
	switch split {
	case STL10Train:
		xName, yName = "train_X.bin", "train_y.bin"
	case STL10Test:
		xName, yName = "test_X.bin", "test_y.bin"
	case STL10Unlabeled:
		xName = "unlabeled_X.bin"
	default:
		return nil, fmt.Errorf("datasets: unknown STL-10 split %q: want %q, %q or %q", split, STL10Train, STL10Test, STL10Unlabeled)
	}
	if opts.Limit < 0 || opts.Height < 0 || opts.Width < 0 || (opts.Height == 0) != (opts.Width == 0) {
		return nil, fmt.Errorf("datasets: invalid STL10Options %+v: Limit must be ≥ 0, Height and Width both 0 or both positive", opts)
	}
	h, w := stlSide, stlSide
	if opts.Height > 0 {
		h, w = opts.Height, opts.Width
	}
	base := resolveDir(dir, stlDir, xName)
	xPath := filepath.Join(base, xName)
	f, err := os.Open(xPath)
	if err != nil {
		return nil, missingFileError("stl-10", xPath, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("datasets: stl-10: %w", err)
	}
	if st.Size()%stlRecord != 0 {
		return nil, fmt.Errorf("datasets: STL-10 file %s is truncated or corrupt: %d bytes is not a multiple of %d (3×96×96); delete it and run `sparselab data fetch stl-10`",
			xPath, st.Size(), stlRecord)
	}
	total := int(st.Size() / stlRecord)
	if total == 0 {
		return nil, fmt.Errorf("datasets: STL-10 file %s is empty; delete it and run `sparselab data fetch stl-10`", xPath)
	}
	n := total
	if opts.Limit > 0 {
		n = min(n, opts.Limit)
	}
	im := &Images{Name: "stl-10/" + string(split), N: n, Height: h, Width: w, Channels: 3, Pixels: make([]float32, n*h*w*3)}
	var rs *resizer
	if h != stlSide || w != stlSide {
		rs = newResizer(stlSide, stlSide, h, w, 3)
	}
	const chunk = 256
	raw := make([]byte, chunk*stlRecord)
	full := make([]float32, chunk*stlSide*stlSide*3)
	for start := 0; start < n; start += chunk {
		m := min(chunk, n-start)
		if _, err := io.ReadFull(f, raw[:m*stlRecord]); err != nil {
			return nil, fmt.Errorf("datasets: reading STL-10 file %s: %w", xPath, err)
		}
		parallelFor(m, func() []float32 { return make([]float32, stlSide*w*3) }, func(tmp []float32, k int) {
			hwc := full[k*stlRecord : (k+1)*stlRecord]
			chwToHWC(raw[k*stlRecord:(k+1)*stlRecord], hwc, stlSide, stlSide, 3, true)
			dst := im.Pixels[(start+k)*h*w*3 : (start+k+1)*h*w*3]
			if rs == nil {
				copy(dst, hwc)
			} else {
				rs.resize(hwc, dst, tmp)
			}
		})
	}
	if yName == "" {
		return im, nil
	}
	yPath := filepath.Join(base, yName)
	labels, err := os.ReadFile(yPath)
	if err != nil {
		return nil, missingFileError("stl-10", yPath, err)
	}
	if len(labels) != total {
		return nil, fmt.Errorf("datasets: STL-10 file %s holds %d labels but %s holds %d images: the files do not belong together (re-fetch them)",
			yPath, len(labels), xPath, total)
	}
	im.Labels = make([]int, n)
	im.Classes = append([]string(nil), stl10Classes...)
	for i := range n {
		if labels[i] < 1 || labels[i] > 10 {
			return nil, fmt.Errorf("datasets: STL-10 file %s: label %d of image %d is outside 1–10 (corrupt file? delete it and run `sparselab data fetch stl-10`)",
				yPath, labels[i], i)
		}
		im.Labels[i] = int(labels[i]) - 1
	}
	return im, nil
}
