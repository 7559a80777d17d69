// Options: the documented configuration struct whose zero value works,
// its defaults and Validate.

package bench

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/gozeo/gozeo/bench/workload"
	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto/compress"
	"github.com/gozeo/gozeo/proto/zeo5"
)

// Protocols.
const (
	ProtoNative      = "native"
	ProtoZEO5Pickle  = "zeo5-pickle"
	ProtoZEO5Msgpack = "zeo5-msgpack"
)

// Workload names (see doc.go).
var (
	clientWorkloads   = []string{"add", "update", "cold", "warm", "hot", "conflicts", "tpc", "new_oid"}
	protocolWorkloads = []string{"load", "commit", "mixed"}
	zeo5Workloads     = []string{"load", "commit", "mixed", "tpc", "new_oid", "fanout"}
	scenarios         = []string{"fanout", "baseline"}
)

// Workloads lists every workload name.
func Workloads() []string {
	return slices.Concat(protocolWorkloads, clientWorkloads, scenarios)
}

// Object contents.
const (
	ContentRandom = "random"
	ContentText   = "text"
)

// Defaults.
const (
	DefaultDuration = 5 * time.Second
	DefaultKeys     = 10000
	DefaultSize     = 512
	DefaultHotKeys  = 10
	DefaultRatio    = 0.9
)

// Options configure a run. The zero value runs "load" against nothing
// (Addr or InProc must be given, except for "baseline").
type Options struct {
	Workload string // see Workloads; default "load"
	Addr     string // server address ("host:port" or a unix socket path)
	InProc   bool   // start a gozeo server in this process (on Data, or a temporary file)
	Data     string // the in-process server's Data.fs
	Storage  string // storage name; default "1"
	// Protocol is ProtoNative (default), ProtoZEO5Pickle or
	// ProtoZEO5Msgpack (load, commit, mixed, tpc, new_oid, fanout).
	Protocol string

	Clients int // concurrent workers (fanout: idle clients); default 1
	// Conns is the number of connections; default Clients. Protocol
	// workloads need Conns == Clients (one worker per connection); client
	// workloads spread the workers over Conns clients.
	Conns int
	Depth int // requests in flight per connection (load, baseline); default 1

	N        int64         // operations per worker; 0: no count bound
	Duration time.Duration // time bound; 0 with N > 0: none (default 5 s)

	Keys      int            // objects in the key space; default 10,000
	Zipf      float64        // zipf exponent (> 0, != 1); 0: uniform keys
	Size      workload.Sizes // object size; default 512 bytes
	Objects   int            // objects per commit; default 1
	ReadRatio float64        // mixed: share of loads; default 0.9
	HotKeys   int            // conflicts: size of the shared hot set; default 10

	// Compress is the in-process server's record compression: "zlib",
	// "zstd", "s2" or "" / "off" (none). AcceptCompressed makes the native
	// driver and the Go client announce proto.FeatureCompressedRecords, so
	// the server sends compressed records as stored (the client caches them
	// so and decompresses hits) instead of decompressing them for the
	// client. Content is the object data: "random" (default: incompressible
	// bytes) or "text" (words of a small vocabulary, about as compressible
	// as the text-heavy pickles of a content site).
	Compress         string
	AcceptCompressed bool
	Content          string

	CachePolicy string // client cache policy, "fifo" (default) or "tinylfu"
	CacheSize   int64  // client cache bytes; default the client's (20 MB)

	VsBaseline bool   // measure the baseline first and add ratio columns
	FsyncDir   string // directory of the fsync probe; default the Data.fs's, else "."
	Trace      string // client workloads: record the cache trace here
	ServerPID  int    // report this process's CPU per operation
	Seed       uint64 // random seed; default 1

	// Progress receives progress lines (a bar when it is a terminal);
	// nil: none. ProgressInterval is the line period; default 1 s.
	Progress         io.Writer
	ProgressInterval time.Duration
	// Logger receives setup steps and the in-process server's log.
	// Default: discard.
	Logger *slog.Logger
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Workload == "" {
		r.Workload = "load"
	}
	if r.Storage == "" {
		r.Storage = "1"
	}
	if r.Protocol == "" {
		r.Protocol = ProtoNative
	}
	if r.Clients == 0 {
		r.Clients = max(r.Conns, 1)
	}
	if r.Conns == 0 {
		r.Conns = r.Clients
	}
	if r.Depth == 0 {
		r.Depth = 1
	}
	if r.N == 0 && r.Duration == 0 {
		r.Duration = DefaultDuration
	}
	if r.Keys == 0 {
		r.Keys = DefaultKeys
	}
	if r.Size == (workload.Sizes{}) {
		r.Size = workload.Sizes{Min: DefaultSize, Max: DefaultSize}
	}
	if r.Objects == 0 {
		r.Objects = 1
	}
	if r.ReadRatio == 0 {
		r.ReadRatio = DefaultRatio
	}
	if r.HotKeys == 0 {
		r.HotKeys = DefaultHotKeys
	}
	if r.Seed == 0 {
		r.Seed = 1
	}
	if r.Content == "" {
		r.Content = ContentRandom
	}
	if r.ProgressInterval == 0 {
		r.ProgressInterval = time.Second
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return r
}

// Validate reports options that cannot run (after defaults).
func (o *Options) Validate() error {
	r := o.withDefaults()
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrBadOptions}, a...)...) }
	w := r.Workload
	if !slices.Contains(Workloads(), w) {
		return bad("unknown workload %q (want one of %v)", w, Workloads())
	}
	if w != "baseline" && (r.Addr == "") == !r.InProc {
		return bad("give a server address or InProc (not both)")
	}
	if r.Data != "" && !r.InProc {
		return bad("a Data.fs is only for the in-process server")
	}
	switch r.Protocol {
	case ProtoNative:
	case ProtoZEO5Pickle, ProtoZEO5Msgpack:
		if !slices.Contains(zeo5Workloads, w) && w != "baseline" {
			return bad("workload %s goes through the Go client, which speaks the native protocol only (ZEO 5 protocols: %v)", w, zeo5Workloads)
		}
	default:
		return bad("unknown protocol %q (want %s, %s or %s)", r.Protocol, ProtoNative, ProtoZEO5Pickle, ProtoZEO5Msgpack)
	}
	switch {
	case r.Clients < 1 || r.Conns < 1:
		return bad("clients %d, conns %d: want at least 1", r.Clients, r.Conns)
	case r.Workload == "fanout" && r.Clients > 100000:
		return bad("fanout with %d idle clients", r.Clients)
	case r.isProtocolLevel() && r.Conns != r.Clients:
		return bad("%s drives one connection per worker: clients (%d) must equal conns (%d)", w, r.Clients, r.Conns)
	case r.Conns > r.Clients && w != "baseline":
		return bad("more connections (%d) than clients (%d)", r.Conns, r.Clients)
	case r.Depth < 1 || r.Depth > 1<<16:
		return bad("depth %d outside [1, 65536]", r.Depth)
	case r.Depth > 1 && w != "load" && w != "baseline":
		return bad("depth %d: only load and baseline pipeline requests", r.Depth)
	case r.N < 0 || r.Duration < 0:
		return bad("negative count or duration")
	case r.Keys < 1:
		return bad("keys %d: want at least 1", r.Keys)
	case r.Objects < 1 || r.Objects > 100000:
		return bad("objects %d outside [1, 100000]", r.Objects)
	case r.ReadRatio < 0 || r.ReadRatio > 1:
		return bad("read ratio %v outside [0, 1]", r.ReadRatio)
	case r.HotKeys < 1 || r.HotKeys > r.Keys:
		return bad("hot keys %d outside [1, keys]", r.HotKeys)
	case r.Objects > r.HotKeys && w == "conflicts":
		return bad("conflicts: %d objects per commit from a hot set of %d", r.Objects, r.HotKeys)
	case r.Trace != "" && !slices.Contains(clientWorkloads, w):
		return bad("--trace records a client cache: workload %s has none (client workloads: %v)", w, clientWorkloads)
	case r.Compress != "" && !r.InProc:
		return bad("--compress sets the in-process server's compression (a remote server's is in its zeo.conf)")
	case r.Content != ContentRandom && r.Content != ContentText:
		return bad("unknown content %q (want %s or %s)", r.Content, ContentRandom, ContentText)
	case r.AcceptCompressed && r.Protocol != ProtoNative:
		return bad("--accept-compressed is a native protocol feature (protocol %s)", r.Protocol)
	case r.ServerPID < 0:
		return bad("server pid %d", r.ServerPID)
	}
	if _, err := r.codec(); err != nil {
		return bad("%v", err)
	}
	if err := r.Size.Validate(); err != nil {
		return bad("%v", err)
	}
	if _, err := workload.NewKeys(r.Keys, r.Zipf); err != nil {
		return bad("%v", err)
	}
	if _, err := cache.ParsePolicy(r.CachePolicy); err != nil {
		return bad("%v", err)
	}
	if r.CacheSize != 0 && (r.CacheSize < cache.MinSize || r.CacheSize > cache.MaxSize) {
		return bad("cache size %d outside [%d, %d]", r.CacheSize, cache.MinSize, int64(cache.MaxSize))
	}
	return nil
}

// isProtocolLevel reports whether the workload drives raw protocol
// connections (one per worker) rather than the Go client.
func (o *Options) isProtocolLevel() bool {
	if slices.Contains(protocolWorkloads, o.Workload) {
		return true
	}
	return o.Protocol != ProtoNative && (o.Workload == "tpc" || o.Workload == "new_oid")
}

// zeo5Encoding returns the ZEO 5 encoding of the protocol.
func (o *Options) zeo5Encoding() zeo5.Encoding {
	if o.Protocol == ProtoZEO5Msgpack {
		return zeo5.Msgpack
	}
	return zeo5.Pickle
}

// codec is the in-process server's record compression ("" is off).
func (o *Options) codec() (compress.Codec, error) {
	return compress.ParseCodec(cmp.Or(o.Compress, "off"))
}
