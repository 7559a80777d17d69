// Decoder: the reusable value arena, its options, whole-message decoding
// and the accessors that walk containers.

package zeo5

import (
	"fmt"
)

// Options bound what a Decoder accepts. The zero value means DefaultOptions.
type Options struct {
	// MaxDepth is the deepest container nesting accepted (and the deepest
	// run of open pickle MARKs). 0 means DefaultOptions.MaxDepth.
	MaxDepth int
	// MaxValues bounds the values one payload may create (each costs 40
	// bytes of arena). 0 means DefaultOptions.MaxValues.
	MaxValues int
}

// DefaultOptions are the limits used for zero fields.
var DefaultOptions = Options{MaxDepth: 100, MaxValues: 1 << 22}

// maxDepthLimit is the largest MaxDepth allowed (depth is kept in 16 bits).
const maxDepthLimit = 10000

func (o Options) withDefaults() Options {
	if o.MaxDepth == 0 {
		o.MaxDepth = DefaultOptions.MaxDepth
	}
	if o.MaxValues == 0 {
		o.MaxValues = DefaultOptions.MaxValues
	}
	return o
}

// Validate reports options out of range.
func (o Options) Validate() error {
	if o.MaxDepth < 0 || o.MaxDepth > maxDepthLimit {
		return fmt.Errorf("zeo5: MaxDepth %d out of range [0, %d]", o.MaxDepth, maxDepthLimit)
	}
	if o.MaxValues < 0 || o.MaxValues > 1<<30 {
		return fmt.Errorf("zeo5: MaxValues %d out of range [0, 2^30]", o.MaxValues)
	}
	return nil
}

// Message is one decoded RPC frame, the 4-sequence (msgid, flags, name,
// args). Values alias the payload and the Decoder's arena: they are valid
// until the next Decode and while the payload is unchanged; copy MsgIDRaw
// (and any data) before that if a reply is sent later.
type Message struct {
	// MsgID is the message id: an int for most calls, the (oid, tid) pair
	// for loadBefore, 0 for async calls, -1 for heartbeats.
	MsgID Value
	// MsgIDRaw is the encoded msgid exactly as received, to echo in a
	// reply. (A pickled msgid that used memo opcodes is re-encoded without
	// them, so the bytes stand alone.)
	MsgIDRaw []byte
	// Async is the truth of flags: a one-way call, or an error reply.
	Async bool
	// Flags is flags as an int (bools give 0 and 1).
	Flags int
	// FlagsBool records that flags was a bool (calls) rather than an int
	// (replies), so the message re-encodes to the same bytes.
	FlagsBool bool
	// Name is the method name (".reply" for replies), aliasing the payload.
	Name []byte
	// Args is the argument tuple of a call, or the result of a reply.
	Args Value
}

// IsReply reports whether the message is a reply (name ".reply").
func (m *Message) IsReply() bool { return string(m.Name) == ".reply" }

// IsError reports whether the message is an error reply (flags truthy).
func (m *Message) IsError() bool { return m.IsReply() && m.Async }

// IsHeartbeat reports whether the message is a client heartbeat (msgid -1).
func (m *Message) IsHeartbeat() bool {
	i, ok := m.MsgID.AsInt()
	return ok && i == -1
}

// Decoder decodes payloads of either encoding into a reusable arena. Reuse
// one Decoder per connection: after warm-up, decoding allocates nothing. A
// Decoder is not safe for concurrent use. The zero Decoder uses
// DefaultOptions.
type Decoder struct {
	opts  Options
	src   []byte
	vals  []Value // children of containers
	objs  []obj
	nvals int // values created for this payload (MaxValues)

	mpFrames []mpFrame // open msgpack containers

	// pickle machine state
	stack   []Value
	marks   []mark
	memo    []Value // indexed by memo key; kindUnset marks a hole
	memoN   int     // keys set (MEMOIZE's next key)
	memoOps []int32 // offsets of memo and FRAME opcodes
	scratch []byte  // re-encoded msgid
}

// mark is an open pickle MARK: the stack height and the opcode's offset.
type mark struct {
	height int32
	off    int32
}

// NewDecoder returns a Decoder with the given options (nil means
// DefaultOptions).
func NewDecoder(opts *Options) (*Decoder, error) {
	d := &Decoder{}
	if opts != nil {
		if err := opts.Validate(); err != nil {
			return nil, err
		}
		d.opts = *opts
	}
	return d, nil
}

func (d *Decoder) reset(src []byte) {
	d.opts = d.opts.withDefaults()
	d.src = src
	d.vals = d.vals[:0]
	d.objs = d.objs[:0]
	d.nvals = 0
}

// Decode decodes one RPC payload (a frame's content, after the handshake).
func (d *Decoder) Decode(enc Encoding, payload []byte) (Message, error) {
	d.reset(payload)
	top, err := d.decodeTop(enc)
	if err != nil {
		return Message{}, err
	}
	return d.message(enc, top)
}

// DecodeValue decodes a payload holding one value: a whole pickle (PROTO ...
// STOP), or one msgpack object. It is how extension pickles are read.
func (d *Decoder) DecodeValue(enc Encoding, payload []byte) (Value, error) {
	d.reset(payload)
	return d.decodeTop(enc)
}

// decodeAppend decodes payload as one value without resetting the arena,
// so values decoded before stay valid.
func (d *Decoder) decodeAppend(enc Encoding, payload []byte) (Value, error) {
	saved := d.src
	d.opts = d.opts.withDefaults()
	d.src = payload
	v, err := d.decodeTop(enc)
	d.src = saved
	return v, err
}

func (d *Decoder) decodeTop(enc Encoding) (Value, error) {
	switch enc {
	case Pickle:
		return d.decodePickle()
	case Msgpack:
		return d.decodeMsgpack()
	}
	return Value{}, ErrBadEncoding
}

func badMessage(what string) error { return fmt.Errorf("%w: %s", ErrBadMessage, what) }

func (d *Decoder) message(enc Encoding, top Value) (Message, error) {
	if (top.kind != KindTuple && top.kind != KindList) || d.Len(top) != 4 {
		return Message{}, badMessage("payload is not a 4-element sequence")
	}
	e := d.children(top)
	m := Message{MsgID: e[0], Args: e[3]}
	switch e[1].kind {
	case KindBool:
		m.FlagsBool = true
		m.Flags = int(e[1].x)
	case KindInt:
		if e[1].big {
			return Message{}, badMessage("flags out of range")
		}
		m.Flags = int(int64(e[1].x))
	default:
		return Message{}, badMessage("flags is a " + e[1].kind.String() + ", not a bool or int")
	}
	m.Async = m.Flags != 0
	if e[2].kind != KindStr {
		return Message{}, badMessage("method name is a " + e[2].kind.String() + ", not a str")
	}
	m.Name = e[2].b
	lo, hi := int(e[0].off), int(e[1].off)
	if lo < hi && hi <= len(d.src) {
		m.MsgIDRaw = d.src[lo:hi:hi]
	}
	if m.MsgIDRaw == nil || (enc == Pickle && d.memoOpIn(lo, hi)) {
		var err error
		d.scratch, err = appendValue(d.scratch[:0], enc, d, e[0], 0)
		if err != nil {
			return Message{}, err
		}
		m.MsgIDRaw = d.scratch
	}
	return m, nil
}

func (d *Decoder) memoOpIn(lo, hi int) bool {
	for _, off := range d.memoOps {
		if int(off) >= lo && int(off) < hi {
			return true
		}
	}
	return false
}

// errorAt builds a *DecodeError.
func (d *Decoder) errorAt(enc Encoding, off int, op byte, err error, detail string) error {
	return &DecodeError{Enc: enc, Offset: off, Op: op, Err: err, Detail: detail}
}
