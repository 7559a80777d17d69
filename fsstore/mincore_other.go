//go:build unix && !linux

// Page residency checks where mincore's answer is not trusted: always
// "not resident", so TryLoadBefore defers every load to LoadBefore.

package fsstore

func resident(m []byte, off, n int64) bool { return n <= 0 }

func mincoreVec(m []byte, vec []byte) bool { return false }
