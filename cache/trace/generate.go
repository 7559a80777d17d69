// Synthetic workloads: zipf popularity, a shifting hot set, periodic scans
// and other clients' commits, and the trace an unbounded cache records.

package trace

import (
	"bufio"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
)

// GenConfig describes a synthetic workload. Zero fields take the defaults
// shown; the same config always yields the same workload.
type GenConfig struct {
	Seed    uint64
	Objects int     // objects that popularity ranks cover (default 10,000)
	Loads   int     // loads to generate, scans included (default 100,000)
	ZipfS   float64 // zipf exponent, > 1 (default 1.1)
	// ScanEvery starts a scan after every ScanEvery popularity loads
	// (0 = no scans); a scan loads ScanLength objects never seen before or
	// after, once each (default length 1,000).
	ScanEvery, ScanLength int
	// ShiftEvery moves the hot set after every ShiftEvery loads by
	// ShiftBy ranks (0 = never; default shift Objects/10).
	ShiftEvery, ShiftBy int
	// CommitEvery makes another client commit a new revision of a popular
	// object after every CommitEvery loads (0 = never).
	CommitEvery int
	// Object sizes are log-uniform in [MinSize, MaxSize] bytes, fixed per
	// object (defaults 100 and 4,000).
	MinSize, MaxSize int
	// Start is the first event's time (default 2024-01-01T00:00:00Z), and
	// the clock advances one second per PerSecond events (default 100).
	Start     time.Time
	PerSecond int
}

func (c GenConfig) withDefaults() GenConfig {
	if c.Objects <= 0 {
		c.Objects = 10000
	}
	if c.Loads <= 0 {
		c.Loads = 100000
	}
	if !(c.ZipfS > 1) {
		c.ZipfS = 1.1
	}
	if c.ScanLength <= 0 {
		c.ScanLength = 1000
	}
	if c.ShiftBy <= 0 {
		c.ShiftBy = max(1, c.Objects/10)
	}
	if c.MinSize <= 0 {
		c.MinSize = 100
	}
	if c.MaxSize < c.MinSize {
		c.MaxSize = max(c.MinSize, 4000)
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.PerSecond <= 0 {
		c.PerSecond = 100
	}
	return c
}

// OpKind is a workload operation.
type OpKind uint8

const (
	OpLoad   OpKind = iota + 1 // the client loads Oid
	OpCommit                   // another client commits a new revision of Oid
)

// Op is one workload operation.
type Op struct {
	Kind OpKind
	Oid  proto.Oid
	Size int // the object's data length
}

// scanBase is where scan oids start, far from the popular ones.
const scanBase = 1 << 40

// Generator yields a workload's operations.
type Generator struct {
	cfg     GenConfig
	r       *rand.Rand
	zipf    *rand.Zipf
	loads   int // loads yielded
	popular int // popularity loads yielded (scans excluded)
	scanned int // position in the current scan, -1 if none
	scans   int
	shift   int
	pending Op // a commit owed after a load
	owed    bool
}

// NewGenerator returns a generator for cfg.
func NewGenerator(cfg GenConfig) *Generator {
	cfg = cfg.withDefaults()
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed))
	return &Generator{cfg: cfg, r: r,
		zipf:    rand.NewZipf(r, cfg.ZipfS, 1, uint64(cfg.Objects-1)),
		scanned: -1}
}

// Config returns the configuration with defaults filled in.
func (g *Generator) Config() GenConfig { return g.cfg }

// Size returns oid's data length (deterministic per seed and oid).
func (g *Generator) Size(oid proto.Oid) int {
	u := float64(ourMix(uint64(oid)^g.cfg.Seed*0x9e3779b97f4a7c15)>>11) / (1 << 53)
	lo, hi := math.Log(float64(g.cfg.MinSize)), math.Log(float64(g.cfg.MaxSize))
	return int(math.Exp(lo + u*(hi-lo)))
}

func ourMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (g *Generator) popularOid() proto.Oid {
	rank := int(g.zipf.Uint64())
	return proto.Oid((rank+g.shift)%g.cfg.Objects) + 1
}

// Next returns the next operation; false once Loads loads were yielded.
func (g *Generator) Next() (Op, bool) {
	if g.owed {
		g.owed = false
		return g.pending, true
	}
	if g.loads >= g.cfg.Loads {
		return Op{}, false
	}
	g.loads++
	if g.scanned >= 0 {
		oid := proto.Oid(scanBase + g.scans*g.cfg.ScanLength + g.scanned)
		g.scanned++
		if g.scanned == g.cfg.ScanLength {
			g.scanned = -1
			g.scans++
		}
		return Op{Kind: OpLoad, Oid: oid, Size: g.Size(oid)}, true
	}
	g.popular++
	oid := g.popularOid()
	if c := g.cfg.ScanEvery; c > 0 && g.popular%c == 0 {
		g.scanned = 0
	}
	if c := g.cfg.ShiftEvery; c > 0 && g.popular%c == 0 {
		g.shift = (g.shift + g.cfg.ShiftBy) % g.cfg.Objects
	}
	if c := g.cfg.CommitEvery; c > 0 && g.popular%c == 0 {
		victim := g.popularOid()
		g.pending, g.owed = Op{Kind: OpCommit, Oid: victim, Size: g.Size(victim)}, true
	}
	return Op{Kind: OpLoad, Oid: oid, Size: g.Size(oid)}, true
}

// GenerateEvents returns the trace that a client with an unbounded cache
// would record for cfg's workload: a first load misses (0x20) and is
// followed by the store of the fetched revision (0x52); later loads hit
// (0x22, with the revision's tid and size); another client's commit is an
// invalidation (0x1C if the object is cached, else 0x10) after which the
// next load misses again. The trace starts with a restart record (0x00).
func GenerateEvents(cfg GenConfig) []Event {
	g := NewGenerator(cfg)
	cfg = g.Config()
	base := proto.TidFromTime(cfg.Start)
	next := base
	rev := map[proto.Oid]proto.Tid{} // current revision of each object seen
	cached := map[proto.Oid]bool{}
	evs := []Event{{Time: cfg.Start.Unix(), Code: cache.TraceRestart}}
	n := 0
	now := func() int64 { n++; return cfg.Start.Unix() + int64(n/cfg.PerSecond) }
	for {
		op, ok := g.Next()
		if !ok {
			return evs
		}
		start, seen := rev[op.Oid]
		if !seen {
			start = base
			rev[op.Oid] = base
		}
		switch op.Kind {
		case OpLoad:
			t := now()
			if cached[op.Oid] {
				evs = append(evs, Event{Time: t, Code: cache.TraceLoadHit, Oid: op.Oid, Start: start, DLen: uint32(op.Size)})
				continue
			}
			evs = append(evs,
				Event{Time: t, Code: cache.TraceLoadMiss, Oid: op.Oid},
				Event{Time: t, Code: cache.TraceStore, Oid: op.Oid, Start: start, DLen: uint32(op.Size)})
			cached[op.Oid] = true
		case OpCommit:
			next++
			t := now()
			code := byte(cache.TraceInvalidateMiss)
			if cached[op.Oid] {
				code = cache.TraceInvalidateKeep
			}
			evs = append(evs, Event{Time: t, Code: code, Oid: op.Oid, Start: next})
			rev[op.Oid] = next
			cached[op.Oid] = false
		}
	}
}

// WriteTrace writes GenerateEvents(cfg) to w in ZEO's trace format and
// returns the number of records.
func WriteTrace(w io.Writer, cfg GenConfig) (int, error) {
	evs := GenerateEvents(cfg)
	bw := bufio.NewWriter(w)
	buf := make([]byte, 0, 64)
	for i := range evs {
		buf = Append(buf[:0], &evs[i])
		if _, err := bw.Write(buf); err != nil {
			return i, err
		}
	}
	return len(evs), bw.Flush()
}
