package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// interruptContext returns a context that the first Ctrl-C (SIGINT) or SIGTERM cancels, for the
// training commands: training.Run then finishes the step in flight, validates, writes the
// checkpoint and returns, so the same command resumes. The signal is reported on w, and
// handling returns to the default, so a second Ctrl-C quits at once (losing the steps since
// the last checkpoint, at most its interval). release undoes the handler.
func interruptContext(w io.Writer) (ctx context.Context, release func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			signal.Stop(sigs)
			fmt.Fprintf(w, "\n%v: stopping after this step, then validating and writing the checkpoint (the same command resumes); interrupt again to quit now\n", sig)
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
