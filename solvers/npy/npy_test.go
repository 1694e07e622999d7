package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// file builds a .npy file by hand: version, header text (padded as NumPy pads it) and raw data.
func file(major byte, header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(Magic)
	b.Write([]byte{major, 0})
	lenBytes := 2
	if major >= 2 {
		lenBytes = 4
	}
	total := 8 + lenBytes + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	if major >= 2 {
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	} else {
		_ = binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func f32bytes(order binary.ByteOrder, v ...float32) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		order.PutUint32(out[4*i:], math.Float32bits(x))
	}
	return out
}

func f64bytes(order binary.ByteOrder, v ...float64) []byte {
	out := make([]byte, 8*len(v))
	for i, x := range v {
		order.PutUint64(out[8*i:], math.Float64bits(x))
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{}, {0}, {5}, {3, 4}, {2, 3, 4}, {1, 1, 7}, {4, 0, 2}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		d64 := make([]float64, n)
		d32 := make([]float32, n)
		for i := range d64 {
			d64[i] = math.Sin(float64(i)+0.5) * math.Pow(10, float64(i%7-3))
			d32[i] = float32(d64[i])
		}
		if n > 2 {
			d64[1], d64[2] = math.Inf(-1), math.SmallestNonzeroFloat64
			d32[1] = float32(math.Inf(1))
		}
		var b64, b32 bytes.Buffer
		if err := Write(&b64, d64, shape); err != nil {
			t.Fatal(err)
		}
		if err := Write(&b32, d32, shape); err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{b64.Bytes(), b32.Bytes()} {
			hlen := int(binary.LittleEndian.Uint16(b[8:10]))
			if (10+hlen)%64 != 0 || b[10+hlen-1] != '\n' {
				t.Errorf("shape %v: data starts at byte %d, not a multiple of 64 after a newline", shape, 10+hlen)
			}
		}
		if !strings.Contains(b32.String(), "'descr': '<f4'") || !strings.Contains(b64.String(), "'descr': '<f8'") {
			t.Errorf("shape %v: wrong descr in %q / %q", shape, b32.String()[:60], b64.String()[:60])
		}
		got64, s64, err := Read[float64](bytes.NewReader(b64.Bytes()))
		if err != nil {
			t.Fatalf("shape %v: %v", shape, err)
		}
		if !slices.Equal(s64, shape) || !slices.Equal(got64, d64) {
			t.Errorf("float64 shape %v: read back shape %v, data equal %v", shape, s64, slices.Equal(got64, d64))
		}
		got32, s32, err := Read[float32](bytes.NewReader(b32.Bytes()))
		if err != nil {
			t.Fatalf("shape %v: %v", shape, err)
		}
		if !slices.Equal(s32, shape) || !slices.Equal(got32, d32) {
			t.Errorf("float32 shape %v: read back shape %v, data equal %v", shape, s32, slices.Equal(got32, d32))
		}
		// Cross-type: float32 file read as float64 is exact; float64 read as float32 rounds.
		wide, _, err := Read[float64](bytes.NewReader(b32.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for i := range wide {
			if wide[i] != float64(d32[i]) {
				t.Fatalf("float32 file read as float64: value %d = %g, want %g", i, wide[i], d32[i])
			}
		}
	}
	// Files on disk.
	path := filepath.Join(t.TempDir(), "a.npy")
	if err := WriteFile(path, []float32{1, 2, 3, 4, 5, 6}, []int{2, 3}); err != nil {
		t.Fatal(err)
	}
	h, err := ReadFileHeader(path)
	if err != nil || h.Descr != "<f4" || !slices.Equal(h.Shape, []int{2, 3}) || h.FortranOrder || h.Major != 1 {
		t.Fatalf("header %+v, err %v", h, err)
	}
	data, shape, err := ReadFile[float64](path)
	if err != nil || !slices.Equal(shape, []int{2, 3}) || !slices.Equal(data, []float64{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("ReadFile: %v %v %v", data, shape, err)
	}
}

// TestNumPyVariants reads files written the ways NumPy may write them: NumPy ≥ 1.24's padding
// (header of 118 bytes for growth), version 2.0 and 3.0 headers, big-endian data, Fortran order,
// double quotes, keys in another order, Python 2 long integers.
func TestNumPyVariants(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	// np.arange(6, dtype='<f4').reshape(2, 3) as saved by NumPy 1.26 (header padded to 118 bytes).
	hdr := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	numpy126 := append([]byte(Magic+"\x01\x00"), 118, 0)
	numpy126 = append(numpy126, []byte(hdr+strings.Repeat(" ", 118-len(hdr)-1)+"\n")...)
	numpy126 = append(numpy126, f32bytes(le, 0, 1, 2, 3, 4, 5)...)
	for _, tc := range []struct {
		name  string
		file  []byte
		shape []int
		want  []float64
	}{
		{"numpy 1.26 padding", numpy126, []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"version 2.0", file(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", f64bytes(le, 1.5, -2, 3)), []int{3}, []float64{1.5, -2, 3}},
		{"version 3.0", file(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f32bytes(le, 7, 8)), []int{2}, []float64{7, 8}},
		{"big-endian f8", file(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", f64bytes(be, math.Pi, -1)), []int{2}, []float64{math.Pi, -1}},
		{"big-endian f4", file(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }", f32bytes(be, 0.5, 0.25)), []int{1, 2}, []float64{0.5, 0.25}},
		// Column-major [[0, 1, 2], [3, 4, 5]] is stored 0, 3, 1, 4, 2, 5.
		{"fortran order 2-D", file(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f64bytes(le, 0, 3, 1, 4, 2, 5)), []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		// A 2×2×2 array a[i,j,k] = 100i + 10j + k stored column-major (i fastest).
		{"fortran order 3-D", file(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }", f64bytes(le, 0, 100, 10, 110, 1, 101, 11, 111)), []int{2, 2, 2}, []float64{0, 1, 10, 11, 100, 101, 110, 111}},
		{"double quotes, other key order", file(1, `{"shape": (2,), "fortran_order": False, "descr": "<f8"}`, f64bytes(le, 4, 5)), []int{2}, []float64{4, 5}},
		{"python 2 longs", file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 2L), }", f64bytes(le, 4, 5)), []int{1, 2}, []float64{4, 5}},
		{"scalar", file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", f64bytes(le, 42)), []int{}, []float64{42}},
	} {
		data, shape, err := Read[float64](bytes.NewReader(tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(shape, tc.shape) || !slices.Equal(data, tc.want) {
			t.Errorf("%s: got %v shape %v, want %v shape %v", tc.name, data, shape, tc.want, tc.shape)
		}
	}
}

// TestMalformed checks that damaged or unsupported files are refused with a message that says
// what is wrong.
func TestMalformed(t *testing.T) {
	le := binary.LittleEndian
	good := file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f32bytes(le, 1, 2, 3, 4))
	hugeLen := append([]byte(Magic+"\x02\x00"), 0, 0, 0, 0x10)
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "magic"},
		{"not npy", []byte("PK\x03\x04 this is a zip file"), "bad magic"},
		{"version 4", append([]byte(Magic+"\x04\x00"), good[8:]...), "version 4.0"},
		{"truncated header", good[:30], "header"},
		{"truncated data", good[:len(good)-3], "truncated"},
		{"header length absurd", hugeLen, "longer than"},
		{"integer dtype", file(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", make([]byte, 4)), "astype"},
		{"complex dtype", file(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", make([]byte, 16)), "not supported"},
		{"structured dtype", file(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", make([]byte, 4)), "structured"},
		{"missing shape", file(1, "{'descr': '<f4', 'fortran_order': False, }", nil), "missing key \"shape\""},
		{"unknown key", file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", nil), "unknown key"},
		{"repeated key", file(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", nil), "repeated"},
		{"not a dict", file(1, "['descr', '<f4']", nil), "dict"},
		{"fortran_order not bool", file(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", nil), "True or False"},
		{"shape not tuple", file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 2]}", nil), "tuple"},
		{"shape (n) without comma", file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", nil), "(n,)"},
		{"negative dimension", file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2)}", nil), "non-negative integer"},
		{"unterminated string", file(1, "{'descr': '<f4}", nil), "unterminated string"},
		{"missing quote", file(1, "{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", nil), "want ',' or '}'"},
		{"trailing garbage", file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", nil), "after the dict"},
		{"bad byte order", file(1, "{'descr': '!f4', 'fortran_order': False, 'shape': (1,)}", nil), "byte order"},
		{"huge shape, no data", file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000)}", nil), "truncated"},
	} {
		_, _, err := Read[float32](bytes.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	// Writing.
	var b bytes.Buffer
	if err := Write(&b, []float32{1, 2, 3}, []int{2, 2}); err == nil || !strings.Contains(err.Error(), "3 values for shape [2 2]") {
		t.Errorf("Write with a wrong shape: %v", err)
	}
	if err := Write(&b, []float64{}, []int{-1}); err == nil {
		t.Error("Write with a negative dimension succeeded")
	}
	if _, _, err := ReadFile[float32](filepath.Join(t.TempDir(), "missing.npy")); err == nil {
		t.Error("ReadFile of a missing file succeeded")
	}
	// A file whose header understates the data: Read stops after the array, ReadFile refuses.
	long := filepath.Join(t.TempDir(), "long.npy")
	if err := os.WriteFile(long, append(slices.Clone(good), f32bytes(le, 5, 6)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadFile[float32](long); err == nil || !strings.Contains(err.Error(), "8 bytes follow the 4 values of shape [2 2]") {
		t.Errorf("ReadFile with bytes after the data: %v", err)
	}
	exact := filepath.Join(t.TempDir(), "exact.npy")
	if err := os.WriteFile(exact, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if data, _, err := ReadFile[float32](exact); err != nil || len(data) != 4 {
		t.Errorf("ReadFile of a well-formed file: %v, %v", data, err)
	}
}

func TestReadArchive(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	add := func(name string, write func(w io.Writer) error) {
		w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if err := write(w); err != nil {
			t.Fatal(err)
		}
	}
	add("w.npy", func(w io.Writer) error { return Write(w, []float32{1, 2, 3, 4, 5, 6}, []int{2, 3}) })
	add("sub/b.npy", func(w io.Writer) error { return Write(w, []float64{0.5}, []int{}) })
	add("meta.json", func(w io.Writer) error { _, err := io.WriteString(w, `{"k": 1}`); return err })
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	a, err := ReadArchive[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	if w := a.Arrays["w"]; !reflect.DeepEqual(w.Data, []float32{1, 2, 3, 4, 5, 6}) || !reflect.DeepEqual(w.Shape, []int{2, 3}) {
		t.Errorf("w = %+v", w)
	}
	if b := a.Arrays["sub/b"]; len(b.Data) != 1 || b.Data[0] != 0.5 || len(b.Shape) != 0 {
		t.Errorf("sub/b = %+v", b)
	}
	if string(a.Files["meta.json"]) != `{"k": 1}` {
		t.Errorf("meta.json = %q", a.Files["meta.json"])
	}

	// Bad input: a missing file, a file that is no zip, a member that is no float array.
	if _, err := ReadArchive[float32](filepath.Join(dir, "none.npz")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
	notZip := filepath.Join(dir, "x.npz")
	if err := os.WriteFile(notZip, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadArchive[float32](notZip); err == nil || !strings.Contains(err.Error(), "not an .npz") {
		t.Errorf("not a zip: %v", err)
	}
	bad := filepath.Join(dir, "bad.npz")
	f, _ = os.Create(bad)
	z = zip.NewWriter(f)
	w, _ := z.Create("ints.npy")
	hdr := "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }"
	hdr += strings.Repeat(" ", 128-10-len(hdr)-1) + "\n"
	_, _ = w.Write(append([]byte(Magic+"\x01\x00"+string([]byte{byte(len(hdr)), 0})+hdr), make([]byte, 8)...))
	_ = z.Close()
	f.Close()
	if _, err := ReadArchive[float32](bad); err == nil || !strings.Contains(err.Error(), "ints.npy") {
		t.Errorf("integer member: %v", err)
	}
}
