package ship_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/auth"
	"github.com/logpond/logpond/internal/server/servertest"
	"github.com/logpond/logpond/internal/ship"
	"github.com/logpond/logpond/internal/ship/shiptest"
)

// The tests in this file run the Sender against an in-process logpond
// server through the AWS SDK, as it runs in production.

// fastRetry keeps the real waits of these tests short.
var fastRetry = ship.Retry{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}

func staticCreds(id, secret string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, secret, "")
}

func client(t *testing.T, url string, cred auth.Credential) *cwl.Client {
	t.Helper()
	c, err := ship.NewClient(servertest.Ctx(t), ship.ClientOptions{
		Region:      "us-east-1",
		Endpoint:    url,
		Credentials: staticCreds(cred.AccessKeyID, cred.SecretAccessKey),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readAll returns the messages of a stream, oldest first.
func readAll(t *testing.T, c *cwl.Client, group, stream string) []string {
	t.Helper()
	var out []string
	p := cwl.NewFilterLogEventsPaginator(c, &cwl.FilterLogEventsInput{LogGroupName: aws.String(group), LogStreamNames: []string{stream}})
	for p.HasMorePages() {
		page, err := p.NextPage(servertest.Ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			out = append(out, *e.Message)
		}
	}
	return out
}

func TestSenderAgainstLogpond(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	c := client(t, in.URL, servertest.KeyA)
	ctx := servertest.Ctx(t)
	s, err := ship.NewSender(ship.Options{API: c, Group: "app", Stream: "web-1", CreateGroup: true, CreateStream: true, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	// 25,000 small events over 5 days (batches cut by span, not count),
	// plus one message larger than an event may be.
	now := time.Now().UnixMilli()
	var evs []ship.Event
	for i := range 25_000 {
		evs = append(evs, ship.Event{Timestamp: now - 5*86_400_000 + int64(i)*17_280, Message: fmt.Sprintf("line %05d", i)})
	}
	big := strings.Repeat("é", 200_000) // 400,000 bytes: split in two
	evs = append(evs, ship.Event{Timestamp: now, Message: big})
	st, err := s.Send(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 25_002 || st.Split != 1 || st.Batches < 5 || st.Failed != 0 {
		t.Fatalf("stats %+v", st)
	}
	got := readAll(t, c, "app", "web-1")
	if len(got) != 25_002 {
		t.Fatalf("read %d events back", len(got))
	}
	for i := range 25_000 {
		if got[i] != fmt.Sprintf("line %05d", i) {
			t.Fatalf("event %d is %q", i, got[i])
		}
	}
	if got[25_000]+got[25_001] != big {
		t.Fatalf("the split message does not join back")
	}
}

func TestSenderRejectedCounted(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	c := client(t, in.URL, servertest.KeyA)
	s, err := ship.NewSender(ship.Options{API: c, Group: "g", Stream: "s", CreateGroup: true, CreateStream: true, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	st, err := s.Send(servertest.Ctx(t), []ship.Event{
		{Timestamp: now - 15*86_400_000, Message: "too old"},
		{Timestamp: now, Message: "fine"},
		{Timestamp: now + 3*3_600_000, Message: "too new"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 1 || st.TooOld != 1 || st.TooNew != 1 || st.Bytes != 4+26 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSenderThrottledByServer(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	faulty := shiptest.NewFaulty(in.Server.Handler(), shiptest.Throttle("PutLogEvents", 3))
	hs := httptest.NewServer(faulty)
	defer hs.Close()
	c := client(t, hs.URL, servertest.KeyA)
	s, err := ship.NewSender(ship.Options{API: c, Group: "g", Stream: "s", CreateGroup: true, CreateStream: true, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Send(servertest.Ctx(t), []ship.Event{{Timestamp: time.Now().UnixMilli(), Message: "hello"}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Retries != 3 || st.Events != 1 || faulty.Failed() != 3 {
		t.Fatalf("stats %+v, %d calls failed", st, faulty.Failed())
	}
	if got := readAll(t, c, "g", "s"); len(got) != 1 {
		t.Fatalf("stored %q", got)
	}
}

func TestSenderDroppedConnectionsRetried(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	faulty := shiptest.NewFaulty(in.Server.Handler(), shiptest.Fault{Op: "PutLogEvents", Count: 2})
	hs := httptest.NewServer(faulty)
	defer hs.Close()
	c := client(t, hs.URL, servertest.KeyA)
	s, err := ship.NewSender(ship.Options{API: c, Group: "g", Stream: "s", CreateGroup: true, CreateStream: true, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Send(servertest.Ctx(t), []ship.Event{{Timestamp: time.Now().UnixMilli(), Message: "hello"}})
	if err != nil || st.Retries != 2 || st.Events != 1 {
		t.Fatalf("stats %+v, error %v", st, err)
	}
}

func TestSenderWrongCredentials(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	for _, cred := range []auth.Credential{
		{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "x"},
		{AccessKeyID: servertest.KeyA.AccessKeyID, SecretAccessKey: "wrong"},
	} {
		c := client(t, in.URL, cred)
		s, err := ship.NewSender(ship.Options{API: c, Group: "g", Stream: "s", CreateGroup: true, CreateStream: true, Retry: fastRetry})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Send(servertest.Ctx(t), []ship.Event{{Timestamp: time.Now().UnixMilli(), Message: "x"}})
		var e *ship.Error
		if !errors.Is(err, ship.ErrCredentials) || !errors.As(err, &e) || e.Attempts != 1 {
			t.Fatalf("%s: error %v", cred.AccessKeyID, err)
		}
	}
}

func TestNewClientNeedsRegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_PROFILE", "")
	_, err := ship.NewClient(t.Context(), ship.ClientOptions{Endpoint: "http://127.0.0.1:1"})
	if !errors.Is(err, ship.ErrNoRegion) {
		t.Fatalf("error %v, want ErrNoRegion", err)
	}
	if _, err := ship.NewClient(t.Context(), ship.ClientOptions{Region: "x", Endpoint: "127.0.0.1:9700"}); err == nil {
		t.Fatal("an endpoint without a scheme was accepted")
	}
}
