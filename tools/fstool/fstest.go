// Fstest: ZODB's fstest structural check, through fsstore.VerifyFile.

package fstool

import (
	"errors"
	"fmt"
	"io"

	"github.com/gozeo/gozeo/fsstore"
)

// Fstest checks the file at path as ZODB's fstest does and returns the
// problem in fstest's words ("" when the file is sound; fstest prints
// "PATH PROBLEM"). With verbose >= 1 it writes fstest -v's line per
// transaction to w, with verbose >= 2 also a line per record (before its
// transaction's line, as fstest does), and "no errors detected" at the
// end of a sound file. err is for failures to read the file at all.
func Fstest(w io.Writer, path string, verbose int, progress func(done, total int64)) (problem string, err error) {
	rep, verr := fsstore.VerifyFile(path, progress)
	if rep == nil {
		return "", verr
	}
	var re *fsstore.RecordError
	if verr != nil && !errors.As(verr, &re) {
		return "", verr
	}
	if verbose > 0 {
		if err := fstestLines(w, path, rep, verbose); err != nil {
			return "", err
		}
	}
	if rep.Problem == "" && verbose > 0 {
		fmt.Fprint(w, "no errors detected")
	}
	return rep.Problem, nil
}

// fstestLines prints the -v lines of the transactions VerifyFile found
// sound, and with -vv the records checked before the problem.
func fstestLines(w io.Writer, path string, rep *fsstore.VerifyReport, verbose int) error {
	fl, err := fsstore.OpenFile(path)
	if err != nil {
		return nil // the problem says why
	}
	defer fl.Close()
	pos := int64(fsstore.MagicSize)
	for i := 0; pos < fl.Size(); i++ {
		h, err := fl.ReadTxnHeader(pos)
		if err != nil {
			return nil // where the problem is
		}
		good := i < rep.Transactions
		if !good && (rep.Problem == "" || rep.ProblemPos < pos) {
			return nil
		}
		tend := pos + int64(h.Len)
		if verbose > 1 && h.Status != 'u' {
			j := 0
			for rpos := pos + h.HeaderLen(); rpos < tend; j++ {
				if !good && rpos >= rep.ProblemPos {
					break
				}
				d, err := fl.ReadDataHeader(rpos)
				if err != nil {
					break
				}
				fmt.Fprintf(w, "%10d: object oid 0x%s #%d\n", rpos, d.Oid, j)
				rpos += int64(d.RecordLen())
			}
		}
		if !good {
			return nil
		}
		fmt.Fprintf(w, "%10d: transaction tid 0x%s #%d \n", pos, h.Tid, i)
		pos = tend + fsstore.RedundantSize
	}
	return nil
}
