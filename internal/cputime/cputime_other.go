//go:build !unix

package cputime

import "time"

func process() (time.Duration, bool) { return 0, false }

func minorFaults() (int64, bool) { return 0, false }
