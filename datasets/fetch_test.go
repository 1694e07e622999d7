package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
func md5Hex(b []byte) string    { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// register adds a dataset spec to the registry for the duration of the test.
func register(t *testing.T, spec *datasetSpec) {
	t.Helper()
	registry[spec.name] = spec
	t.Cleanup(func() { delete(registry, spec.name) })
}

// closedURL returns an http address on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/file"
}

// noPartFiles fails if dir holds temporary files.
func noPartFiles(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".part") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestCacheDir(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory")
	}
	tests := []struct{ data, cache, want string }{
		{"/d", "/c", "/d"},
		{"", "/c", filepath.Join("/c", "data")},
		{"", "", filepath.Join(home, ".cache", "sparselab", "data")},
	}
	for _, tc := range tests {
		t.Setenv("SPARSELAB_DATA", tc.data)
		t.Setenv("SPARSELAB_CACHE", tc.cache)
		if got, err := CacheDir(); err != nil || got != tc.want {
			t.Errorf("SPARSELAB_DATA=%q SPARSELAB_CACHE=%q: CacheDir() = %q, %v; want %q", tc.data, tc.cache, got, err, tc.want)
		}
	}
}

func TestFetchFile(t *testing.T) {
	content := []byte("the content of a small dataset file\n")
	good := gzipBytes(t, content)
	// The same content compressed differently (other header name): passes only the content check.
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Name = "recompressed"
	zw.Write(content)
	zw.Close()
	recompressed := buf.Bytes()

	var served []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served == nil {
			http.NotFound(w, r)
			return
		}
		w.Write(served)
	}))
	defer srv.Close()

	offline := t.TempDir()
	spec := &datasetSpec{name: "test-fetch", files: []fileSpec{{
		name: "f.gz",
		urls: []string{closedURL(t), srv.URL + "/f.gz"},
		checks: []checksum{
			{algo: "md5", hex: md5Hex(good)},
			{algo: "sha256", hex: sha256Hex(content), content: true},
		},
	}}, offline: []offlineSource{{describe: "test folder", dirs: func(logger) []string { return []string{filepath.Join(offline, "missing"), offline} }}}}
	register(t, spec)

	t.Setenv("SPARSELAB_DATA", t.TempDir())
	var log bytes.Buffer
	_, err := Fetch("test-fetch", &log)
	if err == nil || !strings.Contains(err.Error(), "no network?") || !strings.Contains(err.Error(), "Place the file f.gz") ||
		!strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("no source: error = %v", err)
	}
	dir, _ := CacheDir()
	dir = filepath.Join(dir, "test-fetch")
	noPartFiles(t, dir)

	served = []byte("wrong bytes")
	if _, err := Fetch("test-fetch", nil); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("wrong download: error = %v", err)
	}
	noPartFiles(t, dir)

	served = good
	log.Reset()
	if _, err := Fetch("test-fetch", &log); err != nil {
		t.Fatalf("download: %v\n%s", err, log.String())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "f.gz")); !bytes.Equal(got, good) || !strings.Contains(log.String(), "downloaded") {
		t.Fatalf("download installed %q\n%s", got, log.String())
	}
	if st, _ := os.Stat(filepath.Join(dir, "f.gz")); st.Mode().Perm() != 0o644 {
		t.Errorf("installed file mode %v, want 0644", st.Mode().Perm())
	}

	// Idempotent: a verified file is kept.
	served = nil
	log.Reset()
	if _, err := Fetch("test-fetch", &log); err != nil || !strings.Contains(log.String(), "present, verified MD5(file)") {
		t.Fatalf("second fetch: %v\n%s", err, log.String())
	}

	// A corrupted file is replaced from the offline source; a recompressed copy passes the
	// content check.
	writeFile(t, filepath.Join(dir, "f.gz"), []byte("corrupted"))
	writeFile(t, filepath.Join(offline, "f.gz"), recompressed)
	log.Reset()
	if _, err := Fetch("test-fetch", &log); err != nil {
		t.Fatalf("offline: %v\n%s", err, log.String())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "f.gz")); !bytes.Equal(got, recompressed) ||
		!strings.Contains(log.String(), "fails its checksum") || !strings.Contains(log.String(), "installed from") {
		t.Fatalf("offline copy not installed:\n%s", log.String())
	}
	log.Reset()
	Fetch("test-fetch", &log)
	if !strings.Contains(log.String(), "verified SHA256(decompressed content)") {
		t.Errorf("recompressed copy not verified by content:\n%s", log.String())
	}
	noPartFiles(t, dir)
}

// tarGz builds a .tar.gz archive from (name, content) pairs; a nil content makes a folder.
func tarGz(t *testing.T, entries ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i := 0; i < len(entries); i += 2 {
		name, data := entries[i].(string), entries[i+1].([]byte)
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if data == nil {
			hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestFetchArchive(t *testing.T) {
	a, b := []byte("member a"), []byte("member b, longer")
	archive := tarGz(t, "pack/", []byte(nil), "./pack/a.bin", a, "pack/b.bin", b, "pack/extra.txt", []byte("ignored"),
		"../evil.bin", []byte("never written"))
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "pack.tar.gz"), archive)
	members := []member{
		{path: "pack/a.bin", size: int64(len(a)), md5: md5Hex(a)},
		{path: "pack/b.bin", size: int64(len(b))},
		{path: "pack/optional.txt", optional: true},
	}
	spec := &datasetSpec{name: "test-archive", files: []fileSpec{{
		name: "pack.tar.gz", checks: []checksum{{algo: "sha256", hex: sha256Hex(archive)}}, members: members,
	}}, offline: []offlineSource{{dirs: func(logger) []string { return []string{src} }}}}
	register(t, spec)

	dir := filepath.Join(t.TempDir(), "ds")
	var log bytes.Buffer
	if err := FetchTo("test-archive", dir, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for name, want := range map[string][]byte{"pack/a.bin": a, "pack/b.bin": b} {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s = %q, %v", name, got, err)
		}
	}
	for _, name := range []string{"pack/extra.txt", "evil.bin", "../evil.bin"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was extracted", name)
		}
	}
	noPartFiles(t, filepath.Join(dir, "pack"))

	// Second fetch: members present, the archive is not even read.
	os.Remove(filepath.Join(dir, "pack.tar.gz"))
	log.Reset()
	if err := FetchTo("test-archive", dir, &log); err != nil || !strings.Contains(log.String(), "already extracted") {
		t.Fatalf("second fetch: %v\n%s", err, log.String())
	}

	// A member modified in place with its size kept is extracted again (the stamp records its MD5);
	// one only touched is read and accepted.
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "pack/a.bin"), future, future); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	if err := FetchTo("test-archive", dir, &log); err != nil || !strings.Contains(log.String(), "already extracted") {
		t.Fatalf("fetch after touching a member: %v\n%s", err, log.String())
	}
	// A member modified within the last seconds is recorded without its time (it is read on
	// every fetch); an older one with its time, and then taken without reading it.
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(filepath.Join(dir, "pack/a.bin"), past, past); err != nil {
		t.Fatal(err)
	}
	if err := FetchTo("test-archive", dir, nil); err != nil {
		t.Fatal(err)
	}
	st := readStamp(dir)
	if got := st["pack/a.bin"].ModTime; got != past.UnixNano() {
		t.Errorf("stamp time of a.bin, modified an hour ago: %d, want %d", got, past.UnixNano())
	}
	if got := st["pack/b.bin"]; got.ModTime != 0 || got.MD5 != md5Hex(b) {
		t.Errorf("stamp of b.bin, extracted just now: %+v, want time 0 (read again) and its MD5", got)
	}
	writeFile(t, filepath.Join(dir, "pack/b.bin"), []byte("member B, LONGER"))
	log.Reset()
	if err := FetchTo("test-archive", dir, &log); err != nil || !strings.Contains(log.String(), "pack/b.bin changed since it was extracted") {
		t.Fatalf("fetch after changing a member: %v\n%s", err, log.String())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "pack/b.bin")); !bytes.Equal(got, b) {
		t.Errorf("b.bin not restored after an in-place change: %q", got)
	}

	// A member with the wrong size triggers a new extraction; a bad member MD5 is an error.
	writeFile(t, filepath.Join(dir, "pack/b.bin"), []byte("short"))
	if err := FetchTo("test-archive", dir, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "pack/b.bin")); !bytes.Equal(got, b) {
		t.Errorf("b.bin not restored: %q", got)
	}
	spec.files[0].members[0].md5 = md5Hex([]byte("other"))
	os.Remove(filepath.Join(dir, "pack/a.bin"))
	if err := FetchTo("test-archive", dir, nil); err == nil || !strings.Contains(err.Error(), "MD5") || !strings.Contains(err.Error(), "pack/a.bin") {
		t.Errorf("bad member MD5: error = %v", err)
	}
	spec.files[0].members[0].md5 = ""
	spec.files[0].members = append(spec.files[0].members, member{path: "pack/c.bin"})
	if err := FetchTo("test-archive", dir, nil); err == nil || !strings.Contains(err.Error(), "lacks pack/c.bin") {
		t.Errorf("missing member: error = %v", err)
	}
}

func TestRegistry(t *testing.T) {
	names := Names()
	if strings.Join(names, ",") != "cifar-10,fashion-mnist,mnist,stl-10" {
		t.Fatalf("Names() = %v", names)
	}
	for _, n := range names {
		spec := registry[n]
		d := Describe(n)
		if !strings.HasPrefix(d, n+" — ") || !strings.Contains(d, "Load: ") {
			t.Errorf("Describe(%q) = %q", n, d)
		}
		seen := map[string]bool{}
		for _, f := range spec.files {
			if seen[f.name] || len(f.urls) == 0 || len(f.checks) == 0 || !strings.Contains(d, f.name) {
				t.Errorf("%s: file %s: duplicate, no URL, no checksum or not described", n, f.name)
			}
			seen[f.name] = true
			for _, c := range f.checks {
				wantLen := map[string]int{"md5": 32, "sha256": 64}[c.algo]
				if _, err := hex.DecodeString(c.hex); err != nil || len(c.hex) != wantLen || strings.ToLower(c.hex) != c.hex {
					t.Errorf("%s: %s: bad checksum %v", n, f.name, c)
				}
			}
			for _, m := range f.members {
				if m.md5 != "" && len(m.md5) != 32 {
					t.Errorf("%s: member %s: bad MD5 %q", n, m.path, m.md5)
				}
			}
		}
	}
	if Describe("imagenet") != "" {
		t.Error("Describe of an unknown dataset is not empty")
	}
	if _, err := Fetch("imagenet", nil); err == nil || !strings.Contains(err.Error(), "known datasets are cifar-10") {
		t.Errorf("Fetch of an unknown dataset: error = %v", err)
	}
	if _, err := Load("imagenet", t.TempDir(), true); err == nil {
		t.Error("Load of an unknown dataset gave no error")
	}
}
