package cli

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
	"github.com/gozeo/gozeo/tools/server"
)

func TestPackNoGC(t *testing.T) {
	s, addr := startNetServer(t, 1, nil)
	b := s.Backend("1")
	commitData(t, addr, "1", map[proto.Oid][]byte{0: ZeoupRecord(time.Now())})
	var tids []proto.Tid
	for _, v := range []string{"v1", "v2", "v3"} {
		tids = append(tids, commitData(t, addr, "1", map[proto.Oid][]byte{1: []byte(v)}))
	}
	before := b.Size()
	code, out, errs := runMain("pack", "--nogc", "--wait", addr)
	if code != 0 || !strings.Contains(out, "packed storage 1 on "+addr) || !strings.Contains(out, "(without gc)") {
		t.Fatalf("exit %d %q %q", code, out, errs)
	}
	if _, err := b.LoadSerial(1, tids[0], nil); err == nil {
		t.Fatal("the first revision survived the pack")
	}
	if data, serial, err := b.Load(1, nil); err != nil || string(data) != "v3" || serial != tids[2] {
		t.Fatalf("current revision: %q %s %v", data, serial, err)
	}
	if b.Size() >= before {
		t.Fatalf("size %d, was %d", b.Size(), before)
	}
	if !strings.Contains(out, "-> "+itoa(b.Size())+" bytes") {
		t.Errorf("output does not give the new size %d: %s", b.Size(), out)
	}
}

// TestPackGCRemovesUpScratch: the scratch objects "gozeo up --commit"
// leaves are unreachable, so a pack with garbage collection removes them.
func TestPackGCRemovesUpScratch(t *testing.T) {
	s, addr := startNetServer(t, 1, nil)
	b := s.Backend("1")
	commitData(t, addr, "1", map[proto.Oid][]byte{0: ZeoupRecord(time.Now())})
	code, out, errs := runMain("up", "--commit", addr)
	m := committedRe.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("up: exit %d %q %q", code, out, errs)
	}
	scratch, _ := proto.ParseOid(m[2])
	if _, _, err := b.Load(scratch, nil); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runMain("pack", "--wait", addr+":1")
	if code != 0 || !strings.Contains(out, "(with gc)") {
		t.Fatalf("pack: exit %d %q %q", code, out, errs)
	}
	var pk *proto.POSKeyError
	if _, _, err := b.Load(scratch, nil); !errors.As(err, &pk) {
		t.Fatalf("scratch object %s after gc: %v", scratch, err)
	}
	if _, _, err := b.Load(0, nil); err != nil {
		t.Fatalf("root after gc: %v", err)
	}
}

// TestPackWaitsForServer: the server comes up while pack polls for it.
func TestPackWaitsForServer(t *testing.T) {
	addr := freeAddr(t)
	go func() {
		time.Sleep(700 * time.Millisecond)
		cfg := config.DefaultConfig()
		cfg.Apply(config.Overrides{Address: addr, Filenames: []string{filepath.Join(t.TempDir(), "Data.fs")}})
		s, err := server.New(cfg, nil)
		if err != nil {
			t.Error(err)
			return
		}
		if err := s.Start(context.Background()); err != nil {
			t.Error(err)
			return
		}
		t.Cleanup(func() { s.Stop(context.Background()) })
	}()
	var progress bytes.Buffer
	r, err := Pack(context.Background(), addr, PackOptions{
		Storage: "1", PackTime: time.Now(), Wait: true, ConnectTimeout: 10 * time.Second,
		Progress: &progress, ProgressEvery: 200 * time.Millisecond, Client: (&netFlags{timeout: 10 * time.Second}).clientOptions(nil),
	})
	if err != nil || !r.Finished {
		t.Fatalf("%+v %v\n%s", r, err, progress.String())
	}
	if !strings.Contains(progress.String(), "gozeo pack: waiting for "+addr) {
		t.Fatalf("no progress line while waiting:\n%s", progress.String())
	}
}

func TestPackUnreachable(t *testing.T) {
	dead := freeAddr(t)
	var progress bytes.Buffer
	_, err := Pack(context.Background(), dead, PackOptions{
		Storage: "1", PackTime: time.Now(), ConnectTimeout: 450 * time.Millisecond,
		Progress: &progress, ProgressEvery: 100 * time.Millisecond, Client: (&netFlags{timeout: time.Second}).clientOptions(nil),
	})
	if !errors.Is(err, errUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("%v", err)
	}
	if n := strings.Count(progress.String(), "waiting for "+dead); n < 2 {
		t.Fatalf("%d progress lines:\n%s", n, progress.String())
	}
	code, _, errs := runMain("pack", "--timeout", "300ms", dead)
	if code != 1 || !strings.Contains(errs, "could not connect to "+dead) {
		t.Fatalf("exit %d %q", code, errs)
	}
}

func TestPackNoWaitAndFlags(t *testing.T) {
	_, addr := startNetServer(t, 1, nil)
	commitData(t, addr, "1", map[proto.Oid][]byte{0: ZeoupRecord(time.Now())})
	code, out, errs := runMain("pack", "--days", "1", "--time", "12:30", addr)
	if code != 0 || !(strings.Contains(out, "packed storage 1") || strings.Contains(out, "running on the server")) {
		t.Fatalf("exit %d %q %q", code, out, errs)
	}
	want := time.Now().Add(-24*time.Hour).Format("2006-01-02") + " 12:30:00"
	if !strings.Contains(out, "as of "+want) {
		t.Fatalf("pack time: %s (want %s)", out, want)
	}
	for _, args := range [][]string{
		{"pack", "--time", "25:00", addr},
		{"pack", "--time", "1:2:3:4", addr},
		{"pack", "--days", "-1", addr},
		{"pack"},
		{"pack", "nohost"},
	} {
		if code, _, errs := runMain(args...); code != 2 {
			t.Errorf("%v: exit %d %q", args, code, errs)
		}
	}
}

func TestPackTime(t *testing.T) {
	now := time.Date(2026, 3, 15, 18, 45, 10, 0, time.Local)
	cases := []struct {
		days int
		tod  string
		want time.Time
	}{
		{0, "", now},
		{2, "", now.Add(-48 * time.Hour)},
		{0, "7", time.Date(2026, 3, 15, 7, 0, 0, 0, time.Local)},
		{1, "7:05", time.Date(2026, 3, 14, 7, 5, 0, 0, time.Local)},
		{0, "23:59:59", time.Date(2026, 3, 15, 23, 59, 59, 0, time.Local)},
	}
	for _, c := range cases {
		got, err := PackTime(now, c.days, c.tod)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%d %q: %v %v, want %v", c.days, c.tod, got, err, c.want)
		}
	}
	for _, bad := range []string{"24", "1:60", "1:2:60", "x", "1:2:3:4", "-1"} {
		if _, err := PackTime(now, 0, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
