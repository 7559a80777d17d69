// Pack, phase two: writing Data.fs.pack. Transactions up to the pack time
// keep only their reachable records (status 'p', prev 0, data inlined);
// later ones are copied unchanged in shape, backpointers re-pointed.

package fsstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/gozeo/gozeo/proto"
)

// packOut is the pack's output file. It keeps the tid and position of
// every transaction written (16 bytes each) to find backpointer targets.
type packOut struct {
	path string
	f    *os.File
	w    *bufio.Writer
	pos  int64 // end of the output, buffered bytes included
	tids []proto.Tid
	tpos []int64
	buf  []byte // the transaction being built
	rbuf []byte // a written transaction read back
}

func (p *packer) openOutput() error {
	name := p.path + PackSuffix
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	p.out = packOut{path: name, f: f, w: bufio.NewWriterSize(f, 1<<20), pos: MagicSize}
	if _, err := p.out.w.Write(p.v.b[:MagicSize]); err != nil {
		return p.out.err(err)
	}
	return nil
}

func (o *packOut) err(err error) error { return fmt.Errorf("write %s: %w", o.path, err) }

// write appends a complete transaction.
func (o *packOut) write(b []byte, tid proto.Tid) error {
	if o.pos+int64(len(b)) > MaxPos {
		return fmt.Errorf("%s would exceed %d bytes", o.path, int64(MaxPos))
	}
	if _, err := o.w.Write(b); err != nil {
		return o.err(err)
	}
	o.tids = append(o.tids, tid)
	o.tpos = append(o.tpos, o.pos)
	o.pos += int64(len(b))
	return nil
}

// discard closes and removes the output (a pack that stopped early).
func (o *packOut) discard() {
	if o.f == nil {
		return
	}
	o.f.Close()
	os.Remove(o.path)
	o.f = nil
}

// dataOf returns the pickle the record at pos stands for (a slice of the
// input), nil when it has none.
func (p *packer) dataOf(h DataHeader, pos int64) ([]byte, error) {
	if h.Plen > 0 {
		return p.v.pickle(pos, &h), nil
	}
	if h.Back == 0 {
		return nil, nil
	}
	rp, rh, err := p.v.resolve(h.Oid, pos, h, "pack", nil)
	if err != nil {
		if noDataErr(err) {
			return nil, nil
		}
		return nil, err
	}
	return p.v.pickle(rp, &rh), nil
}

// endTxn patches the length of the transaction in o.buf and appends its
// redundant copy.
func endTxn(buf []byte) []byte {
	tlen := uint64(len(buf))
	binary.BigEndian.PutUint64(buf[8:], tlen)
	return binary.BigEndian.AppendUint64(buf, tlen)
}

// copyToPacktime is fspack's copyToPacktime: every transaction before
// packpos that keeps a reachable record is written with status 'p' and
// just those records, with prev 0 and their data inlined (no data: plen
// 0 and a zero backpointer). It returns packpos.
func (p *packer) copyToPacktime(ctx context.Context) (int64, error) {
	v, o := &p.v, &p.out
	pos := int64(MagicSize)
	for pos < p.packpos {
		if err := p.alive(ctx); err != nil {
			return 0, err
		}
		t := decodeTxnFixed(v.b[pos:]) // checked by buildIndex
		tend, hlen := pos+int64(t.tlen), int64(t.headerLen())
		newTpos := o.pos
		o.buf = o.buf[:0]
		for rpos := pos + hlen; rpos < tend; {
			h, err := v.dataHeader(rpos, "pack")
			if err != nil {
				return 0, err
			}
			next := rpos + int64(h.RecordLen())
			if !p.isReachable(h.Oid, rpos) {
				p.res.RecordsDropped++
				rpos = next
				continue
			}
			if len(o.buf) == 0 {
				o.buf = append(o.buf, v.b[pos:pos+hlen]...)
				o.buf[16] = proto.StatusPacked
			}
			data, err := p.dataOf(h, rpos)
			if err != nil {
				return 0, err
			}
			if h.Plen == 0 && data != nil {
				p.res.Inlined++
			}
			p.nix.set(h.Oid, newTpos+int64(len(o.buf)))
			dh := DataHeader{Oid: h.Oid, Tid: h.Tid, Tloc: uint64(newTpos), Plen: uint64(len(data))}
			o.buf = append(dh.AppendTo(o.buf), data...)
			p.res.RecordsKept++
			rpos = next
		}
		if len(o.buf) > 0 {
			o.buf = endTxn(o.buf)
			if err := o.write(o.buf, t.tid); err != nil {
				return 0, err
			}
			p.res.TxnsKept++
		} else {
			p.res.TxnsDropped++
		}
		p.advance(tend + RedundantSize - pos)
		pos = tend + RedundantSize
	}
	return pos, nil
}

// copyCommitted copies the committed transactions from ipos on, without
// any lock, catching up with commits until few bytes remain; finish
// copies those under the commit lock. p.v is refreshed (the pin kept).
func (p *packer) copyCommitted(ctx context.Context, ipos int64) (int64, error) {
	for {
		var err error
		if ipos, err = p.copyTxns(ctx, ipos); err != nil {
			return ipos, err
		}
		if err := p.refreshView(); err != nil {
			return ipos, err
		}
		if p.v.end-ipos < 1<<20 {
			return ipos, nil
		}
	}
}

// refreshView moves p.v to the current committed view; the packer keeps
// exactly one pin.
func (p *packer) refreshView() error {
	v, err := p.s.pin()
	if err != nil {
		return err
	}
	p.s.unpin()
	if v.gen != p.v.gen {
		return errors.New("the file was replaced during the pack")
	}
	if v.end > p.v.end {
		p.total += v.end - p.v.end
	}
	p.v = v
	return nil
}

// copyTxns copies every transaction in [ipos, p.v.end).
func (p *packer) copyTxns(ctx context.Context, ipos int64) (int64, error) {
	for ipos < p.v.end {
		if err := p.alive(ctx); err != nil {
			return ipos, err
		}
		var err error
		if ipos, err = p.copyOne(ipos); err != nil {
			return ipos, err
		}
	}
	return ipos, nil
}

// copyOne is fspack's copyOne with PackCopier.copy: the transaction at
// ipos is written unchanged in shape, each record with prev = the oid's
// record in the new file, and a backpointer kept (re-pointed) when the
// transaction of its target is in the new file with a record of the oid
// holding the same data, or a backpointer. Otherwise the data is inlined
// (where ZODB fails with "Invalid backpointer transaction id").
func (p *packer) copyOne(ipos int64) (int64, error) {
	v, o := &p.v, &p.out
	t, err := v.txnFixed(ipos, "pack")
	if err != nil {
		return ipos, err
	}
	if t.status == proto.StatusCheckpoint {
		return ipos, p.fail(ipos, kindTxn, "transaction with checkpoint flag set")
	}
	tend, hlen := ipos+int64(t.tlen), int64(t.headerLen())
	if rtl := be64(v.b[tend:]); rtl != t.tlen {
		return ipos, p.fail(tend, kindTxn, "redundant transaction length does not match initial transaction length: %d != %d", rtl, t.tlen)
	}
	newTpos := o.pos
	o.buf = append(o.buf[:0], v.b[ipos:ipos+hlen]...)
	p.tix = p.tix[:0]
	for rpos := ipos + hlen; rpos < tend; {
		h, err := v.dataHeader(rpos, "pack")
		if err != nil {
			return ipos, err
		}
		next := rpos + int64(h.RecordLen())
		if h.Tloc != uint64(ipos) || next > tend {
			return ipos, p.fail(rpos, kindData, "data record exceeds transaction record (tloc %d, tpos %d, ends at %d, transaction ends at %d)",
				h.Tloc, ipos, next, tend)
		}
		dh := DataHeader{Oid: h.Oid, Tid: h.Tid, Prev: uint64(p.nix.get(h.Oid)), Tloc: uint64(newTpos)}
		here := newTpos + int64(len(o.buf))
		var data []byte
		switch {
		case h.Plen > 0:
			data = v.pickle(rpos, &h)
			dh.Plen = h.Plen
		case h.Back != 0:
			if data, err = p.dataOf(h, rpos); err != nil {
				return ipos, err
			}
			bh, err := v.dataHeader(int64(h.Back), "pack")
			if err != nil {
				return ipos, err
			}
			back, err := p.findBack(bh.Tid, h.Oid, data)
			if err != nil {
				return ipos, err
			}
			if back != 0 {
				dh.Back, data = uint64(back), nil
			} else if data != nil {
				dh.Plen = uint64(len(data))
				p.res.Inlined++
			}
		}
		o.buf = append(dh.AppendTo(o.buf), data...)
		p.tix = append(p.tix, packPending{oid: h.Oid, pos: here})
		rpos = next
	}
	o.buf = endTxn(o.buf)
	if err := o.write(o.buf, t.tid); err != nil {
		return ipos, err
	}
	for _, x := range p.tix {
		p.nix.set(x.oid, x.pos)
	}
	p.res.TxnsCopied++
	if ipos >= p.during {
		p.res.TxnsDuringPack++
	}
	p.advance(tend + RedundantSize - ipos)
	return tend + RedundantSize, nil
}

// findBack is PackCopier's _txn_find and _data_find on the new file: the
// position of oid's last record in the written transaction tid when that
// record is a backpointer or holds exactly data; 0 otherwise.
func (p *packer) findBack(tid proto.Tid, oid proto.Oid, data []byte) (int64, error) {
	o := &p.out
	i, ok := slices.BinarySearch(o.tids, tid)
	if !ok {
		return 0, nil
	}
	tpos := o.tpos[i]
	if err := o.w.Flush(); err != nil {
		return 0, o.err(err)
	}
	var hdr [TxnHeaderSize]byte
	if _, err := o.f.ReadAt(hdr[:], tpos); err != nil {
		return 0, fmt.Errorf("read back %s at %d: %w", o.path, tpos, err)
	}
	t := decodeTxnFixed(hdr[:])
	o.rbuf = slices.Grow(o.rbuf[:0], int(t.tlen))[:t.tlen]
	if _, err := o.f.ReadAt(o.rbuf, tpos); err != nil {
		return 0, fmt.Errorf("read back %s at %d: %w", o.path, tpos, err)
	}
	found := int64(-1)
	var fh DataHeader
	for off := int64(t.headerLen()); off < int64(t.tlen); {
		var h DataHeader
		if _, err := h.Decode(o.rbuf[off:]); err != nil {
			return 0, fmt.Errorf("read back %s at %d: %w", o.path, tpos+off, err)
		}
		if h.Oid == oid {
			found, fh = off, h
		}
		off += int64(h.RecordLen())
	}
	switch {
	case found < 0:
		return 0, nil
	case fh.Plen == 0:
		return tpos + found, nil // a backpointer itself: trusted, as ZODB does
	case data == nil:
		return 0, nil
	case fh.Plen != uint64(len(data)):
		p.s.log.Error("Mismatch between data and backpointer", "path", o.path, "pos", tpos+found, "oid", oid.String())
		return 0, nil
	case bytes.Equal(o.rbuf[found+DataHeaderSize:found+DataHeaderSize+int64(fh.Plen)], data):
		return tpos + found, nil
	}
	return 0, nil
}
