//go:build !linux

// Platforms without fallocate: the file stays sparse.

package cache

import "os"

func preallocate(*os.File, int64) error { return nil }
