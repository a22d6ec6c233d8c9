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
	benchmarkPages(b, freshPages)
}

// BenchmarkFreshHugePage is BenchmarkFreshPage in memory the kernel is
// asked to back with transparent huge pages (madvise MADV_HUGEPAGE, where
// the kernel offers it): one fault maps 2 MiB at once. An op is still one
// 4 KiB page, so the figure compares with BenchmarkFreshPage's. It tells
// whether the cost of a fresh page is the fault itself (which huge pages
// would amortize away) or the machine supplying the memory behind it
// (which they would not).
func BenchmarkFreshHugePage(b *testing.B) {
	benchmarkPages(b, freshHugePages)
}

// BenchmarkTouchedPage is BenchmarkFreshPage's baseline: the same write to
// a page already in memory.
func BenchmarkTouchedPage(b *testing.B) {
	benchmarkPages(b, touchedPages)
}

type pages int

const (
	touchedPages pages = iota
	freshPages
	freshHugePages
)

func benchmarkPages(b *testing.B, kind pages) {
	fresh := kind != touchedPages
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
				if kind == freshHugePages {
					if err := adviseHugePages(mem); err != nil {
						b.Skipf("no transparent huge pages: %v", err)
					}
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
