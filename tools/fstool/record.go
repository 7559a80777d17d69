// Shared record helpers: decompressing a stored pickle, its class name.

package fstool

import (
	"fmt"

	"github.com/gozeo/gozeo/fsstore/pickle"
	"github.com/gozeo/gozeo/proto/compress"
)

// reader turns stored records into plain pickles; not safe for
// concurrent use.
type reader struct {
	dec  compress.Decompressor
	buf  []byte
	scan pickle.Scanner
	refs []pickle.Ref
}

// plain returns the pickle of a stored record (decompressed when it has a
// codec prefix; the result is valid until the next call) and its codec.
func (r *reader) plain(stored []byte) ([]byte, compress.Codec, error) {
	c := compress.CodecOf(stored)
	if c == compress.None {
		return stored, c, nil
	}
	var err error
	r.buf, err = r.dec.Decompress(r.buf[:0], stored, 0)
	if err != nil {
		return nil, c, err
	}
	return r.buf, c, nil
}

// className is ZODB's get_pickle_metadata joined with a dot: "." when the
// class cannot be read (as Python prints it then).
func (r *reader) className(stored []byte) string {
	data, _, err := r.plain(stored)
	if err != nil {
		return "."
	}
	name, err := r.scan.ClassName(data)
	if err != nil {
		return "."
	}
	return name
}

// references returns the persistent references of a stored record.
func (r *reader) references(stored []byte) ([]pickle.Ref, error) {
	data, _, err := r.plain(stored)
	if err != nil {
		return nil, err
	}
	r.refs, err = r.scan.References(data, r.refs[:0])
	if err != nil {
		return nil, fmt.Errorf("references: %w", err)
	}
	return r.refs, nil
}

// codecNote is " codec=NAME" for a compressed record, "" otherwise.
func codecNote(stored []byte) string {
	if c := compress.CodecOf(stored); c != compress.None {
		return " codec=" + c.String()
	}
	return ""
}
