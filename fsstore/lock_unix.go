//go:build unix

// The Data.fs.lock file, taken exactly as zc.lockfile does so that Go and
// Python writers exclude each other.

package fsstore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// lockFile is a held Data.fs.lock: an flock(LOCK_EX) on an open
// descriptor, with " <pid>\n" written at its start. The file is never
// deleted (zc.lockfile does not delete it either: deleting would let a
// third process lock a new inode while the second still waits on the old).
type lockFile struct {
	f *os.File
}

func acquireLock(path string) (*lockFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("fsstore: open lock file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder := readLockPid(f)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: could not lock %s (held by pid %s)", ErrLocked, path, holder)
		}
		return nil, fmt.Errorf("fsstore: lock %s: %w", path, err)
	}
	content := []byte(" " + strconv.Itoa(os.Getpid()) + "\n")
	if _, err := f.WriteAt(content, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("fsstore: write lock file %s: %w", path, err)
	}
	if err := f.Truncate(int64(len(content))); err != nil {
		f.Close()
		return nil, fmt.Errorf("fsstore: write lock file %s: %w", path, err)
	}
	return &lockFile{f: f}, nil
}

func readLockPid(f *os.File) string {
	var buf [32]byte
	n, _ := f.ReadAt(buf[:], 0)
	pid := string(bytes.TrimSpace(buf[:n]))
	if pid == "" {
		return "unknown"
	}
	return pid
}

// release unlocks and closes; the file stays.
func (l *lockFile) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}
