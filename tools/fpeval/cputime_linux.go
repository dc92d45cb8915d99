package main

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time, so that speed figures
// mean "one core" even on a loaded machine (fpeval is single-threaded
// while it measures).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
