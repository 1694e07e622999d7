package training

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// InterruptContext returns a context that the first Ctrl-C (SIGINT) or SIGTERM cancels, for
// [Settings.Context]: [Run] then finishes the step in flight, writes the checkpoint and returns,
// so the same command resumes. The signal is reported on w (nil: not reported) and its handling
// returns to the default, so a second Ctrl-C quits at once (losing the steps since the last
// checkpoint, at most [Settings.CheckpointEvery]). release undoes the handler.
//
// In a notebook, Jupyter's interrupt reaches the cell's program as SIGINT (GoNB kills it 5
// seconds later), so a training cell that passes this context keeps its progress.
func InterruptContext(w io.Writer) (ctx context.Context, release func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			signal.Stop(sigs)
			if w != nil {
				fmt.Fprintf(w, "\n%v: stopping after this step and writing the checkpoint (the same command resumes); interrupt again to quit now\n", sig)
			}
			cancel()
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			cancel()
		})
	}
}
