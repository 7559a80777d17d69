// The typed configuration, its defaults, the entry points and Validate.

package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gozeo/gozeo/proto/compress"
)

// Config is a gozeo server configuration.
type Config struct {
	ZEO      ZEO
	Storages []Storage
	EventLog EventLog
}

// ZEO is the <zeo> section: how the server listens and behaves.
type ZEO struct {
	Address               Address       // zero: not set (give -a)
	ReadOnly              bool          // every connection read-only; pack still allowed
	InvalidationQueueSize int           // transactions kept for quick verification
	InvalidationAge       time.Duration // 0: no storage-iteration fallback
	TransactionTimeout    time.Duration // 0: no timeout (ZEO's default)
	MonitorAddress        Address       // zero: no monitor server
	// ClientConflictResolution is accepted for compatibility; gozeo always
	// reports conflicts to the clients, which resolve them.
	ClientConflictResolution bool
	Msgpack                  *bool  // nil: unset; see UseMsgpack
	PidFilename              string // "": no pid file
	MetricsAddress           Address
	MaxConnections           int
	MaxFrameSize             int64
	OutputBufferLimit        int64
	SSL                      *SSL // nil: plain TCP
}

// UseMsgpack reports whether the server speaks msgpack ("M5"): the msgpack
// key when set, else whether $ZEO_MSGPACK is non-empty (as ZEO does).
func (z *ZEO) UseMsgpack() bool {
	if z.Msgpack != nil {
		return *z.Msgpack
	}
	return os.Getenv("ZEO_MSGPACK") != ""
}

// SSL is the <ssl> section of <zeo>.
type SSL struct {
	Certificate  string // the server's certificate file
	Key          string // its key file; "": in the certificate file
	Authenticate string // CA file or directory that client certificates must chain to
}

// Storage is one <filestorage NAME> section.
type Storage struct {
	Name        string // what clients register; "1" by default
	Path        string
	ReadOnly    bool
	Create      bool // start from an empty file, discarding an existing one
	PackGC      bool
	PackKeepOld bool
	Quota       int64 // bytes; 0: none
	Compress    compress.Codec
	Source      string // "file:line" of the section, for messages
}

// EventLog is the <eventlog> section.
type EventLog struct {
	Level    LogLevel
	Logfiles []Logfile // none: the command logs to standard error
}

// Logfile is one <logfile> of <eventlog>.
type Logfile struct {
	Path   string // a file, or STDOUT or STDERR
	Format string // Python logging format, escapes already turned into characters
	Level  LogLevel
}

// Defaults of the gozeo keys, matching package engine's.
const (
	DefaultInvalidationQueueSize = 100
	DefaultMaxConnections        = 10000
	DefaultMaxFrameSize          = 64 << 20
	DefaultOutputBufferLimit     = 64 << 20
	// MaxFrameSizeLimit is the largest max-frame-size (a 32-bit length).
	MaxFrameSizeLimit = 1<<32 - 1
)

// DefaultConfig is the configuration without a file: what `gozeo serve -a
// ADDRESS -f FILE` starts from before Apply.
func DefaultConfig() *Config {
	return &Config{
		ZEO: ZEO{
			InvalidationQueueSize: DefaultInvalidationQueueSize,
			MaxConnections:        DefaultMaxConnections,
			MaxFrameSize:          DefaultMaxFrameSize,
			OutputBufferLimit:     DefaultOutputBufferLimit,
		},
		EventLog: EventLog{Level: 20},
	}
}

// defaultStorage is a <filestorage> before its keys.
func defaultStorage(name string) Storage {
	return Storage{Name: name, PackGC: true, PackKeepOld: true}
}

// ParseFile reads a configuration file. %include paths are relative to its
// directory.
func ParseFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read: %v", unwrapPathError(err)), Err: err}
	}
	defer f.Close()
	return Parse(path, f)
}

// Parse reads a configuration from r; name is used in messages and as the
// base of relative %include paths.
func Parse(name string, r io.Reader) (*Config, error) {
	root := &section{file: name}
	if err := newParser().parseFile(name, r, root); err != nil {
		return nil, err
	}
	cfg := DefaultConfig()
	if err := buildRoot(root, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Validate checks what neither the file nor the command line alone can:
// that the server has an address and at least one storage, with distinct
// names.
func (c *Config) Validate() error {
	var errs []error
	if c.ZEO.Address.IsZero() {
		errs = append(errs, fmt.Errorf("%w: no address: give one in <zeo> or with -a", ErrInvalid))
	}
	if len(c.Storages) == 0 {
		errs = append(errs, fmt.Errorf("%w: no storage: give a <filestorage> section or -f", ErrInvalid))
	}
	seen := map[string]string{}
	for _, s := range c.Storages {
		if s.Path == "" {
			errs = append(errs, fmt.Errorf("%w: storage %q has no path", ErrInvalid, s.Name))
		}
		if first, ok := seen[s.Name]; ok {
			errs = append(errs, fmt.Errorf("%w: duplicate storage name %q (%s and %s)", ErrInvalid, s.Name, first, s.Source))
		}
		seen[s.Name] = s.Source
	}
	if c.ZEO.MaxFrameSize < 64 || c.ZEO.MaxFrameSize > MaxFrameSizeLimit {
		errs = append(errs, fmt.Errorf("%w: max-frame-size %d not in 64..%d", ErrInvalid, c.ZEO.MaxFrameSize, int64(MaxFrameSizeLimit)))
	}
	return errors.Join(errs...)
}
