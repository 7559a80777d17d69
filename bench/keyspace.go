// The key space: created on an empty storage, checked on one with data;
// and the random object data.

package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/gozeo/gozeo/proto"
)

// populateBatch bounds one populating transaction (objects, bytes).
const (
	populateBatch      = 1000
	populateBatchBytes = 8 << 20
	checkDepth         = 64
)

// prepareKeys makes rn.oids the key space: on an empty storage it stores
// Keys objects (oid 0, then new oids) of the configured sizes; on a
// storage with data it checks that oids 0..Keys-1 exist.
func (rn *runner) prepareKeys(ctx context.Context) error {
	c, err := rn.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	n := rn.o.Keys
	if c.LastTid() != 0 {
		rn.oids = make([]proto.Oid, n)
		for i := range rn.oids {
			rn.oids[i] = proto.Oid(i)
		}
		rn.stepf("checking that oids 0..%d exist", n-1)
		return rn.checkKeys(c)
	}
	rn.stepf("populating %d objects of %s bytes", n, rn.o.Size)
	r := rand.New(rand.NewPCG(rn.o.Seed, 0xda7a))
	oids := []proto.Oid{0}
	for len(oids) < n {
		more, err := c.NewOIDs(proto.MaxNewOIDs)
		if err != nil {
			return fmt.Errorf("bench: populate: new_oids: %w", err)
		}
		oids = append(oids, more...)
	}
	rn.oids = oids[:n]
	var batch []object
	bytes := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := c.commit(batch); err != nil {
			return fmt.Errorf("bench: populate: commit: %w", err)
		}
		batch, bytes = batch[:0], 0
		return ctx.Err()
	}
	for _, oid := range rn.oids {
		d := rn.data(r, rn.o.Size.Next(r))
		batch = append(batch, object{oid: oid, data: d})
		bytes += len(d)
		if len(batch) == populateBatch || bytes >= populateBatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// checkKeys loads every key once, pipelined, and fails on the first
// missing one.
func (rn *runner) checkKeys(c protoConn) error {
	next, inflight := 0, 0
	sendOne := func(slot int) {
		c.SendLoad(slot, rn.oids[next])
		next++
		inflight++
	}
	for s := 0; s < checkDepth && next < len(rn.oids); s++ {
		sendOne(s)
	}
	if err := c.Flush(); err != nil {
		return err
	}
	sent := make([]proto.Oid, checkDepth)
	for i := 0; i < min(checkDepth, len(rn.oids)); i++ {
		sent[i] = rn.oids[i]
	}
	for inflight > 0 {
		slot, _, err := c.RecvLoad()
		if slot < 0 {
			return err
		}
		if err != nil {
			return fmt.Errorf("%w: oid %s: %v (start from an empty database, or one written by \"gozeo fsgen\" with at least %d oids, or lower --keys)",
				ErrMissingKeys, sent[slot].Repr(), err, rn.o.Keys)
		}
		inflight--
		if next < len(rn.oids) {
			sent[slot] = rn.oids[next]
			sendOne(slot)
		}
		if !c.Buffered() {
			if err := c.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// dataPoolSlack is how far apart object data may start in the pool.
const dataPoolSlack = 64 << 10

// data returns n bytes of random object data (a slice of a shared pool:
// read only).
func (rn *runner) data(r *rand.Rand, n int) []byte {
	off := r.IntN(dataPoolSlack)
	return rn.pool[off : off+n : off+n]
}

// newPool fills the data pool for objects up to max bytes: random bytes,
// or for ContentText words drawn at random from textWords.
func newPool(seed uint64, max int, content string) []byte {
	r := rand.New(rand.NewPCG(seed, 0x9001))
	b := make([]byte, max+dataPoolSlack)
	if content == ContentText {
		for i := 0; i < len(b); {
			w := textWords[r.IntN(len(textWords))]
			i += copy(b[i:], w)
			if i < len(b) {
				b[i] = ' '
				i++
			}
		}
		return b
	}
	for i := 0; i+8 <= len(b); i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// textWords is the vocabulary of ContentText: words of page text and of
// the attribute names and values a content object's pickle carries.
var textWords = strings.Fields(`
	the of and to in is that for it as was with be by on not he this are or
	his from at which but have an they you were her she there one all we
	their been has would when who will more no if out so said what up its
	about into than them can only other new some could time these two may
	first then do any like my now over such our man me even most made after
	also did many before must through back years where much your way well
	down should because each just those people how too little state good
	very make world still own see men work long get here between both life
	being under never day same another know while last might us great old
	year off come since against go came right used take three title
	description creators subject effective expires modified created language
	rights contributors portal_type workflow_history review_state published
	private Document Folder News Item Event text/html utf-8 http https www
	example org com index html p div span class id href src img alt width
	height style font size color left right center table tr td body head
	_p_oid _p_serial __parent__ __name__ persistent mapping BTrees OOBTree
	PersistentMapping Products CMFPlone content plone app contenttypes
`)
