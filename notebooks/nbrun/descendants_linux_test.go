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
	var kids []int
	for range 50 {
		if kids = descendants(cmd.Process.Pid); len(kids) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(kids) == 0 {
		t.Fatal("descendants found no child of sh")
	}
	sleeper := kids[len(kids)-1]
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
