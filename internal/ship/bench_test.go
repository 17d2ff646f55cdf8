package ship_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/server/servertest"
	"github.com/logpond/logpond/internal/ship"
)

// BenchmarkSenderToLogpond measures events per second through the Sender,
// the AWS SDK and an in-process logpond server (both in this process, so
// the CPU is shared): 200-byte messages, 50,000 per Send (5 full batches).
func BenchmarkSenderToLogpond(b *testing.B) {
	in := servertest.Start(b, servertest.Options{})
	c, err := ship.NewClient(b.Context(), ship.ClientOptions{Region: "us-east-1", Endpoint: in.URL, Credentials: staticCreds(servertest.KeyA.AccessKeyID, servertest.KeyA.SecretAccessKey)})
	if err != nil {
		b.Fatal(err)
	}
	s, err := ship.NewSender(ship.Options{API: c, Group: "bench", Stream: "s", CreateGroup: true, CreateStream: true})
	if err != nil {
		b.Fatal(err)
	}
	const perSend = 50_000
	pad := strings.Repeat("x", 200-len("2025-03-04T05:06:07Z GET /api/items/000000 200 "))
	evs := make([]ship.Event, perSend)
	var total ship.Stats
	start := time.Now()
	for b.Loop() {
		now := time.Now().UnixMilli()
		for i := range evs {
			evs[i] = ship.Event{Timestamp: now, Message: fmt.Sprintf("2025-03-04T05:06:07Z GET /api/items/%06d 200 %s", i, pad)}
		}
		st, err := s.Send(b.Context(), evs)
		if err != nil {
			b.Fatal(err)
		}
		total.Events += st.Events
		total.Bytes += st.Bytes
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(total.Events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(total.Bytes)/elapsed.Seconds()/1e6, "MB/s")
}
