//go:build unix && !linux

package cputime

import "errors"

// adviseHugePages reports that this system has no madvise(MADV_HUGEPAGE).
func adviseHugePages([]byte) error {
	return errors.ErrUnsupported
}
