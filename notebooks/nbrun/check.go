package nbrun

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Expect is what a notebook promises to produce, declared in its metadata:
//
//	"metadata": {"sparselab": {"expect": {"images": 3, "tables": 1, "text": ["PSNR"]}}}
//
// Images and Tables are minimum counts over all outputs (see [Counts]); every Text string must
// occur in some output (printed text, Markdown, HTML or plain-text representation).
type Expect struct {
	Images int      `json:"images"`
	Tables int      `json:"tables"`
	Text   []string `json:"text"`
}

// Counts of rich outputs. An output counts as an image if it carries image/png, image/jpeg or
// image/svg+xml data, or HTML with an <img> or <svg> element; as a table if it carries a
// Markdown table (a header row followed by a |---| separator row) or HTML with a <table>.
type Counts struct {
	Images int
	Tables int
}

// Cell is the outcome of one code cell.
type Cell struct {
	Index          int           // position among all cells (0-based)
	ID             string        // the nbformat cell id
	FirstLine      string        // first non-empty source line, for messages
	Status         string        // "ok", "failed", "not run" or "empty"
	ExecutionCount int           // 0 if not run
	Duration       time.Duration // from nbclient's timing metadata (0 if unknown)
	Counts         Counts
	Problems       []string
}

// Result is the outcome of running (or checking) one notebook.
type Result struct {
	Notebook string        // the source notebook
	Executed string        // the executed .ipynb ("" if none was written)
	HTML     string        // the HTML export ("" if not made)
	Duration time.Duration // wall-clock time of the execution (0 for Check)
	Cells    []Cell        // code cells only
	Counts   Counts        // over all cells
	Expect   *Expect       // from the notebook's metadata, nil if none
	Problems []string      // everything that makes the run a failure; empty means success
	Stderr   string        // the tail of nbconvert's standard error, for diagnosis
}

// OK reports whether the notebook ran without problems.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

// Err returns nil if the notebook ran without problems, else an error listing them.
func (r *Result) Err() error {
	if r.OK() {
		return nil
	}
	name := r.Notebook
	if name == "" {
		name = r.Executed
	}
	msg := fmt.Sprintf("nbrun: notebook %s failed:\n  - %s", name, strings.Join(r.Problems, "\n  - "))
	if r.Executed != "" {
		msg += "\n  executed notebook: " + r.Executed
	}
	if r.HTML != "" {
		msg += "\n  HTML: " + r.HTML
	}
	return fmt.Errorf("%s", msg)
}

// Summary is a one-line description: status, cells, counts and time.
func (r *Result) Summary() string {
	status := "ok"
	if !r.OK() {
		status = fmt.Sprintf("FAILED (%d problems)", len(r.Problems))
	}
	return fmt.Sprintf("%s: %s, %d code cells, %d images, %d tables, %s", r.Notebook, status,
		len(r.Cells), r.Counts.Images, r.Counts.Tables, r.Duration.Round(100*time.Millisecond))
}

// notebook is the subset of nbformat 4 that the checker reads.
type notebook struct {
	Cells []struct {
		CellType       string          `json:"cell_type"`
		ID             string          `json:"id"`
		Source         multiline       `json:"source"`
		ExecutionCount *int            `json:"execution_count"`
		Outputs        []output        `json:"outputs"`
		Metadata       json.RawMessage `json:"metadata"`
	} `json:"cells"`
	Metadata struct {
		Sparselab struct {
			Expect *Expect `json:"expect"`
		} `json:"sparselab"`
	} `json:"metadata"`
	NBFormat int `json:"nbformat"`
}

type output struct {
	OutputType string               `json:"output_type"`
	Name       string               `json:"name"` // stream: stdout or stderr
	Text       multiline            `json:"text"`
	Data       map[string]multiline `json:"data"`
	EName      string               `json:"ename"`
	EValue     string               `json:"evalue"`
}

// multiline is nbformat's "string or list of strings" (binary data is a base64 string).
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = multiline(s)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*m = multiline(strings.Join(list, ""))
		return nil
	}
	// Other JSON values (e.g. application/json data): keep the raw text.
	*m = multiline(b)
	return nil
}

type cellTiming struct {
	Execution map[string]string `json:"execution"`
}

var (
	rePanic      = regexp.MustCompile(`(?m)^\s*panic: .*$`)
	reFatal      = regexp.MustCompile(`(?m)^fatal error: .*$`)
	reExitStatus = regexp.MustCompile(`(?m)^exit status (\d+)\s*$`)
	reSignal     = regexp.MustCompile(`(?m)^signal: [a-z ]+$`)
	reGoNBError  = regexp.MustCompile(`(?m)^GoNB Error:.*$|\[\[\[ERROR\]\]\]`)
	reTimedOut   = regexp.MustCompile(`(?i)timed out|CellTimeoutError`)
	reMDTable    = regexp.MustCompile(`(?m)^[ \t]*\|.*\|[ \t]*\n[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$`)
	reHTMLTable  = regexp.MustCompile(`(?i)<table[\s>]`)
	reHTMLImage  = regexp.MustCompile(`(?i)<(img|svg)[\s>]`)
)

// Check reads an executed notebook and reports its problems and counts, without running it.
func Check(executedPath string) (*Result, error) {
	data, err := os.ReadFile(executedPath)
	if err != nil {
		return nil, fmt.Errorf("nbrun: reading executed notebook: %w", err)
	}
	r, err := CheckJSON(data)
	if err != nil {
		return nil, fmt.Errorf("nbrun: %s: %w", executedPath, err)
	}
	r.Executed = executedPath
	return r, nil
}

// CheckJSON checks the JSON text of an executed notebook (see [Check]).
func CheckJSON(data []byte) (*Result, error) {
	var nb notebook
	if err := json.Unmarshal(data, &nb); err != nil {
		return nil, fmt.Errorf("not a notebook (invalid JSON: %w)", err)
	}
	if nb.NBFormat != 4 {
		return nil, fmt.Errorf("nbformat %d is not supported (want 4)", nb.NBFormat)
	}
	r := &Result{Expect: nb.Metadata.Sparselab.Expect}
	var allText strings.Builder
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		cell := Cell{Index: i, ID: c.ID, FirstLine: firstLine(string(c.Source))}
		where := fmt.Sprintf("cell %d", i)
		if c.ID != "" {
			where += fmt.Sprintf(" (id %s)", c.ID)
		}
		if cell.FirstLine != "" {
			where += fmt.Sprintf(" %q", cell.FirstLine)
		}
		if c.ExecutionCount != nil {
			cell.ExecutionCount = *c.ExecutionCount
		}
		var timing cellTiming
		if len(c.Metadata) > 0 && json.Unmarshal(c.Metadata, &timing) == nil {
			cell.Duration = cellDuration(timing.Execution)
		}
		for _, o := range c.Outputs {
			cell.Problems = append(cell.Problems, outputProblems(o)...)
			img, tab := classify(o)
			cell.Counts.Images += img
			cell.Counts.Tables += tab
			allText.WriteString(outputText(o))
			allText.WriteByte('\n')
		}
		switch {
		case strings.TrimSpace(string(c.Source)) == "":
			cell.Status = "empty"
		case len(cell.Problems) > 0:
			cell.Status = "failed"
		case c.ExecutionCount == nil:
			cell.Status = "not run"
			cell.Problems = append(cell.Problems, "was not executed")
		default:
			cell.Status = "ok"
		}
		for _, p := range cell.Problems {
			r.Problems = append(r.Problems, where+": "+p)
		}
		r.Counts.Images += cell.Counts.Images
		r.Counts.Tables += cell.Counts.Tables
		r.Cells = append(r.Cells, cell)
	}
	if e := r.Expect; e != nil {
		if r.Counts.Images < e.Images {
			r.Problems = append(r.Problems, fmt.Sprintf("expected at least %d images (metadata sparselab.expect.images), got %d", e.Images, r.Counts.Images))
		}
		if r.Counts.Tables < e.Tables {
			r.Problems = append(r.Problems, fmt.Sprintf("expected at least %d tables (metadata sparselab.expect.tables), got %d", e.Tables, r.Counts.Tables))
		}
		text := allText.String()
		for _, s := range e.Text {
			if !strings.Contains(text, s) {
				r.Problems = append(r.Problems, fmt.Sprintf("expected the text %q in some output (metadata sparselab.expect.text), found none", s))
			}
		}
	}
	return r, nil
}

// outputProblems returns what is wrong with one output.
func outputProblems(o output) []string {
	var probs []string
	switch o.OutputType {
	case "error":
		probs = append(probs, fmt.Sprintf("error output %s: %s", o.EName, firstLine(o.EValue)))
		return probs // the same text is usually repeated on stderr; one report suffices
	case "stream":
		text := string(o.Text)
		for _, m := range rePanic.FindAllString(text, -1) {
			probs = append(probs, fmt.Sprintf("%s: %s", o.Name, strings.TrimSpace(m)))
		}
		for _, m := range reFatal.FindAllString(text, -1) {
			probs = append(probs, fmt.Sprintf("%s: %s", o.Name, m))
		}
		for _, m := range reExitStatus.FindAllStringSubmatch(text, -1) {
			if n, _ := strconv.Atoi(m[1]); n != 0 {
				probs = append(probs, fmt.Sprintf("%s: exit status %d", o.Name, n))
			}
		}
		for _, m := range reSignal.FindAllString(text, -1) {
			probs = append(probs, fmt.Sprintf("%s: %s", o.Name, m))
		}
		for _, m := range reGoNBError.FindAllString(text, -1) {
			probs = append(probs, fmt.Sprintf("%s: %s", o.Name, m))
		}
		if o.Name == "stderr" && reTimedOut.MatchString(text) {
			probs = append(probs, "stderr: timed out")
		}
	}
	return probs
}

// classify counts an output as an image and/or a table.
func classify(o output) (images, tables int) {
	if o.OutputType != "display_data" && o.OutputType != "execute_result" {
		return 0, 0
	}
	for _, mime := range []string{"image/png", "image/jpeg", "image/svg+xml"} {
		if _, ok := o.Data[mime]; ok {
			images = 1
		}
	}
	h := string(o.Data["text/html"])
	if reHTMLImage.MatchString(h) {
		images = 1
	}
	if reHTMLTable.MatchString(h) || reMDTable.MatchString(string(o.Data["text/markdown"])) {
		tables = 1
	}
	return images, tables
}

// outputText is the searchable text of an output.
func outputText(o output) string {
	switch o.OutputType {
	case "stream":
		return string(o.Text)
	case "error":
		return o.EName + ": " + o.EValue
	}
	var b strings.Builder
	for _, mime := range []string{"text/plain", "text/markdown", "text/html"} {
		b.WriteString(string(o.Data[mime]))
		b.WriteByte('\n')
	}
	return b.String()
}

// cellDuration is the execution time recorded by nbclient (record_timing).
func cellDuration(exec map[string]string) time.Duration {
	start, ok1 := parseTime(exec["iopub.execute_input"])
	if !ok1 {
		start, ok1 = parseTime(exec["iopub.status.busy"])
	}
	end, ok2 := parseTime(exec["shell.execute_reply"])
	if !ok1 || !ok2 || end.Before(start) {
		return 0
	}
	return end.Sub(start)
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if r := []rune(l); len(r) > 80 {
				l = string(r[:77]) + "..."
			}
			return l
		}
	}
	return ""
}
