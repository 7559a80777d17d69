// Typed fast paths for the arguments of the hot calls (loadBefore, storea,
// checkCurrentSerialInTransaction, vote, tpc_finish, ...). They read the
// decoded Message without allocating.

package zeo5

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gozeo/gozeo/proto"
)

// TxnID is the transaction id a client chooses (a stock client sends
// Python's id(txn), an int up to 2^64-1). It is compared only for equality.
type TxnID struct {
	x   uint64
	big bool
}

// TxnIDOf returns the TxnID of an int value.
func TxnIDOf(v Value) (TxnID, bool) {
	if v.kind != KindInt {
		return TxnID{}, false
	}
	return TxnID{x: v.x, big: v.big}, true
}

// Value returns the id as an int value, to encode it.
func (t TxnID) Value() Value { return Value{kind: KindInt, x: t.x, big: t.big} }

func (t TxnID) String() string {
	if t.big {
		return strconv.FormatUint(t.x, 10)
	}
	return strconv.FormatInt(int64(t.x), 10)
}

func argError(m *Message, what string) error {
	return fmt.Errorf("%w: %s: %s", ErrBadArgs, m.Name, what)
}

// args returns the n arguments of a call.
func (d *Decoder) args(m *Message, min, max int) ([]Value, error) {
	if m.Args.kind != KindTuple && m.Args.kind != KindList {
		return nil, argError(m, "arguments are a "+m.Args.kind.String()+", not a sequence")
	}
	a := d.children(m.Args)
	if len(a) < min || len(a) > max {
		return nil, argError(m, "takes "+strconv.Itoa(min)+" to "+strconv.Itoa(max)+" arguments, got "+strconv.Itoa(len(a)))
	}
	return a, nil
}

func argID(m *Message, a []Value, i int, name string) (uint64, error) {
	if a[i].kind != KindBytes || len(a[i].b) != 8 {
		return 0, argError(m, "argument "+strconv.Itoa(i)+" ("+name+") must be 8 bytes")
	}
	o, _ := a[i].AsOid()
	return uint64(o), nil
}

func argTxn(m *Message, a []Value, i int) (TxnID, error) {
	t, ok := TxnIDOf(a[i])
	if !ok {
		return TxnID{}, argError(m, "argument "+strconv.Itoa(i)+" (txn) must be an int")
	}
	return t, nil
}

// LoadBeforeArgs returns the (oid, tid) of loadBefore.
func (d *Decoder) LoadBeforeArgs(m *Message) (proto.Oid, proto.Tid, error) {
	a, err := d.args(m, 2, 2)
	if err != nil {
		return 0, 0, err
	}
	oid, err := argID(m, a, 0, "oid")
	if err != nil {
		return 0, 0, err
	}
	tid, err := argID(m, a, 1, "tid")
	return proto.Oid(oid), proto.Tid(tid), err
}

// StoreArgs are storea's arguments. Data aliases the payload: copy it
// before the payload's buffer is reused.
type StoreArgs struct {
	Oid    proto.Oid
	Serial proto.Tid // the tid the client read; ZeroTid for a new object
	Data   []byte
	Txn    TxnID
}

// StoreaArgs returns storea(oid, serial, data, txn).
func (d *Decoder) StoreaArgs(m *Message) (StoreArgs, error) {
	a, err := d.args(m, 4, 4)
	if err != nil {
		return StoreArgs{}, err
	}
	var s StoreArgs
	oid, err := argID(m, a, 0, "oid")
	if err != nil {
		return s, err
	}
	serial, err := argID(m, a, 1, "serial")
	if err != nil {
		return s, err
	}
	if a[2].kind != KindBytes {
		return s, argError(m, "argument 2 (data) must be bytes")
	}
	s.Oid, s.Serial, s.Data = proto.Oid(oid), proto.Tid(serial), a[2].b
	s.Txn, err = argTxn(m, a, 3)
	return s, err
}

// CheckCurrentArgs returns checkCurrentSerialInTransaction(oid, serial,
// txn) (deleteObject takes the same arguments).
func (d *Decoder) CheckCurrentArgs(m *Message) (proto.Oid, proto.Tid, TxnID, error) {
	a, err := d.args(m, 3, 3)
	if err != nil {
		return 0, 0, TxnID{}, err
	}
	oid, err := argID(m, a, 0, "oid")
	if err != nil {
		return 0, 0, TxnID{}, err
	}
	serial, err := argID(m, a, 1, "serial")
	if err != nil {
		return 0, 0, TxnID{}, err
	}
	txn, err := argTxn(m, a, 2)
	return proto.Oid(oid), proto.Tid(serial), txn, err
}

// TxnArgs returns the single txn argument of vote, tpc_finish and
// tpc_abort.
func (d *Decoder) TxnArgs(m *Message) (TxnID, error) {
	a, err := d.args(m, 1, 1)
	if err != nil {
		return TxnID{}, err
	}
	return argTxn(m, a, 0)
}

// TpcBegin are tpc_begin's arguments. User and Description accept str as
// well as bytes (the UTF-8 bytes are the same); Ext is the extension map
// (or bytes, or None) for AppendExtensionPickle.
type TpcBegin struct {
	Txn         TxnID
	User        []byte
	Description []byte
	Ext         Value
	Tid         proto.Tid // set when HasTid (restore/copy)
	HasTid      bool
	Status      byte // ' ' unless restoring
}

// TpcBeginArgs returns tpc_begin(txn, user, description, ext, tid=None,
// status=" ").
func (d *Decoder) TpcBeginArgs(m *Message) (TpcBegin, error) {
	a, err := d.args(m, 4, 6)
	if err != nil {
		return TpcBegin{}, err
	}
	t := TpcBegin{Status: proto.StatusCommitted, Ext: a[3]}
	if t.Txn, err = argTxn(m, a, 0); err != nil {
		return t, err
	}
	for i, dst := range [2]*[]byte{&t.User, &t.Description} {
		v := a[1+i]
		if v.kind != KindBytes && v.kind != KindStr {
			return t, argError(m, "user and description must be bytes or str")
		}
		*dst = v.b
	}
	if k := t.Ext.kind; k != KindMap && k != KindBytes && k != KindNil {
		return t, argError(m, "ext must be a dict, bytes or None")
	}
	if len(a) > 4 && a[4].kind != KindNil {
		tid, err := argID(m, a, 4, "tid")
		if err != nil {
			return t, err
		}
		t.Tid, t.HasTid = proto.Tid(tid), true
	}
	if len(a) > 5 {
		s := a[5]
		if (s.kind != KindStr && s.kind != KindBytes) || len(s.b) != 1 {
			return t, argError(m, "status must be one character")
		}
		t.Status = s.b[0]
	}
	return t, nil
}

// RegisterArgs returns register(storage_name, read_only); read_only may
// be a bool or an int.
func (d *Decoder) RegisterArgs(m *Message) (storage []byte, readOnly bool, err error) {
	a, err := d.args(m, 2, 2)
	if err != nil {
		return nil, false, err
	}
	if a[0].kind != KindStr {
		return nil, false, argError(m, "storage name must be a str")
	}
	if a[1].kind != KindBool && a[1].kind != KindInt {
		return nil, false, argError(m, "read_only must be a bool or int")
	}
	return a[0].b, a[1].Truthy(), nil
}

// OidArgs returns the single oid or tid argument of getTid,
// getInvalidations, loadSerial's first half and similar calls, and an
// optional int second argument (history's size, default def).
func (d *Decoder) OidArgs(m *Message, def int64) (uint64, int64, error) {
	a, err := d.args(m, 1, 2)
	if err != nil {
		return 0, 0, err
	}
	id, err := argID(m, a, 0, "id")
	if err != nil {
		return 0, 0, err
	}
	if len(a) == 2 {
		n, ok := a[1].AsInt()
		if !ok {
			return 0, 0, argError(m, "argument 1 must be an int")
		}
		def = n
	}
	return id, def, nil
}

// NewOidsArgs returns new_oids' count: 100 when absent, clamped to
// [1, 100] as ZEO does.
func (d *Decoder) NewOidsArgs(m *Message) (int, error) {
	a, err := d.args(m, 0, 1)
	if err != nil {
		return 0, err
	}
	n := int64(100)
	if len(a) == 1 {
		var ok bool
		if n, ok = a[0].AsInt(); !ok {
			return 0, argError(m, "n must be an int")
		}
	}
	return int(max(1, min(n, 100, math.MaxInt32))), nil
}
