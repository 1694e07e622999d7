package kernelext

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Table shows a table with a title: a Markdown table in a notebook; in scripting mode aligned
// text on the log (stdout) plus <slug>.md and <slug>.csv files. Rows shorter than the header
// are padded with empty cells; longer rows are an error.
func Table(title string, header []string, rows [][]string) error {
	if len(header) == 0 {
		return fmt.Errorf("kernelext: table %q has no header", title)
	}
	for i, r := range rows {
		if len(r) > len(header) {
			return fmt.Errorf("kernelext: table %q: row %d has %d cells but the header has %d", title, i, len(r), len(header))
		}
	}
	md := MarkdownTable(header, rows)
	if title != "" {
		md = "**" + escapeMarkdown(title) + "**\n\n" + md
	}
	if InNotebook() {
		return sendAndSync("table "+title, map[protocol.MIMEType]any{protocol.MIMETextMarkdown: md})
	}
	text := TextTable(header, rows)
	if title != "" {
		text = title + "\n" + text
	}
	logf("%s", text)
	base, err := reservePath(title)
	if err != nil {
		return err
	}
	if err := writeFile(base+".md", []byte(md)); err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(header)
	for _, r := range rows {
		_ = w.Write(pad(r, len(header)))
	}
	w.Flush()
	return writeFile(base+".csv", buf.Bytes())
}

func pad(row []string, n int) []string {
	if len(row) >= n {
		return row
	}
	out := make([]string, n)
	copy(out, row)
	return out
}

// escapeMarkdown protects the characters that would break a Markdown table cell or emphasis.
func escapeMarkdown(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "\r\n", "<br>", "\n", "<br>")
	return r.Replace(s)
}

// MarkdownTable formats a GitHub-flavoured Markdown table (pipes escaped, newlines as <br>).
func MarkdownTable(header []string, rows [][]string) string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range pad(cells, len(header)) {
			b.WriteString(" " + escapeMarkdown(c) + " |")
		}
		b.WriteString("\n")
	}
	line(header)
	b.WriteString("|")
	for range header {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// HTMLTable formats an HTML table with escaped cells.
func HTMLTable(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("<table>\n<thead><tr>")
	for _, h := range header {
		b.WriteString("<th>" + html.EscapeString(h) + "</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range rows {
		b.WriteString("<tr>")
		for _, c := range pad(r, len(header)) {
			b.WriteString("<td>" + html.EscapeString(c) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	return b.String()
}

// TextTable formats a table as aligned plain text: columns separated by two spaces, the
// header underlined with dashes, widths counted in runes.
func TextTable(header []string, rows [][]string) string {
	width := make([]int, len(header))
	all := append([][]string{header}, rows...)
	for _, r := range all {
		for i, c := range pad(r, len(header)) {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		var l strings.Builder
		for i, c := range pad(cells, len(header)) {
			if i > 0 {
				l.WriteString("  ")
			}
			l.WriteString(c)
			l.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	line(header)
	dashes := make([]string, len(header))
	for i, w := range width {
		dashes[i] = strings.Repeat("-", w)
	}
	line(dashes)
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// Number is a reported quantity: a value with an optional spread (a standard deviation), or
// missing (NaN value) when a source does not report it.
type Number struct {
	Value   float64
	Std     float64
	WithStd bool
}

// Num is a number without spread.
func Num(v float64) Number { return Number{Value: v} }

// NumStd is a mean ± standard deviation.
func NumStd(mean, std float64) Number { return Number{Value: mean, Std: std, WithStd: true} }

// NoNum is a missing number (shown as "n/a").
func NoNum() Number { return Number{Value: math.NaN()} }

// Missing reports whether the number is missing.
func (n Number) Missing() bool { return math.IsNaN(n.Value) }

// Format writes the number with a fmt verb for floats ("%.4g" if empty): "26.72 ± 2.66".
func (n Number) Format(verb string) string {
	if verb == "" {
		verb = "%.4g"
	}
	if n.Missing() {
		return "n/a"
	}
	s := fmt.Sprintf(verb, n.Value)
	if n.WithStd {
		s += " ± " + fmt.Sprintf(verb, n.Std)
	}
	return s
}

// CompareRow is one line of an "ours vs paper" table.
type CompareRow struct {
	// Quantity names what is compared, with its unit: "MNIST MAX-AAE PSNR (dB)".
	Quantity string
	// Paper is the paper's number, Ours ours (NoNum() when absent).
	Paper, Ours Number
	// Verb formats the numbers ("%.4g" if empty), e.g. "%.2f".
	Verb string
	// Note says where ours comes from (data, configuration, steps) or why they differ.
	Note string
}

// ComparisonHeader is the header of [ComparisonRows].
var ComparisonHeader = []string{"quantity", "paper", "ours", "ours − paper", "note"}

// ComparisonRows formats comparison rows for [Table]: quantity, paper, ours, the difference
// of the values (signed; empty if either is missing) and the note.
func ComparisonRows(rows []CompareRow) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		diff := ""
		if !r.Paper.Missing() && !r.Ours.Missing() {
			verb := r.Verb
			if verb == "" {
				verb = "%.4g"
			}
			diff = fmt.Sprintf(strings.Replace(verb, "%", "%+", 1), r.Ours.Value-r.Paper.Value)
		}
		out[i] = []string{r.Quantity, r.Paper.Format(r.Verb), r.Ours.Format(r.Verb), diff, r.Note}
	}
	return out
}

// Comparison shows an "ours vs paper" table (see [ComparisonRows]) with [Table].
func Comparison(title string, rows []CompareRow) error {
	return Table(title, ComparisonHeader, ComparisonRows(rows))
}
