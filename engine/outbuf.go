// Pooled output buffers, reference counted when one encoding is shared by
// many connections.

package engine

import (
	"sync"
	"sync/atomic"
)

// outBuf is a reply or push encoded off the event loop. A buffer posted to
// n connections carries n references; each flush that wrote it drops one,
// and the last returns it to the pool.
type outBuf struct {
	b    []byte
	refs atomic.Int32
}

const maxPooledOutBuf = 1 << 20

var outBufPool = sync.Pool{New: func() any { return &outBuf{b: make([]byte, 0, 4096)} }}

// getOutBuf returns an empty buffer holding one reference.
func getOutBuf() *outBuf {
	o := outBufPool.Get().(*outBuf)
	o.refs.Store(1)
	return o
}

// retain adds n references.
func (o *outBuf) retain(n int32) { o.refs.Add(n) }

// release drops one reference; nil is a no-op.
func (o *outBuf) release() {
	if o == nil || o.refs.Add(-1) != 0 {
		return
	}
	if cap(o.b) > maxPooledOutBuf {
		return
	}
	o.b = o.b[:0]
	outBufPool.Put(o)
}
