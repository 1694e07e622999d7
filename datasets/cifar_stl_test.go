package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cifarValue is the byte the synthetic CIFAR files hold at (image n, row y, column x, channel c).
func cifarValue(n, y, x, c int) byte { return byte(n*31 + y*7 + x*3 + c*50) }

// cifarBatch encodes synthetic CIFAR-10 records with the given labels.
func cifarBatch(first int, labels []byte) []byte {
	var out []byte
	for k, l := range labels {
		rec := make([]byte, cifarRecord)
		rec[0] = l
		for c := range 3 {
			for y := range 32 {
				for x := range 32 {
					rec[1+c*1024+y*32+x] = cifarValue(first+k, y, x, c)
				}
			}
		}
		out = append(out, rec...)
	}
	return out
}

func TestParseCIFAR10(t *testing.T) {
	im, err := ParseCIFAR10(cifarBatch(0, []byte{3, 9}))
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 2 || im.Height != 32 || im.Width != 32 || im.Channels != 3 || !slices.Equal(im.Labels, []int{3, 9}) || im.Classes[3] != "cat" {
		t.Fatalf("%+v", im)
	}
	for n := range 2 {
		img := im.Image(n)
		for _, p := range [][3]int{{0, 0, 0}, {0, 31, 2}, {31, 0, 1}, {5, 17, 2}} {
			y, x, c := p[0], p[1], p[2]
			want := float32(cifarValue(n, y, x, c)) / 255
			if got := img[(y*32+x)*3+c]; got != want {
				t.Errorf("image %d (y=%d, x=%d, c=%d) = %v, want %v", n, y, x, c, got, want)
			}
		}
	}
	for _, tc := range []struct {
		name, wantErr string
		data          []byte
	}{
		{"truncated", "plus 3072 bytes", cifarBatch(0, []byte{1, 2})[:cifarRecord*2-1]},
		{"label 10", "label 10", cifarBatch(0, []byte{1, 10})},
		{"empty", "CIFAR-10 data is empty", nil},
	} {
		if _, err := ParseCIFAR10(tc.data); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error = %v, want it to contain %q", tc.name, err, tc.wantErr)
		}
	}
}

func FuzzParseCIFAR10(f *testing.F) {
	f.Add(cifarBatch(0, []byte{0}))
	f.Add(cifarBatch(0, []byte{255}))
	f.Add([]byte{1, 2, 3})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := ParseCIFAR10(data)
		if err != nil {
			return
		}
		if err := im.Validate(); err != nil || im.N*cifarRecord != len(data) {
			t.Fatalf("inconsistent parse of %d bytes: N=%d, %v", len(data), im.N, err)
		}
	})
}

func TestLoadCIFAR10(t *testing.T) {
	root := t.TempDir()
	batches := filepath.Join(root, cifarDir)
	for k := 1; k <= 5; k++ {
		writeFile(t, filepath.Join(batches, fmt.Sprintf("data_batch_%d.bin", k)), cifarBatch(2*(k-1), []byte{byte(k), byte(k + 1)}))
	}
	writeFile(t, filepath.Join(batches, "test_batch.bin"), cifarBatch(100, []byte{0}))
	for _, dir := range []string{root, batches} { // Either folder works.
		train, err := LoadCIFAR10(dir, true)
		if err != nil {
			t.Fatal(err)
		}
		if train.N != 10 || train.Name != "cifar-10/train" || !slices.Equal(train.Labels, []int{1, 2, 2, 3, 3, 4, 4, 5, 5, 6}) {
			t.Fatalf("train: N=%d %q labels %v", train.N, train.Name, train.Labels)
		}
		if got, want := train.Image(7)[(4*32+9)*3+1], float32(cifarValue(7, 4, 9, 1))/255; got != want {
			t.Errorf("image 7 from batch 4 at (4, 9, 1) = %v, want %v", got, want)
		}
		test, err := LoadCIFAR10(dir, false)
		if err != nil || test.N != 1 || test.Image(0)[2] != float32(cifarValue(100, 0, 0, 2))/255 {
			t.Fatalf("test: %+v, %v", test, err)
		}
	}
	os.Remove(filepath.Join(batches, "data_batch_3.bin"))
	_, err := LoadCIFAR10(root, true)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "data_batch_3.bin") || !strings.Contains(err.Error(), "fetch cifar-10") {
		t.Errorf("missing batch: error = %v", err)
	}
	writeFile(t, filepath.Join(batches, "data_batch_3.bin"), []byte{1, 2, 3})
	if _, err := LoadCIFAR10(root, true); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("corrupt batch: error = %v", err)
	}
}

// stlValue is the byte the synthetic STL-10 files hold at (image n, row y, column x, channel c);
// it differs between (y, x) and (x, y), so a transposed reading is caught.
func stlValue(n, y, x, c int) byte { return byte(n*31 + y*5 + x*2 + c*60) }

// stlImages encodes n synthetic STL-10 images in the file layout: each channel plane column-major.
func stlImages(first, n int) []byte {
	out := make([]byte, n*stlRecord)
	for k := range n {
		for c := range 3 {
			for x := range 96 {
				for y := range 96 {
					out[k*stlRecord+c*stlPlane+x*96+y] = stlValue(first+k, y, x, c)
				}
			}
		}
	}
	return out
}

func TestLoadSTL10(t *testing.T) {
	root := t.TempDir()
	base := filepath.Join(root, stlDir)
	writeFile(t, filepath.Join(base, "train_X.bin"), stlImages(0, 3))
	writeFile(t, filepath.Join(base, "train_y.bin"), []byte{1, 10, 4})
	writeFile(t, filepath.Join(base, "test_X.bin"), stlImages(10, 2))
	writeFile(t, filepath.Join(base, "test_y.bin"), []byte{2, 0})
	writeFile(t, filepath.Join(base, "unlabeled_X.bin"), stlImages(20, 4))

	train, err := LoadSTL10(root, STL10Train, STL10Options{})
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 3 || train.Height != 96 || train.Width != 96 || !slices.Equal(train.Labels, []int{0, 9, 3}) || train.Classes[9] != "truck" {
		t.Fatalf("train: %d images %d×%d labels %v", train.N, train.Height, train.Width, train.Labels)
	}
	for n := range 3 {
		for _, p := range [][3]int{{0, 1, 0}, {1, 0, 0}, {95, 3, 2}, {3, 95, 1}, {40, 70, 2}} {
			y, x, c := p[0], p[1], p[2]
			want := float32(stlValue(n, y, x, c)) / 255
			if got := train.Image(n)[(y*96+x)*3+c]; got != want {
				t.Errorf("image %d (y=%d, x=%d, c=%d) = %v, want %v", n, y, x, c, got, want)
			}
		}
	}

	unl, err := LoadSTL10(base, STL10Unlabeled, STL10Options{Limit: 2, Height: 32, Width: 32})
	if err != nil {
		t.Fatal(err)
	}
	full, _ := LoadSTL10(base, STL10Unlabeled, STL10Options{})
	want, _ := full.Subset([]int{0, 1}).Resize(32, 32)
	if unl.N != 2 || unl.Labels != nil || unl.Height != 32 || !slices.Equal(unl.Pixels, want.Pixels) {
		t.Errorf("unlabeled with Limit and resize: N=%d labels=%v, equal to Resize: %v", unl.N, unl.Labels, slices.Equal(unl.Pixels, want.Pixels))
	}

	_, err = LoadSTL10(root, STL10Test, STL10Options{})
	if err == nil || !strings.Contains(err.Error(), "label 0 of image 1") {
		t.Errorf("label 0: error = %v", err)
	}
	writeFile(t, filepath.Join(base, "test_y.bin"), []byte{2, 3, 4})
	if _, err := LoadSTL10(root, STL10Test, STL10Options{}); err == nil || !strings.Contains(err.Error(), "3 labels but") {
		t.Errorf("count mismatch: error = %v", err)
	}
	writeFile(t, filepath.Join(base, "test_X.bin"), stlImages(0, 2)[:1000])
	if _, err := LoadSTL10(root, STL10Test, STL10Options{}); err == nil || !strings.Contains(err.Error(), "not a multiple") {
		t.Errorf("truncated images: error = %v", err)
	}
	writeFile(t, filepath.Join(base, "test_X.bin"), nil)
	writeFile(t, filepath.Join(base, "test_y.bin"), nil)
	if _, err := LoadSTL10(root, STL10Test, STL10Options{}); err == nil || !strings.Contains(err.Error(), "is empty; delete it") {
		t.Errorf("empty files: error = %v", err)
	}
	for _, o := range []STL10Options{{Limit: -1}, {Height: 32}, {Width: -1, Height: -1}} {
		if _, err := LoadSTL10(root, STL10Train, o); err == nil {
			t.Errorf("options %+v gave no error", o)
		}
	}
	if _, err := LoadSTL10(root, "validation", STL10Options{}); err == nil || !strings.Contains(err.Error(), "unknown STL-10 split") {
		t.Errorf("bad split: error = %v", err)
	}
	if _, err := LoadSTL10(t.TempDir(), STL10Train, STL10Options{}); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing files: error = %v", err)
	}
}
