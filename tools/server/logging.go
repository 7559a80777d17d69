// Structured logging for the server: slog handlers writing to standard
// error or to the configured log files, which SIGUSR2 reopens (log
// rotation).

package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/gozeo/gozeo/tools/config"
)

// reopenFile is an io.Writer on a log file that can be reopened in place,
// so that a rotated file (renamed by logrotate) is replaced by a new one.
type reopenFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

func openLogFile(path string) (*reopenFile, error) {
	r := &reopenFile{path: path}
	if err := r.Reopen(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *reopenFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Write(p)
}

// Reopen closes the file and opens the path again (append mode).
func (r *reopenFile) Reopen() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log file %s: %w", r.path, err)
	}
	r.mu.Lock()
	old := r.f
	r.f = f
	r.mu.Unlock()
	if old != nil {
		return old.Close()
	}
	return nil
}

func (r *reopenFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Close()
}

// Logs is the server's logger and the files behind it.
type Logs struct {
	Logger *slog.Logger
	files  []*reopenFile
}

// NewLogs builds the logger the <eventlog> section describes: one handler
// per <logfile> (STDOUT and STDERR allowed), each with its own level, or a
// text handler on stderr when there is none. Python format strings are not
// interpreted: gozeo writes structured key=value lines.
func NewLogs(ev config.EventLog, stderr io.Writer) (*Logs, error) {
	l := &Logs{}
	var handlers []slog.Handler
	for _, lf := range ev.Logfiles {
		level := lf.Level
		if level == 0 {
			level = ev.Level
		}
		var w io.Writer
		switch lf.Path {
		case "STDERR":
			w = stderr
		case "STDOUT":
			w = os.Stdout
		default:
			f, err := openLogFile(lf.Path)
			if err != nil {
				l.Close()
				return nil, err
			}
			l.files = append(l.files, f)
			w = f
		}
		handlers = append(handlers, slog.NewTextHandler(w, &slog.HandlerOptions{Level: level.Slog()}))
	}
	if len(handlers) == 0 {
		handlers = append(handlers, slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: ev.Level.Slog()}))
	}
	if len(handlers) == 1 {
		l.Logger = slog.New(handlers[0])
	} else {
		l.Logger = slog.New(fanout(handlers))
	}
	return l, nil
}

// Reopen reopens every log file (SIGUSR2).
func (l *Logs) Reopen() error {
	var errs []error
	for _, f := range l.files {
		errs = append(errs, f.Reopen())
	}
	return errors.Join(errs...)
}

// Close closes the log files.
func (l *Logs) Close() {
	for _, f := range l.files {
		_ = f.Close()
	}
}

// fanout sends each record to several handlers.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, level slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, level) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (f fanout) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(attrs)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}
