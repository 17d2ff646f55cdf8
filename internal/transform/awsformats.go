package transform

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
)

// The parsers of AWS-vended log formats: parseCloudfront, parseVPC,
// parseRoute53, parsePostgres and parseWAF. Each reads only @message,
// must be the first processor and puts the fields at the root.

type sourceConfig struct {
	Source string `json:"source"`
}

// buildFormat builds a parser from a function that turns the message
// into fields (nil when the message is not in the format).
func buildFormat(name string, parse func(string) *object) func(json.RawMessage) (stepFunc, error) {
	return builder(name, func(sourceConfig) (stepFunc, error) {
		return func(st *state) bool {
			obj := parse(st.message)
			if obj == nil {
				return false
			}
			st.merge("", obj, true)
			return true
		}, nil
	})
}

var (
	buildParseCloudfront = buildFormat("parseCloudfront", parseCloudfront)
	buildParseVPC        = buildFormat("parseVPC", parseVPC)
	buildParseRoute53    = buildFormat("parseRoute53", parseRoute53)
	buildParsePostgres   = buildFormat("parsePostgres", parsePostgres)
	buildParseWAF        = buildFormat("parseWAF", parseWAF)
)

// fieldSpec names a positional field and says whether it is numeric.
type fieldSpec struct {
	name    string
	numeric bool
}

// positional maps values to fields by position; numeric values that are
// JSON numbers become numbers.
func positional(specs []fieldSpec, values []string, decode func(string) string) *object {
	obj := newObject()
	for i, v := range values {
		if decode != nil {
			v = decode(v)
		}
		if specs[i].numeric {
			obj.set(specs[i].name, number(v))
		} else {
			obj.set(specs[i].name, v)
		}
	}
	return obj
}

// cloudfrontFields are the fields of a CloudFront standard log line, in
// order (the names of its #Fields header).
var cloudfrontFields = []fieldSpec{
	{"date", false}, {"time", false}, {"x-edge-location", false}, {"sc-bytes", true},
	{"c-ip", false}, {"cs-method", false}, {"cs(Host)", false}, {"cs-uri-stem", false},
	{"sc-status", true}, {"cs(Referer)", false}, {"cs(User-Agent)", false}, {"cs-uri-query", false},
	{"cs(Cookie)", false}, {"x-edge-result-type", false}, {"x-edge-request-id", false}, {"x-host-header", false},
	{"cs-protocol", false}, {"cs-bytes", true}, {"time-taken", true}, {"x-forwarded-for", false},
	{"ssl-protocol", false}, {"ssl-cipher", false}, {"x-edge-response-result-type", false}, {"cs-protocol-version", false},
	{"fle-status", false}, {"fle-encrypted-fields", false}, {"c-port", true}, {"time-to-first-byte", true},
	{"x-edge-detailed-result-type", false}, {"sc-content-type", false}, {"sc-content-len", true}, {"sc-range-start", true},
	{"sc-range-end", true},
}

var (
	cloudfrontDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	cloudfrontTime = regexp.MustCompile(`^\d{2}:\d{2}:\d{2}$`)
)

// parseCloudfront parses a CloudFront standard (access) log line: fields
// separated by tabs (or, failing that, by spaces), URL-encoded values
// decoded. Lines with fewer fields (older logs) fill the first fields;
// header lines ("#Version", "#Fields") are not parsed.
func parseCloudfront(msg string) *object {
	var values []string
	if strings.Contains(msg, "\t") {
		values = strings.Split(strings.TrimRight(msg, "\r\n"), "\t")
	} else {
		values = strings.Fields(msg)
	}
	if len(values) < 3 || len(values) > len(cloudfrontFields) ||
		!cloudfrontDate.MatchString(values[0]) || !cloudfrontTime.MatchString(values[1]) {
		return nil
	}
	return positional(cloudfrontFields, values, func(v string) string {
		if d, err := url.PathUnescape(v); err == nil {
			return d
		}
		return v
	})
}

// vpcFields are the fields of the default (version 2) VPC flow log
// format.
var vpcFields = []fieldSpec{
	{"version", true}, {"accountId", false}, {"interfaceId", false}, {"srcAddr", false},
	{"dstAddr", false}, {"srcPort", true}, {"dstPort", true}, {"protocol", true},
	{"packets", true}, {"bytes", true}, {"start", true}, {"end", true},
	{"action", false}, {"logStatus", false},
}

// parseVPC parses a flow log record in the default format (14 fields
// separated by spaces); custom formats are not parsed. "-" stays "-".
func parseVPC(msg string) *object {
	values := vpcValues(msg)
	if values == nil {
		return nil
	}
	return positional(vpcFields, values, nil)
}

// vpcValues splits a default-format flow log record.
func vpcValues(msg string) []string {
	values := strings.Fields(msg)
	if len(values) != len(vpcFields) || !isJSONNumber(values[0]) {
		return nil
	}
	return values
}

// route53Fields are the fields of a Route 53 public DNS query log line.
var route53Fields = []fieldSpec{
	{"version", true}, {"queryTimestamp", false}, {"hostZoneId", false}, {"queryName", false},
	{"queryType", false}, {"responseCode", false}, {"protocol", false}, {"edgeLocation", false},
	{"resolverIp", false}, {"ednsClientSubnet", false},
}

var route53Timestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)

// parseRoute53 parses a Route 53 public DNS query log line (9 or 10 fields
// separated by spaces, the EDNS client subnet last and optional); octal
// escapes (\052) in the query name are decoded. Resolver query logs (JSON)
// are not this format.
func parseRoute53(msg string) *object {
	values := strings.Fields(msg)
	if len(values) < len(route53Fields)-1 || len(values) > len(route53Fields) ||
		!isJSONNumber(values[0]) || !route53Timestamp.MatchString(values[1]) {
		return nil
	}
	values[3] = decodeOctal(values[3])
	return positional(route53Fields, values, nil)
}

// decodeOctal decodes the \ooo escapes Route 53 writes for special
// characters of a name.
func decodeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] <= '3' && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// postgresLine matches RDS for PostgreSQL's log_line_prefix
// "%t:%r:%u@%d:[%p]:" and the message's severity.
var postgresLine = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?(?: ?[A-Za-z]+|[+-]\d+)?):(.*):([^:@]*)@([^:@]*):\[(\d+)\]:([A-Z][A-Z0-9]*):`)

// parsePostgres parses an RDS for PostgreSQL log line into logTime,
// srcIp (host and port), userName, dbName, processId and logLevel, as
// AWS documents (the message after the level is not kept). Empty parts
// of the prefix (background processes have no client) are left out.
func parsePostgres(msg string) *object {
	m := postgresLine.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	obj := newObject()
	for i, name := range []string{"logTime", "srcIp", "userName", "dbName", "processId", "logLevel"} {
		obj.setIf(name, m[i+1])
	}
	return obj
}

// parseWAF parses an AWS WAF log record (JSON): httpRequest.headers, a
// list of {name, value}, becomes an object of header names to values
// (the last of repeated names wins), and labels, a list of objects, one
// object with their keys.
func parseWAF(msg string) *object {
	obj, ok := parseJSONObject(msg)
	if !ok {
		return nil
	}
	if req, ok := obj.vals["httpRequest"].(*object); ok {
		if list, ok := req.vals["headers"].([]any); ok {
			headers := newObject()
			for _, h := range list {
				if h, ok := h.(*object); ok {
					if name, ok := h.vals["name"].(string); ok {
						headers.set(name, h.vals["value"])
					}
				}
			}
			req.set("headers", headers)
		}
	}
	if list, ok := obj.vals["labels"].([]any); ok {
		labels := newObject()
		for _, l := range list {
			if l, ok := l.(*object); ok {
				for _, k := range l.keys {
					labels.set(k, l.vals[k])
				}
			}
		}
		obj.set("labels", labels)
	}
	return obj
}
