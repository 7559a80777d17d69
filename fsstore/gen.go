// Generate: writes a synthetic Data.fs directly in the file format, fast,
// for benchmarks and load tests.

package fsstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// GenerateOptions describe a synthetic database. Zero fields take the
// defaults noted.
type GenerateOptions struct {
	Records  int       // data records in all (1,000,000)
	PerTxn   int       // records per transaction (10)
	DataSize int       // pickle bytes per record, at least 64 (150)
	Oids     int       // distinct oids, 1..Oids, oid 0 being the root (Records/2)
	StartTid proto.Tid // tid of the first transaction (2024-01-01 00:00:00 UTC)
	Seed     uint64
}

// GenerateResult tells what Generate wrote.
type GenerateResult struct {
	Size         int64
	Transactions int
	Records      int
	LastTid      proto.Tid
	MaxOid       proto.Oid
}

func (o GenerateOptions) withDefaults() GenerateOptions {
	if o.Records == 0 {
		o.Records = 1_000_000
	}
	if o.PerTxn == 0 {
		o.PerTxn = 10
	}
	if o.DataSize == 0 {
		o.DataSize = 150
	}
	if o.Oids == 0 {
		o.Oids = max(1, o.Records/2)
	}
	if o.StartTid == 0 {
		o.StartTid = proto.TidFromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	return o
}

// Generate writes a new Data.fs at path (which must not exist) holding
// opts.Records records of opts.DataSize bytes each: every oid is first
// created in order, then rewritten at random, so most oids have several
// revisions with correct prev pointers. The pickles are valid ZODB
// records (class gozeo_bench.Record, state {'n': seq, 'd': bytes}). The
// file is fsynced. progress, when set, gets the records written so far.
func Generate(path string, opts GenerateOptions, progress func(done, total int64)) (GenerateResult, error) {
	o := opts.withDefaults()
	var res GenerateResult
	if o.Records < 0 || o.PerTxn < 1 || o.DataSize < 64 || o.Oids < 1 {
		return res, errors.New("fsstore: generate: invalid options")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return res, fmt.Errorf("fsstore: generate: %w", err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(Magic30)
	pos := int64(MagicSize)
	ix := newIndex()
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	desc := []byte("generated")
	tid := o.StartTid
	var txn, data []byte
	created := 0
	for done := 0; done < o.Records; {
		n := min(o.PerTxn, o.Records-done)
		hlen := int64(TxnHeaderSize + len(desc))
		tlen := hlen + int64(n)*(DataHeaderSize+int64(o.DataSize))
		h := TxnHeader{Tid: tid, Len: uint64(tlen), Status: proto.StatusCommitted, Description: desc}
		txn = h.AppendTo(txn[:0])
		rpos := pos + hlen
		for i := 0; i < n; i++ {
			var oid proto.Oid
			if created < o.Oids {
				oid = proto.Oid(created)
				created++
			} else {
				oid = proto.Oid(rng.IntN(o.Oids))
			}
			dh := DataHeader{Oid: oid, Tid: tid, Prev: uint64(ix.get(oid)), Tloc: uint64(pos), Plen: uint64(o.DataSize)}
			txn = dh.AppendTo(txn)
			data = benchPickle(data[:0], done+i, o.DataSize)
			txn = append(txn, data...)
			ix.set(oid, rpos)
			rpos += DataHeaderSize + int64(o.DataSize)
		}
		txn = binary.BigEndian.AppendUint64(txn, uint64(tlen))
		if _, err := w.Write(txn); err != nil {
			return res, fmt.Errorf("fsstore: generate: %w", err)
		}
		pos += int64(len(txn))
		done += n
		res.Transactions++
		res.LastTid = tid
		tid = tid.LaterThan(tid) // the next tick
		if progress != nil && res.Transactions%4096 == 0 {
			progress(int64(done), int64(o.Records))
		}
	}
	if err := w.Flush(); err != nil {
		return res, fmt.Errorf("fsstore: generate: %w", err)
	}
	if err := f.Sync(); err != nil {
		return res, fmt.Errorf("fsstore: generate: %w", err)
	}
	res.Size, res.Records = pos, o.Records
	res.MaxOid, _ = ix.maxOid()
	if progress != nil {
		progress(int64(o.Records), int64(o.Records))
	}
	return res, nil
}

// benchPickle appends a ZODB record of exactly size bytes: the class
// pickle, then the state {'n': seq, 'd': padding}.
func benchPickle(dst []byte, seq, size int) []byte {
	start := len(dst)
	const class = "\x80\x03cgozeo_bench\nRecord\nq\x00."
	dst = append(dst, class...)
	dst = append(dst, "\x80\x03}q\x01(X\x01\x00\x00\x00nq\x02J"...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(int32(seq)))
	dst = append(dst, "X\x01\x00\x00\x00dq\x03B"...)
	pad := size - (len(dst) - start) - 4 - len("q\x04u.")
	dst = binary.LittleEndian.AppendUint32(dst, uint32(pad))
	for i := 0; i < pad; i++ {
		dst = append(dst, byte('a'+(seq+i)%26))
	}
	return append(dst, "q\x04u."...)
}
