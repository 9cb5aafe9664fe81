//go:build unix

package sim

import (
	"fmt"
	"syscall"
)

// RaiseFileLimit raises the soft limit on open files to the hard limit and
// returns it: each simulated charger holds one socket.
func RaiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, fmt.Errorf("setrlimit: %w", err)
		}
	}
	return uint64(l.Cur), nil
}
