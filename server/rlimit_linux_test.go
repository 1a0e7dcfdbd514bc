package main

import (
	"fmt"
	"syscall"
)

// raiseOpenFiles lets the process hold at least n open files, raising its soft limit (and,
// where it may, its hard one), for the load test's sessions, each two sockets in this process.
func raiseOpenFiles(n uint64) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("read the open-file limit: %w", err)
	}
	if rl.Cur >= n {
		return nil
	}
	rl.Cur = n
	rl.Max = max(rl.Max, n)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("raise the open-file limit to %d (ulimit -n %d before the test, as a user allowed to): %w", n, n, err)
	}
	return nil
}
