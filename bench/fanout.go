// The invalidation fan-out scenario: M idle clients, one writer, the time
// from the writer's tpc_finish reply to the last idle client's receipt.

package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gozeo/gozeo/bench/report"
	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/proto"
)

// fanoutClientMax is the largest fan-out driven with Go clients (their
// OnInvalidate); above it idle clients are raw protocol connections.
const fanoutClientMax = 64

// fanoutWait bounds the wait for one transaction's invalidations.
const fanoutWait = 10 * time.Second

// arrivals tallies invalidation receipts per tid.
type arrivals struct {
	mu   sync.Mutex
	want int
	m    map[proto.Tid]*arrival
}

type arrival struct {
	n    int
	last time.Time
	done chan struct{}
}

func (a *arrivals) get(tid proto.Tid) *arrival {
	x := a.m[tid]
	if x == nil {
		x = &arrival{done: make(chan struct{})}
		a.m[tid] = x
	}
	return x
}

// receive is the idle clients' callback.
func (a *arrivals) receive(tid proto.Tid, _ []proto.Oid) {
	now := time.Now()
	a.mu.Lock()
	x := a.get(tid)
	x.n++
	x.last = now
	if x.n == a.want {
		close(x.done)
	}
	a.mu.Unlock()
}

// ensureFileLimit raises the soft open-file limit to need when it is
// lower, up to the hard limit, and says what it did.
func ensureFileLimit(need uint64) (note string, err error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return "", nil // cannot tell; let the dials speak
	}
	if rl.Cur >= need {
		return "", nil
	}
	old := rl.Cur
	rl.Cur = min(need, rl.Max)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur < need {
		return "", fmt.Errorf("%w: fanout needs %d open files, the limit is %d (hard %d): raise it with ulimit -n",
			ErrBadOptions, need, old, rl.Max)
	}
	return fmt.Sprintf("raised the open-file limit from %d to %d", old, rl.Cur), nil
}

func (rn *runner) runFanout(ctx context.Context) (report.Result, error) {
	o := &rn.o
	m := o.Clients
	// Client and server ends of every connection may live in this process.
	note, err := ensureFileLimit(uint64(2*m + 256))
	if err != nil {
		return report.Result{}, err
	}
	arr := &arrivals{want: m, m: map[proto.Tid]*arrival{}}
	how := "raw " + o.Protocol + " connections"
	if o.Protocol == ProtoNative && m <= fanoutClientMax {
		how = "Go clients (OnInvalidate)"
		var cs []*client.Client
		defer func() { closeClients(cs) }()
		for range m {
			c, err := client.Open(ctx, []string{rn.addr}, &client.Options{Storage: o.Storage,
				CacheSize: 1 << 20, OnInvalidate: arr.receive, Logger: o.Logger})
			if err != nil {
				return report.Result{}, err
			}
			cs = append(cs, c)
		}
	} else {
		rn.stepf("opening %d idle connections", m)
		idle, err := rn.dialAll(ctx, m)
		if err != nil {
			return report.Result{}, err
		}
		var wg sync.WaitGroup
		defer func() { closeAll(idle); wg.Wait() }()
		for _, c := range idle {
			c.onInvalidate(arr.receive)
			wg.Add(1)
			go func() { defer wg.Done(); c.ReadPushes() }()
		}
	}
	w, err := rn.dial(ctx)
	if err != nil {
		return report.Result{}, err
	}
	defer w.Close()
	oids, err := w.NewOIDs(1)
	if err != nil {
		return report.Result{}, err
	}
	obj := []object{{oid: oids[0]}}
	fromSend := report.NewHistogram()
	var early int64
	res, err := rn.timed(ctx, "fanout", 1, func(ctx context.Context, id int, rec *recorder) error {
		r := rn.keys.Chooser(o.Seed).Rand()
		for rec.issue() {
			obj[0].data = rn.data(r, o.Size.Next(r))
			t0 := time.Now()
			tid, err := w.commit(obj)
			if err != nil {
				return &WorkerError{Workload: "fanout", Op: "commit", Err: err}
			}
			replied := time.Now()
			obj[0].serial = tid
			arr.mu.Lock()
			x := arr.get(tid)
			arr.mu.Unlock()
			select {
			case <-x.done:
			case <-time.After(fanoutWait):
				arr.mu.Lock()
				n := x.n
				arr.mu.Unlock()
				return fmt.Errorf("%w: transaction %s reached %d of %d idle clients in %v", ErrStalled, tid, n, m, fanoutWait)
			case <-ctx.Done():
				return nil
			}
			arr.mu.Lock()
			last := x.last
			delete(arr.m, tid)
			arr.mu.Unlock()
			d := last.Sub(replied)
			if d <= 0 {
				early++
				d = 0
			}
			rec.ok(d)
			fromSend.Record(last.Sub(t0))
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	fs := fromSend.Summary()
	res.AddMetric("from-send-p50-µs", micros(fs.P50), "")
	res.AddMetric("from-send-p99-µs", micros(fs.P99), "")
	if res.Ops > 0 {
		res.AddMetric("before-reply%", round2(100*float64(early)/float64(res.Ops)), "")
	}
	res.Notes = append(res.Notes, fmt.Sprintf("%d idle %s; latency from the writer's tpc_finish reply to the last receipt (0 when all arrived first); from-send counts from sending tpc_finish", m, how))
	if note != "" {
		res.Notes = append(res.Notes, note)
	}
	return res, nil
}
