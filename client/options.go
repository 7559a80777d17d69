// Options: the documented configuration struct whose zero value works,
// named after ZEO's ClientStorage arguments.

package client

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

// Defaults, after ZEO's ClientStorage (spec §5.1).
const (
	DefaultStorage           = "1"
	DefaultWaitTimeout       = 30 * time.Second
	DefaultMinDisconnectPoll = 5 * time.Second
	DefaultMaxDisconnectPoll = 300 * time.Second
	DefaultCacheSize         = cache.DefaultSize
	DefaultDialTimeout       = 10 * time.Second
	// DefaultOIDPrefetch is how many new oids one NewOIDs call asks for
	// (ZEO keeps a block of 100).
	DefaultOIDPrefetch = proto.MaxNewOIDs
)

// Options configure a Client. The zero value (or nil) means
// DefaultOptions.
type Options struct {
	// Storage is the name of the storage on the server. Default "1".
	Storage string
	// ReadOnly registers read-only: writes fail with *proto.ReadOnlyError.
	ReadOnly bool
	// ReadOnlyFallback accepts a server that refuses a writable
	// connection as a read-only one, and keeps polling the addresses for a
	// writable server, switching to it when one appears.
	ReadOnlyFallback bool
	// NoWait is ZEO's wait=False: Open returns at once and connects in the
	// background. By default Open waits (at most WaitTimeout) until the
	// client is connected and verified.
	NoWait bool
	// WaitTimeout bounds how long Open, and every call that needs the
	// server while the client is disconnected, waits for a connection
	// before failing with ErrDisconnected. Default 30 s.
	WaitTimeout time.Duration
	// MinDisconnectPoll and MaxDisconnectPoll bound the pause between two
	// rounds of connection attempts: it starts at the minimum, doubles
	// after each failed round up to the maximum, and is jittered (between
	// half and all of it). The first attempt after a loss is immediate.
	// Defaults 5 s and 300 s. With ReadOnlyFallback, a read-only client
	// probes for a writable server every MinDisconnectPoll.
	MinDisconnectPoll time.Duration
	MaxDisconnectPoll time.Duration
	// DialTimeout bounds one connection attempt to one address: dial, TLS,
	// handshake and register. Default 10 s.
	DialTimeout time.Duration
	// CacheSize is the client cache's size in bytes. Default 20 MB.
	CacheSize int64
	// CachePolicy chooses which records the cache keeps: cache.FIFO (nil,
	// the default) or cache.TinyLFU.
	CachePolicy cache.Policy
	// ClientName makes the cache persistent: the file is
	// VarDir/ClientName-Storage.zec, reopened (and verified against the
	// server) by the next client of that name. Without it the cache is a
	// temporary file, gone at Close.
	ClientName string
	// VarDir is the directory of the persistent cache file. Default: the
	// current directory.
	VarDir string
	// Name labels this client in its log lines (ZEO's client_label). The
	// native protocol has no set_client_label operation, so the server does
	// not see it.
	Name string
	// TLS, when set, wraps every connection in TLS with this
	// configuration. ServerName defaults to the address's host.
	TLS *tls.Config
	// CompressedRecords announces proto.FeatureCompressedRecords: when the
	// server accepts it, object data may arrive compressed (package
	// proto/compress) and is decompressed by the client before it is
	// cached or returned.
	CompressedRecords bool
	// CompressStores compresses the records the client stores with this
	// codec (proto/compress: Zlib, Zstd or S2; None, the default, sends
	// them as given). Records that would not shrink are sent as they are.
	// The server keeps what it receives, so this saves the network and the
	// server's CPU; stock ZEO clients still read plain pickles from it.
	CompressStores compress.Codec
	// MaxFrameSize is the largest reply frame accepted from the server.
	// Default proto.DefaultMaxFrameSize (64 MiB).
	MaxFrameSize uint32
	// Logger receives connection changes, verification results and
	// problems. Default: discard.
	Logger *slog.Logger
	// OnInvalidate is called, in strictly increasing tid order, for every
	// transaction the client learns of, after the cache has applied it and
	// before LastTransaction reports tid: server invalidations, the
	// client's own commits (from Finish), and the result of cache
	// verification at a reconnect (the oids changed while the client was
	// away, reported with the server's last tid). A nil oids means "the
	// cache was dropped": anything derived from data read before must be
	// discarded (ZODB's invalidateCache). oids is valid only during the
	// call. The callback runs on the connection's reader goroutine (or the
	// connecting goroutine during verification): it must not block and
	// must not call Client methods that need the server, or it deadlocks.
	OnInvalidate func(tid proto.Tid, oids []proto.Oid)
}

// DefaultOptions are the options used for a nil *Options.
var DefaultOptions = Options{
	Storage:           DefaultStorage,
	WaitTimeout:       DefaultWaitTimeout,
	MinDisconnectPoll: DefaultMinDisconnectPoll,
	MaxDisconnectPoll: DefaultMaxDisconnectPoll,
	DialTimeout:       DefaultDialTimeout,
	CacheSize:         DefaultCacheSize,
	MaxFrameSize:      proto.DefaultMaxFrameSize,
}

// withDefaults returns a copy with every zero field filled in.
func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	d := &DefaultOptions
	if r.Storage == "" {
		r.Storage = d.Storage
	}
	if r.WaitTimeout == 0 {
		r.WaitTimeout = d.WaitTimeout
	}
	if r.MinDisconnectPoll == 0 {
		r.MinDisconnectPoll = d.MinDisconnectPoll
	}
	if r.MaxDisconnectPoll == 0 {
		r.MaxDisconnectPoll = max(d.MaxDisconnectPoll, r.MinDisconnectPoll)
	}
	if r.DialTimeout == 0 {
		r.DialTimeout = d.DialTimeout
	}
	if r.CacheSize == 0 {
		r.CacheSize = d.CacheSize
	}
	if r.CachePolicy == nil {
		r.CachePolicy = cache.FIFO
	}
	if r.MaxFrameSize == 0 {
		r.MaxFrameSize = d.MaxFrameSize
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return r
}

// Validate reports whether the options are usable (after defaults).
func (o *Options) Validate() error {
	r := o.withDefaults()
	switch {
	case r.WaitTimeout < 0:
		return fmt.Errorf("%w: negative WaitTimeout %v", ErrBadOptions, r.WaitTimeout)
	case r.MinDisconnectPoll < 0 || r.MaxDisconnectPoll < r.MinDisconnectPoll:
		return fmt.Errorf("%w: disconnect poll bounds [%v, %v]", ErrBadOptions, r.MinDisconnectPoll, r.MaxDisconnectPoll)
	case r.DialTimeout < 0:
		return fmt.Errorf("%w: negative DialTimeout %v", ErrBadOptions, r.DialTimeout)
	case r.MaxFrameSize < proto.FrameHeaderSize:
		return fmt.Errorf("%w: MaxFrameSize %d below a frame header", ErrBadOptions, r.MaxFrameSize)
	case r.ReadOnly && r.ReadOnlyFallback:
		return fmt.Errorf("%w: ReadOnly and ReadOnlyFallback are exclusive", ErrBadOptions)
	}
	if r.CompressStores > compress.S2 {
		return fmt.Errorf("%w: unknown CompressStores codec %d", ErrBadOptions, r.CompressStores)
	}
	co := cache.Options{Size: r.CacheSize, Policy: r.CachePolicy}
	if err := co.Validate(); err != nil {
		return fmt.Errorf("%w: cache: %v", ErrBadOptions, err)
	}
	return nil
}

// cachePath is the persistent cache file, or "" for a transient cache.
func (o *Options) cachePath() string {
	if o.ClientName == "" {
		return ""
	}
	dir := o.VarDir
	if dir == "" {
		dir = "."
	}
	return filepath.Join(dir, o.ClientName+"-"+o.Storage+".zec")
}
