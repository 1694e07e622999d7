package training

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestInterruptContext: SIGINT cancels the context (instead of killing the process) and is
// reported; release may be called more than once; a released context stays cancelled.
func TestInterruptContext(t *testing.T) {
	var w syncBuffer
	ctx, release := InterruptContext(&w)
	defer release()
	if ctx.Err() != nil {
		t.Fatal("context cancelled before any signal")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not cancel the context")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(w.String(), "interrupt: stopping after this step") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(w.String(), "the same command resumes") {
		t.Errorf("message %q does not say how to resume", w.String())
	}
	release()
	release()

	// Released without a signal: cancelled, nothing reported.
	ctx2, release2 := InterruptContext(nil)
	release2()
	if ctx2.Err() == nil {
		t.Error("released context is not cancelled")
	}
}
