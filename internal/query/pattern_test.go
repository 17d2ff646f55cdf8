package query

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/patterns/*.txt with the results the code gives")

// TestPatternScripts runs the scripts in testdata/patterns. A script is a
// list of lines:
//
//	# comment
//	message NAME          a named message, made of the lines up to one
//	...                   that reads "end" (for multi-line JSON)
//	end
//	pattern TEXT          starts a case: TEXT is the rest of the line
//	kind KIND             the pattern's Kind (MatchAll, Terms, Regex, JSON, Delimited)
//	required "a" "b"      RequiredTerms, Go-quoted; "required none" for nil
//	match MESSAGE         MESSAGE matches; MESSAGE is the rest of the line,
//	  $key = value        or @NAME; the indented lines after it are exactly
//	                      what MatchExtract returns
//	nomatch MESSAGE       MESSAGE does not match
//	error POS MSG         parsing fails at byte POS with PatternError.Msg MSG
//
// With -update the outcomes (match or nomatch, extracted values, kind,
// required terms, errors) are rewritten from what the code does; review the
// diff.
func TestPatternScripts(t *testing.T) {
	runScripts(t, "testdata/patterns/*.txt", runPatternScript)
}

func runPatternScript(t *testing.T, file, script string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(script, "\n"), "\n")
	var out []string
	messages := map[string]string{}
	var (
		pat      *FilterPattern
		patErr   error
		patText  string
		patLine  int
		haveCase bool
	)
	fail := func(n int, format string, args ...any) {
		t.Helper()
		if !*update {
			t.Errorf("%s:%d: pattern %q: %s", file, n+1, patText, fmt.Sprintf(format, args...))
		}
	}
	for n := 0; n < len(lines); n++ {
		line := lines[n]
		word, rest, _ := strings.Cut(line, " ")
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			out = append(out, line)
		case word == "message":
			out = append(out, line)
			var body []string
			for n++; n < len(lines) && lines[n] != "end"; n++ {
				body = append(body, lines[n])
				out = append(out, lines[n])
			}
			if n == len(lines) {
				t.Fatalf("%s: message %s has no end", file, rest)
			}
			out = append(out, "end")
			messages[rest] = strings.Join(body, "\n")
		case word == "pattern":
			out = append(out, line)
			patText, patLine, haveCase = rest, n, true
			pat, patErr = ParseFilterPattern(rest)
			if patErr != nil && (n+1 >= len(lines) || !strings.HasPrefix(lines[n+1], "error ")) {
				fail(n, "unexpected error: %v", patErr)
				if *update {
					out = append(out, errorLine(patErr))
				}
			}
		case !haveCase:
			t.Fatalf("%s:%d: %q before any pattern", file, n+1, line)
		case word == "error":
			got := errorLine(patErr)
			if got != line {
				fail(n, "got %q, want %q", got, line)
			}
			out = append(out, got)
			if *update && patErr == nil {
				out = out[:len(out)-1]
			}
		case patErr != nil:
			fail(patLine, "cannot check %q: %v", line, patErr)
			out = append(out, line)
		case word == "kind":
			got := "kind " + pat.Kind().String()
			if got != line {
				fail(n, "got %q, want %q", got, line)
			}
			out = append(out, got)
		case word == "required":
			got := "required " + quoteAll(pat.RequiredTerms())
			if got != line {
				fail(n, "got %q, want %q", got, line)
			}
			out = append(out, got)
		case word == "match" || word == "nomatch":
			msg := rest
			if strings.HasPrefix(rest, "@") {
				m, ok := messages[rest[1:]]
				if !ok {
					t.Fatalf("%s:%d: no message %s", file, n+1, rest)
				}
				msg = m
			}
			var want []string
			for n+1 < len(lines) && strings.HasPrefix(lines[n+1], "  ") {
				n++
				want = append(want, lines[n])
			}
			ok, vals := pat.MatchExtract(msg)
			if ok != pat.Match(msg) {
				fail(n, "Match and MatchExtract disagree on %q", msg)
			}
			if ok != (word == "match") {
				fail(n, "%s %q: got %v", word, rest, ok)
			}
			got := extractLines(vals)
			if !slices.Equal(got, want) {
				fail(n, "extracted from %q:\n got: %q\nwant: %q", rest, got, want)
			}
			for _, term := range pat.RequiredTerms() {
				if ok && !strings.Contains(msg, term) {
					fail(n, "required term %q is not in matching message %q", term, msg)
				}
			}
			w := "nomatch"
			if ok {
				w = "match"
			}
			out = append(out, w+" "+rest)
			out = append(out, got...)
		default:
			t.Fatalf("%s:%d: unknown line %q", file, n+1, line)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

func errorLine(err error) string {
	if err == nil {
		return "error none"
	}
	pe, ok := err.(*PatternError)
	if !ok {
		return "error not a *PatternError: " + err.Error()
	}
	return fmt.Sprintf("error %d %s", pe.Pos, pe.Msg)
}

func quoteAll(ss []string) string {
	if ss == nil {
		return "none"
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, " ")
}

func extractLines(vals map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		out = append(out, "  "+k+" = "+vals[k])
	}
	return out
}

func TestParseFilterPatternErrors(t *testing.T) {
	f := func(pattern string, pos int, msg string) {
		t.Helper()
		_, err := ParseFilterPattern(pattern)
		pe, ok := err.(*PatternError)
		if !ok {
			t.Errorf("ParseFilterPattern(%q) = %v, want *PatternError", pattern, err)
			return
		}
		if pe.Pos != pos || pe.Msg != msg {
			t.Errorf("ParseFilterPattern(%q) = (%d, %q), want (%d, %q)", pattern, pe.Pos, pe.Msg, pos, msg)
		}
		if !strings.Contains(pe.Error(), msg) {
			t.Errorf("Error() = %q does not hold the message", pe.Error())
		}
	}
	// Terms.
	f(`Status: timeout`, 6, `Invalid character(s) in term ':'`)
	f(`email@example.com`, 5, `Invalid character(s) in term '@'`)
	f(`ERROR [main]`, 6, `Invalid character(s) in term '['`)
	f(`“ERROR”`, 0, `Invalid character(s) in term '“'`)
	f(`ERROR*`, 5, `Invalid character(s) in term '*'`)
	f(`level\":\"error`, 5, `Invalid character(s) in term '\'`)
	f(`"unterminated`, 0, `Unterminated quoted string`)
	f(`ERROR -`, 6, `Missing term after '-'`)
	f(`ERROR ? `, 6, `Missing term after '?'`)
	f(`--x`, 1, `Invalid character(s) in term '-'`)
	f(`ERROR %x%`, 6, `Invalid character(s) in term '%'`)
	// The outer brackets.
	f(`{ $.a = 1`, 9, `If a filter pattern starts with '{' it must end with '}'`)
	f(`[a, b`, 5, `If a filter pattern starts with '[' it must end with ']'`)
	f(`%abc`, 4, `If a filter pattern starts with '%' it must end with '%'`)
	f(`  {`, 3, `If a filter pattern starts with '{' it must end with '}'`)
	// Regular expressions.
	f(`%%`, 1, `Empty regular expression`)
	f(`%something!%`, 10, `Invalid character(s) in term '!'`)
	f(`%(a|b)c%`, 1, `Parentheses are not supported in regular expressions; use \x28 and \x29 to match them`)
	f(`%a\(b%`, 3, `Parentheses are not supported in regular expressions; use \x28 and \x29 to match them`)
	f(`%café%`, 4, `Multi-byte characters are not supported in regular expressions`)
	f(`%a\bc%`, 2, `Unsupported escape sequence '\b' in regular expression`)
	f(`%a\x2%`, 2, `\x must be followed by two hexadecimal digits`)
	f(`%a\%`, 2, `Regular expression ends with a backslash`)
	f(`%a{2,1}%`, 1, `Invalid regular expression: invalid repeat count: `+"`{2,1}`")
	f(`%[a-%`, 1, "Invalid regular expression: missing closing ]: `[a-`")
	// JSON.
	f(`{}`, 1, `Empty JSON filter pattern`)
	f(`{ }`, 2, `Empty JSON filter pattern`)
	f(`{ eventType = "x" }`, 2, `Expected a property selector starting with '$', found 'e'`)
	f(`{ $ = 1 }`, 3, `Invalid character(s) in term '$ '`)
	f(`{ $."sc-status" = 5* }`, 4, `Invalid character(s) in term '$."'`)
	f(`{ $.a:b = 1 }`, 5, `Invalid character(s) in term '$.a:'`)
	f(`{ $.a[x] = 1 }`, 6, `Invalid character(s) in term '$.a[x'`)
	f(`{ $.a[0 = 1 }`, 7, `Invalid character(s) in term '$.a[0 '`)
	f(`{ $.a[0}`, 5, `Missing ']' in property selector`)
	f(`{ $.['a = 1 }`, 5, `Unterminated quoted property name`)
	f(`{ $.a[99999999999] = 1 }`, 6, `Array index too large`)
	f(`{ $.a = }`, 8, `Missing value after the comparison operator`)
	f(`{ $.a }`, 6, `Expected a comparison operator (=, !=, <, <=, >, >=) at the end of the filter pattern`)
	f(`{ $.a == 1 }`, 7, `Invalid character(s) in term '='`)
	f(`{ $.a > "x" }`, 8, `The operator '>' needs a number`)
	f(`{ $.a <= abc }`, 9, `The operator '<=' needs a number, not 'abc'`)
	f(`{ $.a >= %x% }`, 9, `The operator '>=' needs a number`)
	f(`{ $.a = user@example.com }`, 12, `Invalid character(s) in term '@'`)
	f(`{ $.message = "error-response", $.path = "/authenticate" }`, 30, `Invalid character(s) in term ','`)
	f(`{ $.a = "x }`, 8, `Unterminated quoted string`)
	f(`{ $.a IS NOT NULL }`, 6, `IS NOT is not supported`)
	f(`{ $.a IS EMPTY }`, 9, `IS must be followed by NULL, TRUE or FALSE`)
	f(`{ $.a EXISTS }`, 6, `EXISTS is not supported; use NOT EXISTS, or a comparison such as = *`)
	f(`{ $.a NOT NULL }`, 10, `NOT must be followed by EXISTS`)
	f(`{ ($.a = 1 }`, 2, `Unbalanced parentheses: missing ')'`)
	f(`{ $.a = 1) }`, 9, `Unbalanced parentheses: unexpected ')'`)
	f(`{ $.a = 1 && }`, 13, `Expected a property selector starting with '$'`)
	f(`{ $.a = 1 $.b = 2 }`, 10, `Invalid character(s) in term '$'`)
	f(`{ $.a[*].b[*] = 1 }`, 2, `A property selector can contain only one wildcard`)
	f(`{ $.a[*] = 1 || $.b[*] = 1 || $.c.* = 1 || $.* = 1 }`, 43, `A filter pattern can contain at most 3 wildcard selectors`)
	f(`{ $.a = %a% || $.b = %b% || $.c = %c% }`, 34, `A filter pattern can contain at most 2 regular expressions`)
	f(`{ $.a = %abc }`, 8, `Unterminated regular expression: missing closing '%'`)
	f(`{ $.a = %a!% }`, 10, `Invalid character(s) in term '!'`)
	f(`{ `+strings.Repeat("(", 101)+`$.a = 1`+strings.Repeat(")", 101)+` }`, 102, `Parentheses are nested too deeply`)
	// Space-delimited.
	f(`[]`, 1, `Empty space-delimited filter pattern`)
	f(`[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]`, 61, `Conditions on field 'status_code' cannot refer to field 'bytes'`)
	f(`[w1=ERROR || W1=WARNING, w2]`, 13, `Conditions on field 'w1' cannot refer to field 'W1'`)
	f(`[a b, c]`, 3, `Invalid character(s) in term 'b'`)
	f(`[a = foo bar]`, 9, `Invalid character(s) in term 'b'`)
	f(`[a = ]`, 5, `Missing value after the comparison operator`)
	f(`[a > 5*]`, 5, `The operator '>' needs a number, not '5*'`)
	f(`[= 5]`, 1, `Invalid character(s) in term '='`)
	f(`[(a = 1]`, 1, `Unbalanced parentheses: missing ')'`)
	f(`[a = 1)]`, 6, `Unbalanced parentheses: unexpected ')'`)
	f(`[a = %x%, b = %y%, c = %z%]`, 23, `A filter pattern can contain at most 2 regular expressions`)
	f(`[a = "x]`, 5, `Unterminated quoted string`)
}

func TestMatchAllPatterns(t *testing.T) {
	for _, s := range []string{"", "   ", "\t\n", `" "`, `""`, `"  " ""`, `?" " ?x`} {
		p, err := ParseFilterPattern(s)
		if err != nil {
			t.Fatalf("ParseFilterPattern(%q): %v", s, err)
		}
		if p.Kind() != PatternMatchAll {
			t.Errorf("ParseFilterPattern(%q).Kind() = %v, want MatchAll", s, p.Kind())
		}
		for _, msg := range []string{"", " ", "anything at all", `{"a":1}`} {
			if !p.Match(msg) {
				t.Errorf("%q does not match %q", s, msg)
			}
		}
		if p.RequiredTerms() != nil {
			t.Errorf("%q: RequiredTerms() = %q, want nil", s, p.RequiredTerms())
		}
	}
}

func TestPatternKindString(t *testing.T) {
	for k, want := range map[PatternKind]string{
		PatternMatchAll: "MatchAll", PatternTerms: "Terms", PatternRegex: "Regex",
		PatternJSON: "JSON", PatternDelimited: "Delimited", PatternKind(42): "PatternKind(42)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestRequiredTermsIsACopy(t *testing.T) {
	p, err := ParseFilterPattern("ERROR timeout")
	if err != nil {
		t.Fatal(err)
	}
	p.RequiredTerms()[0] = "changed"
	if got := p.RequiredTerms(); got[0] != "ERROR" {
		t.Errorf("RequiredTerms() = %q after the caller changed its copy", got)
	}
}

// TestMatchDoesNotAllocate holds the hot path of FilterLogEvents to its
// promise.
func TestMatchDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	cases := []struct{ pattern, msg string }{
		{`ERROR "connection reset" -healthcheck`, benchNginx[0]},
		{`?ERROR ?WARN`, benchNginx[1]},
		{`%HTTP/1\.[01]\x22 5[0-9]{2}%`, benchNginx[0]},
		{`{ $.level = "ERROR" && $.service = "payments" }`, benchJSON[0]},
		{`{ $.latency_ms > 250 || $.http.status = 5* }`, benchJSON[1]},
		{`{ $.tags[*] = "beta" }`, benchJSON[0]},
		{benchDelimitedPattern, benchNginx[0]},
		{`[..., status = 5*, bytes, referrer, agent]`, benchNginx[1]},
	}
	for _, c := range cases {
		p, err := ParseFilterPattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		p.Match(c.msg) // fill the pools
		if n := testing.AllocsPerRun(100, func() { p.Match(c.msg) }); n != 0 {
			t.Errorf("%s: Match allocates %v times", c.pattern, n)
		}
	}
}

// FuzzParseFilterPattern checks that parsing and matching never panic or
// hang, that errors are *PatternError pointing into the pattern, and that
// RequiredTerms is conservative.
func FuzzParseFilterPattern(f *testing.F) {
	for _, s := range []string{
		``, `ERROR`, `?ERROR ?WARN -DEBUG`, `"INTERNAL SERVER ERROR"`, `%^[hc]at%`, `%a{,3}%`,
		`{ $.eventType = "UpdateTrail" }`, `{ ($.a[0].b = 1) && $.c IS NULL || $.d NOT EXISTS }`,
		`{ $.['cluster.name'] = "c" }`, `{ $.* = %111\.1[0-9]{1,2}% }`, `{ $.n < 1e-3 }`,
		`[ip, user, ..., status_code = 4* && status_code != 403, bytes > 1000]`,
		`[..., request=*.html*, status_code=4*,]`, `[a, ..., b, ..., c = %x%]`,
	} {
		f.Add(s, "ERROR 127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534")
		f.Add(s, `{"eventType":"UpdateTrail","a":[{"b":1}],"c":null,"n":0.0001,"cluster.name":"c"}`)
	}
	f.Fuzz(func(t *testing.T, pattern, msg string) {
		p, err := ParseFilterPattern(pattern)
		if err != nil {
			pe, ok := err.(*PatternError)
			if !ok {
				t.Fatalf("error %v is not a *PatternError", err)
			}
			if pe.Pos < 0 || pe.Pos > len(pattern) || pe.Msg == "" {
				t.Fatalf("bad error %+v for %q", pe, pattern)
			}
			return
		}
		ok := p.Match(msg)
		ok2, vals := p.MatchExtract(msg)
		if ok != ok2 {
			t.Fatalf("Match = %v, MatchExtract = %v", ok, ok2)
		}
		if !ok && vals != nil {
			t.Fatalf("no match but extracted %v", vals)
		}
		if ok {
			for _, term := range p.RequiredTerms() {
				if !strings.Contains(msg, term) {
					t.Fatalf("required term %q missing from matching message", term)
				}
			}
		}
	})
}

// TestConcurrentMatch runs one pattern from many goroutines; run it with
// -race. The pools of scratch space are what it exercises.
func TestConcurrentMatch(t *testing.T) {
	for _, pattern := range []string{
		`{ $.level = "ERROR" && $.tags[*] = "beta" }`,
		benchDelimitedPattern,
		`[ip, ..., status = 5*, ..., agent]`,
	} {
		p, err := ParseFilterPattern(pattern)
		if err != nil {
			t.Fatal(err)
		}
		msgs := append(slices.Clone(benchJSON), benchNginx...)
		want := make([]map[string]string, len(msgs))
		for i, m := range msgs {
			_, want[i] = p.MatchExtract(m)
		}
		done := make(chan bool)
		for g := 0; g < 8; g++ {
			go func() {
				ok := true
				for i := 0; i < 200; i++ {
					k := (i + g) % len(msgs)
					if _, got := p.MatchExtract(msgs[k]); !maps.Equal(got, want[k]) {
						ok = false
					}
				}
				done <- ok
			}()
		}
		for g := 0; g < 8; g++ {
			if !<-done {
				t.Errorf("%s: concurrent MatchExtract disagrees with serial", pattern)
			}
		}
	}
}
