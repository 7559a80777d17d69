//go:build unix && !linux

package fsstore

import "errors"

func dropPageCache(path string) error { return errors.New("not supported on this system") }
