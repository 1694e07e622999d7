package training

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Checkpoint file format (".ckpt"), one self-contained file per checkpoint:
//
//	8 bytes  magic "SPLCKPT1"
//	4 bytes  little-endian uint32 length n of the header
//	n bytes  JSON header (CheckpointHeader)
//	rest     the variables' raw little-endian bytes, concatenated in header order
//
// The header holds each variable's path, dtype, dimensions, byte offset and length, the SHA-256 of
// the data section, and free-form metadata (the command, seed, epochs and wall time that made the
// weights). Files are written to a temporary name in the same folder, synced and renamed, so a
// crash leaves either the old checkpoint or the new one, never half of one.
const checkpointMagic = "SPLCKPT1"

// CheckpointHeader is the JSON header of a checkpoint file.
type CheckpointHeader struct {
	Version   int               `json:"version"`
	Meta      map[string]any    `json:"meta,omitempty"`
	Variables []CheckpointEntry `json:"variables"`
	DataSHA   string            `json:"data_sha256"`
}

// CheckpointEntry describes one variable stored in a checkpoint.
type CheckpointEntry struct {
	Path      string `json:"path"`
	DType     string `json:"dtype"`
	Dims      []int  `json:"dims"`
	Trainable bool   `json:"trainable"`
	Offset    int64  `json:"offset"`
	Bytes     int64  `json:"bytes"`
}

// SaveCheckpoint writes every variable of store that has a value (model weights, optimizer
// moments, global step, batch-norm averages) to path atomically, with meta in the header.
func SaveCheckpoint(store *model.Store, path string, meta map[string]any) error {
	var vars []Variable
	for v := range store.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("saving checkpoint %s: reading variable %s: %w", path, v.Path(), err)
		}
		vars = append(vars, Variable{Path: v.Path(), Value: t, Trainable: v.Trainable})
	}
	return WriteCheckpoint(path, meta, vars)
}

// Variable is one variable to write with [WriteCheckpoint]: its full path in a store (e.g.
// "/encoder/fc1/weight"), its value, and whether it is trained (weights) or state (batch-norm
// averages, optimizer moments).
type Variable struct {
	Path      string
	Value     *tensors.Tensor
	Trainable bool
}

// WriteCheckpoint writes vars to path atomically, sorted by path, with meta in the header: a
// checkpoint made without a store, e.g. weights converted from another framework. Loading it
// into a store ([LoadCheckpoint]) gives each variable of the same path its value.
func WriteCheckpoint(path string, meta map[string]any, vars []Variable) error {
	vars = append([]Variable(nil), vars...)
	sort.Slice(vars, func(i, j int) bool { return vars[i].Path < vars[j].Path })
	var data bytes.Buffer
	hdr := CheckpointHeader{Version: 1, Meta: meta}
	for i, v := range vars {
		if v.Value == nil {
			return fmt.Errorf("saving checkpoint %s: variable %s has no value", path, v.Path)
		}
		if i > 0 && vars[i-1].Path == v.Path {
			return fmt.Errorf("saving checkpoint %s: variable %s given twice", path, v.Path)
		}
		off := int64(data.Len())
		if err := v.Value.ConstBytes(func(b []byte) { data.Write(b) }); err != nil {
			return fmt.Errorf("saving checkpoint %s: variable %s: %w", path, v.Path, err)
		}
		sh := v.Value.Shape()
		hdr.Variables = append(hdr.Variables, CheckpointEntry{
			Path: v.Path, DType: sh.DType.String(), Dims: append([]int{}, sh.Dimensions...),
			Trainable: v.Trainable, Offset: off, Bytes: int64(data.Len()) - off,
		})
	}
	sum := sha256.Sum256(data.Bytes())
	hdr.DataSHA = hex.EncodeToString(sum[:])
	js, err := json.Marshal(hdr)
	if err != nil {
		return fmt.Errorf("saving checkpoint %s: encoding header: %w", path, err)
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, checkpointMagic); err != nil {
			return err
		}
		if err := binary.Write(w, binary.LittleEndian, uint32(len(js))); err != nil {
			return err
		}
		if _, err := w.Write(js); err != nil {
			return err
		}
		_, err := w.Write(data.Bytes())
		return err
	})
}

// writeFileAtomic writes path through a temporary file in the same folder, synced then renamed.
func writeFileAtomic(path string, write func(w io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating folder for %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Checkpoint is a checkpoint read into memory.
type Checkpoint struct {
	Path   string
	Header CheckpointHeader
	values map[string]*tensors.Tensor
}

// ReadCheckpoint reads and verifies a checkpoint file.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("checkpoint %s does not exist: check the path, or write one by training (the run folder's best.ckpt or last.ckpt): %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	return ParseCheckpoint(path, raw)
}

// ParseCheckpoint decodes and verifies a checkpoint held in memory (e.g. embedded in the
// binary); name identifies it in errors.
func ParseCheckpoint(name string, raw []byte) (*Checkpoint, error) {
	path := name
	bad := func(format string, args ...any) error {
		return fmt.Errorf("checkpoint %s is corrupt or not a sparselab checkpoint (%s); delete it or retrain", path, fmt.Sprintf(format, args...))
	}
	if len(raw) < len(checkpointMagic)+4 || string(raw[:len(checkpointMagic)]) != checkpointMagic {
		return nil, bad("bad magic")
	}
	n := int(binary.LittleEndian.Uint32(raw[len(checkpointMagic):]))
	start := len(checkpointMagic) + 4
	if n <= 0 || start+n > len(raw) {
		return nil, bad("header length %d beyond the file's %d bytes", n, len(raw))
	}
	c := &Checkpoint{Path: path, values: map[string]*tensors.Tensor{}}
	if err := json.Unmarshal(raw[start:start+n], &c.Header); err != nil {
		return nil, bad("header: %v", err)
	}
	data := raw[start+n:]
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != c.Header.DataSHA {
		return nil, bad("data checksum mismatch: truncated or modified")
	}
	for _, e := range c.Header.Variables {
		dt, err := dtypes.DTypeString(e.DType)
		if err != nil {
			return nil, bad("variable %s has unknown dtype %q", e.Path, e.DType)
		}
		if e.Offset < 0 || e.Bytes < 0 || e.Offset+e.Bytes > int64(len(data)) {
			return nil, bad("variable %s lies outside the data", e.Path)
		}
		t := tensors.FromShape(shapes.Make(dt, e.Dims...))
		if int64(t.Shape().ByteSize()) != e.Bytes {
			return nil, bad("variable %s: %d bytes for shape %v", e.Path, e.Bytes, t.Shape())
		}
		if err := t.MutableBytes(func(b []byte) { copy(b, data[e.Offset:e.Offset+e.Bytes]) }); err != nil {
			return nil, fmt.Errorf("checkpoint %s: variable %s: %w", path, e.Path, err)
		}
		c.values[e.Path] = t
	}
	return c, nil
}

// Value returns the stored value of the variable with the given full path, or nil.
func (c *Checkpoint) Value(path string) *tensors.Tensor { return c.values[path] }

// Apply loads the checkpoint into store: variables that already exist get their values now (their
// shapes must match), the others are created with the stored value when the model first asks
// for them (through the store's Loader).
//
// A variable the checkpoint lacks is initialised by the model as usual (fresh optimizer moments
// when training goes on from exported weights), unless the checkpoint holds other weights of the
// same layer (its scope): then the checkpoint was made by another architecture or version, and
// starting that layer at random would silently give a model that is neither. Apply returns an
// error for such a variable of the store; one the model asks for later makes its graph building
// fail with the same error (graph execution returns it).
func (c *Checkpoint) Apply(store *model.Store) error {
	for v := range store.IterVariables() {
		t, ok := c.values[v.Path()]
		if !ok {
			if err := c.missing(v.Path()); err != nil {
				return err
			}
			continue
		}
		if !t.Shape().Equal(v.Shape()) {
			return fmt.Errorf("checkpoint %s: variable %s has shape %s, the model wants %s: the checkpoint was made with other hyperparameters",
				c.Path, v.Path(), t.Shape(), v.Shape())
		}
		clone, err := t.LocalClone()
		if err != nil {
			return fmt.Errorf("checkpoint %s: copying %s: %w", c.Path, v.Path(), err)
		}
		if err := v.SetValue(clone); err != nil {
			return fmt.Errorf("checkpoint %s: setting %s: %w", c.Path, v.Path(), err)
		}
	}
	store.SetLoader(&checkpointLoader{c: c})
	return nil
}

type checkpointLoader struct{ c *Checkpoint }

func (l *checkpointLoader) LoadVariable(_ *model.Store, fullPath string) (*tensors.Tensor, bool) {
	t, ok := l.c.values[fullPath]
	if !ok {
		if err := l.c.missing(fullPath); err != nil {
			// In graph building the model's execution returns it as an error; host code that
			// looks variables up in a loaded store can recover it (*MissingVariableError).
			panic(err)
		}
		return nil, false
	}
	clone, err := t.LocalClone()
	if err != nil {
		return nil, false
	}
	return clone, true
}

func (l *checkpointLoader) DeleteVariable(_ *model.Store, _ string) error { return nil }

// MissingVariableError is the error of a checkpoint that lacks a variable while it holds other
// weights of the same layer ([Checkpoint.Apply]). A store the checkpoint was applied to panics
// with it when that variable is looked up.
type MissingVariableError struct {
	Checkpoint, Variable, Sibling string
}

func (e *MissingVariableError) Error() string {
	return fmt.Sprintf("checkpoint %s has no variable %s, though it holds %s of the same layer: it was made by another "+
		"architecture or version of the model; load the checkpoint made for this model, or train one", e.Checkpoint, e.Variable, e.Sibling)
}

// missing returns a *MissingVariableError if the checkpoint lacks the variable at fullPath while
// it holds model weights (trainable variables or the state named in ModelStateNames) in the same
// scope.
func (c *Checkpoint) missing(fullPath string) error {
	scope := path.Dir(fullPath)
	if scope == "/" {
		return nil
	}
	for _, e := range c.Header.Variables {
		if path.Dir(e.Path) == scope && (e.Trainable || ModelStateNames[path.Base(e.Path)]) {
			return &MissingVariableError{Checkpoint: c.Path, Variable: fullPath, Sibling: e.Path}
		}
	}
	return nil
}

// LoadCheckpoint reads path and applies it to store (see [Checkpoint.Apply]).
func LoadCheckpoint(store *model.Store, path string) (*Checkpoint, error) {
	c, err := ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	return c, c.Apply(store)
}

// ModelStateNames are the names of non-trainable variables that belong to a model rather than to
// its optimizer (batch-norm running statistics, spectral-norm power-iteration vectors, as named by
// models/nn): ExportWeights keeps them.
var ModelStateNames = map[string]bool{"running_mean": true, "running_var": true, "spectral_u": true, "spectral_v": true}

// ExportWeights writes the trainable variables of the checkpoint at src (the model's weights) and
// the model state named in ModelStateNames, without optimizer state, metrics or random-number
// state, to dst, atomically, with meta merged over
// the source's metadata. Exported weights load like any checkpoint but cannot resume training
// with the optimizer's moments.
func ExportWeights(src, dst string, meta map[string]any) error {
	c, err := ReadCheckpoint(src)
	if err != nil {
		return err
	}
	m := map[string]any{}
	for k, v := range c.Header.Meta {
		m[k] = v
	}
	for k, v := range meta {
		m[k] = v
	}
	store := model.NewStore()
	for _, e := range c.Header.Variables {
		name := e.Path[strings.LastIndex(e.Path, "/")+1:]
		if !e.Trainable && !ModelStateNames[name] {
			continue
		}
		v, err := store.CreateVariable(e.Path, c.values[e.Path])
		if err != nil {
			return fmt.Errorf("exporting %s: variable %s: %w", src, e.Path, err)
		}
		v.Trainable = e.Trainable
	}
	return SaveCheckpoint(store, dst, m)
}

// CopyRun copies a run's resumable checkpoint src (weights, optimizer state, global step) and its
// training history to dst and dst's history path, atomically each, so that the run can go on
// from dst on another machine: a run folder holding them resumes as if it were the original. The
// checkpoint is verified before it is copied; the history keeps every validation and at most
// maxLosses loss points ([Result.Thinned]; 0 keeps them all). A run without a history copies the
// checkpoint alone.
func CopyRun(src, dst string, maxLosses int) error {
	if _, err := ReadCheckpoint(src); err != nil {
		return err
	}
	raw, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	if err := writeFileAtomic(dst, func(w io.Writer) error { _, err := w.Write(raw); return err }); err != nil {
		return err
	}
	hist, err := LoadHistory(src)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("copying the history of %s: %w", src, err)
	}
	if maxLosses > 0 {
		hist = hist.Thinned(maxLosses)
	}
	return hist.SaveJSON(HistoryPath(dst))
}

// CheckResume returns an error if the checkpoint at lastCkpt, which a run is about to resume,
// records other values for keys than meta (this run's settings, as it will record them): going
// on would silently mix two runs (another model, data split or batch size). A missing checkpoint,
// or a key it does not record, passes. The error names the setting as the flag --key, or as
// names[key] ("N <names[key]>") for recorded quantities that are not flags, and says to keep the
// value or start a new run in another run folder.
func CheckResume(lastCkpt string, meta map[string]any, keys []string, names map[string]string) error {
	if _, err := os.Stat(lastCkpt); err != nil {
		return nil
	}
	c, err := ReadCheckpoint(lastCkpt)
	if err != nil {
		return fmt.Errorf("resuming the run folder's checkpoint: %w (remove it, or pass another --run_dir, to start a new run)", err)
	}
	for _, key := range keys {
		got, ok := c.Header.Meta[key]
		if !ok || fmt.Sprint(got) == fmt.Sprint(meta[key]) {
			continue
		}
		was, now := fmt.Sprintf("--%s %v", key, got), fmt.Sprint(meta[key])
		if name, ok := names[key]; ok {
			was, now = fmt.Sprintf("%v %s", got, name), fmt.Sprintf("%v", meta[key])
		}
		return fmt.Errorf("the run in %s was trained with %s, this one asks for %s: resume it with the same value, "+
			"or pass another --run_dir (or remove that folder) to start a new run", filepath.Dir(lastCkpt), was, now)
	}
	return nil
}
