package sigv4

import "strings"

const (
	algorithmHMAC = "AWS4-HMAC-SHA256"
	terminator    = "aws4_request"
)

// authorization is a parsed Authorization header. Every field is a substring
// of the header; a part the header lacks is left empty.
type authorization struct {
	algorithm     string
	credential    string // AKID/20260101/us-east-1/logs/aws4_request
	signedHeaders string // content-type;host;x-amz-date
	signature     string // lowercase hex
}

// parseAuthorization splits an Authorization header the way AWS does: the
// first token is the algorithm, and every later token, separated by spaces or
// commas, must be key=value. Only the syntax is checked here. Missing parts
// are left empty so the caller can report them together with a missing date,
// in one message, as AWS does; unknown keys are ignored and the first of
// repeated keys wins.
func parseAuthorization(header string) (authorization, *Error) {
	var a authorization
	rest := header
	a.algorithm, rest = nextToken(rest)
	for {
		var tok string
		tok, rest = nextToken(rest)
		if tok == "" {
			return a, nil
		}
		key, value, ok := strings.Cut(tok, "=")
		if !ok {
			return authorization{}, errMissingEqualSign(tok, header)
		}
		var field *string
		switch key {
		case "Credential":
			field = &a.credential
		case "SignedHeaders":
			field = &a.signedHeaders
		case "Signature":
			field = &a.signature
		default:
			continue
		}
		if *field == "" {
			*field = value
		}
	}
}

// nextToken returns the first token of s, skipping leading separators, and
// what follows it.
func nextToken(s string) (tok, rest string) {
	i := 0
	for i < len(s) && isSeparator(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isSeparator(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

func isSeparator(c byte) bool { return c == ' ' || c == ',' || c == '\t' }

// scope is the credential of an Authorization header, split into its five
// slash-delimited elements.
type scope struct {
	accessKeyID string
	date        string // YYYYMMDD
	region      string
	service     string
	terminator  string
	full        string // date/region/service/terminator, as in the string to sign
}

func parseCredential(credential string) (scope, *Error) {
	if strings.Count(credential, "/") != 4 {
		return scope{}, errCredentialElements(credential)
	}
	var s scope
	s.accessKeyID, s.full, _ = strings.Cut(credential, "/")
	rest := s.full
	s.date, rest, _ = strings.Cut(rest, "/")
	s.region, rest, _ = strings.Cut(rest, "/")
	s.service, s.terminator, _ = strings.Cut(rest, "/")
	return s, nil
}

// validRegion accepts the shape of an AWS region name ("us-east-1",
// "cn-north-1", or "local" for a test setup). The server serves every region
// under one name space, so no list of regions is kept.
func validRegion(r string) bool {
	if r == "" || len(r) > 64 {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkSignedHeaders checks the ';'-separated SignedHeaders list: host must
// be in it, and the names must be in strictly ascending order, as the SigV4
// canonical form puts them and every SDK sends them. Refusing repeats also
// bounds the canonical request: each header value enters it at most once.
func checkSignedHeaders(list string) *Error {
	host := false
	prev, first := "", true
	for rest := list; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		if !first && name <= prev {
			return errSignature()
		}
		prev, first = name, false
		host = host || strings.EqualFold(name, "host")
	}
	if !host {
		return errHostNotSigned()
	}
	return nil
}
