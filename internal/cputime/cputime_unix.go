//go:build unix

package cputime

import (
	"syscall"
	"time"
)

func usage() (cpu time.Duration, minorFaults int64, ok bool) {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0, 0, false
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()), int64(u.Minflt), true
}
