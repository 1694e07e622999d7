//go:build unix

package nbrun

import (
	"context"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// runCommand runs a command in its own process group. When ctx ends, the whole tree is
// stopped: nbconvert's group and the groups of its descendants (Jupyter starts the kernel in a
// new session, so killing nbconvert's group alone leaves the kernel and the cell program
// running). They get SIGTERM first (GoNB then stops the cell program and removes its
// temporary folder), SIGKILL 3 s later.
func runCommand(ctx context.Context, name string, args, env []string, stderr io.Writer) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		stopTree(cmd.Process.Pid)
		return nil
	}
	cmd.WaitDelay = 10 * time.Second
	return cmd.Run()
}

// stopTree signals the process groups of root and of all its descendants.
func stopTree(root int) {
	groups := map[int]bool{root: true} // root leads its own group (Setpgid)
	for _, pid := range descendants(root) {
		if g, err := syscall.Getpgid(pid); err == nil && g > 1 {
			groups[g] = true
		}
	}
	for g := range groups {
		_ = syscall.Kill(-g, syscall.SIGTERM)
	}
	go func() {
		time.Sleep(3 * time.Second)
		for g := range groups {
			_ = syscall.Kill(-g, syscall.SIGKILL)
		}
	}()
}
