//go:build !unix

package cputime

import "time"

func usage() (cpu time.Duration, minorFaults int64, ok bool) { return 0, 0, false }
