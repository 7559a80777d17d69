// Child-process tests: the lock against another process, oids after a
// crash, and commits SIGKILLed at random moments.

package fsstore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

const (
	childEnv     = "GOZEO_FSSTORE_CHILD"
	childPathEnv = "GOZEO_FSSTORE_CHILD_PATH"
)

// TestChildProcess is the body of the child processes; it does nothing
// in a normal run.
func TestChildProcess(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("only runs as a child of the crash tests")
	}
	path := os.Getenv(childPathEnv)
	out := os.Stdout
	switch mode {
	case "lock":
		s, err := Open(path, nil)
		if err != nil {
			fmt.Fprintf(out, "err: %v\n", err)
		} else {
			fmt.Fprintln(out, "ok")
			s.Close()
		}
	case "oids":
		s, err := Open(path, &Options{OIDBlock: 100})
		if err != nil {
			fmt.Fprintf(out, "err: %v\n", err)
			os.Exit(1)
		}
		for _, n := range []int{10, 250, 7} {
			oids, err := s.NewOIDs(nil, n)
			if err != nil {
				fmt.Fprintf(out, "err: %v\n", err)
				os.Exit(1)
			}
			fmt.Fprintf(out, "oid %d\n", oids[len(oids)-1])
		}
		os.Exit(0) // a crash: no Close, no index file, no final mark
	case "commit":
		childCommitLoop(path)
	}
	os.Exit(0)
}

// childCommitLoop commits forever, printing "ok <tid> <oid> <n>" after
// each Finish returns. Some transactions are aborted after Vote.
func childCommitLoop(path string) {
	s, err := Open(path, &Options{OIDBlock: 16})
	if err != nil {
		fmt.Printf("err: %v\n", err)
		os.Exit(1)
	}
	for n := 0; ; n++ {
		oids, err := s.NewOIDs(nil, 1)
		if err != nil {
			fmt.Printf("err: %v\n", err)
			os.Exit(1)
		}
		fmt.Printf("alloc %d\n", oids[0])
		txn, _ := s.Begin(proto.TxnMeta{Description: []byte("crash test")})
		serial, _, _ := s.currentTid(1, "child")
		err = txn.Store(1, serial, childData(1, n))
		if err == nil {
			err = txn.Store(oids[0], 0, childData(oids[0], n))
		}
		if err == nil {
			_, err = txn.Vote()
		}
		if err != nil {
			fmt.Printf("err: %v\n", err)
			os.Exit(1)
		}
		if n%5 == 4 {
			txn.Abort()
			continue
		}
		tid, err := txn.Finish(nil)
		if err != nil {
			fmt.Printf("err: %v\n", err)
			os.Exit(1)
		}
		fmt.Printf("ok %s %d %d\n", tid, oids[0], n)
	}
}

func childData(oid proto.Oid, n int) []byte {
	return []byte(fmt.Sprintf("oid %d commit %d %s", oid, n, strings.Repeat("p", n%200)))
}

func child(t *testing.T, mode, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childPathEnv+"="+path)
	return cmd
}

func TestLockFile(t *testing.T) {
	s, path := newStore(t, nil)
	if b := fileBytes(t, path+".lock"); string(b) != " "+strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("lock file holds %q", b)
	}
	_, err := Open(path, nil)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path+".lock") || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("second open in this process: %v", err)
	}
	out, err := child(t, "lock", path).Output()
	if err != nil || !strings.HasPrefix(string(out), "err: ") || !strings.Contains(string(out), "database is locked") ||
		!strings.Contains(string(out), path+".lock") {
		t.Fatalf("other process: %q %v", out, err)
	}
	s.Close()
	if out, err := child(t, "lock", path).Output(); err != nil || string(out) != "ok\n" {
		t.Fatalf("after close: %q %v", out, err)
	}
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Fatal("the lock file was deleted")
	}
}

func TestNewOIDs(t *testing.T) {
	s, path := newStore(t, &Options{OIDBlock: 10})
	oids, err := s.NewOIDs(nil, 3)
	if err != nil || !slices.Equal(oids, []proto.Oid{1, 2, 3}) {
		t.Fatalf("%v %v", oids, err)
	}
	commit(t, s, map[proto.Oid][]byte{50: []byte("stored directly")})
	if oids, _ = s.NewOIDs(oids[:0], 2); oids[0] != 51 {
		t.Fatalf("after storing oid 50: %v", oids)
	}
	// A crash clone: copy the files as they are on disk while open.
	clone := filepath.Join(t.TempDir(), "Data.fs")
	for _, suffix := range []string{"", OIDsSuffix} {
		os.WriteFile(clone+suffix, fileBytes(t, path+suffix), 0o644)
	}
	c := openT(t, clone, nil)
	if more, _ := c.NewOIDs(nil, 1); more[0] <= 52 {
		t.Fatalf("crash clone reuses oids: %v", more)
	}
	s.Close()
	s2 := openT(t, path, nil)
	if more, _ := s2.NewOIDs(nil, 1); more[0] <= 52 {
		t.Fatalf("reopen reuses oids: %v", more)
	}
	// The highest oids dropped from the log (as a pack can) stay used.
	s2.Close()
	b := fileBytes(t, path)
	s3 := openT(t, path, &Options{OIDBlock: 1})
	hi, _ := s3.NewOIDs(nil, 1000)
	commit(t, s3, map[proto.Oid][]byte{hi[999]: []byte("highest")})
	s3.Close()
	os.WriteFile(path, b, 0o644) // the log without that transaction
	os.Remove(path + IndexSuffix)
	s4 := openT(t, path, nil)
	if s4.MaxOid() != 50 {
		t.Fatalf("max oid %s", s4.MaxOid())
	}
	if more, _ := s4.NewOIDs(nil, 1); more[0] <= hi[999] {
		t.Fatalf("dropped oid %d handed out again: %v", hi[999], more)
	}
	// A damaged mark is reported, and oids continue after the log's.
	s4.Close()
	os.WriteFile(path+OIDsSuffix, []byte("garbage"), 0o644)
	var logs logBuffer
	s5 := openT(t, path, &Options{Logger: logs.logger()})
	if more, _ := s5.NewOIDs(nil, 1); more[0] != 51 || !strings.Contains(logs.String(), "oid high-water mark unreadable") {
		t.Fatalf("damaged mark: %v, log %q", more, logs.String())
	}
}

func TestNewOIDsAfterChildCrash(t *testing.T) {
	_, path := newStore(t, nil) // creates the file; the cleanup verifies it
	dir := filepath.Dir(path)
	p := filepath.Join(dir, "child.fs")
	out, err := child(t, "oids", p).Output()
	if err != nil {
		t.Fatalf("child: %v %q", err, out)
	}
	var max proto.Oid
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		n, err := strconv.ParseUint(strings.TrimPrefix(l, "oid "), 10, 64)
		if err != nil {
			t.Fatalf("child said %q", l)
		}
		max = proto.Oid(n)
	}
	s := openT(t, p, nil)
	oids, err := s.NewOIDs(nil, 1)
	if err != nil || oids[0] <= max || max != 267 {
		t.Fatalf("after the crash: %v %v (child reached %d)", oids, err, max)
	}
}

// TestKillSafety SIGKILLs a committing child at random moments; every
// commit it acknowledged must be there after reopening, with its data,
// tids increasing, the file verified, and no acknowledged or allocated oid
// handed out again. A few cycles by default, 100 with -long.
func TestKillSafety(t *testing.T) {
	cycles := 3
	if *long {
		cycles = 100
	}
	_, path := newStore(t, nil)
	dir := filepath.Dir(path)
	p := filepath.Join(dir, "killed.fs")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	type ack struct {
		tid proto.Tid
		oid proto.Oid
		n   int
	}
	var acks []ack
	var maxAlloc proto.Oid
	for c := 0; c < cycles; c++ {
		cmd := child(t, "commit", p)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		time.Sleep(time.Duration(20+rng.IntN(150)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			f := strings.Fields(l)
			switch {
			case len(f) == 2 && f[0] == "alloc":
				n, _ := strconv.ParseUint(f[1], 10, 64)
				maxAlloc = max(maxAlloc, proto.Oid(n))
			case len(f) == 4 && f[0] == "ok":
				tid, _ := proto.ParseTid(f[1])
				oid, _ := strconv.ParseUint(f[2], 10, 64)
				n, _ := strconv.Atoi(f[3])
				acks = append(acks, ack{tid, proto.Oid(oid), n})
			case strings.HasPrefix(l, "err"):
				t.Fatalf("child: %s", l)
			}
		}
		cmd.Wait()
		s, err := Open(p, nil)
		if err != nil {
			t.Fatalf("cycle %d: reopen: %v", c, err)
		}
		for i, a := range acks {
			if i > 0 && a.tid <= acks[i-1].tid {
				t.Fatalf("tids not increasing: %s after %s", a.tid, acks[i-1].tid)
			}
			d, err := s.LoadSerial(a.oid, a.tid, nil)
			if err != nil || !bytes.Equal(d, childData(a.oid, a.n)) {
				t.Fatalf("cycle %d: acknowledged commit %s of oid %d lost: %v", c, a.tid, a.oid, err)
			}
		}
		if len(acks) > 0 && s.LastTransaction() < acks[len(acks)-1].tid {
			t.Fatalf("last transaction %s before the last acknowledged %s", s.LastTransaction(), acks[len(acks)-1].tid)
		}
		if _, err := s.Verify(nil); err != nil {
			t.Fatalf("cycle %d: %v", c, err)
		}
		next, _ := s.NewOIDs(nil, 1)
		if next[0] <= maxAlloc {
			t.Fatalf("cycle %d: oid %d handed out again (child allocated up to %d)", c, next[0], maxAlloc)
		}
		maxAlloc = next[0]
		s.Close()
	}
	t.Logf("%d cycles, %d acknowledged commits", cycles, len(acks))
	if len(acks) == 0 {
		t.Fatal("the child never committed")
	}
}
