package transform

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// run parses config and runs it on msgs, failing the test on any error.
func run(t *testing.T, config string, msgs ...string) []string {
	t.Helper()
	p, err := Parse(json.RawMessage(config))
	if err != nil {
		t.Fatalf("Parse(%s): %v", config, err)
	}
	out, err := p.Run(msgs)
	if err != nil {
		t.Fatalf("Run(%s): %v", config, err)
	}
	return out
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{`[{}]`, "Invalid transformerConfig: processor 1 must set exactly one processor type."},
		{`[{"parseJSON":{},"csv":{}}]`, "Invalid transformerConfig: processor 1 must set exactly one processor type."},
		{`[{"nope":{}}]`, `Invalid transformerConfig: unknown processor type "nope".`},
		{`[{"addKeys":{}}]`, "Invalid transformerConfig: the first processor must be a parser (parseJSON, parseKeyValue, csv, grok or an AWS-format parser), not addKeys."},
		{`[{"parseJSON":{}},{"parseVPC":{}}]`, "Invalid transformerConfig: parseVPC must be the first processor."},
		{`[{"grok":{"match":"%{NOPE:x}"}}]`, `Invalid grok pattern "%{NOPE:x}": pattern %{NOPE} is not supported`},
		{`[{"parseCloudfront":{"source":"x"}}]`, `Invalid transformerConfig: parseCloudfront accepts only @message as source, not "x".`},
		{`[{"parseToOCSF":{"eventSource":"VPCFlow","ocsfVersion":"V1.1","mappingVersion":"v1.5.0"}}]`, "Invalid transformerConfig: parseToOCSF mappingVersion is not supported when ocsfVersion is V1.1."},
		{`{"parseJSON":{}}`, "Invalid transformerConfig: json: cannot unmarshal object into Go value of type []map[string]json.RawMessage"},
	} {
		_, err := Parse(json.RawMessage(tc.config))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.config, err, tc.want)
		}
	}
	for _, ok := range []string{``, `null`, `[]`, `[{"parseVPC":{"source":"@message"}}]`, `[{"parseToOCSF":{"eventSource":"EKSAudit","ocsfVersion":"V1.1"}}]`} {
		if _, err := Parse(json.RawMessage(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// Configurations valid for CloudWatch Logs that logpond cannot run fail in
// Run, before any event is transformed.
func TestRunErrors(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{`[{"csv":{"delimiter":"ab"}}]`, `csv delimiter "ab": logpond supports a single-character delimiter.`},
		{`[{"parseJSON":{}},{"substituteString":{"entries":[{"source":"a","from":"(?=x)","to":""}]}}]`, "Invalid substituteString pattern \"(?=x)\": error parsing regexp: invalid or unsupported Perl syntax: `(?=`"},
		{`[{"parseToOCSF":{"eventSource":"EKSAudit","ocsfVersion":"V1.1"}}]`, `parseToOCSF: eventSource "EKSAudit" is not supported by logpond's TestTransformer (supported: AWSWAF, CloudTrail, Route53Resolver, VPCFlow).`},
		{`[{"parseToOCSF":{"eventSource":"VPCFlow","ocsfVersion":"V2"}}]`, `parseToOCSF: ocsfVersion "V2" is not supported (V1.1 or V1.5).`},
		{`[{"parseJSON":{}},{"dateTimeConverter":{"source":"a","target":"b","matchPatterns":["yyyy QQ"]}}]`, `Invalid dateTimeConverter: pattern "yyyy QQ": pattern letter 'Q' is not supported by logpond.`},
		{`[{"parseJSON":{}},{"dateTimeConverter":{"source":"a","target":"b","matchPatterns":["yyyy 'T"]}}]`, `Invalid dateTimeConverter: pattern "yyyy 'T": pattern ends with an incomplete string literal.`},
		{`[{"parseJSON":{}},{"dateTimeConverter":{"source":"a","target":"b","matchPatterns":["yyyy[MM"]}}]`, `Invalid dateTimeConverter: pattern "yyyy[MM": pattern has an unclosed '['.`},
		{`[{"parseJSON":{}},{"dateTimeConverter":{"source":"a","target":"b","matchPatterns":["yyyy"],"sourceTimezone":"Mars/Base"}}]`, `Invalid dateTimeConverter: sourceTimezone: unknown time zone "Mars/Base".`},
		{`[{"parseJSON":{}},{"dateTimeConverter":{"source":"a","target":"b","matchPatterns":["yyyy"],"targetTimezone":"Local"}}]`, `Invalid dateTimeConverter: targetTimezone: unknown time zone "Local".`},
		{`[{"parseJSON":{}},{"dateTimeConverter":{"source":"a","target":"b","matchPatterns":["MMMM yyyy"],"locale":"ja_JP"}}]`, `Invalid dateTimeConverter: locale "ja_JP" is not supported by logpond (supported: ROOT, en, de, fr, es).`},
		{`[{"parseJSON":{"source":7}}]`, "Invalid transformerConfig: parseJSON: json: cannot unmarshal number into Go struct field parseJSONConfig.source of type string"},
	} {
		p, err := Parse(json.RawMessage(tc.config))
		if err != nil {
			t.Fatalf("%s: Parse: %v", tc.config, err)
		}
		_, err = p.Run(nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.config, err, tc.want)
		}
	}
	// A locale that text does not need is not checked.
	run(t, `[{"parseJSON":{}},{"dateTimeConverter":{"source":"a","target":"b","matchPatterns":["yyyy"],"locale":"ja_JP"}}]`)
}

// The examples of AWS's documentation of the AWS-format parsers.
func TestAWSDocumentedExamples(t *testing.T) {
	for _, tc := range []struct{ processor, msg, want string }{
		{"parseVPC", "2 123456789010 eni-abc123de 192.0.2.0 192.0.2.24 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
			`{"version":2,"accountId":"123456789010","interfaceId":"eni-abc123de","srcAddr":"192.0.2.0","dstAddr":"192.0.2.24","srcPort":20641,"dstPort":22,"protocol":6,"packets":20,"bytes":4249,"start":1418530010,"end":1418530070,"action":"ACCEPT","logStatus":"OK"}`},
		{"parseRoute53", "1.0 2017-12-13T08:15:50.235Z Z123412341234 example.com AAAA NOERROR TCP IAD12 192.0.2.0 198.51.100.0/24",
			`{"version":1.0,"queryTimestamp":"2017-12-13T08:15:50.235Z","hostZoneId":"Z123412341234","queryName":"example.com","queryType":"AAAA","responseCode":"NOERROR","protocol":"TCP","edgeLocation":"IAD12","resolverIp":"192.0.2.0","ednsClientSubnet":"198.51.100.0/24"}`},
		{"parsePostgres", `2019-03-10 03:54:59 UTC:10.0.0.123(52834):postgres@logtestdb:[20175]:ERROR: column "wrong_column_name" does not exist at character 8`,
			`{"logTime":"2019-03-10 03:54:59 UTC","srcIp":"10.0.0.123(52834)","userName":"postgres","dbName":"logtestdb","processId":"20175","logLevel":"ERROR"}`},
		{"parseCloudfront", "2019-12-04  21:02:31   LAX1   392    192.0.2.24    GET    d111111abcdef8.cloudfront.net  /index.html    200    -  Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36  -  -  Hit    SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==   d111111abcdef8.cloudfront.net  https  23 0.001  -  TLSv1.2    ECDHE-RSA-AES128-GCM-SHA256    Hit    HTTP/2.0   -  -  11040  0.001  Hit    text/html  78 -  -",
			`{"date":"2019-12-04","time":"21:02:31","x-edge-location":"LAX1","sc-bytes":392,"c-ip":"192.0.2.24","cs-method":"GET","cs(Host)":"d111111abcdef8.cloudfront.net","cs-uri-stem":"/index.html","sc-status":200,"cs(Referer)":"-","cs(User-Agent)":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36","cs-uri-query":"-","cs(Cookie)":"-","x-edge-result-type":"Hit","x-edge-request-id":"SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==","x-host-header":"d111111abcdef8.cloudfront.net","cs-protocol":"https","cs-bytes":23,"time-taken":0.001,"x-forwarded-for":"-","ssl-protocol":"TLSv1.2","ssl-cipher":"ECDHE-RSA-AES128-GCM-SHA256","x-edge-response-result-type":"Hit","cs-protocol-version":"HTTP/2.0","fle-status":"-","fle-encrypted-fields":"-","c-port":11040,"time-to-first-byte":0.001,"x-edge-detailed-result-type":"Hit","sc-content-type":"text/html","sc-content-len":78,"sc-range-start":"-","sc-range-end":"-"}`},
	} {
		if got := run(t, `[{"`+tc.processor+`":{}}]`, tc.msg)[0]; got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.processor, got, tc.want)
		}
	}
	waf := `{"timestamp":1576280412771,"formatVersion":1,"action":"BLOCK","httpRequest":{"clientIp":"1.1.1.1","country":"AU","headers":[{"name":"Host","value":"localhost:1989"},{"name":"User-Agent","value":"curl/7.61.1"},{"name":"Accept","value":"*/*"},{"name":"x-stm-test","value":"10 AND 1=1"}],"uri":"/myUri","args":"","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"rid"},"labels":[{"name":"value"}]}`
	want := `{"httpRequest":{"headers":{"Host":"localhost:1989","User-Agent":"curl/7.61.1","Accept":"*/*","x-stm-test":"10 AND 1=1"},"clientIp":"1.1.1.1","country":"AU","uri":"/myUri","args":"","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"rid"},"labels":{"name":"value"},"timestamp":1576280412771,"formatVersion":1,"action":"BLOCK"}`
	if got := run(t, `[{"parseWAF":{}}]`, waf)[0]; !sameJSON(t, got, want) {
		t.Errorf("parseWAF:\n got %s\nwant %s", got, want)
	}
}

// Formats that are not the parser's leave the event unchanged, and later
// processors see the parsed fields.
func TestAWSParsersInPipelines(t *testing.T) {
	vpc := "2 123456789010 eni-abc123de 192.0.2.0 192.0.2.24 20641 22 6 20 4249 1418530010 1418530070 REJECT OK"
	got := run(t, `[{"parseVPC":{}},{"deleteKeys":{"withKeys":["version","accountId","interfaceId","packets","bytes","start","end","logStatus"]}},{"lowerCaseString":{"withKeys":["action"]}}]`, vpc, "garbage")
	if got[0] != `{"srcAddr":"192.0.2.0","dstAddr":"192.0.2.24","srcPort":20641,"dstPort":22,"protocol":6,"action":"reject"}` || got[1] != "garbage" {
		t.Errorf("got %q", got)
	}
	got = run(t, `[{"parseVPC":{}},{"typeConverter":{"entries":[{"key":"srcPort","type":"string"},{"key":"version","type":"double"}]}}]`, vpc)
	if !strings.Contains(got[0], `"version":2,`) || !strings.Contains(got[0], `"srcPort":"20641"`) {
		t.Errorf("got %s", got[0])
	}
}

func TestRoute53OctalEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`\052.example.com`: "*.example.com",
		`a\040b`:           "a b",
		`\0`:               `\0`,
		`\999x`:            `\999x`,
		`\400`:             `\400`,
		`plain`:            "plain",
	} {
		if got := decodeOctal(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// Values copied inside the event are copies: copying a key into itself
// must not build a cycle.
func TestCopiesDoNotAlias(t *testing.T) {
	got := run(t, `[{"parseJSON":{}},{"copyValue":{"entries":[{"source":"a","target":"a.b"}]}},{"addKeys":{"entries":[{"key":"a.b.x","value":"2"}]}}]`, `{"a":{"x":"1"}}`)
	if got[0] != `{"a":{"x":"1","b":{"x":"1"}}}` {
		t.Errorf("got %s", got[0])
	}
}

func TestJSONNumbers(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-1": true, "1.0": true, "1e5": true, "1.5E-3": true, "20641": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "+1": false, "1e": false, "0x10": false, "NaN": false, "1 ": false,
	} {
		if got := isJSONNumber(s); got != want {
			t.Errorf("%q: %v", s, got)
		}
	}
}

func TestProcessorTypes(t *testing.T) {
	got := ProcessorTypes()
	if len(got) != 23 || got[0] != "addKeys" || got[len(got)-1] != "upperCaseString" {
		t.Errorf("%q", got)
	}
}
