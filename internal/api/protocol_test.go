package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/auth"
	"github.com/logpond/logpond/internal/server/servertest"
)

type rawResponse struct {
	status int
	typ    string
	msg    string
	body   []byte
}

// rawCall sends a hand-made request, signed as cred at signTime unless
// cred is empty; mutate may change the request after signing.
func rawCall(t *testing.T, url, op string, body []byte, cred auth.Credential, signTime time.Time, gz bool, mutate func(*http.Request)) rawResponse {
	t.Helper()
	payload := body
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		payload = b.Bytes()
	}
	req, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Logs_20140328."+op)
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if cred.AccessKeyID != "" {
		sum := sha256.Sum256(payload)
		creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "logs", "us-east-1", signTime); err != nil {
			t.Fatal(err)
		}
	}
	if mutate != nil {
		mutate(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	json.Unmarshal(b, &e)
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("content-type %q", ct)
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
	return rawResponse{resp.StatusCode, e.Type, e.Message, b}
}

func TestProtocolErrors(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	now := time.Now()
	create := []byte(`{"logGroupName":"g"}`)
	badSecret := servertest.KeyA
	badSecret.SecretAccessKey = "wrong"
	unknown := auth.Credential{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}
	cases := []struct {
		name    string
		op      string
		body    string
		cred    auth.Credential
		at      time.Time
		mutate  func(*http.Request)
		status  int
		typ     string
		msgPart string
	}{
		{"unsigned", "CreateLogGroup", `{"logGroupName":"g"}`, auth.Credential{}, now, nil, 400, "MissingAuthenticationTokenException", "Authentication Token"},
		{"wrong secret", "CreateLogGroup", `{"logGroupName":"g"}`, badSecret, now, nil, 400, "InvalidSignatureException", "The request signature we calculated does not match"},
		{"unknown key", "CreateLogGroup", `{"logGroupName":"g"}`, unknown, now, nil, 400, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"clock skew past", "CreateLogGroup", `{"logGroupName":"g"}`, servertest.KeyA, now.Add(-20 * time.Minute), nil, 400, "InvalidSignatureException", "Signature expired"},
		{"clock skew future", "CreateLogGroup", `{"logGroupName":"g"}`, servertest.KeyA, now.Add(20 * time.Minute), nil, 400, "InvalidSignatureException", "Signature not yet current"},
		{"tampered body", "CreateLogGroup", `{"logGroupName":"g"}`, servertest.KeyA, now, func(r *http.Request) {
			b := bytes.Replace(create, []byte(`"g"`), []byte(`"h"`), 1)
			r.Body = io.NopCloser(bytes.NewReader(b))
		}, 400, "InvalidSignatureException", ""},
		{"tampered target", "CreateLogGroup", `{"logGroupName":"g"}`, servertest.KeyA, now, func(r *http.Request) {
			r.Header.Set("X-Amz-Target", "Logs_20140328.DeleteLogGroup")
		}, 400, "InvalidSignatureException", ""},
		{"unknown operation", "NoSuchThing", `{}`, servertest.KeyA, now, nil, 400, "UnknownOperationException", ""},
		{"malformed json", "CreateLogGroup", `{"logGroupName":`, servertest.KeyA, now, nil, 400, "SerializationException", ""},
		{"wrong type", "DescribeLogGroups", `{"limit":"5"}`, servertest.KeyA, now, nil, 400, "SerializationException", ""},
		{"malformed put", "PutLogEvents", `{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":"x"}]}`, servertest.KeyA, now, nil, 400, "SerializationException", ""},
		{"not found", "DeleteLogGroup", `{"logGroupName":"nope"}`, servertest.KeyA, now, nil, 400, "ResourceNotFoundException", "The specified log group does not exist."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rawCall(t, in.URL, tc.op, []byte(tc.body), tc.cred, tc.at, false, tc.mutate)
			if r.status != tc.status || r.typ != tc.typ || !strings.Contains(r.msg, tc.msgPart) {
				t.Fatalf("got %d %s %q (%s), want %d %s containing %q", r.status, r.typ, r.msg, r.body, tc.status, tc.typ, tc.msgPart)
			}
		})
	}
	// No rejected request created the group.
	c := in.Client(servertest.KeyA)
	if n := len(must(c.DescribeLogGroups(servertest.Ctx(t), &cwl.DescribeLogGroupsInput{})).LogGroups); n != 0 {
		t.Fatalf("rejected requests created %d groups", n)
	}
	// GET on the API path is refused in the API's error shape.
	resp, err := http.Get(in.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
}

func TestGzipRequestBody(t *testing.T) {
	in, c := setup(t, "g", "s")
	now := time.Now().UnixMilli()
	body, _ := json.Marshal(map[string]any{
		"logGroupName": "g", "logStreamName": "s",
		"logEvents": []map[string]any{{"timestamp": now, "message": "compressed hello"}},
	})
	r := rawCall(t, in.URL, "PutLogEvents", body, servertest.KeyA, time.Now(), true, nil)
	if r.status != 200 {
		t.Fatalf("gzip put: %d %s", r.status, r.body)
	}
	out := must(c.GetLogEvents(servertest.Ctx(t), &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	if len(out.Events) != 1 || *out.Events[0].Message != "compressed hello" {
		t.Fatalf("events = %+v", out.Events)
	}
	r = rawCall(t, in.URL, "DescribeLogGroups", []byte("{}"), servertest.KeyA, time.Now(), false, func(r *http.Request) {
		r.Header.Set("Content-Encoding", "gzip") // claims gzip, is not
	})
	if r.typ != "InvalidSignatureException" && r.typ != "SerializationException" {
		t.Fatalf("bad gzip: %d %s", r.status, r.body)
	}
}

func TestAccountIsolation(t *testing.T) {
	in, a := setup(t, "shared-name", "s")
	b := in.Client(servertest.KeyB)
	ctx := servertest.Ctx(t)
	put(t, a, "shared-name", "s", events(time.Now().UnixMilli(), "secret of A"))
	if gs := must(b.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})).LogGroups; len(gs) != 0 {
		t.Fatalf("B sees %d groups of A", len(gs))
	}
	_, err := b.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("shared-name"), LogStreamName: aws.String("s")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = b.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:111111111111:log-group:shared-name")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = b.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("shared-name")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	// B may use the same name for its own group, and A's data stays A's.
	must(b.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("shared-name")}))
	must(b.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("shared-name"), LogStreamName: aws.String("s")}))
	if evs := must(b.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("shared-name"), LogStreamName: aws.String("s")})).Events; len(evs) != 0 {
		t.Fatalf("B reads %d events of A", len(evs))
	}
	// Another region of the same account is another namespace.
	eu := in.Client(servertest.KeyA, func(o *cwl.Options) { o.Region = "eu-west-1" })
	if gs := must(eu.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})).LogGroups; len(gs) != 0 {
		t.Fatalf("eu-west-1 sees %d us-east-1 groups", len(gs))
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	in := servertest.Start(t, servertest.Options{Dir: dir})
	c := in.Client(servertest.KeyA)
	ctx := servertest.Ctx(t)
	must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"k": "v"}}))
	must(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	must(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(7)}))
	put(t, c, "g", "s", events(time.Now().UnixMilli(), "a", "b", "c"))
	in.Stop()

	in2 := servertest.Start(t, servertest.Options{Dir: dir})
	c2 := in2.Client(servertest.KeyA)
	g := must(c2.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})).LogGroups
	if len(g) != 1 || *g[0].RetentionInDays != 7 {
		t.Fatalf("groups after restart = %+v", g)
	}
	evs := must(c2.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")})).Events
	if len(evs) != 3 {
		t.Fatalf("%d events after restart", len(evs))
	}
	tags := must(c2.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("g")})).Tags
	if tags["k"] != "v" {
		t.Fatalf("tags after restart = %v", tags)
	}
}
