package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/server"
)

// FuzzRequest sends arbitrary operations and bodies through the whole
// request path (decoding, validation, store) and checks that every answer
// is a well-formed CloudWatch response: no panic, JSON, and an error shape
// with a known status whenever the request failed.
func FuzzRequest(f *testing.F) {
	srv, err := server.Open(server.Options{DataDir: f.TempDir(), NoAuth: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	h := srv.Handler()
	seeds := []struct{ op, body string }{
		{"CreateLogGroup", `{"logGroupName":"g"}`},
		{"CreateLogStream", `{"logGroupName":"g","logStreamName":"s"}`},
		{"PutLogEvents", `{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1700000000000,"message":"hi"}]}`},
		{"GetLogEvents", `{"logGroupName":"g","logStreamName":"s","startFromHead":true,"limit":5}`},
		{"GetLogEvents", `{"logGroupName":"g","logStreamName":"s","nextToken":"f/0000000000000000000000000000000000000001"}`},
		{"FilterLogEvents", `{"logGroupName":"g","filterPattern":"{ $.a = 1 }","nextToken":"b/x"}`},
		{"DescribeLogGroups", `{"limit":1,"nextToken":"MQBh"}`},
		{"DescribeLogStreams", `{"logGroupIdentifier":"arn:aws:logs:us-east-1:000000000000:log-group:g:*","orderBy":"LastEventTime"}`},
		{"ListLogGroups", `{"logGroupNamePattern":"^abc|def"}`},
		{"TagResource", `{"resourceArn":"arn:aws:logs:us-east-1:000000000000:log-group:g","tags":{"a":"b"}}`},
		{"PutRetentionPolicy", `{"logGroupName":"g","retentionInDays":1}`},
		{"DeleteLogGroup", `{"logGroupName":"g"}`},
		{"Nope", `[]`},
	}
	for _, s := range seeds {
		f.Add(s.op, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		// A successful StartLiveTail streams until its context ends.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "Logs_20140328."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Header().Get("Content-Type") == "application/vnd.amazon.eventstream" {
			return
		}
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %q: response is not a JSON object: %q", op, body, rec.Body.Bytes())
		}
		if rec.Code == http.StatusOK {
			return
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %q: status %d: %s", op, body, rec.Code, rec.Body.Bytes())
		}
		if typ, _ := v["__type"].(string); typ == "" {
			t.Fatalf("%s %q: error without __type: %s", op, body, rec.Body.Bytes())
		}
	})
}
