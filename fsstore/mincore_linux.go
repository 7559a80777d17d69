//go:build linux

// Page residency checks (mincore) for TryLoadBefore.

package fsstore

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentChunk is how many pages one mincore call checks; the vector
// lives on the stack.
const residentChunk = 64

// resident reports whether every page holding m[off:off+n] is in the page
// cache, without touching those pages. m must start on a page boundary
// (a mapping does). On a mincore failure it answers false: the caller then
// takes the blocking path, which is always correct.
func resident(m []byte, off, n int64) bool {
	if n <= 0 {
		return true
	}
	start := off &^ (pageSize - 1)
	end := off + n
	var vec [residentChunk]byte
	for start < end {
		length := end - start
		if max := residentChunk * pageSize; length > max {
			length = max
		}
		_, _, errno := unix.Syscall(unix.SYS_MINCORE,
			uintptr(unsafe.Pointer(&m[start])), uintptr(length), uintptr(unsafe.Pointer(&vec[0])))
		if errno != 0 {
			return false
		}
		pages := (length + pageSize - 1) / pageSize
		for i := int64(0); i < pages; i++ {
			if vec[i]&1 == 0 {
				return false
			}
		}
		start += length
	}
	return true
}

// mincoreVec fills vec (one byte per page, bit 0 = resident) for m, which
// starts on a page boundary.
func mincoreVec(m []byte, vec []byte) bool {
	if len(m) == 0 {
		return true
	}
	_, _, errno := unix.Syscall(unix.SYS_MINCORE,
		uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0])))
	return errno == 0
}
