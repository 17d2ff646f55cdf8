package putevents

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode checks Decode against encoding/json.Unmarshal into the
// equivalent struct: both must accept or both refuse, and accepted bodies
// must decode to the same Request, into a fresh Request and into one that
// already held a request.
func FuzzDecode(f *testing.F) {
	for _, tt := range goodBodies {
		f.Add([]byte(tt.body))
	}
	for _, tt := range badBodies {
		f.Add([]byte(tt.body))
	}
	f.Add(benchBody(3))
	f.Add(benchBody(20))
	f.Add([]byte(`{"logGroupName":"/aws/lambda/orders","logStreamName":"2023/11/14/[$LATEST]0123456789abcdef","logEvents":[` +
		`{"timestamp":1700000000000,"message":"START RequestId: 8f0e1c2a Version: $LATEST\n"},` +
		`{"timestamp":1700000000001,"message":"{\"level\":\"error\",\"err\":\"dial tcp: i/o timeout\",\"path\":\"C:\\\\tmp\"}"},` +
		`{"timestamp":1700000000002,"message":"caf\u00e9 \ud83d\ude00 \u001b[31mred\u001b[0m"}]}`))

	used := benchBody(5)
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		var fresh Request
		err := Decode(body, &fresh)
		if !bytes.Equal(body, orig) {
			t.Fatal("Decode modified the body")
		}
		var se *SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("Decode error %v (%T) is not a *SyntaxError", err, err)
		}

		var pooled Request
		if err := Decode(used, &pooled); err != nil {
			t.Fatal(err)
		}
		pooledErr := Decode(body, &pooled)
		if (err == nil) != (pooledErr == nil) {
			t.Fatalf("Decode into a fresh Request: %v; into a used one: %v", err, pooledErr)
		}
		if err == nil {
			if d := diffRequest(&pooled, &fresh); d != "" {
				t.Fatalf("Decode into a used Request differs from a fresh one:%s", d)
			}
		}

		if foldsToMember(body) {
			return // encoding/json matches keys case-insensitively, Decode does not
		}
		std, stdErr := stdDecode(body)
		switch {
		case err != nil && stdErr != nil:
		case err != nil:
			t.Fatalf("Decode refuses a body encoding/json accepts: %v", err)
		case stdErr != nil:
			t.Fatalf("Decode accepts a body encoding/json refuses: %v", stdErr)
		default:
			if d := diffRequest(&fresh, &std); d != "" {
				t.Fatalf("Decode differs from encoding/json:%s", d)
			}
		}
	})
}
