// Package kernelext shows sparselab's results: inside a GoNB notebook it displays them in the
// cell's output; anywhere else (scripting mode: a CLI, a test, `go run`) the same calls write
// files into an output folder and say on the terminal what they wrote.
//
// It is the only sparselab package that imports GoNB (github.com/janpfeifer/gonb/gonbui), so
// experiment code stays notebook-agnostic. Whether we run under GoNB is decided by
// gonbui.IsNotebook (the GONB_PIPE environment variable that the GoNB kernel sets).
//
// Images travel as PNG (Portable Network Graphics) or SVG (Scalable Vector Graphics) data,
// tables as Markdown, and in scripting mode also as CSV (comma-separated values) files.
//
// What each call does in the two modes:
//
//	call          notebook (GoNB)                              scripting mode
//	Figure        image/png display (or image/svg+xml)          <slug>.png (and other formats) in OutputDir
//	PNG, Image    image/png display                             <slug>.png
//	Markdown      text/markdown display                         the text on stdout
//	HTML          text/html display                             <slug>.html
//	Table         text/markdown table (GitHub-flavoured)        aligned text on stdout, <slug>.md and <slug>.csv
//	Comparison    a Table of ours vs the paper                  same as Table
//	Progress      one HTML line updated in place                one terminal line rewritten with "\r"
//	                                                            (one line per 10% when not a terminal)
//
// The slug is the title in lower case with runs of other characters than letters and digits
// turned into "-"; a second output with the same slug in one process gets "-2", "-3", ...
// The output folder defaults to ./out/<program>/, <program> being the executable's base name;
// [SetOutputDir] changes it.
//
// Nothing here waits for user input: no widgets, no input requests, so notebooks execute
// headless (jupyter nbconvert --execute) exactly as in a browser. Each display is followed by a
// synchronisation with the kernel (gonbui.Sync, acknowledged by GoNB itself, not by a browser),
// which keeps displays and printed text in order; progress updates skip it so they never wait.
package kernelext

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Encoder is anything that can render itself in an image format, such as a plotting figure:
// format is "png" or "svg" (others may be supported by the implementation).
type Encoder interface {
	Encode(w io.Writer, format string) error
}

var (
	mu             sync.Mutex
	outputDir      string    // "" means the default
	logOut         io.Writer = os.Stdout
	figureFormats            = []string{"png"}
	notebookFormat           = "png"
	usedSlugs                = map[string]int{} // path without extension -> times used
)

// InNotebook reports whether the program runs inside a GoNB notebook cell.
func InNotebook() bool { return gonbui.IsNotebook }

// SetOutputDir sets the folder where scripting mode writes its files (created on first use).
// An empty dir restores the default, ./out/<program>/.
func SetOutputDir(dir string) {
	mu.Lock()
	defer mu.Unlock()
	outputDir = dir
}

// OutputDir returns the folder where scripting mode writes its files.
func OutputDir() string {
	mu.Lock()
	defer mu.Unlock()
	return outputDirLocked()
}

func outputDirLocked() string {
	if outputDir != "" {
		return outputDir
	}
	return filepath.Join("out", programName())
}

// programName is the executable's base name without ".exe" or ".test".
func programName() string {
	name := "sparselab"
	if len(os.Args) > 0 && os.Args[0] != "" {
		name = filepath.Base(os.Args[0])
	}
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".exe"), ".test")
	if s := Slug(name); s != "output" {
		return s
	}
	return "sparselab"
}

// SetLog sets where scripting mode reports what it wrote and prints tables and Markdown
// (default os.Stdout). A nil writer discards.
func SetLog(w io.Writer) {
	mu.Lock()
	defer mu.Unlock()
	if w == nil {
		w = io.Discard
	}
	logOut = w
}

// SetFigureFormats sets the formats [Figure] writes in scripting mode (default "png"): one file
// per format, e.g. SetFigureFormats("png", "svg").
func SetFigureFormats(formats ...string) error {
	if len(formats) == 0 {
		return errors.New("kernelext: SetFigureFormats needs at least one format, e.g. \"png\"")
	}
	for _, f := range formats {
		if f == "" || strings.ContainsAny(f, `/\. `) {
			return fmt.Errorf("kernelext: %q is not a file format name (want e.g. \"png\", \"svg\", \"pdf\")", f)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	figureFormats = append([]string(nil), formats...)
	return nil
}

// SetNotebookFigureFormat sets how [Figure] displays in a notebook: "png" (default; renders
// everywhere, including exported HTML) or "svg" (sharp at any zoom; larger notebooks).
func SetNotebookFigureFormat(format string) error {
	if format != "png" && format != "svg" {
		return fmt.Errorf("kernelext: notebook figure format %q is not supported (want \"png\" or \"svg\")", format)
	}
	mu.Lock()
	defer mu.Unlock()
	notebookFormat = format
	return nil
}

// Slug turns a title into a file name stem: lower-case letters and digits, other runs of
// characters replaced by "-", at most 80 bytes; "output" if nothing is left.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 80 {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "output"
	}
	return b.String()
}

// reservePath returns OutputDir/<slug> (no extension), unique within this process, and creates
// the folder.
func reservePath(title string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	dir := outputDirLocked()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("kernelext: creating the output folder %q: %w (choose another with kernelext.SetOutputDir)", dir, err)
	}
	base := filepath.Join(dir, Slug(title))
	usedSlugs[base]++
	if n := usedSlugs[base]; n > 1 {
		base = fmt.Sprintf("%s-%d", base, n)
	}
	return base, nil
}

// writeFile writes data and reports it on the log.
func writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("kernelext: writing %q: %w", path, err)
	}
	logf("wrote %s\n", path)
	return nil
}

func logf(format string, args ...any) {
	mu.Lock()
	w := logOut
	mu.Unlock()
	fmt.Fprintf(w, format, args...)
}

// sendAndSync sends display data to GoNB, waits until GoNB has it and reports pipe errors.
func sendAndSync(what string, data map[protocol.MIMEType]any) error {
	gonbui.SendData(&protocol.DisplayData{Data: data})
	if err := gonbui.Error(); err != nil {
		return fmt.Errorf("kernelext: displaying %s in the notebook: %w", what, err)
	}
	gonbui.Sync()
	return nil
}

// Flush waits until everything displayed so far has reached the notebook. The display calls
// of this package already do it; call it after using gonbui directly. No-op outside a notebook.
func Flush() {
	if InNotebook() {
		gonbui.Sync()
	}
}

// Figure shows a figure: a PNG (or SVG, see [SetNotebookFigureFormat]) in a notebook, files in
// the formats of [SetFigureFormats] otherwise.
func Figure(title string, fig Encoder) error {
	if fig == nil {
		return fmt.Errorf("kernelext: Figure %q is nil", title)
	}
	if InNotebook() {
		mu.Lock()
		format := notebookFormat
		mu.Unlock()
		var buf bytes.Buffer
		if err := fig.Encode(&buf, format); err != nil {
			return fmt.Errorf("kernelext: encoding figure %q as %s: %w", title, format, err)
		}
		if format == "svg" {
			return sendAndSync("figure "+title, map[protocol.MIMEType]any{protocol.MIMEImageSVG: buf.String()})
		}
		return sendAndSync("figure "+title, map[protocol.MIMEType]any{protocol.MIMEImagePNG: buf.Bytes()})
	}
	mu.Lock()
	formats := append([]string(nil), figureFormats...)
	mu.Unlock()
	base, err := reservePath(title)
	if err != nil {
		return err
	}
	for _, format := range formats {
		var buf bytes.Buffer
		if err := fig.Encode(&buf, format); err != nil {
			return fmt.Errorf("kernelext: encoding figure %q as %s: %w", title, format, err)
		}
		if err := writeFile(base+"."+format, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// PNG shows an already encoded PNG image.
func PNG(title string, data []byte) error {
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return fmt.Errorf("kernelext: PNG %q: the data is not a PNG file (no PNG signature)", title)
	}
	if InNotebook() {
		return sendAndSync("image "+title, map[protocol.MIMEType]any{protocol.MIMEImagePNG: data})
	}
	base, err := reservePath(title)
	if err != nil {
		return err
	}
	return writeFile(base+".png", data)
}

// Image shows an image, encoded as PNG.
func Image(title string, img image.Image) error {
	if img == nil {
		return fmt.Errorf("kernelext: Image %q is nil", title)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("kernelext: encoding image %q as PNG: %w", title, err)
	}
	return PNG(title, buf.Bytes())
}

// Markdown shows Markdown text (with $…$ math in notebooks); in scripting mode it prints it.
func Markdown(md string) error {
	if InNotebook() {
		return sendAndSync("Markdown", map[protocol.MIMEType]any{protocol.MIMETextMarkdown: md})
	}
	if !strings.HasSuffix(md, "\n") {
		md += "\n"
	}
	logf("%s", md)
	return nil
}

// Markdownf is [Markdown] with fmt.Sprintf formatting.
func Markdownf(format string, args ...any) error { return Markdown(fmt.Sprintf(format, args...)) }

// HTML shows an HTML fragment; in scripting mode it writes <slug>.html.
func HTML(title, html string) error {
	if InNotebook() {
		return sendAndSync("HTML "+title, map[protocol.MIMEType]any{protocol.MIMETextHTML: html})
	}
	base, err := reservePath(title)
	if err != nil {
		return err
	}
	return writeFile(base+".html", []byte(html))
}

// Check ends the cell (or program) when err is not nil: it prints "error: " and the error on
// standard error and exits with status 1, without a panic's stack trace, which would bury a
// user's mistake (a wrong flag, a missing file) under the trace. The headless notebook runner
// reports the cell as failed from its exit status. Notebooks call it for every error.
func Check(err error) {
	if err == nil {
		return
	}
	Flush()
	fmt.Fprintf(os.Stderr, "error: %v\n", err)
	os.Exit(1)
}
