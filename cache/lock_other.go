//go:build !unix

// Platforms without flock: the lock file is created but not locked.

package cache

import (
	"fmt"
	"os"
)

func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cache: lock file %s: %w", path, err)
	}
	return f, nil
}
