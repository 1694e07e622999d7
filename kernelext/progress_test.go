package kernelext

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time {
	c.t = c.t.Add(c.step)
	return c.t
}

func newTestProgress(title string, total int, terminal bool, step time.Duration) (*Progress, *bytes.Buffer) {
	buf := &bytes.Buffer{}
	clock := &fakeClock{t: time.Unix(0, 0), step: step}
	p := NewProgress(title, total)
	p.now, p.out, p.terminal, p.notebook = clock.now, buf, terminal, false
	p.start = clock.t
	return p, buf
}

func TestProgressText(t *testing.T) {
	p, _ := newTestProgress("train", 100, true, 0)
	p.done, p.status = 40, "loss=0.5"
	got := p.text(p.start.Add(20 * time.Second))
	want := "train [########------------] 40/100 40% 2 it/s ETA 30s loss=0.5"
	if got != want {
		t.Errorf("text=%q\nwant %q", got, want)
	}
	p.done = 100
	if got := p.text(p.start.Add(50 * time.Second)); !strings.Contains(got, "100/100 100% 2 it/s in 50s") {
		t.Errorf("final text=%q", got)
	}
	p.total, p.done = 0, 3
	if got := p.text(p.start.Add(30 * time.Second)); got != "train 3 10 s/it in 30s loss=0.5" {
		t.Errorf("unknown-total text=%q", got)
	}
}

func TestProgressLineMode(t *testing.T) {
	// Not a terminal: one line per tenth, plus the final line.
	p, buf := newTestProgress("steps", 50, false, time.Second)
	for i := 1; i <= 50; i++ {
		p.Update(i, "")
	}
	p.Done("ok")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 11 {
		t.Fatalf("%d lines, want the first step, 9 tenths and the final line:\n%s", len(lines), buf)
	}
	if !strings.Contains(lines[0], "1/50 2%") || !strings.Contains(lines[1], "5/50 10%") || !strings.Contains(lines[10], "50/50 100%") || !strings.HasSuffix(lines[10], "ok") {
		t.Errorf("first %q, last %q", lines[0], lines[10])
	}
	if strings.Contains(buf.String(), "\r") {
		t.Error("line mode wrote carriage returns")
	}
}

func TestProgressTerminalThrottled(t *testing.T) {
	// A terminal, updates 100 ms apart: shown at most every 250 ms, then once at the end.
	p, buf := newTestProgress("steps", 40, true, 100*time.Millisecond)
	for i := 1; i <= 40; i++ {
		p.Update(i, "")
	}
	p.Done("")
	p.Update(41, "ignored after Done")
	out := buf.String()
	n := strings.Count(out, "\r")
	if n < 10 || n > 20 {
		t.Errorf("%d redraws for 40 updates 100 ms apart, want about 14", n)
	}
	if !strings.HasSuffix(out, "40/40 100% 9.76 it/s in 4.1s\n") || strings.Contains(out, "ignored") {
		t.Errorf("output ends %q", out[max(0, len(out)-80):])
	}
}

func TestProgressStopped(t *testing.T) {
	p, buf := newTestProgress("steps", 10, false, time.Second)
	p.Update(3, "")
	p.Done("")
	if !strings.HasSuffix(strings.TrimSpace(buf.String()), "stopped") {
		t.Errorf("early Done without status: %q", buf)
	}
}
