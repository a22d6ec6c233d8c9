//go:build unix

package cputime

import (
	"os"
	"syscall"
	"testing"
)

// BenchmarkFreshPage is the cost of the first touch of one page of memory
// fresh from the kernel: a page fault, and the kernel zeroing the page. A
// heap that grows (a memory store that keeps every checkout) pays it for
// every page it grows by, so on a machine where it is dear it is a large
// part of the cost of each operation that keeps memory. The baseline,
// BenchmarkTouchedPage, writes to pages already faulted in.
func BenchmarkFreshPage(b *testing.B) {
	benchmarkPages(b, true)
}

// BenchmarkTouchedPage is BenchmarkFreshPage's baseline: the same write to
// a page already in memory.
func BenchmarkTouchedPage(b *testing.B) {
	benchmarkPages(b, false)
}

func benchmarkPages(b *testing.B, fresh bool) {
	const region = 64 << 20
	page := os.Getpagesize()
	var mem []byte
	next := region
	unmap := func() {
		if mem != nil {
			if err := syscall.Munmap(mem); err != nil {
				b.Fatal(err)
			}
		}
	}
	defer unmap()
	faults, _ := MinorFaults()
	for b.Loop() {
		if next == region {
			next = 0
			if fresh || mem == nil {
				b.StopTimer()
				unmap()
				var err error
				mem, err = syscall.Mmap(-1, 0, region, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
				if err != nil {
					b.Fatal(err)
				}
				if !fresh {
					for i := 0; i < region; i += page {
						mem[i] = 1
					}
					faults, _ = MinorFaults()
				}
				b.StartTimer()
			}
		}
		mem[next]++
		next += page
	}
	if now, ok := MinorFaults(); ok {
		b.ReportMetric(float64(now-faults)/float64(b.N), "faults/op")
	}
}
