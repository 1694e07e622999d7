package kernelext

import (
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Progress reports the progress of a loop: in a notebook, one HTML line updated in place (the
// final state stays in the saved notebook); in a terminal, one line rewritten with "\r" on
// stderr; when stderr is not a terminal (logs, CI), one line per 10% and at the end. Updates
// are throttled and never wait for the notebook front-end. A Progress is safe for concurrent
// use.
type Progress struct {
	mu        sync.Mutex
	title     string
	total     int
	done      int
	status    string
	start     time.Time
	last      time.Time // last time shown
	lastDecil int       // last tenth shown in line mode
	shown     bool
	finished  bool
	id        string // GoNB display id

	// Set at creation from the environment; tests replace them.
	now      func() time.Time
	notebook bool
	out      io.Writer
	terminal bool
	interval time.Duration
}

// NewProgress starts a progress report for total steps (total ≤ 0 when unknown).
func NewProgress(title string, total int) *Progress {
	p := &Progress{
		title:     title,
		total:     total,
		now:       time.Now,
		notebook:  InNotebook(),
		out:       os.Stderr,
		terminal:  isTerminal(os.Stderr),
		interval:  250 * time.Millisecond,
		lastDecil: -1,
	}
	p.start = p.now()
	if p.notebook {
		p.id = "sparselab-progress-" + gonbui.UniqueId()
	}
	return p
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Update records that done steps are complete, with an optional status (e.g. "loss=0.0123").
func (p *Progress) Update(done int, status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.done, p.status = done, status
	now := p.now()
	if p.shown && now.Sub(p.last) < p.interval && (p.total <= 0 || done < p.total) {
		return
	}
	if !p.notebook && !p.terminal {
		// Line mode: only at each new tenth (or every step count change when total unknown
		// and the interval passed).
		if p.total > 0 {
			decil := min(10, 10*done/p.total)
			if decil == p.lastDecil || decil == 10 { // the end is Done's to show
				return
			}
			p.lastDecil = decil
		} else if p.shown && now.Sub(p.last) < 30*time.Second {
			return
		}
	}
	p.show(now, false)
}

// Done marks the end, with a final status, and shows the final line.
func (p *Progress) Done(status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if status != "" {
		p.status = status
	}
	if p.total > 0 && p.done < p.total && status == "" {
		p.status = "stopped"
	}
	p.show(p.now(), true)
	if p.notebook {
		gonbui.Sync()
	}
}

// show renders the current state. p.mu is held.
func (p *Progress) show(now time.Time, final bool) {
	p.last, p.shown = now, true
	switch {
	case p.notebook:
		bar := ""
		if p.total > 0 {
			bar = fmt.Sprintf(` <progress value="%d" max="%d" style="vertical-align:middle"></progress>`, min(p.done, p.total), p.total)
		}
		gonbui.UpdateHTML(p.id, fmt.Sprintf(`<div style="font-family:monospace"><b>%s</b>%s %s</div>`,
			html.EscapeString(p.title), bar, html.EscapeString(strings.Join(p.parts(now, false)[1:], " "))))
	case p.terminal:
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(p.out, "\r\033[K%s%s", p.text(now), end)
	default:
		fmt.Fprintln(p.out, p.text(now))
	}
}

// text is the one-line summary: "title [####------] 40/100 40% 3.1 it/s ETA 19s status".
func (p *Progress) text(now time.Time) string { return strings.Join(p.parts(now, true), " ") }

// parts are the pieces of the summary, the title first; withBar adds a text bar.
func (p *Progress) parts(now time.Time, withBar bool) []string {
	elapsed := now.Sub(p.start)
	parts := []string{p.title}
	if p.total > 0 {
		const width = 20
		if withBar {
			filled := min(width, width*p.done/p.total)
			parts = append(parts, "["+strings.Repeat("#", filled)+strings.Repeat("-", width-filled)+"]")
		}
		parts = append(parts, fmt.Sprintf("%d/%d", p.done, p.total), fmt.Sprintf("%d%%", 100*p.done/p.total))
	} else {
		parts = append(parts, fmt.Sprintf("%d", p.done))
	}
	if elapsed > 0 && p.done > 0 {
		rate := float64(p.done) / elapsed.Seconds()
		switch {
		case rate >= 100:
			parts = append(parts, fmt.Sprintf("%.0f it/s", rate))
		case rate >= 1:
			parts = append(parts, fmt.Sprintf("%.3g it/s", rate))
		default:
			parts = append(parts, fmt.Sprintf("%.3g s/it", 1/rate))
		}
		if p.total > 0 && p.done < p.total {
			eta := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
			parts = append(parts, "ETA "+roundDuration(eta).String())
		} else {
			parts = append(parts, "in "+roundDuration(elapsed).String())
		}
	}
	if p.status != "" {
		parts = append(parts, p.status)
	}
	return parts
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
