package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// idxBytes encodes an unsigned-byte IDX array.
func idxBytes(dims []int, data []byte) []byte {
	b := []byte{0, 0, idxTypeUByte, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseIDX(t *testing.T) {
	good := idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	tests := []struct {
		name     string
		data     []byte
		wantErr  string
		wantDims []int
	}{
		{"valid 2-D", good, "", []int{2, 3}},
		{"valid empty", idxBytes([]int{0, 28, 28}, nil), "", []int{0, 28, 28}},
		{"too short", []byte{0, 0, 8}, "header truncated", nil},
		{"bad magic", append([]byte{1, 2}, good[2:]...), "bad IDX magic", nil},
		{"float type", append([]byte{0, 0, 0x0D}, good[3:]...), "unsupported IDX data type 0x0D", nil},
		{"no dims", []byte{0, 0, 8, 0}, "dimension count 0", nil},
		{"header cut", good[:9], "header truncated", nil},
		{"data cut", good[:len(good)-1], "truncated", nil},
		{"trailing", append(slices.Clone(good), 9), "trailing bytes", nil},
		{"huge dims", idxBytes([]int{1 << 20, 1 << 20}, nil), "exceed", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := ParseIDX(tc.data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(x.Dims, tc.wantDims) {
				t.Errorf("dims %v, want %v", x.Dims, tc.wantDims)
			}
		})
	}
}

func FuzzParseIDX(f *testing.F) {
	f.Add(idxBytes([]int{2, 2, 2}, []byte{0, 64, 128, 255, 1, 2, 3, 4}))
	f.Add(idxBytes([]int{3}, []byte{7, 8, 9}))
	f.Add(idxBytes([]int{0xFFFFFFF, 0xFFFFFFF, 0xFFFFFFF}, nil))
	f.Add([]byte{0, 0, 8, 4, 0, 0, 0, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ParseIDX(data)
		if err != nil {
			return
		}
		size := 1
		for _, d := range x.Dims {
			size *= d
		}
		if size != len(x.Data) || len(x.Dims) != int(data[3]) || len(data) != 4+4*len(x.Dims)+size {
			t.Fatalf("inconsistent parse: dims %v, %d data bytes, %d input bytes", x.Dims, len(x.Data), len(data))
		}
	})
}

func TestLoadIDX(t *testing.T) {
	dir := t.TempDir()
	pix := []byte{0, 255, 51, 102, 10, 20, 30, 40, 50, 60, 70, 80} // 2 images of 2×3.
	imgs := writeFile(t, filepath.Join(dir, "img.gz"), gzipBytes(t, idxBytes([]int{2, 2, 3}, pix)))
	imgsRaw := writeFile(t, filepath.Join(dir, "img.raw"), idxBytes([]int{2, 2, 3}, pix))
	labels := writeFile(t, filepath.Join(dir, "lbl"), idxBytes([]int{2}, []byte{7, 3}))
	for _, p := range []string{imgs, imgsRaw} {
		im, err := LoadIDX(p, labels)
		if err != nil {
			t.Fatal(err)
		}
		if im.N != 2 || im.Height != 2 || im.Width != 3 || im.Channels != 1 || !slices.Equal(im.Labels, []int{7, 3}) {
			t.Fatalf("%s: %+v", p, im)
		}
		for i, b := range pix {
			if math.Abs(float64(im.Pixels[i])-float64(b)/255) > 1e-7 {
				t.Fatalf("%s: pixel %d = %v, want %v/255", p, i, im.Pixels[i], b)
			}
		}
	}

	bad := func(name string, data []byte) string { return writeFile(t, filepath.Join(dir, name), data) }
	tests := []struct {
		name, images, labels, wantErr string
	}{
		{"labels as images", labels, labels, "want 0x00000803"},
		{"images as labels", imgs, imgs, "want 0x00000801"},
		{"count mismatch", imgs, bad("lbl3", idxBytes([]int{3}, []byte{1, 2, 3})), "holds 3 labels but"},
		{"truncated gzip", bad("cut.gz", gzipBytes(t, idxBytes([]int{2, 2, 3}, pix))[:30]), labels, "truncated or corrupt"},
		{"truncated data", bad("cut.raw", idxBytes([]int{2, 2, 3}, pix)[:20]), labels, "truncated"},
		{"missing", filepath.Join(dir, "nope"), labels, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadIDX(tc.images, tc.labels)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadMNIST(dir, true)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "sparselab data fetch mnist") {
		t.Fatalf("missing files: error = %v", err)
	}
	// A label outside 0–9 is caught.
	writeFile(t, filepath.Join(dir, "t10k-images-idx3-ubyte"), idxBytes([]int{1, 1, 1}, []byte{9}))
	writeFile(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), gzipBytes(t, idxBytes([]int{1}, []byte{12})))
	_, err = LoadFashionMNIST(dir, false)
	if err == nil || !strings.Contains(err.Error(), "label 12") || !strings.Contains(err.Error(), "fetch fashion-mnist") {
		t.Fatalf("bad label: error = %v", err)
	}
	// Uncompressed files are found too.
	writeFile(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), gzipBytes(t, idxBytes([]int{1}, []byte{4})))
	im, err := LoadMNIST(dir, false)
	if err != nil || im.Name != "mnist/test" || im.Labels[0] != 4 || len(im.Classes) != 10 {
		t.Fatalf("LoadMNIST = %+v, %v", im, err)
	}
}

// fetchReal fetches a real dataset into a fresh cache, or skips the test when its offline
// source is absent from this machine (and downloading is impossible).
func fetchReal(t *testing.T, name string) string {
	t.Helper()
	t.Setenv("SPARSELAB_DATA", t.TempDir())
	var log bytes.Buffer
	dir, err := Fetch(name, &log)
	if err != nil {
		if strings.Contains(err.Error(), "could not get") {
			t.Skipf("%s is not available offline on this machine (%s) and cannot be downloaded: %v",
				name, registry[name].offline[0].describe, err)
		}
		t.Fatalf("Fetch(%q): %v\n%s", name, err, log.String())
	}
	// A second fetch verifies the files and copies nothing.
	log.Reset()
	if _, err := Fetch(name, &log); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "installed") || strings.Count(log.String(), "present, verified") != 4 {
		t.Errorf("second Fetch was not a no-op:\n%s", log.String())
	}
	return dir
}

func TestRealMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the real MNIST files")
	}
	dir := fetchReal(t, "mnist")
	loadByName := func(d string, train bool) (*Images, error) { return Load("mnist", d, train) }
	checkRealIDX(t, dir, loadByName, realFacts{firstTrain: 5, firstTest: 7, mean: 0.1307, std: 0.3081})
}

func TestRealFashionMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the real Fashion-MNIST files")
	}
	dir := fetchReal(t, "fashion-mnist")
	checkRealIDX(t, dir, LoadFashionMNIST, realFacts{firstTrain: 9, firstTest: 9, mean: 0.2860, std: 0.3530})
}

// realFacts are published facts about a dataset: first labels (train and test) and the
// training set's pixel mean and standard deviation (the normalisation constants used by
// torchvision examples).
type realFacts struct {
	firstTrain, firstTest int
	mean, std             float64
}

func checkRealIDX(t *testing.T, dir string, load func(string, bool) (*Images, error), facts realFacts) {
	train, err := load(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	test, err := load(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		im         *Images
		n, first   int
		wantPrefix string
	}{{train, 60000, facts.firstTrain, "/train"}, {test, 10000, facts.firstTest, "/test"}} {
		im := tc.im
		if err := im.Validate(); err != nil {
			t.Fatal(err)
		}
		if im.N != tc.n || im.Height != 28 || im.Width != 28 || im.Channels != 1 || len(im.Classes) != 10 {
			t.Errorf("%s: %d images of %d×%d×%d, %d classes", im.Name, im.N, im.Height, im.Width, im.Channels, len(im.Classes))
		}
		if im.Labels[0] != tc.first || !strings.HasSuffix(im.Name, tc.wantPrefix) {
			t.Errorf("%s: first label %d, want %d", im.Name, im.Labels[0], tc.first)
		}
		lo, hi := slices.Min(im.Pixels), slices.Max(im.Pixels)
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixel range [%v, %v], want [0, 1]", im.Name, lo, hi)
		}
		counts := make([]int, 10)
		for _, l := range im.Labels {
			counts[l]++
		}
		for c, n := range counts {
			if n < im.N/20 {
				t.Errorf("%s: class %d has only %d images", im.Name, c, n)
			}
		}
	}
	mean, std := train.MeanStd()
	if math.Abs(mean-facts.mean) > 5e-4 || math.Abs(std-facts.std) > 5e-4 {
		t.Errorf("%s: mean %.4f, std %.4f; want %.4f, %.4f", train.Name, mean, std, facts.mean, facts.std)
	}
}
