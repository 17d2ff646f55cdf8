// Command slog shows an application logging with log/slog to a log stream
// of CloudWatch Logs, or of a logpond server, through the slogcw handler.
//
//	logpond server &                  # prints a generated key pair
//	export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... AWS_REGION=us-east-1
//	go run ./examples/slog -endpoint http://127.0.0.1:9700 -group demo
//
// Without -endpoint it sends to AWS, with the standard credential chain.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/slogcw"
)

func main() {
	endpoint := flag.String("endpoint", "", "endpoint URL, e.g. http://127.0.0.1:9700 (default: AWS)")
	group := flag.String("group", "demo", "log group (created if missing)")
	host, _ := os.Hostname()
	stream := flag.String("stream", host, "log stream (created if missing)")
	flag.Parse()
	if err := run(*endpoint, *group, *stream); err != nil {
		fmt.Fprintln(os.Stderr, "slog example:", err)
		os.Exit(1)
	}
}

func run(endpoint, group, stream string) error {
	// Ctrl-C cancels ctx; the handler then sends what it holds and stops.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	client := cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) {
		o.Retryer = aws.NopRetryer{} // the handler retries with backoff itself
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})

	h, err := slogcw.New(ctx, slogcw.Options{
		Client:         client,
		LogGroup:       group,
		LogStream:      stream,
		CreateLogGroup: true,
		Level:          slog.LevelDebug,
		AddSource:      true,
		FlushInterval:  time.Second,
		// Errors of sending arrive here, from the handler's goroutine.
		// Logging them through the same handler is allowed.
		OnError: func(err error) { fmt.Fprintln(os.Stderr, "shipping logs:", err) },
	})
	if err != nil {
		return err
	}
	// Close sends what is buffered; nothing is lost on a normal exit.
	defer func() {
		h.Close()
		st := h.Stats()
		fmt.Fprintf(os.Stderr, "sent %d records (%d bytes), dropped %d, failed %d\n", st.Sent, st.Bytes, st.Dropped, st.Failed)
	}()

	logger := slog.New(h).With("app", "example", "pid", os.Getpid())
	slog.SetDefault(logger) // log.Printf goes there too

	logger.Info("started", "group", group, "stream", stream)
	reqs := logger.WithGroup("request")
	for i := range 5 {
		start := time.Now()
		time.Sleep(20 * time.Millisecond) // work
		reqs.Info("served", "id", i, "path", "/items", "status", 200, "elapsed", time.Since(start))
	}
	logger.Warn("disk almost full", slog.Group("disk", "path", "/var", "free_pct", 4.5))
	logger.Debug("done")
	return nil
}
