//go:build unix

// The single-owner lock on path+".lock" (flock, like zc.lockfile).

package cache

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive, non-blocking flock on path (created if
// needed) and writes this process's pid into it, as zc.lockfile does. The
// lock lives as long as the returned file stays open; the kernel drops it
// when the process dies.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cache: lock file %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("cache: lock file %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("cache: lock file %s: %w", path, err)
	}
	pid := " " + strconv.Itoa(os.Getpid()) + "\n"
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(pid), 0)
	}
	return f, nil
}
