// Python formatting for the ruok JSON: json.dumps string escapes and
// float.__repr__.

package zeo5

import (
	"math"
	"strconv"
)

func appendJSONKey(dst []byte, k string, first bool) []byte {
	if !first {
		dst = append(dst, ", "...)
	}
	dst = appendJSONString(dst, k)
	return append(dst, ": "...)
}

// appendJSONString quotes s as json.dumps does with ensure_ascii: \" \\
// \n \r \t \b \f, \u00XX for other controls and \uXXXX (surrogate pairs
// above the BMP) for non-ASCII.
func appendJSONString(dst []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	u4 := func(dst []byte, r rune) []byte {
		return append(dst, '\\', 'u', hexd[r>>12&15], hexd[r>>8&15], hexd[r>>4&15], hexd[r&15])
	}
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"':
			dst = append(dst, `\"`...)
		case r == '\\':
			dst = append(dst, `\\`...)
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r == '\b':
			dst = append(dst, `\b`...)
		case r == '\f':
			dst = append(dst, `\f`...)
		case r < 0x20 || (r >= 0x7f && r <= 0xffff):
			dst = u4(dst, r)
		case r > 0xffff:
			r -= 0x10000
			dst = u4(dst, 0xd800+(r>>10))
			dst = u4(dst, 0xdc00+(r&0x3ff))
		default:
			dst = append(dst, byte(r))
		}
	}
	return append(dst, '"')
}

// appendJSONFloat writes f as json.dumps does: float.__repr__, with NaN and
// Infinity spelled as JavaScript does.
func appendJSONFloat(dst []byte, f float64) []byte {
	switch {
	case f != f:
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return AppendPyFloat(dst, f)
}

// AppendPyFloat appends Python's repr of a finite float: the shortest
// digits that round-trip, positional when the decimal exponent is in
// [-4, 16), else scientific with at least two exponent digits; integral
// values keep ".0".
func AppendPyFloat(dst []byte, f float64) []byte {
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		dst = append(dst, '-')
	}
	// e is d[.ddd]e±XX
	var digits [24]byte
	nd := 0
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[nd] = e[i]
			nd++
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	decpt := exp + 1 // digits are 0.d1d2... * 10^decpt
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			dst = append(dst, '0', '.')
			for k := 0; k < -decpt; k++ {
				dst = append(dst, '0')
			}
			return append(dst, digits[:nd]...)
		case decpt >= nd:
			dst = append(dst, digits[:nd]...)
			for k := nd; k < decpt; k++ {
				dst = append(dst, '0')
			}
			return append(dst, '.', '0')
		default:
			dst = append(dst, digits[:decpt]...)
			dst = append(dst, '.')
			return append(dst, digits[decpt:nd]...)
		}
	}
	dst = append(dst, digits[0])
	if nd > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:nd]...)
	}
	dst = append(dst, 'e')
	x := decpt - 1
	if x < 0 {
		dst = append(dst, '-')
		x = -x
	} else {
		dst = append(dst, '+')
	}
	if x < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(x), 10)
}
