package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for one writer and one polling reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTrainInterruptWritesCheckpoint: Ctrl-C (SIGINT) during `aae train` ends the run cleanly —
// exit 0, last.ckpt written — and the same command resumes from it.
func TestTrainInterruptWritesCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"aae", "train", "--dataset", "mnist", "--aggregation", "ae", "--from_shipped=false",
		"--subset", "640", "--eval_every", "5", "--steps", "100000", "--time_budget", "3m", "--run_dir", dir}
	var out, errOut lockedBuffer
	code := make(chan int, 1)
	go func() { code <- run(args, &out, &errOut) }()
	// Interrupt once training is under way (the handler is installed before the first step).
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(out.String(), "validation PSNR") {
		if time.Now().After(deadline) {
			t.Fatalf("no validation within 2 minutes:\n%s\n%s", out.String(), errOut.String())
		}
		select {
		case c := <-code:
			t.Fatalf("aae train exited %d before the interrupt:\n%s\n%s", c, out.String(), errOut.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var c int
	select {
	case c = <-code:
	case <-time.After(2 * time.Minute):
		t.Fatal("aae train did not stop within 2 minutes of SIGINT")
	}
	if c != 0 || !strings.Contains(out.String(), "stopped by interrupted") || !strings.Contains(errOut.String(), "the same command resumes") {
		t.Fatalf("interrupted aae train: exit %d\nstdout:\n%s\nstderr:\n%s", c, out.String(), errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "last.ckpt")); err != nil {
		t.Fatalf("no checkpoint after the interrupt: %v", err)
	}
	// The same command with a step bound resumes from the interrupted step.
	resumed := append(args[:len(args):len(args)], "--steps", "1")
	code2, out2, errOut2 := runCLI(resumed...)
	if code2 != 0 || !strings.Contains(out2, "stopped by steps") || strings.Contains(out2, "trained steps 0→") || !strings.Contains(out2, "the run so far: validation PSNR: best") {
		t.Errorf("resumed run: exit %d\n%s\n%s", code2, out2, errOut2)
	}
}
