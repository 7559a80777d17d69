// Reindex: rebuilding our index file by a full scan, and the offline
// pack.

package fstool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
)

// ReindexResult tells what Reindex rebuilt.
type ReindexResult struct {
	Oids     int
	Size     int64
	LastTid  proto.Tid
	Duration time.Duration
}

// Reindex throws away the file's index (Data.fs.gzindex) and rebuilds it
// by scanning the whole log: it opens the store writable (so it takes the
// lock and fails with fsstore.ErrLocked while a server runs on the file,
// and recovers a torn tail as any writable open does), and closes it,
// which saves the index.
func Reindex(path string, progress func(done, total int64)) (ReindexResult, error) {
	start := time.Now()
	if _, err := os.Stat(path); err != nil {
		return ReindexResult{}, err
	}
	if err := os.Remove(path + fsstore.IndexSuffix); err != nil && !errors.Is(err, os.ErrNotExist) {
		return ReindexResult{}, err
	}
	s, err := fsstore.Open(path, &fsstore.Options{Progress: progress})
	if err != nil {
		return ReindexResult{}, err
	}
	res := ReindexResult{Oids: s.Len(), Size: s.Size(), LastTid: s.LastTransaction()}
	if err := s.Close(); err != nil {
		return res, err
	}
	if _, err := os.Stat(path + fsstore.IndexSuffix); err != nil {
		return res, fmt.Errorf("index file not written: %w", err)
	}
	res.Duration = time.Since(start)
	return res, nil
}

// PackFileOptions describe an offline pack.
type PackFileOptions struct {
	Time     proto.Tid // pack time
	GC       bool
	KeepOld  bool
	Progress func(done, total int64)
}

// PackFile packs the file at path offline: it opens it writable (taking
// the lock: a running server's file is refused), packs and closes it.
func PackFile(ctx context.Context, path string, o PackFileOptions) (*fsstore.PackResult, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	s, err := fsstore.Open(path, nil)
	if err != nil {
		return nil, err
	}
	res, err := s.Pack(ctx, o.Time, &fsstore.PackOptions{GC: o.GC, KeepOld: o.KeepOld, Progress: o.Progress})
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return res, err
}
