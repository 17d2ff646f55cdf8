package ship

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/loadgen"
	"github.com/logpond/logpond/internal/server/servertest"
)

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "a", `"`, "\\", "\x01", "abcdefgh\x01ijklmnop\"qrs", strings.Repeat("\x01", 50),
		strings.Repeat(`x"`, 33) + "tail", "é😀\n\t\r\x7f", "</script>&\u2028", strings.Repeat("plain text ", 40)} {
		b := appendJSONString([]byte("prefix"), s)
		var back string
		if err := json.Unmarshal(b[len("prefix"):], &back); err != nil || back != s {
			t.Errorf("%q → %s: %v %q", s, b, err, back)
		}
	}
	if b := appendJSONString(nil, "bad \xff"); string(b) != `"bad \uFFFD"` && string(b) != "\"bad \uFFFD\"" {
		t.Errorf("invalid UTF-8: %s", b)
	}
}

// TestPutLogEventsEncoding compares the agent's PutLogEvents encoder with
// the SDK's, through a server that records both bodies.
func TestPutLogEventsEncoding(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, r.Header.Get("X-Amz-Target")+" "+r.Header.Get("Content-Type")+" "+string(b))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"rejectedLogEventsInfo":{"tooOldLogEventEndIndex":1}}`)
	}))
	defer srv.Close()
	msgs := []string{"plain", `quote " and \ backslash`, "tab\tnewline\ncr\r", "ctl \x01\x1f del \x7f", "ünïcødé ✓ 😀", "bad \xff utf8", "</script>&"}
	in := &cwl.PutLogEventsInput{LogGroupName: aws.String("g/x"), LogStreamName: aws.String("s:1"), SequenceToken: aws.String("t")}
	for i, m := range msgs {
		in.LogEvents = append(in.LogEvents, types.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(int64(1700000000000 + i))})
	}
	plain := (&servertest.Instance{URL: srv.URL}).Client(servertest.KeyA, func(o *cwl.Options) { o.Retryer = aws.NopRetryer{} })
	sdk := Tune(plain)
	for _, c := range []*cwl.Client{plain, sdk} {
		out, err := c.PutLogEvents(context.Background(), in)
		if err != nil || aws.ToInt32(out.RejectedLogEventsInfo.TooOldLogEventEndIndex) != 1 {
			t.Fatalf("PutLogEvents: %v %+v", err, out)
		}
	}
	// Same target and content type; the same JSON value.
	var a, b map[string]any
	ha, ja, _ := strings.Cut(bodies[0], " {")
	hb, jb, _ := strings.Cut(bodies[1], " {")
	if ha != hb {
		t.Errorf("headers: SDK %q, agent %q", ha, hb)
	}
	if err := json.Unmarshal([]byte("{"+ja), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte("{"+jb), &b); err != nil {
		t.Fatalf("agent's body is not JSON: %v\n%s", err, jb)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("bodies differ:\n SDK   %s\n agent %s", ja, jb)
	}
	// Other operations still go through the SDK's encoder.
	if _, err := sdk.CreateLogGroup(context.Background(), &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bodies[2], `"logGroupName":"g"`) || !strings.HasPrefix(bodies[2], "Logs_20140328.CreateLogGroup") {
		t.Errorf("CreateLogGroup body %s", bodies[2])
	}
}

func BenchmarkAppendJSONString(b *testing.B) {
	c := loadgen.NewCorpus(1)
	lines := make([]string, 1000)
	size := 0
	for i := range lines {
		lines[i] = c.Next(1700000000000)
		size += len(lines[i])
	}
	buf := make([]byte, 0, 4*size)
	b.SetBytes(int64(size))
	for b.Loop() {
		buf = buf[:0]
		for _, l := range lines {
			buf = appendJSONString(buf, l)
		}
	}
}

func BenchmarkPutLogEventsEncoding(b *testing.B) {
	in := &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}
	c := loadgen.NewCorpus(1)
	size := 0
	for range 5000 {
		m := c.Next(1700000000000)
		size += len(m)
		in.LogEvents = append(in.LogEvents, types.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(1700000000000)})
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		appendPutLogEvents(nil, in)
	}
}
