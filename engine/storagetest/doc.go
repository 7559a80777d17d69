// Package storagetest is the conformance suite every way of reaching a
// storage must pass: FileStorage used directly, and a client talking to
// the engine over loopback. One set of tests, many backends (after neo/go's
// xtesting): a backend provides a Harness, and RunAll runs every check
// against it. Checks that need several connections and invalidations run
// only when the backend offers them.
//
// Only tests import this package.
package storagetest
