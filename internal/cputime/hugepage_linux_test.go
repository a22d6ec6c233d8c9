package cputime

import "syscall"

// adviseHugePages asks the kernel to back mem with transparent huge pages.
func adviseHugePages(mem []byte) error {
	return syscall.Madvise(mem, syscall.MADV_HUGEPAGE)
}
