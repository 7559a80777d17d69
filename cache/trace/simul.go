// The simulator: replaying a trace against the real cache code at several
// sizes and policies.

package trace

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
)

// SimResult is the outcome of one simulated cache.
type SimResult struct {
	Policy        string
	Size          int64
	Loads         int64 // load events (current and non-current)
	Hits          int64 // loads the simulated cache served
	Writes        int64 // store events replayed
	Fetches       int64 // stores simulated after a miss the traced cache did not have
	Invalidations int64 // invalidation events replayed
	Evictions     int64
	Rejected      int64 // stores the policy refused
	Errors        int64 // events that could not be replayed (bad ranges, unknown codes)
}

// HitRatio returns Hits / Loads in percent.
func (r *SimResult) HitRatio() float64 { return ratio(r.Hits, r.Loads) }

// Simulator replays events against one cache: a cache.OpenMemory cache,
// so the record layout, the ring and the policy are the production code.
//
// Replay rules. A load is a hit if the simulated cache serves it. After a
// miss the client fetches the object and stores it: for a traced miss the
// trace's own store record follows; for a traced hit (0x22, and our 0x26,
// which carry the revision's tids and data length) the simulator stores it
// itself (Fetches). ZEO's 0x26 records lack the end tid, so such misses
// are not refetched. Stores and invalidations are replayed as recorded.
type Simulator struct {
	c     *cache.Cache
	res   SimResult
	dst   []byte
	zeros []byte
}

// NewSimulator returns a simulator of a cache of size bytes under p.
func NewSimulator(p cache.Policy, size int64) (*Simulator, error) {
	c, err := cache.OpenMemory(&cache.Options{Size: size, Policy: p, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	return &Simulator{c: c, res: SimResult{Policy: p.Name(), Size: size}}, nil
}

func (s *Simulator) data(n uint32) []byte {
	if int(n) > len(s.zeros) {
		s.zeros = make([]byte, max(int(n), 2*len(s.zeros)))
	}
	return s.zeros[:n]
}

func (s *Simulator) store(oid proto.Oid, start, end proto.Tid, dlen uint32) {
	err := s.c.Store(oid, start, end, s.data(dlen))
	if errors.Is(err, cache.ErrCurrentConflict) {
		// The simulated cache kept a current revision the traced one had
		// dropped (a verification drop it never saw): the new one wins.
		s.c.Invalidate(oid, proto.ZeroTid)
		err = s.c.Store(oid, start, end, s.data(dlen))
	}
	if err != nil {
		s.res.Errors++
	}
}

// Apply replays one event.
func (s *Simulator) Apply(ev *Event) {
	if ev.Version {
		return // versions are long gone from ZODB; ZEO's simulator skips them too
	}
	var ok bool
	switch ev.Code {
	case cache.TraceRestart:
	case cache.TraceLoadMiss, cache.TraceLoadHit:
		s.res.Loads++
		s.dst, _, ok = s.c.Load(ev.Oid, s.dst)
		if ok {
			s.res.Hits++
		} else if ev.Code == cache.TraceLoadHit && ev.Start != 0 {
			s.res.Fetches++
			s.store(ev.Oid, ev.Start, 0, ev.DLen)
		}
	case cache.TraceLoadBeforeMiss:
		s.res.Loads++
		if s.dst, _, _, ok = s.c.LoadBefore(ev.Oid, ev.End, s.dst); ok {
			s.res.Hits++
		}
	case cache.TraceLoadBeforeHit:
		s.res.Loads++
		if ev.Start == 0 {
			// ZEO's layout: the revision's start in the end field.
			if s.dst, _, _, ok = s.c.LoadBefore(ev.Oid, ev.End+1, s.dst); ok {
				s.res.Hits++
			}
			return
		}
		if s.dst, _, _, ok = s.c.LoadBefore(ev.Oid, ev.End, s.dst); ok {
			s.res.Hits++
		} else if ev.End > ev.Start {
			s.res.Fetches++
			s.store(ev.Oid, ev.Start, ev.End, ev.DLen)
		}
	case cache.TraceStore:
		s.res.Writes++
		s.store(ev.Oid, ev.Start, 0, ev.DLen)
	case cache.TraceStoreNonCurrent:
		s.res.Writes++
		if ev.End <= ev.Start {
			s.res.Errors++
			return
		}
		s.store(ev.Oid, ev.Start, ev.End, ev.DLen)
	case cache.TraceInvalidateMiss, cache.TraceInvalidateKeep, cache.TraceInvalidateDrop:
		s.res.Invalidations++
		s.c.Invalidate(ev.Oid, ev.Start)
	default:
		s.res.Errors++
	}
}

// Result returns the counts so far.
func (s *Simulator) Result() SimResult {
	r := s.res
	st := s.c.Stats()
	r.Evictions, r.Rejected = st.Evictions, st.Rejected
	return r
}

// Close releases the simulated cache.
func (s *Simulator) Close() error { return s.c.Close() }

// SimConfig configures Simulate.
type SimConfig struct {
	Sizes    []int64        // cache sizes in bytes; required
	Policies []cache.Policy // default: cache.Policies()
	// Reference adds, per size, the object-count W-TinyLFU model built on
	// github.com/dgryski/go-tinylfu (policy name "w-tinylfu-ref").
	Reference bool
	// Workers bounds the simulations run at once (each holds one cache
	// buffer). Default GOMAXPROCS.
	Workers int
	// Progress, if set, is called now and then with the events replayed so
	// far and the total (events x runs), one call at a time.
	Progress func(done, total int64)
}

// progressStep is how many events a run replays between progress reports.
const progressStep = 1 << 16

// Simulate replays events once per (size, policy) and returns the results
// ordered by policy, then size.
func Simulate(events []Event, cfg SimConfig) ([]SimResult, error) {
	if len(cfg.Sizes) == 0 {
		return nil, errors.New("trace: simulate: no cache sizes")
	}
	pols := cfg.Policies
	if len(pols) == 0 {
		pols = cache.Policies()
	}
	type job struct {
		pol  cache.Policy // nil: the reference model
		size int64
	}
	var jobs []job
	for _, p := range pols {
		for _, sz := range cfg.Sizes {
			jobs = append(jobs, job{p, sz})
		}
	}
	if cfg.Reference {
		for _, sz := range cfg.Sizes {
			jobs = append(jobs, job{nil, sz})
		}
	}
	results := make([]SimResult, len(jobs))
	errs := make([]error, len(jobs))
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	total := int64(len(events)) * int64(len(jobs))
	var mu sync.Mutex
	var done int64
	report := func(n int64) {
		if cfg.Progress == nil {
			return
		}
		mu.Lock()
		done += n
		cfg.Progress(done, total)
		mu.Unlock()
	}
	meanRec := meanRecordSize(events)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = runJob(events, jobs[i].pol, jobs[i].size, meanRec, report)
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return results, nil
}

type replayer interface {
	Apply(*Event)
	Result() SimResult
	Close() error
}

func runJob(events []Event, p cache.Policy, size, meanRec int64, report func(int64)) (SimResult, error) {
	var r replayer
	if p == nil {
		r = newRefModel(size, meanRec)
	} else {
		s, err := NewSimulator(p, size)
		if err != nil {
			return SimResult{}, fmt.Errorf("trace: simulate %s at %d bytes: %w", p.Name(), size, err)
		}
		r = s
	}
	defer r.Close()
	for i := range events {
		r.Apply(&events[i])
		if (i+1)%progressStep == 0 {
			report(progressStep)
		}
	}
	report(int64(len(events) % progressStep))
	return r.Result(), nil
}
