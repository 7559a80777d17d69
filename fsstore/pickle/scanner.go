// The reusable Scanner, its value model, and the public extraction calls.

package pickle

import (
	"strconv"
	"sync"

	"github.com/gozeo/gozeo/proto"
)

// MaxMarkDepth bounds how deeply MARKs may nest. Python's pickler recurses
// once per nested container, so real pickles stay far below it.
const MaxMarkDepth = 4096

// Form says how a persistent id was written.
type Form uint8

const (
	// FormOidClass is (oid, klass): a normal persistent object. Strong.
	FormOidClass Form = iota + 1
	// FormOid is a bare oid, written when the class has __getnewargs__.
	// Strong.
	FormOid
	// FormWeak is ['w', (oid,)] or ['w', (oid, database)]: a
	// persistent.wref.WeakRef.
	FormWeak
	// FormCrossDB is ['m', (database, oid, klass)]: a cross-database
	// reference.
	FormCrossDB
	// FormCrossDBNoClass is ['n', (database, oid)]: a cross-database
	// reference without the class.
	FormCrossDBNoClass
	// FormLegacyWeak is [oid]: an old-style weak reference.
	FormLegacyWeak
	// FormUnknown is any other list: never strong, Oid is zero.
	FormUnknown
)

// String returns the form's name as the reference fixtures spell it.
func (f Form) String() string {
	switch f {
	case FormOidClass:
		return "oid_class"
	case FormOid:
		return "oid"
	case FormWeak:
		return "w"
	case FormCrossDB:
		return "m"
	case FormCrossDBNoClass:
		return "n"
	case FormLegacyWeak:
		return "legacy_weak"
	case FormUnknown:
		return "unknown"
	}
	return "Form(" + strconv.Itoa(int(f)) + ")"
}

// Strong reports whether ZODB's referencesf (and so pack's GC) follows
// references of this form.
func (f Form) Strong() bool { return f == FormOidClass || f == FormOid }

// Ref is one persistent id of a record, classified.
type Ref struct {
	Oid      proto.Oid
	Form     Form
	Class    string // "module.name" when the pid names the class, else ""
	Database string // the database name of FormWeak/FormCrossDB/FormCrossDBNoClass, when given
}

// kind is the type of a value on the machine's stack.
type kind uint8

const (
	kNone   kind = iota // an unset memo slot
	kOpaque             // anything the classification does not need
	kBytes              // bytes, or a Python 2 string (U, T, S, C, B, \x8e)
	kStr                // a str (X, \x8c, \x8d, V), UTF-8
	kTuple              // idx into seqs
	kList               // idx into seqs; appends update the record
	kGlobal             // idx into seqs: item 0 module, item 1 name
)

// value is one stack or memo entry. Bytes and str values are views of the
// input (or of the scanner's text buffer for escaped forms).
type value struct {
	b    []byte
	idx  int32
	kind kind
}

// seq keeps the first items of a tuple or list and its length.
type seq struct {
	n    int
	item [3]value
}

// isText reports whether v is bytes or str.
func (v value) isText() bool { return v.kind == kBytes || v.kind == kStr }

// Scanner extracts persistent ids and class names from record pickles. The
// zero value is ready to use. A Scanner is not safe for concurrent use;
// reuse one per goroutine to scan without allocating.
type Scanner struct {
	stack      []value
	marks      []int
	memo       []value
	memoSparse map[uint64]value // hostile or unusual indices far past the dense part
	memoCount  int              // entries set, for MEMOIZE
	seqs       []seq
	text       []byte // decoded STRING/UNICODE arguments

	names   map[string]string // interned class and database names
	nameBuf []byte

	// Output of the current call.
	classify bool
	refs     []Ref
	oids     []proto.Oid
}

// maxInterned bounds the interned-name table; it is cleared when full.
const maxInterned = 4096

func (s *Scanner) reset() {
	s.memo = s.memo[:0]
	s.memoCount = 0
	if len(s.memoSparse) > 0 {
		clear(s.memoSparse)
	}
	s.seqs = s.seqs[:0]
	s.text = s.text[:0]
}

// References appends every persistent id of the record data (both pickles)
// to dst, classified, in pickle order, and returns the extended slice. On
// error dst is returned with the ids found before the failure.
func (s *Scanner) References(data []byte, dst []Ref) ([]Ref, error) {
	s.reset()
	s.classify = true
	s.refs = dst
	err := s.record(data)
	dst = s.refs
	s.refs = nil
	return dst, err
}

// StrongRefs appends to dst the oids ZODB's referencesf returns for the
// record data: the (oid, klass) and bare-oid forms, duplicates kept, in
// pickle order. It does not allocate once the Scanner and dst are warm.
func (s *Scanner) StrongRefs(data []byte, dst []proto.Oid) ([]proto.Oid, error) {
	s.reset()
	s.classify = false
	s.oids = dst
	err := s.record(data)
	dst = s.oids
	s.oids = nil
	return dst, err
}

// MaxRecordSize is the largest record the scanner accepts (its tables
// index values with 32-bit integers).
const MaxRecordSize = 1<<31 - 1

// record runs both pickles of a record with one memo.
func (s *Scanner) record(data []byte) error {
	if len(data) > MaxRecordSize {
		return &Error{Offset: MaxRecordSize, Err: ErrTooLarge}
	}
	pos, _, err := s.run(data, 0)
	if err != nil {
		return err
	}
	_, _, err = s.run(data, pos)
	return err
}

// ClassName returns "module.name" of the record's class, from its first
// pickle, as fsdump prints it and the fixtures' "class" field holds it.
func (s *Scanner) ClassName(data []byte) (string, error) {
	s.reset()
	s.classify = true
	s.refs = nil
	if len(data) > MaxRecordSize {
		return "", &Error{Offset: MaxRecordSize, Err: ErrTooLarge}
	}
	_, top, err := s.run(data, 0)
	s.refs = nil
	if err != nil {
		return "", err
	}
	name := s.classOfMeta(top)
	if name == "" {
		return "", &Error{Offset: 0, Op: data[0], Err: ErrNoClass}
	}
	return name, nil
}

var scanners = sync.Pool{New: func() any { return new(Scanner) }}

// ClassName returns "module.name" of the record's class (see
// Scanner.ClassName), using a pooled Scanner.
func ClassName(data []byte) (string, error) {
	s := scanners.Get().(*Scanner)
	name, err := s.ClassName(data)
	scanners.Put(s)
	return name, err
}

// References is Scanner.References with a pooled Scanner.
func References(data []byte, dst []Ref) ([]Ref, error) {
	s := scanners.Get().(*Scanner)
	dst, err := s.References(data, dst)
	scanners.Put(s)
	return dst, err
}

// StrongRefs is Scanner.StrongRefs with a pooled Scanner.
func StrongRefs(data []byte, dst []proto.Oid) ([]proto.Oid, error) {
	s := scanners.Get().(*Scanner)
	dst, err := s.StrongRefs(data, dst)
	scanners.Put(s)
	return dst, err
}
