//go:build linux

// Dropping a file's pages from the page cache, for cold-read tests.

package fsstore

import (
	"os"

	"golang.org/x/sys/unix"
)

func dropPageCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
