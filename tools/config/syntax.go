// The ZConfig syntax: lines, sections, directives and includes, parsed into
// a tree of sections before the schema looks at it.

package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// section is one <type name> ... </type> block (or the file's top level).
type section struct {
	typ, name string
	file      string
	line      int
	keys      []keyValue
	children  []*section
}

// keyValue is one "key value" line, after substitution.
type keyValue struct {
	key, value string
	file       string
	line       int
}

// label names a section in messages: "<filestorage 1>", or "top level".
func (s *section) label() string {
	switch {
	case s.typ == "":
		return "top level"
	case s.name == "":
		return "<" + s.typ + ">"
	}
	return "<" + s.typ + " " + s.name + ">"
}

const (
	maxIncludeDepth = 16
	maxLineLength   = 1 << 20
)

// parser holds the state shared across included files.
type parser struct {
	defines   map[string]string
	including []string // absolute paths of the files being parsed, outermost first
}

func newParser() *parser { return &parser{defines: map[string]string{}} }

// open is one section being filled, with the line where it started and
// the section it is inside.
type open struct {
	sec    *section
	line   int
	parent *section
}

// parseFile reads one file's lines into cur (the section the file is
// included in, or the root). Its sections must balance within the file.
func (p *parser) parseFile(name string, r io.Reader, cur *section) error {
	abs, err := filepath.Abs(name)
	if err != nil {
		abs = name
	}
	for _, f := range p.including {
		if f == abs {
			return &Error{File: name, Msg: "included recursively"}
		}
	}
	if len(p.including) >= maxIncludeDepth {
		return &Error{File: name, Msg: fmt.Sprintf("includes nested deeper than %d", maxIncludeDepth)}
	}
	p.including = append(p.including, abs)
	defer func() { p.including = p.including[:len(p.including)-1] }()

	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineLength)
	var stack []open
	lineno := 0
	fail := func(format string, args ...any) error {
		return &Error{File: name, Line: lineno, Msg: fmt.Sprintf(format, args...)}
	}
	for sc.Scan() {
		lineno++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#':
		case strings.HasPrefix(line, "</"):
			if !strings.HasSuffix(line, ">") {
				return fail("malformed section end %q", line)
			}
			typ := strings.ToLower(strings.TrimSpace(line[2 : len(line)-1]))
			if len(stack) == 0 {
				return fail("unexpected section end </%s>: no section is open", typ)
			}
			top := stack[len(stack)-1]
			if typ != top.sec.typ {
				return fail("section end </%s> does not match <%s> opened on line %d", typ, top.sec.typ, top.line)
			}
			stack = stack[:len(stack)-1]
			cur = top.parent
		case line[0] == '<':
			if !strings.HasSuffix(line, ">") {
				return fail("malformed section start %q", line)
			}
			rest := line[1 : len(line)-1]
			empty := strings.HasSuffix(rest, "/")
			if empty {
				rest = rest[:len(rest)-1]
			}
			f := strings.Fields(rest)
			if len(f) == 0 || len(f) > 2 || !isToken(f[0]) || (len(f) == 2 && !isToken(f[1])) {
				return fail("malformed section header %q", line)
			}
			s := &section{typ: strings.ToLower(f[0]), file: name, line: lineno}
			if len(f) == 2 {
				s.name = strings.ToLower(f[1])
			}
			cur.children = append(cur.children, s)
			if !empty {
				stack = append(stack, open{sec: s, line: lineno, parent: cur})
				cur = s
			}
		case line[0] == '%':
			if err := p.directive(name, lineno, line[1:], cur); err != nil {
				return err
			}
		default:
			key, value := splitKey(line)
			if !isToken(key) {
				return fail("malformed configuration data %q", line)
			}
			v, err := p.substitute(value)
			if err != nil {
				return fail("%v", err)
			}
			cur.keys = append(cur.keys, keyValue{key: strings.ToLower(key), value: v, file: name, line: lineno})
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &Error{File: name, Line: lineno + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLineLength)}
		}
		return &Error{File: name, Line: lineno, Msg: "read error: " + err.Error(), Err: err}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return &Error{File: name, Line: top.line, Msg: fmt.Sprintf("section <%s> is not closed", top.sec.typ)}
	}
	return nil
}

// directive handles a %define, %include or %import line.
func (p *parser) directive(file string, lineno int, rest string, cur *section) error {
	fail := func(format string, args ...any) error {
		return &Error{File: file, Line: lineno, Msg: fmt.Sprintf(format, args...)}
	}
	name, arg := splitKey(rest)
	name = strings.ToLower(name)
	switch name {
	case "define", "include", "import":
	case "":
		return fail("missing directive name after %%")
	default:
		return fail("unknown directive %%%s", name)
	}
	if arg == "" {
		return fail("missing argument to %%%s", name)
	}
	switch name {
	case "import":
		return fail("%%import %s is not supported: gozeo's schema is fixed", arg)
	case "define":
		def, value := splitKey(arg)
		def = strings.ToLower(def)
		if !isName(def) {
			return fail("not a legal substitution name: %q", def)
		}
		v, err := p.substitute(value)
		if err != nil {
			return fail("%v", err)
		}
		if old, ok := p.defines[def]; ok && old != v {
			return fail("cannot redefine %q", def)
		}
		p.defines[def] = v
		return nil
	}
	// include
	path, err := p.substitute(arg)
	if err != nil {
		return fail("%v", err)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(file), path)
	}
	if abs, err := filepath.Abs(path); err == nil {
		for _, open := range p.including {
			if open == abs {
				return fail("cannot include %s: it is already being read (an include cycle)", path)
			}
		}
	}
	if len(p.including) >= maxIncludeDepth {
		return fail("cannot include %s: includes nested deeper than %d", path, maxIncludeDepth)
	}
	f, err := os.Open(path)
	if err != nil {
		return &Error{File: file, Line: lineno, Msg: fmt.Sprintf("cannot include %s: %v", path, unwrapPathError(err)), Err: err}
	}
	defer f.Close()
	return p.parseFile(path, f, cur)
}

// unwrapPathError drops the path that *os.PathError repeats.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// splitKey splits "key rest of line" at the first run of white space.
func splitKey(s string) (key, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// isToken reports whether s is a ZConfig name: no white space, no parens.
func isToken(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t()")
}

// isName reports whether s is a legal substitution name.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

// isNameByte reports whether c may stand in a name (first: at its start).
func isNameByte(c byte, first bool) bool {
	letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	return letter || (!first && c >= '0' && c <= '9')
}

// substitute expands $$, $NAME, ${NAME} and $(ENV) in s.
func (p *parser) substitute(s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		if s == "" {
			return "", errors.New("illegal lone '$' at end of value")
		}
		var name string
		env := false
		switch s[0] {
		case '$':
			b.WriteByte('$')
			s = s[1:]
			continue
		case '{', '(':
			closer := byte('}')
			if s[0] == '(' {
				closer, env = ')', true
			}
			j := strings.IndexByte(s, closer)
			if j < 0 || !isName(s[1:j]) {
				return "", fmt.Errorf("'$%c' not followed by a name and '%c'", s[0], closer)
			}
			name, s = s[1:j], s[j+1:]
		default:
			j := 0
			for j < len(s) && isNameByte(s[j], j == 0) {
				j++
			}
			if j == 0 {
				return "", errors.New("'$' not followed by '$' or a name")
			}
			name, s = s[:j], s[j:]
		}
		var v string
		var ok bool
		if env {
			v, ok = os.LookupEnv(name)
		} else {
			v, ok = p.defines[strings.ToLower(name)]
		}
		if !ok {
			if env {
				return "", fmt.Errorf("no environment variable %q", name)
			}
			return "", fmt.Errorf("no replacement for $%s", name)
		}
		b.WriteString(v)
	}
}
