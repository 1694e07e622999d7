package npy

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Array is one array of an [Archive]: its values in row-major (C) order and its shape.
type Array[T float32 | float64] struct {
	Data  []T
	Shape []int
}

// Archive is the content of an .npz file, NumPy's zip of .npy files (np.savez,
// np.savez_compressed): the arrays by name (the member's name without ".npy"), and the members
// that are not .npy files (for example a meta.json written beside the arrays) as raw bytes.
type Archive[T float32 | float64] struct {
	Arrays map[string]Array[T]
	Files  map[string][]byte
}

// maxArchiveMember bounds the uncompressed size of a non-array member read by [ReadArchive].
const maxArchiveMember = 16 << 20

// ReadArchive reads the .npz file at path. Every .npy member must hold float32 or float64
// values (see [Read]); an error names the member that does not.
func ReadArchive[T float32 | float64](path string) (*Archive[T], error) {
	z, err := zip.OpenReader(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: check the path: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not an .npz (zip) archive: %w", path, err)
	}
	defer z.Close()
	a := &Archive[T]{Arrays: map[string]Array[T]{}, Files: map[string][]byte{}}
	for _, f := range z.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", path, f.Name, err)
		}
		name, isArray := strings.CutSuffix(f.Name, ".npy")
		if isArray {
			br := bufio.NewReader(rc)
			data, shape, err := Read[T](br)
			if err == nil {
				if extra, _ := io.Copy(io.Discard, br); extra > 0 {
					err = fmt.Errorf("npy: %d bytes follow the %d values of shape %v (corrupt member)", extra, len(data), shape)
				}
			}
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: member %s: %w", path, f.Name, err)
			}
			a.Arrays[name] = Array[T]{Data: data, Shape: shape}
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(rc, maxArchiveMember+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", path, f.Name, err)
		}
		if len(raw) > maxArchiveMember {
			return nil, fmt.Errorf("%s: member %s is larger than %d bytes", path, f.Name, maxArchiveMember)
		}
		a.Files[f.Name] = raw
	}
	return a, nil
}
