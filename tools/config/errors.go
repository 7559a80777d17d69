// The positioned configuration Error.

package config

import (
	"errors"
	"strconv"
)

// ErrInvalid is matched (errors.Is) by every *Error and by the errors of
// Config.Validate and Config.Apply.
var ErrInvalid = errors.New("config: invalid configuration")

// Error is a configuration problem at a line of a file.
type Error struct {
	File string // the file name as given (or as included)
	Line int    // 1-based; 0 when the problem is not at one line
	Msg  string
	Err  error // the underlying cause, if any (an I/O error for instance)
}

// Error prints "file:line: msg".
func (e *Error) Error() string {
	if e.Line <= 0 {
		return e.File + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes every *Error match ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }
