// Tail: ZODB's fstail, the last transactions walking backwards.

package fstool

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/gozeo/gozeo/fsstore"
)

// Tail writes the last n transactions of the file, newest first, as
// fstail does:
//
//	2024-01-01 00:00:20.000000: hash=<sha1 of the records>
//	user=b'alice' description=b'...' length=TLEN offset=TPOS (+HEADER_LEN)
//	(blank line)
//
// user and description print as ” when the transaction has no metadata
// at all (fstail's quirk).
func Tail(w io.Writer, path string, n int) error {
	fl, err := fsstore.OpenFile(path)
	if err != nil {
		return err
	}
	defer fl.Close()
	raw, err := os.Open(path)
	if err != nil {
		return err
	}
	defer raw.Close()
	bw := bufio.NewWriter(w)
	var buf []byte
	pos := fl.Size()
	for i := 0; i < n; i++ {
		tpos, ok, err := fl.PrevTxn(pos)
		if err != nil {
			bw.Flush()
			return err
		}
		if !ok {
			break
		}
		h, err := fl.ReadTxnHeader(tpos)
		if err != nil {
			bw.Flush()
			return err
		}
		start := tpos + h.HeaderLen()
		buf = append(buf[:0], make([]byte, int64(h.Len)-h.HeaderLen())...)
		if _, err := raw.ReadAt(buf, start); err != nil {
			bw.Flush()
			return fmt.Errorf("%s: read transaction at %d: %w", path, tpos, err)
		}
		sum := sha1.Sum(buf)
		user, desc := "''", "''"
		if len(h.User) > 0 || len(h.Description) > 0 || len(h.Extension) > 0 {
			if len(h.User) > 0 {
				user = BytesRepr(h.User)
			}
			if len(h.Description) > 0 {
				desc = BytesRepr(h.Description)
			}
		}
		fmt.Fprintf(bw, "%s: hash=%s\n", h.Tid.TimeString(), hex.EncodeToString(sum[:]))
		fmt.Fprintf(bw, "user=%s description=%s length=%d offset=%d (+%d)\n\n", user, desc, h.Len, tpos, h.HeaderLen())
		pos = tpos
	}
	return bw.Flush()
}
