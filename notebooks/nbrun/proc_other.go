//go:build !unix

package nbrun

import (
	"context"
	"io"
	"os/exec"
	"time"
)

// runCommand runs a command, killed when ctx ends (child processes may survive on this OS).
func runCommand(ctx context.Context, name string, args, env []string, stderr io.Writer) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	cmd.WaitDelay = 10 * time.Second
	return cmd.Run()
}
