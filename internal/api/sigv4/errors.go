package sigv4

import (
	"fmt"
	"strings"
	"time"
)

// Error is the only error type Verify returns. Code is the name of the AWS
// exception a CloudWatch Logs endpoint answers with (the JSON __type), and
// Message is the text AWS puts beside it, reproduced as closely as known.
//
// The codes are:
//
//	MissingAuthenticationTokenException  no Authorization header
//	IncompleteSignatureException         the header is malformed or lacks a part
//	InvalidSignatureException            the signature, its scope or its date is wrong
//	UnrecognizedClientException          the access key id is unknown
//
// AWS's JSON-protocol services send all four with HTTP status 400; the
// mapping to a status is left to the API layer.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

const (
	codeMissingToken       = "MissingAuthenticationTokenException"
	codeIncomplete         = "IncompleteSignatureException"
	codeInvalidSignature   = "InvalidSignatureException"
	codeUnrecognizedClient = "UnrecognizedClientException"
)

// maxEcho bounds how much of a client's Authorization header is repeated
// back in an error message, so a huge header does not make a huge response.
const maxEcho = 512

func echo(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	return s[:maxEcho] + "..."
}

// errMissingToken has the wording of AWS's JSON-protocol services (DynamoDB,
// for one); "Missing Authentication Token" alone is API Gateway's.
func errMissingToken() *Error {
	return &Error{codeMissingToken, "Request is missing Authentication Token"}
}

func errMissingEqualSign(pair, header string) *Error {
	return &Error{codeIncomplete, fmt.Sprintf(
		"'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.",
		echo(pair), echo(header))}
}

// errMissingParts lists every missing part in one message, as AWS does.
func errMissingParts(a *authorization, hasDate bool, header string) *Error {
	var b strings.Builder
	if a.credential == "" {
		b.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if a.signature == "" {
		b.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if a.signedHeaders == "" {
		b.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if !hasDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	b.WriteString("Authorization=")
	b.WriteString(echo(header))
	return &Error{codeIncomplete, b.String()}
}

func errAlgorithm(algorithm string) *Error {
	return &Error{codeIncomplete, fmt.Sprintf(
		"Unsupported AWS 'algorithm': '%s'. The only supported algorithm is '%s'.",
		echo(algorithm), algorithmHMAC)}
}

func errCredentialElements(credential string) *Error {
	return &Error{codeIncomplete, fmt.Sprintf(
		"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'",
		echo(credential))}
}

func errDateFormat(value string) *Error {
	return &Error{codeIncomplete, fmt.Sprintf(
		"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601",
		echo(value))}
}

func errScopeDate(scopeDate, requestDate string) *Error {
	return &Error{codeInvalidSignature, fmt.Sprintf(
		"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
		echo(scopeDate), requestDate[:8], requestDate)}
}

func errRegion() *Error {
	return &Error{codeInvalidSignature, "Credential should be scoped to a valid region. "}
}

func errService(want string) *Error {
	return &Error{codeInvalidSignature, fmt.Sprintf(
		"Credential should be scoped to correct service: '%s'. ", want)}
}

func errTerminator(got string) *Error {
	return &Error{codeInvalidSignature, fmt.Sprintf(
		"Credential should be scoped with a valid terminator: '%s', not '%s'. ", terminator, echo(got))}
}

func errHostNotSigned() *Error {
	return &Error{codeInvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."}
}

func errExpired(date, now time.Time, skew time.Duration) *Error {
	return &Error{codeInvalidSignature, fmt.Sprintf(
		"Signature expired: %s is now earlier than %s (%s - %s.)",
		date.Format(basicFormat), now.Add(-skew).Format(basicFormat), now.Format(basicFormat), skewText(skew))}
}

func errNotYetCurrent(date, now time.Time, skew time.Duration) *Error {
	return &Error{codeInvalidSignature, fmt.Sprintf(
		"Signature not yet current: %s is still later than %s (%s + %s.)",
		date.Format(basicFormat), now.Add(skew).Format(basicFormat), now.Format(basicFormat), skewText(skew))}
}

// skewText writes the allowed skew the way AWS does ("15 min") when it is a
// whole number of minutes, and as a Go duration otherwise.
func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return d.String()
}

func errUnknownKey() *Error {
	return &Error{codeUnrecognizedClient, "The security token included in the request is invalid."}
}

func errPayloadHash() *Error {
	return &Error{codeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed."}
}

func errSignature() *Error {
	return &Error{codeInvalidSignature, "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
}
