// Python reprs of bytes and str, as ZODB's tools print them with %r.

package fstool

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// BytesRepr returns Python's repr of a bytes value: b'...', with double
// quotes when the value holds a single quote and no double quote.
func BytesRepr(b []byte) string {
	q := quoteFor(string(b))
	var sb strings.Builder
	sb.WriteString("b")
	sb.WriteByte(q)
	for _, c := range b {
		switch {
		case c == q || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			sb.WriteString(`\x`)
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&15])
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(q)
	return sb.String()
}

// StrRepr returns Python 3's repr of a str: printable characters as they
// are, others escaped.
func StrRepr(s string) string {
	q := quoteFor(s)
	var sb strings.Builder
	sb.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == utf8.RuneError:
			sb.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f:
			sb.WriteString(`\x`)
			sb.WriteByte(hexDigits[r>>4])
			sb.WriteByte(hexDigits[r&15])
		case r < 0x100 && !unicode.IsPrint(r):
			sb.WriteString(`\x`)
			sb.WriteByte(hexDigits[r>>4])
			sb.WriteByte(hexDigits[r&15])
		case !unicode.IsPrint(r) && r < 0x10000:
			sb.WriteString(`\u`)
			for sh := 12; sh >= 0; sh -= 4 {
				sb.WriteByte(hexDigits[(r>>sh)&15])
			}
		case !unicode.IsPrint(r):
			sb.WriteString(`\U`)
			for sh := 28; sh >= 0; sh -= 4 {
				sb.WriteByte(hexDigits[(r>>sh)&15])
			}
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte(q)
	return sb.String()
}

const hexDigits = "0123456789abcdef"

func quoteFor(s string) byte {
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		return '"'
	}
	return '\''
}

// hexRepr is Python's hex() of a u64: 0x plus hex without leading zeros.
func hexRepr(v uint64) string {
	const digits = "0123456789abcdef"
	if v == 0 {
		return "0x0"
	}
	var buf [18]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = digits[v&15]
		v >>= 4
	}
	i--
	buf[i] = 'x'
	i--
	buf[i] = '0'
	return string(buf[i:])
}
