package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// IDX magic numbers of the files used by MNIST and Fashion-MNIST (unsigned bytes, 3 or 1
// dimensions).
const (
	IDXMagicImages = 0x00000803
	IDXMagicLabels = 0x00000801
)

// idxTypeUByte is the IDX type code of unsigned bytes, the only type these datasets use.
const idxTypeUByte = 0x08

// maxFileBytes caps the decompressed size of a file read into memory (IDX), to fail cleanly on
// corrupt headers and gzip bombs. The largest legitimate file, MNIST's training images, is 47 MB.
const maxFileBytes = 1 << 30

// IDX is a parsed IDX array of unsigned bytes.
type IDX struct {
	// Magic is the file's magic number, 0x0000_08_d for d dimensions.
	Magic uint32
	// Dims holds the sizes of the dimensions, outermost first.
	Dims []int
	// Data holds the values, row-major; len(Data) is the product of Dims.
	Data []byte
}

// ParseIDX parses an uncompressed IDX file held in memory. It accepts only the unsigned-byte
// type (0x08), as used by MNIST and Fashion-MNIST, with 1 to 4 dimensions, and requires the
// data length to match the dimensions exactly. The returned Data aliases data.
func ParseIDX(data []byte) (*IDX, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("IDX header truncated: %d bytes, need at least 4", len(data))
	}
	magic := binary.BigEndian.Uint32(data)
	if data[0] != 0 || data[1] != 0 {
		return nil, fmt.Errorf("bad IDX magic number 0x%08X: the first two bytes must be zero (is this an IDX file?)", magic)
	}
	if data[2] != idxTypeUByte {
		return nil, fmt.Errorf("unsupported IDX data type 0x%02X (magic 0x%08X): only unsigned bytes (0x08) are supported", data[2], magic)
	}
	nd := int(data[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("unsupported IDX dimension count %d (magic 0x%08X): need 1 to 4", nd, magic)
	}
	header := 4 + 4*nd
	if len(data) < header {
		return nil, fmt.Errorf("IDX header truncated: %d bytes, need %d for %d dimensions", len(data), header, nd)
	}
	dims := make([]int, nd)
	size := 1
	for i := range dims {
		d := binary.BigEndian.Uint32(data[4+4*i:])
		if uint64(d) > maxFileBytes {
			return nil, fmt.Errorf("IDX dimension %d is %d, larger than the %d-byte limit", i, d, maxFileBytes)
		}
		dims[i] = int(d)
		if dims[i] != 0 && size > maxFileBytes/dims[i] {
			return nil, fmt.Errorf("IDX dimensions %v… exceed the %d-byte limit", dims[:i+1], maxFileBytes)
		}
		size *= dims[i]
	}
	body := data[header:]
	if len(body) != size {
		what := "truncated"
		if len(body) > size {
			what = "has trailing bytes"
		}
		return nil, fmt.Errorf("IDX data %s: dimensions %v need %d bytes after the %d-byte header, the file has %d",
			what, dims, size, header, len(body))
	}
	return &IDX{Magic: magic, Dims: dims, Data: body}, nil
}

// readMaybeGzip reads a whole file, decompressing it if it starts with the gzip magic bytes.
func readMaybeGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var head [2]byte
	n, _ := io.ReadFull(f, head[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var r io.Reader = f
	if n == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("reading gzip header: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r, maxFileBytes+1)); err != nil {
		return nil, fmt.Errorf("decompressing (truncated or corrupt file?): %w", err)
	}
	if buf.Len() > maxFileBytes {
		return nil, fmt.Errorf("content larger than %d bytes", maxFileBytes)
	}
	return buf.Bytes(), nil
}

// ReadIDXFile reads and parses an IDX file, gzip-compressed or not (detected from its first
// bytes). Errors name the file.
func ReadIDXFile(path string) (*IDX, error) {
	data, err := readMaybeGzip(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: reading IDX file %s: %w", path, err)
	}
	x, err := ParseIDX(data)
	if err != nil {
		return nil, fmt.Errorf("datasets: IDX file %s: %w", path, err)
	}
	return x, nil
}

// LoadIDX loads images from an IDX images file (magic 0x00000803, dimensions [N, rows,
// cols]) and, if labelsPath is not empty, their labels from an IDX labels file (magic
// 0x00000801, dimensions [N]). Pixels are mapped from 0–255 to [0, 1] (divided by 255);
// Channels is 1. Labels are checked to be below 256 only; Classes is nil (the caller names
// the classes). Either file may be gzip-compressed.
func LoadIDX(imagesPath, labelsPath string) (*Images, error) {
	ix, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	if ix.Magic != IDXMagicImages {
		return nil, fmt.Errorf("datasets: IDX file %s has magic 0x%08X, want 0x%08X for an images file (dimensions [N, rows, cols])",
			imagesPath, ix.Magic, IDXMagicImages)
	}
	n, h, w := ix.Dims[0], ix.Dims[1], ix.Dims[2]
	if h == 0 || w == 0 {
		return nil, fmt.Errorf("datasets: IDX images file %s has empty images (%d×%d)", imagesPath, h, w)
	}
	im := &Images{Name: filepath.Base(imagesPath), N: n, Height: h, Width: w, Channels: 1, Pixels: bytesToUnit(ix.Data)}
	if labelsPath == "" {
		return im, nil
	}
	lx, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	if lx.Magic != IDXMagicLabels {
		return nil, fmt.Errorf("datasets: IDX file %s has magic 0x%08X, want 0x%08X for a labels file (dimensions [N])",
			labelsPath, lx.Magic, IDXMagicLabels)
	}
	if lx.Dims[0] != n {
		return nil, fmt.Errorf("datasets: %s holds %d labels but %s holds %d images: the files do not belong together (re-fetch them)",
			labelsPath, lx.Dims[0], imagesPath, n)
	}
	im.Labels = make([]int, n)
	for i, b := range lx.Data {
		im.Labels[i] = int(b)
	}
	return im, nil
}

// bytesToUnit converts bytes 0–255 to float32 values in [0, 1] (v/255).
func bytesToUnit(b []byte) []float32 {
	out := make([]float32, len(b))
	for i, v := range b {
		out[i] = float32(v) / 255
	}
	return out
}

// mnistLike describes an IDX dataset laid out like MNIST.
type mnistLike struct {
	name    string // dataset name in the registry, e.g. "fashion-mnist"
	title   string // human name, e.g. "Fashion-MNIST"
	classes []string
}

var (
	mnistInfo = mnistLike{name: "mnist", title: "MNIST",
		classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}}
	fashionInfo = mnistLike{name: "fashion-mnist", title: "Fashion-MNIST",
		classes: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}}
)

// findFile returns dir/name+".gz" if it exists, else dir/name if it exists, else an error
// naming both and telling how to get the files.
func findFile(dir, name, dataset string) (string, error) {
	candidates := []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)}
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("datasets: %s: %w", dataset, err)
		}
	}
	return "", fmt.Errorf("datasets: %s file not found: neither %s nor %s exists (run `sparselab data fetch %s`, or datasets.Fetch(%q, …), and pass the folder it prints): %w",
		dataset, candidates[0], candidates[1], dataset, dataset, fs.ErrNotExist)
}

func (m mnistLike) load(dir string, train bool) (*Images, error) {
	prefix, split := "t10k", "test"
	if train {
		prefix, split = "train", "train"
	}
	imgPath, err := findFile(dir, prefix+"-images-idx3-ubyte", m.name)
	if err != nil {
		return nil, err
	}
	lblPath, err := findFile(dir, prefix+"-labels-idx1-ubyte", m.name)
	if err != nil {
		return nil, err
	}
	im, err := LoadIDX(imgPath, lblPath)
	if err != nil {
		return nil, fmt.Errorf("%w (delete the file and run `sparselab data fetch %s`)", err, m.name)
	}
	im.Name = m.name + "/" + split
	im.Classes = append([]string(nil), m.classes...)
	if err := im.Validate(); err != nil {
		return nil, fmt.Errorf("%w (file %s; delete it and run `sparselab data fetch %s`)", err, lblPath, m.name)
	}
	return im, nil
}

// LoadMNIST loads the MNIST training (60 000 images) or test (10 000) split from dir, the
// folder [Fetch]("mnist", …) returns. It reads train-images-idx3-ubyte(.gz),
// train-labels-idx1-ubyte(.gz) or the t10k-… files. Images are 28×28×1 in [0, 1]; classes
// "0"…"9"; Name is "mnist/train" or "mnist/test".
func LoadMNIST(dir string, train bool) (*Images, error) { return mnistInfo.load(dir, train) }

// LoadFashionMNIST loads the Fashion-MNIST training (60 000 images) or test (10 000) split
// from dir, the folder [Fetch]("fashion-mnist", …) returns. Same file names and layout as
// [LoadMNIST]; classes "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
// "Sneaker", "Bag", "Ankle boot"; Name is "fashion-mnist/train" or "fashion-mnist/test".
func LoadFashionMNIST(dir string, train bool) (*Images, error) { return fashionInfo.load(dir, train) }
