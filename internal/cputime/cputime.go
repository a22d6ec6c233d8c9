// Package cputime reads the CPU time this process has used, and the page
// faults it took, for benchmarks that report them per operation beside
// wall time: on a machine shared with a database, or with the garbage
// collector working on the other core, wall time alone hides where the
// cycles went; and where the heap grows, the kernel's time to hand out
// fresh pages is part of the cost (see BenchmarkFreshPage).
package cputime

import "time"

// Process returns the user and system CPU time this process has used, and
// false where the platform does not say.
func Process() (time.Duration, bool) {
	cpu, _, ok := usage()
	return cpu, ok
}

// PerOp is the CPU time per operation since start, in µs, for
// b.ReportMetric(…, "cpu-µs/op"); ok is false where the platform does not
// say.
func PerOp(start time.Duration, n int) (float64, bool) {
	now, ok := Process()
	if !ok || n == 0 {
		return 0, false
	}
	return float64((now - start).Microseconds()) / float64(n), true
}

// MinorFaults returns the page faults this process has taken that needed
// no disk: on a growing heap, mostly first touches of fresh pages. ok is
// false where the platform does not say.
func MinorFaults() (n int64, ok bool) {
	_, n, ok = usage()
	return n, ok
}
