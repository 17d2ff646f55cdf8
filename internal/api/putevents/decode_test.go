package putevents

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// goodBodies are bodies that Decode must accept, with the Request each
// decodes to. TestDecode also checks that encoding/json agrees, and
// FuzzDecode starts from them.
var goodBodies = []struct {
	name string
	body string
	want Request
}{
	{
		name: "minimal",
		body: `{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1700000000000,"message":"hello"}]}`,
		want: Request{
			LogGroupName: "g", HasLogGroupName: true,
			LogStreamName: "s", HasLogStreamName: true,
			LogEvents: []Event{{1700000000000, "hello"}}, HasLogEvents: true,
		},
	},
	{
		name: "every member",
		body: `{"logGroupName":"/aws/app","logGroupIdentifier":"arn:aws:logs:us-east-1:123456789012:log-group:/aws/app",` +
			`"logStreamName":"i-0abc","logEvents":[{"timestamp":1,"message":"a"},{"timestamp":2,"message":"b"}],` +
			`"sequenceToken":"49590","entity":{"keyAttributes":{"Type":"Service","Name":"checkout"},"attributes":{"PlatformType":"AWS::EC2"}}}`,
		want: Request{
			LogGroupName: "/aws/app", HasLogGroupName: true,
			LogGroupIdentifier: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/app", HasLogGroupIdentifier: true,
			LogStreamName: "i-0abc", HasLogStreamName: true,
			LogEvents: []Event{{1, "a"}, {2, "b"}}, HasLogEvents: true,
			SequenceToken: "49590",
			Entity: &Entity{
				KeyAttributes: map[string]string{"Type": "Service", "Name": "checkout"},
				Attributes:    map[string]string{"PlatformType": "AWS::EC2"},
			},
		},
	},
	{
		name: "members in reverse order",
		body: `{"entity":{"attributes":{"a":"1"},"keyAttributes":{"k":"v"}},"sequenceToken":"t","logEvents":[{"message":"m","timestamp":5}],"logStreamName":"s","logGroupName":"g"}`,
		want: Request{
			LogGroupName: "g", HasLogGroupName: true,
			LogStreamName: "s", HasLogStreamName: true,
			LogEvents: []Event{{5, "m"}}, HasLogEvents: true,
			SequenceToken: "t",
			Entity:        &Entity{KeyAttributes: map[string]string{"k": "v"}, Attributes: map[string]string{"a": "1"}},
		},
	},
	{
		name: "white space everywhere",
		body: " \t\r\n{ \"logGroupName\" \n: \"g\" ,\t\"logEvents\" : [ { \"timestamp\" : -7 , \"message\" : \"m\" } , { } ] ," +
			" \"entity\" : { \"keyAttributes\" : { \"k\" : \"v\" } } } \r\n\t ",
		want: Request{
			LogGroupName: "g", HasLogGroupName: true,
			LogEvents: []Event{{-7, "m"}, {}}, HasLogEvents: true,
			Entity: &Entity{KeyAttributes: map[string]string{"k": "v"}},
		},
	},
	{name: "empty object", body: `{}`},
	{name: "top-level null", body: ` null `},
	{
		name: "null members are absent",
		body: `{"logGroupName":null,"logGroupIdentifier":null,"logStreamName":null,"logEvents":null,"sequenceToken":null,"entity":null}`,
	},
	{
		name: "empty logEvents is present",
		body: `{"logEvents":[]}`,
		want: Request{HasLogEvents: true},
	},
	{
		name: "empty strings are present",
		body: `{"logGroupName":"","logStreamName":"","logEvents":[{"timestamp":0,"message":""}]}`,
		want: Request{HasLogGroupName: true, HasLogStreamName: true, LogEvents: []Event{{}}, HasLogEvents: true},
	},
	{
		name: "null event fields are zero",
		body: `{"logEvents":[{"timestamp":null,"message":null},{}]}`,
		want: Request{LogEvents: []Event{{}, {}}, HasLogEvents: true},
	},
	{
		name: "null event is a zero event",
		body: `{"logEvents":[null,{"timestamp":2}]}`,
		want: Request{LogEvents: []Event{{}, {2, ""}}, HasLogEvents: true},
	},
	{name: "empty entity", body: `{"entity":{}}`, want: Request{Entity: &Entity{}}},
	{
		name: "empty entity maps are not nil",
		body: `{"entity":{"keyAttributes":{},"attributes":null}}`,
		want: Request{Entity: &Entity{KeyAttributes: map[string]string{}}},
	},
	{
		name: "null map value is empty string",
		body: `{"entity":{"attributes":{"k":null,"j":"x"}}}`,
		want: Request{Entity: &Entity{Attributes: map[string]string{"k": "", "j": "x"}}},
	},
	{
		name: "unknown members skipped",
		body: `{"x":{"a":[1,2.5e-3,{"b":null,"c":[[],{}]}],"c":"\u00e9\"\\","d":true,"e":false},"y":[],"z":-1.5E+10,` +
			`"logEvents":[{"extra":{"deep":[{"timestamp":"not this one"}]},"timestamp":3,"level":"INFO","message":"m","n":0}],` +
			`"entity":{"other":{"keyAttributes":5},"keyAttributes":{"k":"v"}},"w":"]}","v":null}`,
		want: Request{
			LogEvents: []Event{{3, "m"}}, HasLogEvents: true,
			Entity: &Entity{KeyAttributes: map[string]string{"k": "v"}},
		},
	},
	{
		name: "unknown members of every type with wrong-typed known names nested",
		body: `{"a":"logEvents","b":{"logEvents":5,"entity":"x"},"c":[{"logGroupName":1}]}`,
	},
	{
		name: "escapes",
		body: `{"logEvents":[{"message":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\u0000 end"}]}`,
		want: Request{LogEvents: []Event{{0, "\"\\/\b\f\n\r\tA\u00e9\u20ac\x00 end"}}, HasLogEvents: true},
	},
	{
		name: "surrogate pair",
		body: `{"logEvents":[{"message":"\ud83d\ude00 \uD83D\uDE00"}]}`,
		want: Request{LogEvents: []Event{{0, "\U0001F600 \U0001F600"}}, HasLogEvents: true},
	},
	{
		name: "lone surrogates",
		body: `{"logEvents":[{"message":"a\ud83db"},{"message":"\ude00"},{"message":"\ud83d\u0041"},{"message":"\ud83d\ud83d\ude00"},{"message":"\ud83d"},{"message":"\ude00\ud83d"}]}`,
		want: Request{LogEvents: []Event{
			{0, "a\ufffdb"}, {0, "\ufffd"}, {0, "\ufffdA"}, {0, "\ufffd\U0001F600"}, {0, "\ufffd"}, {0, "\ufffd\ufffd"},
		}, HasLogEvents: true},
	},
	{
		name: "invalid UTF-8 replaced per byte",
		body: "{\"logEvents\":[{\"message\":\"a\xffb\"},{\"message\":\"\xe2\x82\"},{\"message\":\"\xed\xa0\x80\"},{\"message\":\"\xc0\xaf\\n\xf8\"}]}",
		want: Request{LogEvents: []Event{
			{0, "a\ufffdb"}, {0, "\ufffd\ufffd"}, {0, "\ufffd\ufffd\ufffd"}, {0, "\ufffd\ufffd\n\ufffd"},
		}, HasLogEvents: true},
	},
	{
		name: "valid UTF-8 kept",
		body: "{\"logEvents\":[{\"message\":\"h\u00e9llo \u20ac \U0001F600 \ufffd \x7f long enough to use the word-at-a-time scan\"}]}",
		want: Request{LogEvents: []Event{{0, "h\u00e9llo \u20ac \U0001F600 \ufffd \x7f long enough to use the word-at-a-time scan"}}, HasLogEvents: true},
	},
	{
		name: "escaped and non-UTF-8 keys",
		body: "{\"logGroupNam\\u0065\":\"g\",\"logEvents\":[{\"m\\u0065ssage\":\"m\"}],\"entity\":{\"attributes\":{\"k\\n\":\"v\",\"\xff\":\"w\"}}}",
		want: Request{
			LogGroupName: "g", HasLogGroupName: true,
			LogEvents: []Event{{0, "m"}}, HasLogEvents: true,
			Entity: &Entity{Attributes: map[string]string{"k\n": "v", "\ufffd": "w"}},
		},
	},
	{
		name: "timestamp limits",
		body: `{"logEvents":[{"timestamp":0},{"timestamp":-0},{"timestamp":9223372036854775807},{"timestamp":-9223372036854775808},{"timestamp":-1}]}`,
		want: Request{LogEvents: []Event{{0, ""}, {0, ""}, {9223372036854775807, ""}, {-9223372036854775808, ""}, {-1, ""}}, HasLogEvents: true},
	},
	{
		name: "duplicate strings: last wins",
		body: `{"logGroupName":"a","logGroupName":"b","logStreamName":"s","logStreamName":null,"sequenceToken":"t","sequenceToken":null,"logGroupIdentifier":null,"logGroupIdentifier":"i"}`,
		want: Request{
			LogGroupName: "b", HasLogGroupName: true,
			LogGroupIdentifier: "i", HasLogGroupIdentifier: true,
			SequenceToken: "t",
		},
	},
	{
		name: "duplicate event fields",
		body: `{"logEvents":[{"timestamp":1,"message":"a","timestamp":2,"message":"b","timestamp":null,"message":null}]}`,
		want: Request{LogEvents: []Event{{2, "b"}}, HasLogEvents: true},
	},
	{
		name: "duplicate logEvents decode into earlier elements",
		body: `{"logEvents":[{"timestamp":1,"message":"a"},{"timestamp":2,"message":"b"},{"timestamp":3,"message":"c"}],` +
			`"logEvents":[{"timestamp":4}],"logEvents":[{},null,{"message":"d"},{}]}`,
		want: Request{LogEvents: []Event{{4, "a"}, {2, "b"}, {3, "d"}, {}}, HasLogEvents: true},
	},
	{
		name: "empty logEvents forgets earlier elements",
		body: `{"logEvents":[{"timestamp":1,"message":"a"}],"logEvents":[],"logEvents":[{}]}`,
		want: Request{LogEvents: []Event{{}}, HasLogEvents: true},
	},
	{
		name: "null logEvents forgets earlier elements",
		body: `{"logEvents":[{"timestamp":1,"message":"a"}],"logEvents":null,"logEvents":[null]}`,
		want: Request{LogEvents: []Event{{}}, HasLogEvents: true},
	},
	{
		name: "null logEvents after events is absent",
		body: `{"logEvents":[{"timestamp":1,"message":"a"}],"logEvents":null}`,
	},
	{
		name: "duplicate entity merges",
		body: `{"entity":{"keyAttributes":{"a":"1","b":"2"}},"entity":{"keyAttributes":{"b":"3","c":"4"},"attributes":{"x":"y"}}}`,
		want: Request{Entity: &Entity{
			KeyAttributes: map[string]string{"a": "1", "b": "3", "c": "4"},
			Attributes:    map[string]string{"x": "y"},
		}},
	},
	{
		name: "null entity and map forget earlier values",
		body: `{"entity":{"keyAttributes":{"a":"1"}},"entity":null,"entity":{"attributes":{"a":"1"},"attributes":null}}`,
		want: Request{Entity: &Entity{}},
	},
	{
		name: "case-differing keys are unknown",
		body: `{"LogGroupName":"x","logEvents":[{"Message":"x","TIMESTAMP":1}],"Entity":{}}`,
		want: Request{LogEvents: []Event{{}}, HasLogEvents: true},
	},
	{
		name: "nesting at the limit",
		body: `{"x":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}`,
	},
	{
		name: "nested objects at the limit in an event",
		body: `{"logEvents":[{"x":` + strings.Repeat(`{"a":`, maxDepth-3) + `1` + strings.Repeat("}", maxDepth-3) + `}]}`,
		want: Request{LogEvents: []Event{{}}, HasLogEvents: true},
	},
}

func TestDecode(t *testing.T) {
	for _, tt := range goodBodies {
		t.Run(tt.name, func(t *testing.T) {
			var got Request
			if err := Decode([]byte(tt.body), &got); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d := diffRequest(&got, &tt.want); d != "" {
				t.Errorf("Decode:%s", d)
			}
			if foldsToMember([]byte(tt.body)) {
				return // encoding/json matches keys case-insensitively
			}
			std, err := stdDecode([]byte(tt.body))
			if err != nil {
				t.Fatalf("encoding/json refuses a body Decode accepts: %v", err)
			}
			if d := diffRequest(&got, &std); d != "" {
				t.Errorf("Decode differs from encoding/json:%s", d)
			}
		})
	}
}

// badBodies are bodies that Decode must refuse, with the error it gives.
// offset is the SyntaxError's Offset, or -1 to leave it unchecked.
var badBodies = []struct {
	name   string
	body   string
	msg    string
	offset int
}{
	{"empty", ``, "unexpected end of JSON input", 0},
	{"only space", " \n", "unexpected end of JSON input", 2},
	{"unclosed object", `{`, "unexpected end of JSON input", 1},
	{"unclosed after member", `{"logGroupName":"g"`, "unexpected end of JSON input", 19},
	{"unclosed string", `{"logGroupName":"g`, "unexpected end of JSON input", 18},
	{"unclosed escaped string", `{"logGroupName":"\n`, "unexpected end of JSON input", 19},
	{"missing value", `{"logGroupName":}`, `invalid character '}' looking for beginning of value`, 16},
	{"trailing comma in object", `{"logGroupName":"g",}`, `invalid character '}' looking for beginning of object key string`, 20},
	{"missing colon", `{"logGroupName" "g"}`, `invalid character '"' after object key`, 16},
	{"missing comma", `{"logGroupName":"g" "x":1}`, `invalid character '"' after object key:value pair`, 20},
	{"trailing comma in array", `{"logEvents":[{},]}`, `invalid character ']' looking for beginning of value`, 17},
	{"missing comma in array", `{"logEvents":[{} {}]}`, `invalid character '{' after array element`, 17},
	{"garbage after value", `{} x`, `invalid character 'x' after top-level value`, 3},
	{"second value", `{}{}`, `invalid character '{' after top-level value`, 2},
	{"byte order mark", "\xef\xbb\xbf{}", `invalid character 'ï' looking for beginning of value`, 0},
	{"NUL", "{\x00}", `invalid character '\x00' looking for beginning of object key string`, 1},
	{"single-quoted key", `{'a':1}`, `invalid character '\'' looking for beginning of object key string`, 1},

	{"top-level array", `[]`, "request body: expected object, found array", 0},
	{"top-level string", `"x"`, "request body: expected object, found string", 0},
	{"top-level number", `1`, "request body: expected object, found number", 0},
	{"top-level bool", `true`, "request body: expected object, found boolean", 0},
	{"logEvents object", `{"logEvents":{}}`, "logEvents: expected array, found object", 13},
	{"logEvents string", `{"logEvents":"[]"}`, "logEvents: expected array, found string", 13},
	{"event number", `{"logEvents":[{},1]}`, "logEvents[1]: expected object, found number", 17},
	{"event array", `{"logEvents":[[]]}`, "logEvents[0]: expected object, found array", 14},
	{"message number", `{"logEvents":[{"message":5}]}`, "logEvents[0].message: expected string, found number", 25},
	{"message bool", `{"logEvents":[{"message":false}]}`, "logEvents[0].message: expected string, found boolean", 25},
	{"message object", `{"logEvents":[{"message":{"a":"b"}}]}`, "logEvents[0].message: expected string, found object", 25},
	{"timestamp string", `{"logEvents":[{"timestamp":"1"}]}`, "logEvents[0].timestamp: expected number, found string", 27},
	{"timestamp bool", `{"logEvents":[{"timestamp":true}]}`, "logEvents[0].timestamp: expected number, found boolean", 27},
	{"timestamp fraction", `{"logEvents":[{"timestamp":1.5}]}`, "logEvents[0].timestamp: number 1.5 is not an integer", 27},
	{"timestamp point zero", `{"logEvents":[{"timestamp":1.0}]}`, "logEvents[0].timestamp: number 1.0 is not an integer", 27},
	{"timestamp exponent", `{"logEvents":[{"timestamp":1e3}]}`, "logEvents[0].timestamp: number 1e3 is not an integer", 27},
	{"timestamp Exponent", `{"logEvents":[{"timestamp":1E+3}]}`, "logEvents[0].timestamp: number 1E+3 is not an integer", 27},
	{"timestamp negative zero fraction", `{"logEvents":[{"timestamp":-0.0}]}`, "logEvents[0].timestamp: number -0.0 is not an integer", 27},
	{"timestamp over max", `{"logEvents":[{"timestamp":9223372036854775808}]}`, "logEvents[0].timestamp: number 9223372036854775808 is out of range", 27},
	{"timestamp under min", `{"logEvents":[{"timestamp":-9223372036854775809}]}`, "logEvents[0].timestamp: number -9223372036854775809 is out of range", 27},
	{"timestamp huge", `{"logEvents":[{"timestamp":123456789012345678901234567890}]}`, "is out of range", 27},
	{"timestamp wraps uint64", `{"logEvents":[{"timestamp":18446744073709551617}]}`, "is out of range", 27},
	{"later event", `{"logEvents":[{"timestamp":1},{"timestamp":2},{"timestamp":2.5}]}`, "logEvents[2].timestamp: number 2.5 is not an integer", -1},
	{"logGroupName number", `{"logGroupName":5}`, "logGroupName: expected string, found number", 16},
	{"logGroupName bool", `{"logGroupName":true}`, "logGroupName: expected string, found boolean", 16},
	{"logStreamName object", `{"logStreamName":{}}`, "logStreamName: expected string, found object", 17},
	{"logGroupIdentifier array", `{"logGroupIdentifier":["a"]}`, "logGroupIdentifier: expected string, found array", 22},
	{"sequenceToken number", `{"sequenceToken":1}`, "sequenceToken: expected string, found number", 17},
	{"entity array", `{"entity":[]}`, "entity: expected object, found array", 10},
	{"keyAttributes array", `{"entity":{"keyAttributes":[]}}`, "entity.keyAttributes: expected object, found array", 27},
	{"attributes value number", `{"entity":{"attributes":{"k":1}}}`, `entity.attributes["k"]: expected string, found number`, 29},
	{"attributes value object", `{"entity":{"attributes":{"k":{}}}}`, `entity.attributes["k"]: expected string, found object`, 29},
	{"wrong type and bad syntax", `{"logEvents":{"a"}}`, `invalid character '}' after object key`, 17},

	{"unknown escape", `{"logGroupName":"\x"}`, `invalid character 'x' in string escape code`, 18},
	{"single-quote escape", `{"logGroupName":"\'"}`, `invalid character '\'' in string escape code`, 18},
	{"short unicode escape", `{"logGroupName":"\u12"}`, `invalid character '"' in \u hexadecimal character escape`, 21},
	{"bad unicode escape", `{"logGroupName":"\u12G4"}`, `invalid character 'G' in \u hexadecimal character escape`, 21},
	{"bad escape after surrogate", `{"logGroupName":"\ud83d\uZZZZ"}`, `invalid character 'Z' in \u hexadecimal character escape`, 25},
	{"bad escape in key", `{"a\q":1}`, `invalid character 'q' in string escape code`, 4},
	{"bad escape in unknown", `{"x":["\q"]}`, `invalid character 'q' in string escape code`, 8},
	{"control character", "{\"logGroupName\":\"a\x01b\"}", `invalid character '\x01' in string literal`, 18},
	{"raw newline", "{\"logEvents\":[{\"message\":\"a\nb\"}]}", `invalid character '\n' in string literal`, 27},
	{"raw tab after escape", "{\"logEvents\":[{\"message\":\"\\\"\tb\"}]}", `invalid character '\t' in string literal`, 28},
	{"raw tab in unknown", "{\"x\":\"\t\"}", `invalid character '\t' in string literal`, 6},

	{"nul", `{"logGroupName":nul}`, `invalid character '}' in literal null (expecting 'l')`, 19},
	{"nulls", `{"logGroupName":nulls}`, `invalid character 's' after object key:value pair`, 20},
	{"True", `{"x":True}`, `invalid character 'T' looking for beginning of value`, 5},
	{"tru at end", `{"x":tru`, `unexpected end of JSON input`, 8},
	{"NaN", `{"x":NaN}`, `invalid character 'N' looking for beginning of value`, 5},
	{"leading zero", `{"x":01}`, `invalid character '1' after object key:value pair`, 6},
	{"leading zero timestamp", `{"logEvents":[{"timestamp":01}]}`, `invalid character '1' after object key:value pair`, 28},
	{"lone minus", `{"x":-}`, `invalid character '}' in numeric literal`, 6},
	{"minus letter", `{"logEvents":[{"timestamp":-a}]}`, `invalid character 'a' in numeric literal`, 28},
	{"trailing point", `{"x":1.}`, `invalid character '}' in numeric literal`, 7},
	{"leading point", `{"x":.5}`, `invalid character '.' looking for beginning of value`, 5},
	{"empty exponent", `{"logEvents":[{"timestamp":1e}]}`, `invalid character '}' in numeric literal`, 29},
	{"plus sign", `{"x":+1}`, `invalid character '+' looking for beginning of value`, 5},
	{"hex", `{"x":0x10}`, `invalid character 'x' after object key:value pair`, 6},
	{"two points", `{"x":1.5.5}`, `invalid character '.' after object key:value pair`, 8},

	{"unknown array trailing comma", `{"x":[1,]}`, `invalid character ']' looking for beginning of value`, 8},
	{"unknown object key only", `{"x":{"a"}}`, `invalid character '}' after object key`, 9},
	{"unknown object trailing comma", `{"x":{"a":1,}}`, `invalid character '}' looking for beginning of object key string`, 12},
	{"unknown mismatched close", `{"x":[}`, `invalid character '}' looking for beginning of value`, 6},
	{"unknown mismatched close object", `{"x":{]}`, `invalid character ']' looking for beginning of object key string`, 6},
	{"unknown nested mismatch", `{"x":[{"a":[1}]}`, `invalid character '}' after array element`, 13},
	{"unknown non-string key", `{"x":{1:2}}`, `invalid character '1' looking for beginning of object key string`, 6},
	{"unknown unclosed", `{"x":[[`, `unexpected end of JSON input`, 7},
	{
		"nesting over the limit",
		`{"x":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`,
		"exceeded max depth", 5 + maxDepth - 1,
	},
	{
		"nesting over the limit in entity",
		`{"entity":{"x":` + strings.Repeat(`{"a":`, maxDepth-1) + `1` + strings.Repeat("}", maxDepth-1) + `}}`,
		"exceeded max depth", -1,
	},
	{
		"nesting over the limit in a wrong-typed value",
		`{"logEvents":[{"message":` + strings.Repeat("[", maxDepth-2) + strings.Repeat("]", maxDepth-2) + `}]}`,
		"exceeded max depth", -1,
	},
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range badBodies {
		t.Run(tt.name, func(t *testing.T) {
			var req Request
			err := Decode([]byte(tt.body), &req)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Decode error = %v, want a *SyntaxError", err)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("Decode error message = %q, want it to contain %q", se.Msg, tt.msg)
			}
			if tt.offset >= 0 && se.Offset != tt.offset {
				t.Errorf("Decode error offset = %d, want %d (%v)", se.Offset, tt.offset, err)
			}
			if _, err := stdDecode([]byte(tt.body)); err == nil {
				t.Errorf("encoding/json accepts a body that Decode refuses")
			}
		})
	}
}

// TestDecodeExactMemberNames shows the one deliberate difference from
// encoding/json: it would take "LogGroupName" as logGroupName.
func TestDecodeExactMemberNames(t *testing.T) {
	body := []byte(`{"LogGroupName":"a","logGroupName":"b","LOGGROUPNAME":"c"}`)
	var req Request
	if err := Decode(body, &req); err != nil {
		t.Fatal(err)
	}
	if req.LogGroupName != "b" {
		t.Errorf("LogGroupName = %q, want %q", req.LogGroupName, "b")
	}
	std, err := stdDecode(body)
	if err != nil {
		t.Fatal(err)
	}
	if std.LogGroupName != "c" {
		t.Errorf("encoding/json LogGroupName = %q; the package comment says it is %q", std.LogGroupName, "c")
	}
	if !foldsToMember(body) {
		t.Error("foldsToMember = false, want true")
	}
}

// TestDecodeReuse checks that a pooled Request shows nothing of the body it
// held before, and that its events' backing array is reused.
func TestDecodeReuse(t *testing.T) {
	var req Request
	first := []byte(`{"logGroupName":"g","logEvents":[{"timestamp":1,"message":"a\nb"},{"timestamp":2,"message":"b"},{"timestamp":3,"message":"c"}],` +
		`"sequenceToken":"t","entity":{"keyAttributes":{"k":"v"}}}`)
	for _, tt := range goodBodies {
		if err := Decode(first, &req); err != nil {
			t.Fatal(err)
		}
		if err := Decode([]byte(tt.body), &req); err != nil {
			t.Fatalf("%s: Decode into a used Request: %v", tt.name, err)
		}
		if d := diffRequest(&req, &tt.want); d != "" {
			t.Errorf("%s: Decode into a used Request:%s", tt.name, d)
		}
	}

	// An error leaves req fit for the next Decode.
	if err := Decode(first, &req); err != nil {
		t.Fatal(err)
	}
	backing := &req.LogEvents[0]
	if err := Decode([]byte(`{"logEvents":[{"timestamp":1},{"timestamp":"x"}]}`), &req); err == nil {
		t.Fatal("Decode accepted a bad body")
	}
	if err := Decode([]byte(`{"logEvents":[{},{"message":"x"}]}`), &req); err != nil {
		t.Fatal(err)
	}
	want := Request{LogEvents: []Event{{}, {0, "x"}}, HasLogEvents: true}
	if d := diffRequest(&req, &want); d != "" {
		t.Errorf("Decode after an error:%s", d)
	}
	if &req.LogEvents[0] != backing {
		t.Error("Decode did not reuse the backing array of LogEvents")
	}
}

// TestDecodeCopiesStrings checks that decoded strings do not alias the body.
func TestDecodeCopiesStrings(t *testing.T) {
	body := []byte(`{"logGroupName":"group","logEvents":[{"message":"plain message"}],"entity":{"attributes":{"key":"value"}}}`)
	var req Request
	if err := Decode(body, &req); err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'X'
	}
	if req.LogGroupName != "group" || req.LogEvents[0].Message != "plain message" || req.Entity.Attributes["key"] != "value" {
		t.Errorf("decoded strings changed with the body: %+v %+v", req, req.Entity)
	}
}

// TestDecodeAllocs checks the allocation budget once a pooled Request has
// grown: the group and the stream name, and one message arena per
// arenaSize-arenaMaxMessage bytes of messages at most, nothing per event.
func TestDecodeAllocs(t *testing.T) {
	body := benchBody(200)
	var req Request
	if err := Decode(body, &req); err != nil {
		t.Fatal(err)
	}
	msgBytes := 0
	for _, ev := range req.LogEvents {
		msgBytes += len(ev.Message)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if err := Decode(body, &req); err != nil {
			t.Fatal(err)
		}
	})
	arenas := (msgBytes + arenaSize - arenaMaxMessage - 1) / (arenaSize - arenaMaxMessage)
	if want := float64(2 + arenas); allocs < 3 || allocs > want {
		t.Errorf("Decode of %d events (%d message bytes) allocates %v times, want 3..%v", len(req.LogEvents), msgBytes, allocs, want)
	}
}

// TestDecodeKeepsEarlierMessages checks that messages of one Decode stay
// intact when the pooled Request decodes the next body: a store keeps them.
func TestDecodeKeepsEarlierMessages(t *testing.T) {
	var req Request
	var kept []string
	var want []string
	for round := range 3 {
		var b strings.Builder
		b.WriteString(`{"logGroupName":"g","logStreamName":"s","logEvents":[`)
		for i := range 500 {
			if i > 0 {
				b.WriteByte(',')
			}
			msg := fmt.Sprintf("round %d event %d %s", round, i, strings.Repeat("x", i*13%5000))
			want = append(want, msg)
			fmt.Fprintf(&b, `{"timestamp":%d,"message":%q}`, i, msg)
		}
		b.WriteString(`]}`)
		if err := Decode([]byte(b.String()), &req); err != nil {
			t.Fatal(err)
		}
		for _, ev := range req.LogEvents {
			kept = append(kept, ev.Message)
		}
	}
	for i := range want {
		if kept[i] != want[i] {
			t.Fatalf("message %d changed after later decodes: %.40q, want %.40q", i, kept[i], want[i])
		}
	}
}
