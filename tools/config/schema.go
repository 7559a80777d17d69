// The schema: which sections and keys exist, and how each value is read
// into the Config.

package config

import (
	"errors"
	"fmt"

	"github.com/gozeo/gozeo/proto/compress"
)

// keySpec is one key a section accepts.
type keySpec struct {
	name     string
	required bool
	set      func(v string) error
}

// errAt is an *Error at a key or section position.
func errAt(file string, line int, format string, args ...any) error {
	return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// applyKeys checks the keys of s against specs (unknown, duplicate, empty
// and missing required keys are errors) and sets each value.
func applyKeys(s *section, specs []keySpec) error {
	seen := make(map[string]*keyValue, len(s.keys))
	for i := range s.keys {
		kv := &s.keys[i]
		var spec *keySpec
		for j := range specs {
			if specs[j].name == kv.key {
				spec = &specs[j]
				break
			}
		}
		if spec == nil {
			return errAt(kv.file, kv.line, "unknown key %q in %s", kv.key, s.label())
		}
		if first, ok := seen[kv.key]; ok {
			where := fmt.Sprintf("line %d", first.line)
			if first.file != kv.file {
				where = fmt.Sprintf("%s:%d", first.file, first.line)
			}
			return errAt(kv.file, kv.line, "duplicate key %q in %s (first on %s)", kv.key, s.label(), where)
		}
		seen[kv.key] = kv
		if kv.value == "" {
			return errAt(kv.file, kv.line, "missing value for %s in %s", kv.key, s.label())
		}
		if err := spec.set(kv.value); err != nil {
			return errAt(kv.file, kv.line, "bad value %q for %s in %s: %v", kv.value, kv.key, s.label(), err)
		}
	}
	for _, spec := range specs {
		if spec.required && seen[spec.name] == nil {
			return errAt(s.file, s.line, "missing required key %q in %s", spec.name, s.label())
		}
	}
	return nil
}

// unsupported explains sections other ZODB/ZEO configurations use.
var unsupported = map[string]string{
	"mappingstorage": "gozeo serves <filestorage> storages only",
	"demostorage":    "gozeo serves <filestorage> storages only",
	"zeoclient":      "gozeo serves <filestorage> storages only",
	"blobstorage":    "gozeo serves <filestorage> storages only (no blobs)",
	"relstorage":     "gozeo serves <filestorage> storages only",
	"zlibstorage":    `use "compress zlib" in <filestorage>: gozeo reads zc.zlibstorage records as they are`,
	"runner":         "zdaemon's process control: run gozeo under a service manager",
	"syslog":         "only <logfile> handlers are supported",
	"email-notifier": "only <logfile> handlers are supported",
	"http-logger":    "only <logfile> handlers are supported",
}

// unknownSection is the error for a section s has no place for.
func unknownSection(ch, parent *section) error {
	if why, ok := unsupported[ch.typ]; ok {
		return errAt(ch.file, ch.line, "unsupported section <%s> in %s: %s", ch.typ, parent.label(), why)
	}
	return errAt(ch.file, ch.line, "unknown section <%s> in %s", ch.typ, parent.label())
}

// once reports a second section of a type that may appear once.
func once(first **section, ch *section) error {
	if *first != nil {
		return errAt(ch.file, ch.line, "duplicate section <%s> (first on %s:%d)", ch.typ, (*first).file, (*first).line)
	}
	*first = ch
	return nil
}

func buildRoot(root *section, cfg *Config) error {
	if err := applyKeys(root, nil); err != nil {
		return err
	}
	var zeo, eventlog *section
	names := map[string]*section{}
	for _, ch := range root.children {
		switch ch.typ {
		case "zeo":
			if err := once(&zeo, ch); err != nil {
				return err
			}
			if err := buildZEO(ch, &cfg.ZEO); err != nil {
				return err
			}
		case "filestorage":
			name := ch.name
			if name == "" {
				name = "1"
			}
			if first, ok := names[name]; ok {
				return errAt(ch.file, ch.line, "duplicate storage name %q (first on %s:%d)", name, first.file, first.line)
			}
			names[name] = ch
			st := defaultStorage(name)
			st.Source = fmt.Sprintf("%s:%d", ch.file, ch.line)
			if err := buildStorage(ch, &st); err != nil {
				return err
			}
			cfg.Storages = append(cfg.Storages, st)
		case "eventlog":
			if err := once(&eventlog, ch); err != nil {
				return err
			}
			if err := buildEventLog(ch, &cfg.EventLog); err != nil {
				return err
			}
		default:
			return unknownSection(ch, root)
		}
	}
	return nil
}

func setBool(dst *bool) func(string) error {
	return func(v string) (err error) { *dst, err = parseBool(v); return }
}

func setSize(dst *int64, min int64) func(string) error {
	return func(v string) error {
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		if n < min {
			return fmt.Errorf("must be at least %d bytes", min)
		}
		*dst = n
		return nil
	}
}

func setAddress(dst *Address) func(string) error {
	return func(v string) (err error) { *dst, err = ParseAddress(v); return }
}

func buildZEO(s *section, z *ZEO) error {
	err := applyKeys(s, []keySpec{
		{name: "address", set: setAddress(&z.Address)},
		{name: "read-only", set: setBool(&z.ReadOnly)},
		{name: "invalidation-queue-size", set: func(v string) (err error) { z.InvalidationQueueSize, err = parseCount(v); return }},
		{name: "invalidation-age", set: func(v string) (err error) { z.InvalidationAge, err = parseSeconds(v); return }},
		{name: "transaction-timeout", set: func(v string) (err error) { z.TransactionTimeout, err = parseSeconds(v); return }},
		{name: "monitor-address", set: setAddress(&z.MonitorAddress)},
		{name: "client-conflict-resolution", set: setBool(&z.ClientConflictResolution)},
		{name: "msgpack", set: func(v string) error {
			b, err := parseBool(v)
			z.Msgpack = &b
			return err
		}},
		{name: "pid-filename", set: func(v string) error { z.PidFilename = v; return nil }},
		{name: "metrics-address", set: setAddress(&z.MetricsAddress)},
		{name: "max-connections", set: func(v string) error {
			n, err := parseCount(v)
			if err == nil && n < 1 {
				err = errors.New("must be at least 1")
			}
			z.MaxConnections = n
			return err
		}},
		{name: "max-frame-size", set: func(v string) error {
			if err := setSize(&z.MaxFrameSize, 64)(v); err != nil {
				return err
			}
			if z.MaxFrameSize > MaxFrameSizeLimit {
				return fmt.Errorf("must be below 4GB")
			}
			return nil
		}},
		{name: "output-buffer-limit", set: setSize(&z.OutputBufferLimit, 1)},
	})
	if err != nil {
		return err
	}
	var ssl *section
	for _, ch := range s.children {
		if ch.typ != "ssl" {
			return unknownSection(ch, s)
		}
		if err := once(&ssl, ch); err != nil {
			return err
		}
		z.SSL = new(SSL)
		if err := buildSSL(ch, z.SSL); err != nil {
			return err
		}
	}
	return nil
}

func buildSSL(s *section, t *SSL) error {
	return applyKeys(s, []keySpec{
		{name: "certificate", required: true, set: func(v string) error { t.Certificate = v; return nil }},
		{name: "key", set: func(v string) error { t.Key = v; return nil }},
		{name: "password-function", set: func(string) error {
			return errors.New("not supported: give an unencrypted key file")
		}},
		{name: "authenticate", required: true, set: func(v string) error { t.Authenticate = v; return nil }},
	})
}

func buildStorage(s *section, st *Storage) error {
	if len(s.children) > 0 {
		return unknownSection(s.children[0], s)
	}
	return applyKeys(s, []keySpec{
		{name: "path", required: true, set: func(v string) error { st.Path = v; return nil }},
		{name: "read-only", set: setBool(&st.ReadOnly)},
		{name: "create", set: setBool(&st.Create)},
		{name: "pack-gc", set: setBool(&st.PackGC)},
		{name: "pack-keep-old", set: setBool(&st.PackKeepOld)},
		{name: "quota", set: setSize(&st.Quota, 0)},
		{name: "compress", set: func(v string) error {
			c, err := compress.ParseCodec(v)
			if err != nil {
				return errors.New("not a codec (use zlib, zstd, s2 or off)")
			}
			st.Compress = c
			return nil
		}},
	})
}

func buildEventLog(s *section, e *EventLog) error {
	if err := applyKeys(s, []keySpec{
		{name: "level", set: func(v string) (err error) { e.Level, err = parseLevel(v); return }},
	}); err != nil {
		return err
	}
	for _, ch := range s.children {
		if ch.typ != "logfile" {
			return unknownSection(ch, s)
		}
		lf := Logfile{Format: DefaultLogFormat}
		if err := buildLogfile(ch, &lf); err != nil {
			return err
		}
		e.Logfiles = append(e.Logfiles, lf)
	}
	return nil
}

func buildLogfile(s *section, lf *Logfile) error {
	if len(s.children) > 0 {
		return unknownSection(s.children[0], s)
	}
	return applyKeys(s, []keySpec{
		{name: "path", required: true, set: func(v string) error { lf.Path = v; return nil }},
		{name: "format", set: func(v string) (err error) { lf.Format, err = parseFormat(v); return }},
		{name: "level", set: func(v string) (err error) { lf.Level, err = parseLevel(v); return }},
	})
}
