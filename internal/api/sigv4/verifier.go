// Package sigv4 owns the server side of AWS Signature Version 4: it checks
// the Authorization header (AWS4-HMAC-SHA256) of an incoming request against
// the caller's secret, the way CloudWatch Logs does, and says who signed it.
//
// Only header authentication is supported; presigned URLs (signature in the
// query string), SigV4a and streaming (chunked) payload signing are not.
package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// Credential is what the server knows of an access key.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	AccountID       string
}

// Lookup returns the credential for an access key id, and false when the key
// is unknown. Verify calls it from many goroutines at once, so it must be
// safe for concurrent use; it is called once per request, after the cheap
// checks of the header and date have passed.
type Lookup func(accessKeyID string) (Credential, bool)

// Verifier checks SigV4 signatures. Set Lookup and Service; the other fields
// have defaults. A Verifier is safe for concurrent use once its fields are
// set; do not change them or copy the Verifier afterwards, since it caches
// derived signing keys.
type Verifier struct {
	Lookup  Lookup
	Service string        // the service the credential scope must name, such as "logs"
	MaxSkew time.Duration // how far the request date may be from Now; 15 minutes when zero
	Now     func() time.Time

	keys keyCache
}

// Identity is who signed a request.
type Identity struct {
	AccessKeyID string
	AccountID   string
	// Region is the region of the credential scope: the region the client
	// was configured for. The server answers for every region.
	Region string
	// SessionToken is the X-Amz-Security-Token header, if any. It is not
	// validated; when the client listed it in SignedHeaders, the signature
	// covers it.
	SessionToken string
}

const (
	basicFormat        = "20060102T150405Z" // ISO 8601 basic format, as in X-Amz-Date
	unsignedPayload    = "UNSIGNED-PAYLOAD"
	defaultMaxSkew     = 15 * time.Minute
	maxPooledBufferCap = 64 << 10
)

var unsignedPayloadBytes = []byte(unsignedPayload)

// bufPool holds scratch buffers for the canonical request and the string to
// sign.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// Verify checks the signature in the Authorization header of r and returns
// the identity that signed it. body must be the exact bytes of the request
// body as received (before any Content-Encoding is undone); the caller has
// read it already, and Verify neither keeps nor modifies it. r.Body is not
// touched.
//
// Header keys in r.Header must be in canonical form, as net/http leaves
// them and as Header.Set and Header.Add make them.
//
// Every error is an *Error naming the AWS exception to answer with.
// Identity's strings may share memory with r's headers.
func (v *Verifier) Verify(r *http.Request, body []byte) (Identity, error) {
	id, err := v.verify(r, body)
	if err != nil {
		return Identity{}, err
	}
	return id, nil
}

func (v *Verifier) verify(r *http.Request, body []byte) (Identity, *Error) {
	if v.Lookup == nil || v.Service == "" {
		panic("sigv4: Verifier used without Lookup or Service")
	}
	req, err := v.parse(r)
	if err != nil {
		return Identity{}, err
	}
	if err := v.checkSkew(req.date); err != nil {
		return Identity{}, err
	}
	cred, ok := v.Lookup(req.scope.accessKeyID)
	if !ok {
		return Identity{}, errUnknownKey()
	}

	// The payload hash line is the body's SHA-256 in lowercase hex, unless
	// the client declared an unsigned payload. A declared hash must match.
	payloadHash := unsignedPayloadBytes
	if declared := firstValue(r.Header, "X-Amz-Content-Sha256"); declared != unsignedPayload {
		var sum [sha256.Size * 2]byte
		bodySum := sha256.Sum256(body)
		hex.Encode(sum[:], bodySum[:])
		if declared != "" && !equalFoldBytes(declared, sum[:]) {
			return Identity{}, errPayloadHash()
		}
		payloadHash = sum[:]
	}

	key := v.keys.get(cred.SecretAccessKey, req.scope.date, req.scope.region, req.scope.service)
	path := requestPath(r)
	match := signatureMatches(r, &req, path, payloadHash, key)
	if !match {
		if normalized, ok := normalizePath(path); ok {
			match = signatureMatches(r, &req, normalized, payloadHash, key)
		}
	}
	if !match {
		return Identity{}, errSignature()
	}
	return Identity{
		AccessKeyID:  req.scope.accessKeyID,
		AccountID:    cred.AccountID,
		Region:       req.scope.region,
		SessionToken: firstValue(r.Header, "X-Amz-Security-Token"),
	}, nil
}

// signedRequest is what the headers of a request say about its signature.
type signedRequest struct {
	auth  authorization
	scope scope
	date  time.Time
	stamp string // date in ISO 8601 basic format, as in the string to sign
}

// parse reads the Authorization and date headers of r and checks everything
// that needs neither the secret nor the clock.
func (v *Verifier) parse(r *http.Request) (signedRequest, *Error) {
	header := firstValue(r.Header, "Authorization")
	if isBlank(header) {
		return signedRequest{}, errMissingToken()
	}
	auth, err := parseAuthorization(header)
	if err != nil {
		return signedRequest{}, err
	}
	dateValue, amzDate := firstValue(r.Header, "X-Amz-Date"), true
	if dateValue == "" {
		dateValue, amzDate = firstValue(r.Header, "Date"), false
	}
	if auth.credential == "" || auth.signature == "" || auth.signedHeaders == "" || dateValue == "" {
		return signedRequest{}, errMissingParts(&auth, dateValue != "", header)
	}
	if auth.algorithm != algorithmHMAC {
		return signedRequest{}, errAlgorithm(auth.algorithm)
	}
	scope, err := parseCredential(auth.credential)
	if err != nil {
		return signedRequest{}, err
	}
	date, stamp, ok := parseDate(dateValue, amzDate)
	if !ok {
		return signedRequest{}, errDateFormat(dateValue)
	}
	switch {
	case scope.date != stamp[:8]:
		return signedRequest{}, errScopeDate(scope.date, stamp)
	case !validRegion(scope.region):
		return signedRequest{}, errRegion()
	case scope.service != v.Service:
		return signedRequest{}, errService(v.Service)
	case scope.terminator != terminator:
		return signedRequest{}, errTerminator(scope.terminator)
	}
	if err := checkSignedHeaders(auth.signedHeaders); err != nil {
		return signedRequest{}, err
	}
	return signedRequest{auth: auth, scope: scope, date: date, stamp: stamp}, nil
}

func (v *Verifier) checkSkew(date time.Time) *Error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = defaultMaxSkew
	}
	t := now().UTC()
	switch {
	case date.Before(t.Add(-skew)):
		return errExpired(date, t, skew)
	case date.After(t.Add(skew)):
		return errNotYetCurrent(date, t, skew)
	}
	return nil
}

// signatureMatches computes the signature of r with the canonical path path
// and compares it, in constant time, with the one the client sent.
func signatureMatches(r *http.Request, req *signedRequest, path string, payloadHash []byte, key *signingKey) bool {
	var want [sha256.Size]byte
	if !decodeHex(want[:], req.auth.signature) {
		return false
	}

	bp := bufPool.Get().(*[]byte)
	buf := appendCanonicalRequest((*bp)[:0], r, path, req.auth.signedHeaders, payloadHash)
	canonicalSum := sha256.Sum256(buf)

	buf = append(buf[:0], algorithmHMAC...)
	buf = append(buf, '\n')
	buf = append(buf, req.stamp...)
	buf = append(buf, '\n')
	buf = append(buf, req.scope.full...)
	buf = append(buf, '\n')
	buf = hex.AppendEncode(buf, canonicalSum[:])
	n := len(buf)
	buf = key.appendMAC(buf, buf[:n]) // the MAC lands after the string to sign
	match := subtle.ConstantTimeCompare(buf[n:], want[:]) == 1

	if cap(buf) <= maxPooledBufferCap {
		*bp = buf[:0]
		bufPool.Put(bp)
	}
	return match
}

// parseDate parses the request date: X-Amz-Date in ISO 8601 basic format,
// or else the HTTP Date header. stamp is the date in basic format, as it
// goes into the string to sign.
func parseDate(value string, amzDate bool) (date time.Time, stamp string, ok bool) {
	if amzDate {
		if len(value) != len(basicFormat) {
			return time.Time{}, "", false
		}
		t, err := time.Parse(basicFormat, value)
		return t, value, err == nil
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return time.Time{}, "", false
	}
	t = t.UTC()
	return t, t.Format(basicFormat), true
}

// firstValue is h.Get for a key already in canonical form.
func firstValue(h http.Header, canonicalKey string) string {
	if vs := h[canonicalKey]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isSeparator(s[i]) {
			return false
		}
	}
	return true
}

// decodeHex decodes the hex string s into dst, which it must fill exactly.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// equalFoldBytes reports whether s and b are equal ignoring ASCII case.
func equalFoldBytes(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c, d := s[i], b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}
