// Text arguments of the protocol 0 opcodes: lines, decimal indices, and
// the STRING and UNICODE escape decoders.

package pickle

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// readLine returns the bytes from pos up to the next '\n' (excluded) and
// the offset after the '\n'. ok is false when there is no '\n'.
func readLine(data []byte, pos int) (line []byte, next int, ok bool) {
	i := bytes.IndexByte(data[pos:], '\n')
	if i < 0 {
		return nil, pos, false
	}
	end := pos + i
	return data[pos:end:end], end + 1, true
}

// parseIndex parses a PUT/GET decimal memo index. Like Python's int() it
// allows surrounding spaces and a '+'; a negative or empty index is
// rejected.
func parseIndex(line []byte) (uint64, bool) {
	line = bytes.TrimSpace(line)
	if len(line) > 0 && line[0] == '+' {
		line = line[1:]
	}
	if len(line) == 0 || len(line) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range line {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// decodeString decodes a STRING argument: a quoted Python 2 repr with
// string-escape sequences. The result lives in the scanner's text buffer.
func (s *Scanner) decodeString(line []byte) ([]byte, error) {
	if len(line) < 2 || line[0] != line[len(line)-1] || (line[0] != '\'' && line[0] != '"') {
		return nil, fmt.Errorf("%w: the STRING argument must be quoted", ErrBadArgument)
	}
	in := line[1 : len(line)-1]
	start := len(s.text)
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c != '\\' {
			s.text = append(s.text, c)
			continue
		}
		i++
		if i >= len(in) {
			return nil, fmt.Errorf("%w: trailing \\ in STRING", ErrBadArgument)
		}
		switch c = in[i]; c {
		case '\\', '\'', '"':
			s.text = append(s.text, c)
		case 'a':
			s.text = append(s.text, 7)
		case 'b':
			s.text = append(s.text, 8)
		case 'f':
			s.text = append(s.text, 12)
		case 'n':
			s.text = append(s.text, '\n')
		case 'r':
			s.text = append(s.text, '\r')
		case 't':
			s.text = append(s.text, '\t')
		case 'v':
			s.text = append(s.text, 11)
		case 'x':
			if i+2 >= len(in) {
				return nil, fmt.Errorf("%w: truncated \\x escape in STRING", ErrBadArgument)
			}
			hi, ok1 := unhex(in[i+1])
			lo, ok2 := unhex(in[i+2])
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("%w: invalid \\x escape in STRING", ErrBadArgument)
			}
			s.text = append(s.text, hi<<4|lo)
			i += 2
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && i+1 < len(in) && in[i+1] >= '0' && in[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(in[i]-'0')
			}
			s.text = append(s.text, byte(v))
		default: // unknown escapes are kept as written
			s.text = append(s.text, '\\', c)
		}
	}
	end := len(s.text)
	return s.text[start:end:end], nil
}

// decodeRawUnicode decodes a UNICODE argument (raw-unicode-escape): \uXXXX
// and \UXXXXXXXX escapes, every other byte a Latin-1 code point. The result
// is UTF-8 in the scanner's text buffer.
func (s *Scanner) decodeRawUnicode(line []byte) ([]byte, error) {
	start := len(s.text)
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' && i+1 < len(line) && (line[i+1] == 'u' || line[i+1] == 'U') {
			n := 4
			if line[i+1] == 'U' {
				n = 8
			}
			if i+2+n > len(line) {
				return nil, fmt.Errorf("%w: truncated \\%c escape in UNICODE", ErrBadArgument, line[i+1])
			}
			var r rune
			for _, h := range line[i+2 : i+2+n] {
				d, ok := unhex(h)
				if !ok {
					return nil, fmt.Errorf("%w: invalid \\%c escape in UNICODE", ErrBadArgument, line[i+1])
				}
				r = r<<4 | rune(d)
			}
			if r > utf8.MaxRune || r < 0 {
				return nil, fmt.Errorf("%w: \\U escape out of range in UNICODE", ErrBadArgument)
			}
			s.text = utf8.AppendRune(s.text, r)
			i += 1 + n
			continue
		}
		s.text = utf8.AppendRune(s.text, rune(c))
	}
	end := len(s.text)
	return s.text[start:end:end], nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
