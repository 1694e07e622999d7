// Package npy reads and writes NumPy .npy files of float32 and float64 arrays, so that
// dictionaries, signals and codes can be exchanged with NumPy and PyTorch
// (np.save / np.load, torch.from_numpy).
//
// # Format
//
// A .npy file (NumPy's format specification, numpy.lib.format) is:
//
//	magic "\x93NUMPY" | major, minor version bytes | header length (little-endian uint16 for
//	version 1.0; uint32 for 2.0 and 3.0) | header | raw data
//
// The header is a Python dict literal in ASCII (UTF-8 in version 3.0), padded with spaces and
// ended by '\n' so that the data starts at a multiple of 64 bytes, for example
//
//	{'descr': '<f4', 'fortran_order': False, 'shape': (784, 1024), }
//
// descr is the dtype: '<f4' / '<f8' are little-endian float32 / float64 ('>' big-endian, '='
// native, which this package takes as little-endian); shape is a tuple of non-negative integers
// (() for a scalar, (n,) for a vector); fortran_order says whether the data is stored column-major.
//
// [Write] writes version 1.0 files, C order, little-endian, in the dtype of the Go slice.
// [Read] accepts versions 1.0, 2.0 and 3.0, either byte order, float32 or float64 data, and
// Fortran order (transposed to C order, i.e. row-major, on reading), converting to the requested
// Go type. Other dtypes (integers, complex, structured or object arrays) are refused with a
// message suggesting arr.astype(np.float32).
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// Magic is the first six bytes of every .npy file.
const Magic = "\x93NUMPY"

// MaxHeaderLen bounds the header length accepted by [Read] (NumPy itself refuses headers longer
// than 10 000 bytes by default).
const MaxHeaderLen = 1 << 16

// Header is the parsed header of a .npy file.
type Header struct {
	Major, Minor int
	// Descr is the dtype string, e.g. "<f4".
	Descr string
	// FortranOrder reports column-major data.
	FortranOrder bool
	// Shape is the array's shape ([] for a scalar).
	Shape []int
}

// Size returns the number of values (1 for a scalar).
func (h *Header) Size() int {
	n := 1
	for _, d := range h.Shape {
		n *= d
	}
	return n
}

// wordSize returns the byte size and byte order of a float dtype, or an error.
func (h *Header) wordSize() (int, binary.ByteOrder, error) {
	d := h.Descr
	if len(d) != 3 {
		return 0, nil, fmt.Errorf("npy: dtype %q not supported; save float32 or float64 arrays (arr.astype(np.float32))", d)
	}
	var order binary.ByteOrder
	switch d[0] {
	case '<', '=', '|':
		order = binary.LittleEndian
	case '>':
		order = binary.BigEndian
	default:
		return 0, nil, fmt.Errorf("npy: dtype %q has an unknown byte order %q", d, d[0])
	}
	switch d[1:] {
	case "f4":
		return 4, order, nil
	case "f8":
		return 8, order, nil
	}
	return 0, nil, fmt.Errorf("npy: dtype %q not supported; save float32 or float64 arrays (arr.astype(np.float32))", d)
}

// ReadHeader reads the magic string and header of a .npy file from r, leaving r at the start of
// the data.
func ReadHeader(r io.Reader) (*Header, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("npy: reading the magic string: %w (not a .npy file?)", err)
	}
	if string(pre[:6]) != Magic {
		return nil, fmt.Errorf("npy: bad magic string %q; not a .npy file (an .npz archive holds several: unzip it first)", pre[:6])
	}
	h := &Header{Major: int(pre[6]), Minor: int(pre[7])}
	var hlen int
	switch h.Major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading the header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading the header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("npy: format version %d.%d not supported (want 1.0, 2.0 or 3.0)", h.Major, h.Minor)
	}
	if hlen > MaxHeaderLen {
		return nil, fmt.Errorf("npy: header of %d bytes is longer than %d; file corrupt?", hlen, MaxHeaderLen)
	}
	buf := make([]byte, hlen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("npy: reading the %d-byte header: %w", hlen, err)
	}
	if err := parseHeader(string(buf), h); err != nil {
		return nil, fmt.Errorf("npy: header %q: %w", strings.TrimRight(string(buf), " \n"), err)
	}
	return h, nil
}

// parseHeader parses the header dict into h: the keys descr, fortran_order and shape, each
// exactly once, in any order.
func parseHeader(s string, h *Header) error {
	p := &parser{s: s}
	p.space()
	if !p.eat('{') {
		return errors.New("want a dict starting with '{'")
	}
	seen := map[string]bool{}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return fmt.Errorf("dict key: %w", err)
		}
		if seen[key] {
			return fmt.Errorf("key %q repeated", key)
		}
		seen[key] = true
		p.space()
		if !p.eat(':') {
			return fmt.Errorf("want ':' after key %q", key)
		}
		p.space()
		switch key {
		case "descr":
			if h.Descr, err = p.str(); err != nil {
				return fmt.Errorf("descr: %w (structured dtypes are not supported)", err)
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.FortranOrder = true
			case p.word("False"):
				h.FortranOrder = false
			default:
				return errors.New("fortran_order: want True or False")
			}
		case "shape":
			if h.Shape, err = p.tuple(); err != nil {
				return fmt.Errorf("shape: %w", err)
			}
		default:
			return fmt.Errorf("unknown key %q", key)
		}
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat('}') {
			return errors.New("want ',' or '}' after a value")
		}
		break
	}
	p.space()
	if p.i != len(p.s) {
		return fmt.Errorf("unexpected %q after the dict", p.s[p.i:])
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return fmt.Errorf("missing key %q", k)
		}
	}
	return nil
}

type parser struct {
	s string
	i int
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) word(w string) bool {
	if strings.HasPrefix(p.s[p.i:], w) {
		end := p.i + len(w)
		if end == len(p.s) || !unicode.IsLetter(rune(p.s[end])) && p.s[end] != '_' {
			p.i = end
			return true
		}
	}
	return false
}

// str parses a quoted string without escapes (all that .npy headers hold).
func (p *parser) str() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("want a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsRune(v, '\\') {
		return "", errors.New("escaped strings not supported")
	}
	p.i += end + 2
	return v, nil
}

// tuple parses a tuple of non-negative integers: (), (n,), (a, b, ...) with an optional trailing
// comma.
func (p *parser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("want a tuple '(...)'")
	}
	dims := []int{}
	for {
		p.space()
		if p.eat(')') { // () or a trailing comma
			return dims, nil
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if start == p.i {
			return nil, fmt.Errorf("want a non-negative integer at %q", p.s[start:])
		}
		d, err := strconv.Atoi(p.s[start:p.i])
		if err != nil || d > math.MaxInt32 {
			return nil, fmt.Errorf("dimension %q out of range", p.s[start:p.i])
		}
		// Python 2 headers may write long integers as 5L.
		p.eat('L')
		dims = append(dims, d)
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat(')') {
			return nil, errors.New("want ',' or ')' in the tuple")
		}
		if len(dims) == 1 {
			return nil, errors.New("(n) is not a tuple; a one-element shape is written (n,)")
		}
		return dims, nil
	}
}

// Read reads a .npy file of float32 or float64 values from r and returns its data in row-major
// (C) order, converted to T, with its shape.
func Read[T float32 | float64](r io.Reader) (data []T, shape []int, err error) {
	h, err := ReadHeader(r)
	if err != nil {
		return nil, nil, err
	}
	word, order, err := h.wordSize()
	if err != nil {
		return nil, nil, err
	}
	n := 1
	for _, d := range h.Shape {
		if d != 0 && n > math.MaxInt/8/d {
			return nil, nil, fmt.Errorf("npy: shape %v is too large", h.Shape)
		}
		n *= d
	}
	// Read in blocks so that a truncated file with a huge claimed shape fails without
	// allocating the whole array first.
	data = make([]T, 0, min(n, 1<<20))
	buf := make([]byte, word*min(max(n, 1), 1<<16))
	for len(data) < n {
		chunk := min(n-len(data), len(buf)/word)
		b := buf[:chunk*word]
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, nil, fmt.Errorf("npy: reading %d values of shape %v: got %d: %w (file truncated?)", n, h.Shape, len(data), err)
		}
		for i := range chunk {
			if word == 4 {
				data = append(data, T(math.Float32frombits(order.Uint32(b[4*i:]))))
			} else {
				data = append(data, T(math.Float64frombits(order.Uint64(b[8*i:]))))
			}
		}
	}
	if h.FortranOrder && len(h.Shape) > 1 {
		data = fortranToC(data, h.Shape)
	}
	return data, append([]int{}, h.Shape...), nil
}

// fortranToC reorders column-major data of the given shape into row-major order.
func fortranToC[T any](data []T, shape []int) []T {
	out := make([]T, len(data))
	idx := make([]int, len(shape))
	// Walk the C-order positions; the Fortran offset is Σ idx[a]·Π_{b<a} shape[b].
	for c := range out {
		f, stride := 0, 1
		for a := range shape {
			f += idx[a] * stride
			stride *= shape[a]
		}
		out[c] = data[f]
		for a := len(shape) - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < shape[a] {
				break
			}
			idx[a] = 0
		}
	}
	return out
}

// ReadFile reads the .npy file at path (see [Read]); bytes after the array are an error.
func ReadFile[T float32 | float64](path string) ([]T, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	data, shape, err := Read[T](br)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	// A file holds one array: bytes after it mean a header that understates the shape.
	if extra, _ := io.Copy(io.Discard, br); extra > 0 {
		return nil, nil, fmt.Errorf("%s: npy: %d bytes follow the %d values of shape %v: the header does not describe the data (corrupt or not a .npy file)",
			path, extra, len(data), shape)
	}
	return data, shape, nil
}

// ReadFileHeader returns the header of the .npy file at path.
func ReadFileHeader(path string) (*Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := ReadHeader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// Write writes data (row-major, len = product of shape, 1 for a scalar shape []) as a
// version 1.0, C-order, little-endian .npy file of T's dtype ('<f4' or '<f8').
func Write[T float32 | float64](w io.Writer, data []T, shape []int) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy.Write: negative dimension in shape %v", shape)
		}
		n *= d
	}
	if n != len(data) {
		return fmt.Errorf("npy.Write: %d values for shape %v (%d values)", len(data), shape, n)
	}
	var zero T
	descr, word := "<f8", 8
	if any(zero) == any(float32(0)) {
		descr, word = "<f4", 4
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	// Pad with spaces and a final newline so that magic + 4 + header is a multiple of 64.
	total := len(Magic) + 4 + len(header) + 1
	pad := (64 - total%64) % 64
	header += strings.Repeat(" ", pad) + "\n"
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("npy.Write: shape %v makes a header too long for format 1.0", shape)
	}
	var buf bytes.Buffer
	buf.WriteString(Magic)
	buf.Write([]byte{1, 0})
	_ = binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("npy.Write: %w", err)
	}
	out := make([]byte, word*min(max(len(data), 1), 1<<16))
	for start := 0; start < len(data); start += len(out) / word {
		end := min(len(data), start+len(out)/word)
		for i, v := range data[start:end] {
			if word == 4 {
				binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(float32(v)))
			} else {
				binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(float64(v)))
			}
		}
		if _, err := w.Write(out[:(end-start)*word]); err != nil {
			return fmt.Errorf("npy.Write: %w", err)
		}
	}
	return nil
}

// WriteFile writes data with the given shape to a .npy file at path (see [Write]).
func WriteFile[T float32 | float64](path string, data []T, shape []int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := Write(bw, data, shape); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
