//go:build linux

// Reserving a file's blocks with fallocate, so writes through the mapping
// cannot fault on a full disk.

package cache

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

func preallocate(f *os.File, size int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, 0, size)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
		return nil // e.g. tmpfs on old kernels: carry on with a sparse file
	}
	return err
}
