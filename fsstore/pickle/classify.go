// Classification of persistent ids and class metadata, and name interning.

package pickle

import (
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// persistentID records one pid: into s.refs when classifying, into s.oids
// (strong forms only) otherwise. The errors are those of referencesf.
func (s *Scanner) persistentID(pid value) error {
	switch pid.kind {
	case kTuple:
		q := &s.seqs[pid.idx]
		if q.n == 0 {
			return fmt.Errorf("%w: empty tuple", ErrBadPid)
		}
		oid, err := oidOf(q.item[0])
		if err != nil {
			return err
		}
		if !s.classify {
			s.oids = append(s.oids, oid)
			return nil
		}
		r := Ref{Oid: oid, Form: FormOidClass}
		if q.n >= 2 {
			r.Class = s.classOf(q.item[1])
		}
		s.refs = append(s.refs, r)
	case kBytes, kStr:
		oid, err := oidOf(pid)
		if err != nil {
			return err
		}
		if !s.classify {
			s.oids = append(s.oids, oid)
			return nil
		}
		s.refs = append(s.refs, Ref{Oid: oid, Form: FormOid})
	case kList:
		if s.classify {
			s.refs = append(s.refs, s.listRef(&s.seqs[pid.idx]))
		}
	default:
		return fmt.Errorf("%w: %s is not a tuple, bytes, str or list", ErrBadPid, kindName(pid.kind))
	}
	return nil
}

// listRef classifies a list pid as ZODB's ObjectReader does: a one-item
// list is a legacy weak reference, a two-item list is [marker, args].
// Shapes that do not fit give FormUnknown: referencesf ignores every list,
// so they are no error.
func (s *Scanner) listRef(q *seq) Ref {
	unknown := Ref{Form: FormUnknown}
	switch q.n {
	case 1:
		oid, err := oidOf(q.item[0])
		if err != nil {
			return unknown
		}
		return Ref{Oid: oid, Form: FormLegacyWeak}
	case 2:
		marker, args := q.item[0], q.item[1]
		if !marker.isText() || len(marker.b) != 1 || args.kind != kTuple {
			return unknown
		}
		a := &s.seqs[args.idx]
		switch marker.b[0] {
		case 'w': // (oid,) or (oid, database)
			if a.n != 1 && a.n != 2 {
				return unknown
			}
			oid, err := oidOf(a.item[0])
			if err != nil {
				return unknown
			}
			r := Ref{Oid: oid, Form: FormWeak}
			if a.n == 2 {
				if !a.item[1].isText() {
					return unknown
				}
				r.Database = s.intern(a.item[1].b)
			}
			return r
		case 'n': // (database, oid)
			if a.n != 2 || !a.item[0].isText() {
				return unknown
			}
			oid, err := oidOf(a.item[1])
			if err != nil {
				return unknown
			}
			return Ref{Oid: oid, Form: FormCrossDBNoClass, Database: s.intern(a.item[0].b)}
		case 'm': // (database, oid, klass)
			if a.n != 3 || !a.item[0].isText() {
				return unknown
			}
			oid, err := oidOf(a.item[1])
			if err != nil {
				return unknown
			}
			return Ref{Oid: oid, Form: FormCrossDB, Database: s.intern(a.item[0].b), Class: s.classOf(a.item[2])}
		}
	}
	return unknown
}

// oidOf turns a pid's oid value into an Oid: 8 bytes, or a str of 8 ASCII
// characters (referencesf encodes a str oid as ASCII).
func oidOf(v value) (proto.Oid, error) {
	switch v.kind {
	case kBytes:
	case kStr:
		for _, c := range v.b {
			if c >= 0x80 {
				return 0, fmt.Errorf("%w: str oid is not ASCII", ErrBadPid)
			}
		}
	default:
		return 0, fmt.Errorf("%w: oid is %s, not bytes", ErrBadPid, kindName(v.kind))
	}
	if len(v.b) != 8 {
		return 0, fmt.Errorf("%w: oid has %d bytes, want 8", ErrBadPid, len(v.b))
	}
	return proto.OidFromBytes(v.b), nil
}

// classOf names the klass of a pid: a GLOBAL, or the ancient (module,
// name) tuple. Anything else gives "".
func (s *Scanner) classOf(v value) string {
	var mod, name value
	switch v.kind {
	case kGlobal:
		q := &s.seqs[v.idx]
		mod, name = q.item[0], q.item[1]
	case kTuple:
		q := &s.seqs[v.idx]
		if q.n != 2 || !q.item[0].isText() || !q.item[1].isText() {
			return ""
		}
		mod, name = q.item[0], q.item[1]
	default:
		return ""
	}
	s.nameBuf = append(s.nameBuf[:0], mod.b...)
	s.nameBuf = append(s.nameBuf, '.')
	s.nameBuf = append(s.nameBuf, name.b...)
	return s.intern(s.nameBuf)
}

// classOfMeta names the class of a record from the value its class pickle
// produced: GLOBAL cls; (cls, args) or (cls, None); ((module, name), None);
// (module, name). It returns "" for anything else.
func (s *Scanner) classOfMeta(v value) string {
	switch v.kind {
	case kGlobal:
		return s.classOf(v)
	case kTuple:
		q := &s.seqs[v.idx]
		if q.n == 0 {
			return ""
		}
		if first := q.item[0]; first.kind == kGlobal || first.kind == kTuple {
			return s.classOf(first)
		}
		return s.classOf(v)
	}
	return ""
}

// intern returns b as a string, shared across calls so that steady-state
// scans do not allocate names.
func (s *Scanner) intern(b []byte) string {
	if v, ok := s.names[string(b)]; ok {
		return v
	}
	if s.names == nil {
		s.names = make(map[string]string)
	} else if len(s.names) >= maxInterned {
		clear(s.names)
	}
	v := string(b)
	s.names[v] = v
	return v
}

func kindName(k kind) string {
	switch k {
	case kBytes:
		return "bytes"
	case kStr:
		return "str"
	case kTuple:
		return "a tuple"
	case kList:
		return "a list"
	case kGlobal:
		return "a class"
	}
	return "an opaque value"
}
