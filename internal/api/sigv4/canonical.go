package sigv4

import (
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// This file builds the SigV4 canonical request:
//
//	METHOD
//	canonical URI
//	canonical query string
//	name:value            one line per signed header, in SignedHeaders order
//	                      (the header block ends with a newline, so an empty line follows)
//	signed headers        as listed in the Authorization header
//	payload hash          lowercase hex SHA-256 of the body, or UNSIGNED-PAYLOAD

// appendCanonicalRequest appends the canonical request of r to buf. path is
// the escaped request path, before the canonical escaping.
func appendCanonicalRequest(buf []byte, r *http.Request, path, signedHeaders string, payloadHash []byte) []byte {
	buf = append(buf, r.Method...)
	buf = append(buf, '\n')
	buf = appendURIEscaped(buf, path, true)
	buf = append(buf, '\n')
	if r.URL != nil && r.URL.RawQuery != "" {
		buf = appendCanonicalQuery(buf, r.URL.RawQuery)
	}
	buf = append(buf, '\n')
	buf = appendCanonicalHeaders(buf, r, signedHeaders)
	buf = append(buf, '\n')
	buf = append(buf, signedHeaders...)
	buf = append(buf, '\n')
	buf = append(buf, payloadHash...)
	return buf
}

// requestPath returns the path as the client escaped it on the wire; "/"
// when it is empty.
func requestPath(r *http.Request) string {
	if r.URL == nil {
		return "/"
	}
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// normalizePath removes "." and ".." segments and empty segments ("//")
// from an escaped path, as every AWS SDK except Go's does before signing a
// request to a service other than S3. The Go SDK signs the path as it is, so
// Verify tries the path as it is first and the normalized one only if they
// differ. ok is false when normalizing changes nothing.
func normalizePath(p string) (normalized string, ok bool) {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p, false // the common case: nothing to remove
	}
	var segments []string
	for rest := p; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		switch seg {
		case "", ".":
		case "..":
			if len(segments) > 0 {
				segments = segments[:len(segments)-1]
			}
		default:
			segments = append(segments, seg)
		}
	}
	var b strings.Builder
	if strings.HasPrefix(p, "/") {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(segments, "/"))
	if len(segments) > 0 && strings.HasSuffix(p, "/") {
		b.WriteByte('/')
	}
	return b.String(), b.String() != p
}

// appendURIEscaped percent-encodes every byte of s outside the RFC 3986
// unreserved set (A-Z a-z 0-9 - . _ ~), with uppercase hex, keeping '/' when
// keepSlash is set. Applied to an already escaped path it encodes the path a
// second time ("%20" becomes "%2520"), which is what SigV4 asks of every
// service but S3.
func appendURIEscaped(buf []byte, s string, keepSlash bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' && keepSlash {
			buf = append(buf, c)
			continue
		}
		buf = append(buf, '%', hexUpper[c>>4], hexUpper[c&15])
	}
	return buf
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendCanonicalQuery appends the query parameters sorted by encoded name,
// then encoded value. The raw query is decoded with url.ParseQuery, like the
// SDKs' own signers do ('+' is a space; malformed pairs are dropped).
func appendCanonicalQuery(buf []byte, rawQuery string) []byte {
	values, _ := url.ParseQuery(rawQuery)
	type pair struct{ name, value string }
	var pairs []pair
	for name, vs := range values {
		n := string(appendURIEscaped(nil, name, false))
		for _, v := range vs {
			pairs = append(pairs, pair{n, string(appendURIEscaped(nil, v, false))})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	for i, p := range pairs {
		if i > 0 {
			buf = append(buf, '&')
		}
		buf = append(buf, p.name...)
		buf = append(buf, '=')
		buf = append(buf, p.value...)
	}
	return buf
}

// appendCanonicalHeaders appends "name:value\n" for every name in the
// ';'-separated signedHeaders, in that order. host is r.Host. Values of a
// header sent several times are joined with ','; each value is trimmed and
// runs of spaces inside it are collapsed to one. A signed content-length
// that net/http moved out of the header map is taken from r.ContentLength. A
// signed header the request lacks gets an empty value, which will not match
// the client's signature.
func appendCanonicalHeaders(buf []byte, r *http.Request, signedHeaders string) []byte {
	for rest := signedHeaders; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		buf = append(buf, name...)
		buf = append(buf, ':')
		buf = appendCanonicalHeaderValue(buf, r, name)
		buf = append(buf, '\n')
	}
	return buf
}

func appendCanonicalHeaderValue(buf []byte, r *http.Request, name string) []byte {
	if strings.EqualFold(name, "host") {
		return appendCanonicalValue(buf, r.Host)
	}
	values := headerValues(r.Header, name)
	if len(values) == 0 && strings.EqualFold(name, "content-length") && r.ContentLength >= 0 {
		return strconv.AppendInt(buf, r.ContentLength, 10)
	}
	for i, v := range values {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendCanonicalValue(buf, v)
	}
	return buf
}

// appendCanonicalValue appends v without leading and trailing white space
// and with every run of spaces inside it collapsed to one space, as the SDKs
// do.
func appendCanonicalValue(buf []byte, v string) []byte {
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		buf = append(buf, v[i])
	}
	return buf
}

// headerValues returns the values of the header named name, in any case.
// It looks the name up in canonical form ("x-amz-date" as "X-Amz-Date"),
// which is how net/http stores every header it receives and how Header.Set
// and Header.Add store theirs; a key put into the map in another spelling is
// not found. Names of up to 64 bytes are canonicalized without allocating.
func headerValues(h http.Header, name string) []string {
	var key [64]byte
	if n, ok := canonicalKey(&key, name); ok {
		return h[string(key[:n])]
	}
	return h[textproto.CanonicalMIMEHeaderKey(name)]
}

// canonicalKey writes the canonical MIME form of name ("x-amz-date" becomes
// "X-Amz-Date") into key. It handles only names made of letters, digits and
// '-' that fit in key, and reports whether it did.
func canonicalKey(key *[64]byte, name string) (int, bool) {
	if name == "" || len(name) > len(key) {
		return 0, false
	}
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z':
			if upper {
				c -= 'a' - 'A'
			}
		case 'A' <= c && c <= 'Z':
			if !upper {
				c += 'a' - 'A'
			}
		case '0' <= c && c <= '9' || c == '-':
		default:
			return 0, false
		}
		key[i] = c
		upper = c == '-'
	}
	return len(name), true
}
