package kernelext

import (
	"bytes"
	"encoding/gob"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// fakeKernel plays GoNB's side of the named pipes that gonbui talks to: it decodes the display
// messages a cell program sends and acknowledges sync requests, as the real kernel does.
type fakeKernel struct {
	mu       sync.Mutex
	messages []protocol.DisplayData
	syncs    int
}

var (
	kernelOnce sync.Once
	kernel     *fakeKernel
	kernelErr  error
)

// startFakeKernel switches gonbui to notebook mode talking to a fake kernel. gonbui keeps its
// pipes for the life of the process, so there is one fake kernel per test binary.
func startFakeKernel(t *testing.T) *fakeKernel {
	t.Helper()
	kernelOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kernelext-fake-gonb-")
		if err != nil {
			kernelErr = err
			return
		}
		toKernel, fromKernel := filepath.Join(dir, "pipe"), filepath.Join(dir, "pipe_back")
		for _, p := range []string{toKernel, fromKernel} {
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				kernelErr = err
				return
			}
		}
		os.Setenv(protocol.GONB_PIPE_ENV, toKernel)
		os.Setenv(protocol.GONB_PIPE_BACK_ENV, fromKernel)
		kernel = &fakeKernel{}
		go kernel.serve(toKernel, fromKernel)
	})
	if kernelErr != nil {
		t.Skipf("cannot create named pipes for a fake GoNB kernel: %v", kernelErr)
	}
	gonbui.IsNotebook = true
	t.Cleanup(func() { gonbui.IsNotebook = false })
	kernel.mu.Lock()
	kernel.messages = nil
	kernel.mu.Unlock()
	return kernel
}

func (k *fakeKernel) serve(toKernel, fromKernel string) {
	// Same opening order as gonbui: its writer first, then its reader.
	r, err := os.OpenFile(toKernel, os.O_RDONLY, 0)
	if err != nil {
		return
	}
	w, err := os.OpenFile(fromKernel, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	dec, enc := gob.NewDecoder(r), gob.NewEncoder(w)
	for {
		var msg protocol.DisplayData
		if err := dec.Decode(&msg); err != nil {
			return
		}
		if v, ok := msg.Data[protocol.MIMECommValue]; ok {
			if cv, ok := v.(protocol.CommValue); ok && cv.Address == protocol.GonbuiSyncAddress {
				k.mu.Lock()
				k.syncs++
				k.mu.Unlock()
				_ = enc.Encode(&protocol.CommValue{Address: protocol.GonbuiSyncAckAddress, Value: cv.Value})
			}
			continue
		}
		k.mu.Lock()
		k.messages = append(k.messages, msg)
		k.mu.Unlock()
	}
}

// take returns the display messages received so far (all sends are synced before it is called).
func (k *fakeKernel) take() []protocol.DisplayData {
	k.mu.Lock()
	defer k.mu.Unlock()
	m := k.messages
	k.messages = nil
	return m
}

func TestNotebookMode(t *testing.T) {
	k := startFakeKernel(t)
	if !InNotebook() {
		t.Fatal("InNotebook() false with the fake kernel")
	}
	dir := t.TempDir()
	SetOutputDir(dir) // nothing must be written in notebook mode
	defer SetOutputDir("")

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := Figure("fig", &fakeFigure{}); err != nil {
			t.Error(err)
		}
		if err := SetNotebookFigureFormat("svg"); err != nil {
			t.Error(err)
		}
		if err := Figure("fig svg", &fakeFigure{}); err != nil {
			t.Error(err)
		}
		_ = SetNotebookFigureFormat("png")
		if err := Image("img", testImage()); err != nil {
			t.Error(err)
		}
		if err := Markdown("## hello $x^2$"); err != nil {
			t.Error(err)
		}
		if err := HTML("h", "<b>x</b>"); err != nil {
			t.Error(err)
		}
		if err := Comparison("PSNR", []CompareRow{{Quantity: "q", Paper: Num(1), Ours: Num(2)}}); err != nil {
			t.Error(err)
		}
		p := NewProgress("train", 3)
		for i := 1; i <= 3; i++ {
			p.Update(i, "")
		}
		p.Done("loss=0.1")
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("displays blocked for 20 s talking to the fake kernel")
	}

	msgs := k.take()
	if len(msgs) < 8 {
		t.Fatalf("got %d display messages, want at least 8: %+v", len(msgs), msgs)
	}
	pngData, ok := msgs[0].Data[protocol.MIMEImagePNG].([]byte)
	if !ok {
		t.Fatalf("Figure sent %v, want image/png bytes", keys(msgs[0]))
	}
	if img, err := png.Decode(bytes.NewReader(pngData)); err != nil || img.Bounds().Dy() != 3 {
		t.Errorf("figure PNG: %v", err)
	}
	if svg, _ := msgs[1].Data[protocol.MIMEImageSVG].(string); !strings.HasPrefix(svg, "<svg") {
		t.Errorf("SVG figure sent %v", keys(msgs[1]))
	}
	if _, ok := msgs[2].Data[protocol.MIMEImagePNG].([]byte); !ok {
		t.Errorf("Image sent %v", keys(msgs[2]))
	}
	if md, _ := msgs[3].Data[protocol.MIMETextMarkdown].(string); md != "## hello $x^2$" {
		t.Errorf("Markdown sent %q", md)
	}
	if h, _ := msgs[4].Data[protocol.MIMETextHTML].(string); h != "<b>x</b>" {
		t.Errorf("HTML sent %q", h)
	}
	table, _ := msgs[5].Data[protocol.MIMETextMarkdown].(string)
	if !strings.Contains(table, "**PSNR**") || !strings.Contains(table, "| q | 1 | 2 | +1 |  |") {
		t.Errorf("Comparison sent %q", table)
	}
	// Progress: every message updates the same display id; the last one is the final line.
	progress := msgs[6:]
	id := progress[0].DisplayID
	for _, m := range progress {
		if m.DisplayID == "" || m.DisplayID != id {
			t.Errorf("progress message with display id %q, want %q", m.DisplayID, id)
		}
	}
	last, _ := progress[len(progress)-1].Data[protocol.MIMETextHTML].(string)
	if !strings.Contains(last, `<progress value="3" max="3"`) || !strings.Contains(last, "loss=0.1") {
		t.Errorf("final progress HTML %q", last)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("notebook mode wrote files: %v", entries)
	}
	k.mu.Lock()
	syncs := k.syncs
	k.mu.Unlock()
	if syncs < 7 {
		t.Errorf("%d syncs, want one per display (7)", syncs)
	}
}

func keys(m protocol.DisplayData) []protocol.MIMEType {
	var out []protocol.MIMEType
	for k := range m.Data {
		out = append(out, k)
	}
	return out
}
