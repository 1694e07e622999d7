package kernelext

import (
	"bytes"
	"encoding/csv"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeFigure is an Encoder that writes a small real image per format and remembers the calls.
type fakeFigure struct {
	formats []string
	fail    bool
}

func (f *fakeFigure) Encode(w io.Writer, format string) error {
	f.formats = append(f.formats, format)
	if f.fail {
		return errors.New("no ink")
	}
	switch format {
	case "png":
		return png.Encode(w, testImage())
	case "svg":
		_, err := io.WriteString(w, `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>`)
		return err
	}
	return errors.New("unsupported format " + format)
}

func testImage() image.Image {
	img := image.NewGray(image.Rect(0, 0, 4, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(20 * i)
	}
	return img
}

// scripting sets up scripting mode writing into a temporary folder and capturing the log.
func scripting(t *testing.T) (dir string, log *bytes.Buffer) {
	t.Helper()
	if InNotebook() {
		t.Fatal("test expects scripting mode")
	}
	dir = t.TempDir()
	log = &bytes.Buffer{}
	SetOutputDir(dir)
	SetLog(log)
	t.Cleanup(func() {
		SetOutputDir("")
		SetLog(os.Stdout)
		_ = SetFigureFormats("png")
	})
	return dir, log
}

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Reconstructions (MNIST, MAX-AAE)", "reconstructions-mnist-max-aae"},
		{"  PSNR: ours vs paper  ", "psnr-ours-vs-paper"},
		{"snake_case_kept", "snake_case_kept"},
		{"σ = 0.7 blur", "0-7-blur"},
		{"", "output"},
		{"!!!", "output"},
		{strings.Repeat("a", 100), strings.Repeat("a", 80)},
	} {
		if got := Slug(tc.in); got != tc.want {
			t.Errorf("Slug(%q)=%q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDefaultOutputDir(t *testing.T) {
	SetOutputDir("")
	// Under `go test` the program is kernelext.test: ".test" is dropped.
	if got, want := OutputDir(), filepath.Join("out", "kernelext"); got != want {
		t.Errorf("OutputDir()=%q, want %q", got, want)
	}
}

func TestTableFormats(t *testing.T) {
	header := []string{"name", "value"}
	rows := [][]string{{"a|b", "1"}, {"multi\nline"}, {"ünï", "<x>"}}
	if got, want := MarkdownTable(header, rows), "| name | value |\n|---|---|\n| a\\|b | 1 |\n| multi<br>line |  |\n| ünï | <x> |\n"; got != want {
		t.Errorf("MarkdownTable:\n%s\nwant\n%s", got, want)
	}
	if got := HTMLTable(header, rows); !strings.Contains(got, "<td>&lt;x&gt;</td>") || strings.Count(got, "<tr>") != 4 || !strings.Contains(got, "<td>multi\nline</td><td></td>") {
		t.Errorf("HTMLTable:\n%s", got)
	}
	got := TextTable(header, [][]string{{"ünï", "1"}, {"longer name", "22"}})
	want := "name         value\n-----------  -----\nünï          1\nlonger name  22\n"
	if got != want {
		t.Errorf("TextTable:\n%q\nwant\n%q", got, want)
	}
}

func TestTableScripting(t *testing.T) {
	dir, log := scripting(t)
	header := []string{"model", "PSNR"}
	rows := [][]string{{"AE", "26.72"}, {"MAX, sum", "28.42"}}
	if err := Table("Table 1: PSNR", header, rows); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "table-1-psnr.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| MAX, sum | 28.42 |") || !strings.HasPrefix(string(md), "**Table 1: PSNR**") {
		t.Errorf("markdown file:\n%s", md)
	}
	f, err := os.Open(filepath.Join(dir, "table-1-psnr.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil || len(records) != 3 || records[2][0] != "MAX, sum" {
		t.Errorf("csv records %q, err %v", records, err)
	}
	out := log.String()
	for _, w := range []string{"Table 1: PSNR\nmodel     PSNR\n--------  -----\nAE        26.72\n", "wrote " + filepath.Join(dir, "table-1-psnr.md"), "table-1-psnr.csv"} {
		if !strings.Contains(out, w) {
			t.Errorf("log lacks %q:\n%s", w, out)
		}
	}
	if err := Table("bad", header, [][]string{{"1", "2", "3"}}); err == nil || !strings.Contains(err.Error(), "row 0 has 3 cells") {
		t.Errorf("long row: err=%v", err)
	}
	if err := Table("bad", nil, nil); err == nil {
		t.Error("no header: want an error")
	}
}

func TestFigureScripting(t *testing.T) {
	dir, log := scripting(t)
	if err := SetFigureFormats("png", "svg"); err != nil {
		t.Fatal(err)
	}
	fig := &fakeFigure{}
	for range 2 {
		if err := Figure("Atoms / MNIST", fig); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(fig.formats, ",") != "png,svg,png,svg" {
		t.Errorf("encoded formats %v", fig.formats)
	}
	for _, name := range []string{"atoms-mnist.png", "atoms-mnist.svg", "atoms-mnist-2.png", "atoms-mnist-2.svg"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "atoms-mnist.png"))
	if img, err := png.Decode(bytes.NewReader(data)); err != nil || img.Bounds().Dx() != 4 {
		t.Errorf("figure PNG does not decode to the 4×3 image: %v", err)
	}
	if strings.Count(log.String(), "wrote ") != 4 {
		t.Errorf("log:\n%s", log)
	}
	if err := Figure("broken", &fakeFigure{fail: true}); err == nil || !strings.Contains(err.Error(), "no ink") || !strings.Contains(err.Error(), `"broken"`) {
		t.Errorf("failing encoder: err=%v", err)
	}
	if err := Figure("nil", nil); err == nil {
		t.Error("nil figure: want an error")
	}
	for _, bad := range [][]string{{}, {""}, {"../png"}} {
		if err := SetFigureFormats(bad...); err == nil {
			t.Errorf("SetFigureFormats(%q) accepted", bad)
		}
	}
	if err := SetNotebookFigureFormat("jpeg"); err == nil {
		t.Error("SetNotebookFigureFormat(jpeg) accepted")
	}
}

func TestImagesAndTextScripting(t *testing.T) {
	dir, log := scripting(t)
	if err := Image("Digit 7", testImage()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "digit-7.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := color.GrayModel.Convert(img.At(1, 1)).(color.Gray).Y; got != 100 {
		t.Errorf("pixel (1,1)=%d, want 100", got)
	}
	if err := PNG("not png", []byte("GIF89a")); err == nil || !strings.Contains(err.Error(), "not a PNG") {
		t.Errorf("PNG with GIF data: err=%v", err)
	}
	if err := PNG("raw", data); err != nil {
		t.Fatal(err)
	}
	if err := HTML("Report", "<p>hi</p>"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "report.html")); string(got) != "<p>hi</p>" {
		t.Errorf("report.html = %q", got)
	}
	if err := Markdownf("# Result: %d atoms", 12); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "# Result: 12 atoms\n") {
		t.Errorf("log:\n%s", log)
	}
}

func TestComparisonRows(t *testing.T) {
	rows := ComparisonRows([]CompareRow{
		{Quantity: "PSNR (dB)", Paper: NumStd(28.42, 2.74), Ours: NumStd(27.9, 2.5), Verb: "%.2f", Note: "quick"},
		{Quantity: "MSE", Paper: Num(0.0837), Ours: Num(0.09)},
		{Quantity: "FID", Paper: Num(28.9), Ours: NoNum(), Note: "no Inception weights"},
	})
	want := [][]string{
		{"PSNR (dB)", "28.42 ± 2.74", "27.90 ± 2.50", "-0.52", "quick"},
		{"MSE", "0.0837", "0.09", "+0.0063", ""},
		{"FID", "28.9", "n/a", "", "no Inception weights"},
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
}

// TestCheck runs Check in a child process: nil passes, an error prints "error: …" and exits 1
// with no stack trace.
func TestCheck(t *testing.T) {
	if os.Getenv("KERNELEXT_CHECK_CHILD") == "1" {
		Check(nil)
		Check(errors.New("--block 25: the model has 20 latent blocks"))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCheck$")
	cmd.Env = append(os.Environ(), "KERNELEXT_CHECK_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("child: %v, want exit status 1", err)
	}
	if got := stderr.String(); !strings.Contains(got, "error: --block 25: the model has 20 latent blocks\n") || strings.Contains(got, "goroutine") {
		t.Errorf("stderr %q: want the error alone, no stack trace", got)
	}
}
