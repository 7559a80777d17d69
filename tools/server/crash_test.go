// Crash safety of the server: "gozeo serve" is killed with SIGKILL at
// random moments while Go clients commit, and restarted on the same
// Data.fs and address. Nothing acknowledged may be lost, nothing
// unacknowledged may be half there, tids keep increasing across restarts,
// no oid is handed out twice, and the file verifies.

package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
)

var long = flag.Bool("long", false, "run the long modes (100 SIGKILL cycles of the server and of a caching client)")

const (
	crashWriters = 4 // concurrent committing clients per cycle
	crashOwn     = 3 // objects each writer rewrites in every transaction
)

// crashTxn is one transaction a writer attempted: it rewrites the
// writer's own objects and creates one fresh object, all with data that
// names the transaction.
type crashTxn struct {
	cycle, writer, seq int
	oids               []proto.Oid // crashOwn own objects, then the fresh one
	data               [][]byte
	prev               [][]byte // the own objects' data before (nil: created here)
	tid                proto.Tid
}

// crashBook is what the writers were told: every acknowledged commit,
// the attempts never acknowledged, and every oid handed out.
type crashBook struct {
	mu        sync.Mutex
	acked     []crashTxn
	pending   []crashTxn // attempts of the current cycle with no answer
	late      []crashTxn // committed although never acknowledged
	rolled    int        // unacknowledged and absent
	oids      map[proto.Oid]int
	maxTid    proto.Tid // the highest tid known committed before this cycle
	cycleMax  proto.Tid
	failures  []string
	killed    atomic.Bool
	clientLog *logBuf // the writers' clients' logs, for failures
}

func (b *crashBook) fail(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures = append(b.failures, fmt.Sprintf(format, args...))
}

// noteOids records a block of new oids; a duplicate is a failure.
func (b *crashBook) noteOids(cycle int, oids []proto.Oid) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, oid := range oids {
		if c, dup := b.oids[oid]; dup {
			b.failures = append(b.failures, fmt.Sprintf("oid %s handed out in cycle %d and again in cycle %d", oid, c, cycle))
		}
		b.oids[oid] = cycle
	}
}

func crashData(tx *crashTxn, i int) []byte {
	d := fmt.Appendf(nil, "cycle %d writer %d txn %d object %d;", tx.cycle, tx.writer, tx.seq, i)
	for len(d) < 120+37*i {
		d = append(d, byte('a'+len(d)%26))
	}
	return d
}

func TestCrashKillServer(t *testing.T) {
	cycles := 10
	if *long {
		cycles = 100
	}
	bin := gozeoBinary(t, t.TempDir())
	dir := t.TempDir()
	data := filepath.Join(dir, "Data.fs")
	book := &crashBook{oids: map[proto.Oid]int{}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	addr := "127.0.0.1:0"
	for cycle := 0; cycle <= cycles; cycle++ {
		ch := startChild(t, bin, "-a", addr, "-f", data)
		addr = ch.ready(t)
		checkAfterRestart(t, book, addr, data)
		if cycle == cycles {
			ch.cmd.Process.Signal(syscall.SIGTERM)
			if code := ch.wait(t, 15*time.Second); code != 0 {
				t.Fatalf("exit %d after SIGTERM\n%s", code, ch.stderr)
			}
			break
		}
		writers := startCrashWriters(t, book, addr, cycle)
		time.Sleep(time.Duration(30+rng.IntN(400)) * time.Millisecond)
		book.killed.Store(true)
		ch.cmd.Process.Kill()
		ch.wait(t, 10*time.Second)
		writers()
		book.killed.Store(false)
		if len(book.failures) > 0 {
			t.Fatalf("cycle %d:\n%v\nserver log:\n%s\nclients' log:\n%s", cycle, book.failures, ch.stderr, book.clientLog)
		}
	}
	checkFinalFile(t, book, data)
	t.Logf("%d SIGKILL cycles: %d transactions acknowledged and kept, %d committed unacknowledged (whole), %d unacknowledged and absent (whole), %d oids handed out, none twice",
		cycles, len(book.acked), len(book.late), book.rolled, len(book.oids))
}

// startCrashWriters starts the cycle's writers, each with its own Go
// client; the returned function closes the clients and waits for them.
func startCrashWriters(t *testing.T, book *crashBook, addr string, cycle int) func() {
	var wg sync.WaitGroup
	book.clientLog = &logBuf{}
	clients := make([]*client.Client, crashWriters)
	for w := range crashWriters {
		c, err := client.Open(context.Background(), []string{addr}, &client.Options{
			WaitTimeout: time.Second, DialTimeout: time.Second, Logger: book.clientLog.logger(), Name: fmt.Sprint("writer-", w),
			MinDisconnectPoll: 20 * time.Millisecond, MaxDisconnectPoll: 100 * time.Millisecond})
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
		clients[w] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			crashWriter(book, c, cycle, w)
		}()
	}
	return func() {
		for _, c := range clients {
			c.Close()
		}
		wg.Wait()
	}
}

// crashWriter commits until its first error, which must come after the
// kill.
func crashWriter(book *crashBook, c *client.Client, cycle, w int) {
	var pool []proto.Oid
	take := func() (proto.Oid, error) {
		if len(pool) == 0 {
			// A whole block of the server's (the client's prefetch size),
			// so that every oid the server hands out is seen.
			oids, err := c.NewOIDs(client.DefaultOIDPrefetch)
			if err != nil {
				return 0, err
			}
			book.noteOids(cycle, oids)
			pool = oids
		}
		oid := pool[0]
		pool = pool[1:]
		return oid, nil
	}
	report := func(step string, err error) {
		if !book.killed.Load() {
			book.fail("writer %d, cycle %d: %s failed before the kill: %v", w, cycle, step, err)
		}
	}
	own := make([]proto.Oid, crashOwn)
	for i := range own {
		oid, err := take()
		if err != nil {
			report("new oids", err)
			return
		}
		own[i] = oid
	}
	serials := make([]proto.Tid, crashOwn)
	var prev [][]byte
	var last proto.Tid
	for seq := 0; ; seq++ {
		fresh, err := take()
		if err != nil {
			report("new oids", err)
			return
		}
		tx := crashTxn{cycle: cycle, writer: w, seq: seq, oids: append(append([]proto.Oid(nil), own...), fresh), prev: prev}
		for i := range tx.oids {
			tx.data = append(tx.data, crashData(&tx, i))
		}
		book.mu.Lock()
		book.pending = append(book.pending, tx)
		book.mu.Unlock()
		txn, err := c.TpcBegin(proto.TxnMeta{User: []byte("crash"), Description: tx.data[0][:20]})
		if err != nil {
			report("tpc_begin", err)
			return
		}
		for i, oid := range tx.oids {
			var serial proto.Tid
			if i < crashOwn {
				serial = serials[i]
			}
			if err := txn.Store(oid, serial, tx.data[i]); err != nil {
				report("store", err)
				txn.Abort()
				return
			}
		}
		if conflicts, err := txn.Vote(); err != nil || len(conflicts) > 0 {
			report("vote", fmt.Errorf("%v, conflicts %v", err, conflicts))
			txn.Abort()
			return
		}
		tid, err := txn.Finish()
		if err != nil {
			report("tpc_finish", err)
			return
		}
		tx.tid = tid
		book.mu.Lock()
		if tid <= book.maxTid || tid <= last {
			book.failures = append(book.failures, fmt.Sprintf("writer %d: tid %s not above %s (before the restart) and %s (its previous)", w, tid, book.maxTid, last))
		}
		book.acked = append(book.acked, tx)
		book.pending = deletePending(book.pending, w, seq)
		book.cycleMax = max(book.cycleMax, tid)
		book.mu.Unlock()
		last = tid
		for i := range serials {
			serials[i] = tid
		}
		prev = tx.data[:crashOwn]
	}
}

func deletePending(p []crashTxn, writer, seq int) []crashTxn {
	for i := range p {
		if p[i].writer == writer && p[i].seq == seq {
			return append(p[:i], p[i+1:]...)
		}
	}
	return p
}

// checkAfterRestart checks, through a fresh client, the cycle before the
// kill: its acknowledged commits are all there with their data, each
// unacknowledged attempt is there entirely or not at all, the server's
// last tid covers them, and the file verifies.
func checkAfterRestart(t *testing.T, book *crashBook, addr, data string) {
	c, err := client.Open(context.Background(), []string{addr}, &client.Options{WaitTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("checker: %v", err)
	}
	defer c.Close()
	book.mu.Lock()
	defer book.mu.Unlock()
	if last := c.LastTransaction(); last < book.cycleMax {
		t.Fatalf("after the restart the last tid is %s, below acknowledged %s", last, book.cycleMax)
	}
	cycle := -1
	if len(book.acked) > 0 {
		cycle = book.acked[len(book.acked)-1].cycle
	}
	for i := len(book.acked) - 1; i >= 0 && book.acked[i].cycle == cycle; i-- {
		tx := &book.acked[i]
		for k, oid := range tx.oids {
			got, err := c.LoadSerial(oid, tx.tid, nil)
			if err != nil || string(got) != string(tx.data[k]) {
				t.Fatalf("acknowledged commit %s (writer %d txn %d) lost oid %s after SIGKILL: %q %v",
					tx.tid, tx.writer, tx.seq, oid, got, err)
			}
		}
	}
	for _, tx := range book.pending {
		present := 0
		for k, oid := range tx.oids {
			got, start, _, err := c.LoadBefore(oid, proto.MaxTid, nil)
			var pk *proto.POSKeyError
			switch {
			case err == nil && string(got) == string(tx.data[k]):
				present++
				tx.tid = start
			case k < crashOwn && tx.prev != nil && err == nil && string(got) == string(tx.prev[k]):
			case (k == crashOwn || tx.prev == nil) && errors.As(err, &pk):
			default:
				t.Fatalf("oid %s of unacknowledged txn %d of writer %d holds %q (%v): neither its data nor what it replaced",
					oid, tx.seq, tx.writer, got, err)
			}
		}
		switch present {
		case 0:
			book.rolled++
		case len(tx.oids):
			book.late = append(book.late, tx)
			book.cycleMax = max(book.cycleMax, tx.tid)
		default:
			t.Fatalf("unacknowledged txn %d of writer %d is half there: %d of %d objects", tx.seq, tx.writer, present, len(tx.oids))
		}
	}
	book.pending = book.pending[:0]
	book.maxTid = max(book.maxTid, book.cycleMax)
	rep, err := fsstore.VerifyFile(data, nil)
	if err != nil || rep.Problem != "" {
		t.Fatalf("fstest after the restart: %v (%+v)", err, rep)
	}
}

// checkFinalFile reads the stopped server's file directly: every commit
// acknowledged in any cycle (and every unacknowledged one found whole) is
// there with its data.
func checkFinalFile(t *testing.T, book *crashBook, data string) {
	st, err := fsstore.Open(data, &fsstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, set := range [][]crashTxn{book.acked, book.late} {
		for _, tx := range set {
			for k, oid := range tx.oids {
				got, err := st.LoadSerial(oid, tx.tid, nil)
				if err != nil || string(got) != string(tx.data[k]) {
					t.Fatalf("commit %s of cycle %d lost oid %s: %q %v", tx.tid, tx.cycle, oid, got, err)
				}
			}
		}
	}
	rep, err := fsstore.VerifyFile(data, nil)
	if err != nil || rep.Problem != "" {
		t.Fatalf("fstest: %v (%+v)", err, rep)
	}
	if rep.Transactions < len(book.acked)+len(book.late) {
		t.Fatalf("%d transactions in the file, %d committed", rep.Transactions, len(book.acked)+len(book.late))
	}
}
