// gozeo up: ZEO's zeoup health check: connect, load the root object, and
// optionally prove that commits work.

package cli

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/proto"
)

func init() {
	Register(&Command{
		Name:    "up",
		Summary: "check that a server answers: load the root object, and commit a scratch object with --commit (ZEO's zeoup)",
		Usage:   "[--commit] [--timeout D] [TLS flags] ADDRESS[:STORAGE]",
		Run:     runUp,
	})
}

// ZEO's zeoup bumps root['monitor']['zeoup'], which needs an unpickler;
// gozeo's commit check never touches an existing object instead. Each run
// allocates a fresh oid (new_oids) and stores there a new
// persistent.mapping.PersistentMapping holding {'zeoup': <Unix time>},
// the same value zeoup keeps. Nothing refers to it, so the next pack with
// garbage collection removes it; until then each check adds one record of
// about 100 bytes. Since nobody else knows the oid, the commit cannot
// conflict; should a ConflictError come back anyway, it still proves the
// server is up and committing, as zeoup counts it.

// UpResult is what a check found.
type UpResult struct {
	Address    string
	Storage    string
	RootSerial proto.Tid // 0: the storage has no root object yet
	RootSize   int
	LoadTime   time.Duration
	Committed  proto.Tid // with --commit: the check's transaction
	ScratchOid proto.Oid
	Conflict   bool // the commit met a conflict (counted as success)
	CommitTime time.Duration
}

// Up runs the check against one server.
func Up(ctx context.Context, addr, storage string, commit bool, opts *client.Options) (*UpResult, error) {
	o := *opts
	o.Storage, o.ReadOnly = storage, !commit
	c, err := client.Open(ctx, []string{addr}, &o)
	if err != nil {
		return nil, explainOpen(addr, err)
	}
	defer c.Close()
	r := &UpResult{Address: addr, Storage: storage}
	start := time.Now()
	data, serial, err := c.Load(0, nil)
	var pk *proto.POSKeyError
	switch {
	case errors.As(err, &pk):
		// An empty database: the server answered, there is no root yet.
	case err != nil:
		return nil, fmt.Errorf("loading the root object: %w", err)
	default:
		r.RootSerial, r.RootSize = serial, len(data)
	}
	r.LoadTime = time.Since(start)
	if !commit {
		return r, nil
	}
	start = time.Now()
	if err := upCommit(c, r, time.Now()); err != nil {
		return nil, err
	}
	r.CommitTime = time.Since(start)
	return r, nil
}

func upCommit(c *client.Client, r *UpResult, now time.Time) error {
	oid, err := c.NewOID()
	if err != nil {
		return fmt.Errorf("allocating the scratch oid: %w", err)
	}
	r.ScratchOid = oid
	txn, err := c.TpcBegin(proto.TxnMeta{User: []byte("gozeo up"), Description: []byte("gozeo up: commit check (unreferenced scratch object)")})
	if err != nil {
		return fmt.Errorf("tpc_begin: %w", err)
	}
	fail := func(what string, err error) error {
		_ = txn.Abort()
		if proto.IsConflict(err) {
			r.Conflict = true
			return nil
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := txn.Store(oid, 0, ZeoupRecord(now)); err != nil {
		return fail("store", err)
	}
	conflicts, err := txn.Vote()
	if err != nil {
		return fail("vote", err)
	}
	if len(conflicts) > 0 {
		r.Conflict = true
		_ = txn.Abort()
		return nil
	}
	tid, err := txn.Finish()
	if err != nil {
		return fail("tpc_finish", err)
	}
	r.Committed = tid
	return nil
}

// ZeoupRecord is the scratch object's ZODB record: the class pickle of
// persistent.mapping.PersistentMapping, then its state {'data': {'zeoup':
// now}} (protocol 3, as ZODB writes them).
func ZeoupRecord(now time.Time) []byte {
	b := []byte("\x80\x03cpersistent.mapping\nPersistentMapping\nq\x00.")
	b = append(b, "\x80\x03}q\x01X\x04\x00\x00\x00dataq\x02}q\x03X\x05\x00\x00\x00zeoupq\x04G"...)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(float64(now.UnixNano())/1e9))
	return append(b, "ss."...)
}

func runUp(ctx context.Context, env *Env, args []string) error {
	cmd := Lookup("up")
	fs := NewFlagSet(env, cmd)
	commit := fs.Bool("commit", false, "also commit a new unreferenced scratch object (see \"gozeo up\" in the README)")
	nf := addNetFlags(fs, 30*time.Second)
	if err := ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one ADDRESS[:STORAGE]", ErrUsage)
	}
	addr, storage, err := SplitTarget(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	tlsCfg, err := nf.tlsConfig(addr)
	if err != nil {
		return err
	}
	// The client waits at most the timeout for a connection (its error
	// then says why the last attempt failed).
	r, err := Up(ctx, addr, storage, *commit, nf.clientOptions(tlsCfg))
	if err != nil {
		return &ExitError{Code: 1, Msg: fmt.Sprintf("%s storage %s: DOWN: %v", addr, storage, err)}
	}
	root := "no root object (empty database)"
	if r.RootSerial != 0 {
		root = fmt.Sprintf("root loaded (%d bytes, serial %s)", r.RootSize, r.RootSerial)
	}
	fmt.Fprintf(env.Stdout, "%s storage %s: up: %s in %v\n", addr, storage, root, r.LoadTime.Round(time.Microsecond))
	switch {
	case r.Conflict:
		fmt.Fprintf(env.Stdout, "%s storage %s: commit check met a conflict (counts as success)\n", addr, storage)
	case r.Committed != 0:
		fmt.Fprintf(env.Stdout, "%s storage %s: committed %s (scratch object %s) in %v\n",
			addr, storage, r.Committed, r.ScratchOid, r.CommitTime.Round(time.Microsecond))
	}
	return nil
}
