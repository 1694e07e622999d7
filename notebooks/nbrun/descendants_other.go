//go:build unix && !linux

package nbrun

// descendants is not implemented on this system: only nbconvert's process group is stopped.
func descendants(root int) []int { return nil }
