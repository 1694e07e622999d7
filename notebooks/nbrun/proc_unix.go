//go:build unix

package nbrun

import (
	"context"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// runCommand runs a command in its own process group; when ctx ends, the whole group
// (nbconvert, the kernel and the cell program) is killed.
func runCommand(ctx context.Context, name string, args, env []string, stderr io.Writer) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	return cmd.Run()
}
