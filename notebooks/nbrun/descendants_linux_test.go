package nbrun

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStopTreeReachesOtherSessions(t *testing.T) {
	// A parent whose child starts its own session, as Jupyter does with kernels.
	cmd := exec.Command("sh", "-c", "setsid sleep 30 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sh: %v", err)
	}
	// Wait until the last descendant is the sleep itself: before that it may be the forked sh or
	// setsid, not yet in its own session.
	sleeper := 0
	for range 250 {
		if kids := descendants(cmd.Process.Pid); len(kids) > 0 {
			last := kids[len(kids)-1]
			if comm, _ := os.ReadFile("/proc/" + strconv.Itoa(last) + "/comm"); strings.TrimSpace(string(comm)) == "sleep" {
				sleeper = last
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sleeper == 0 {
		stopTree(cmd.Process.Pid)
		_ = cmd.Wait()
		t.Fatal("descendants never found the sleep started by sh")
	}
	if g, _ := syscall.Getpgid(sleeper); g == cmd.Process.Pid {
		t.Fatalf("setsid child %d is still in the parent's group", sleeper)
	}
	stopTree(cmd.Process.Pid)
	_ = cmd.Wait()
	for range 100 {
		if !alive(sleeper) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("process %d in another session survived stopTree", sleeper)
}

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}
