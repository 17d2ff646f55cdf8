// Package report sends the results of a scan (a JSON document: SARIF, ASH
// aggregated results, or any document with an array of findings) to a
// CloudWatch Logs log group, of logpond or of AWS: one summary event and
// one self-contained JSON event per finding, or the whole document as one
// event (in numbered parts when it is too large). The event shapes are
// specified in docs/report.md. `logpond report` is its command line.
package report

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/logpond/logpond/internal/ship"
)

// Environment variables ApplyEnv reads, in order of precedence.
var (
	RegionEnv = []string{"AWS_REGION", "AWS_DEFAULT_REGION"}
	GroupEnv  = []string{"LOGPOND_LOG_GROUP_NAME", "ASH_CLOUDWATCH_LOG_GROUP_NAME"}
)

// Config says where a report goes and how it is read.
type Config struct {
	// Where: Region and Endpoint select the service; an empty Region is
	// taken from the shared AWS config. Credentials come from the standard
	// AWS chain (or Profile, or Credentials when set).
	Region      string
	Endpoint    string
	Profile     string
	Credentials aws.CredentialsProvider
	// Client, if set, is used as is, and the four fields above are not.
	Client ship.API

	LogGroup string // required
	// LogStream defaults to TOOL-YYYYMMDDTHHMMSSZ-ID (a new stream per run).
	LogStream string
	// CreateGroup creates a missing log group; otherwise it is an error.
	CreateGroup bool

	// Tool, ToolVersion and Target override what the document says.
	Tool, ToolVersion, Target string
	// FindingsPath names where the findings are (see docs/report.md),
	// instead of the known shapes.
	FindingsPath string
	// Whole sends the document itself, not its findings.
	Whole bool

	// MaxEventBytes bounds one event; default ship.DefaultMaxEventBytes.
	MaxEventBytes int
	Retry         ship.Retry
	// Now and RunID are for tests; defaults time.Now and a random ID.
	Now   func() time.Time
	RunID string
}

// ApplyEnv fills Region and LogGroup, where they are empty, from the
// environment: AWS_REGION, then AWS_DEFAULT_REGION; LOGPOND_LOG_GROUP_NAME,
// then ASH_CLOUDWATCH_LOG_GROUP_NAME.
func (c *Config) ApplyEnv(getenv func(string) string) {
	first := func(names []string) string {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	c.Region = cmp.Or(c.Region, first(RegionEnv))
	c.LogGroup = cmp.Or(c.LogGroup, first(GroupEnv))
}

// Result is what Send did.
type Result struct {
	Group    string
	Stream   string
	RunID    string
	Format   string // the document's shape: FormatSARIF, ...; "whole" with Config.Whole
	Findings int    // findings in the document (0 with Whole)
	Events   int64  // events stored
	Bytes    int64  // their size as PutLogEvents counts it
	Retries  int64
	Rejected int64 // events the service refused as too old or too new
}

// ValidationError is a configuration or input that cannot be sent;
// nothing was sent.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

// SendError is a failure to send; Reason says what to do about it.
type SendError struct {
	Reason string
	Err    error
}

func (e *SendError) Error() string { return e.Reason }
func (e *SendError) Unwrap() error { return e.Err }

// Send reads doc and sends its events. Errors are a *ValidationError
// (nothing sent) or a *SendError; Result counts what was stored either way.
func Send(ctx context.Context, cfg Config, doc []byte) (Result, error) {
	res := Result{Group: cfg.LogGroup}
	if cfg.LogGroup == "" {
		return res, &ValidationError{"no log group: set --log-group, LOGPOND_LOG_GROUP_NAME or ASH_CLOUDWATCH_LOG_GROUP_NAME"}
	}
	if cfg.MaxEventBytes == 0 {
		cfg.MaxEventBytes = ship.DefaultMaxEventBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RunID == "" {
		cfg.RunID = newRunID()
	}
	d, err := parseDocument(doc, cfg.FindingsPath, cfg.Whole)
	if err != nil {
		return res, &ValidationError{err.Error()}
	}
	d.tool = clip(cmp.Or(cfg.Tool, d.tool), 256) // it frames every event
	d.version = cmp.Or(cfg.ToolVersion, d.version)
	d.target = cmp.Or(cfg.Target, d.target)

	now := cfg.Now()
	res.RunID, res.Format, res.Findings = cfg.RunID, d.format, len(d.findings)
	res.Stream = cmp.Or(cfg.LogStream, streamName(d.tool, now, cfg.RunID))
	r := &run{id: cfg.RunID, tool: d.tool, now: now, maxEvent: cfg.MaxEventBytes}
	var evs []ship.Event
	if cfg.Whole {
		res.Format = "whole"
		evs = r.wholeEvents(doc)
	} else {
		evs = r.findingEvents(d)
	}

	api := cfg.Client
	if api == nil {
		c, err := ship.NewClient(ctx, ship.ClientOptions{Region: cfg.Region, Endpoint: cfg.Endpoint, Profile: cfg.Profile, Credentials: cfg.Credentials})
		if errors.Is(err, ship.ErrNoRegion) {
			return res, &ValidationError{"no AWS region: set --region, AWS_REGION or AWS_DEFAULT_REGION, or a region in the shared AWS config (~/.aws/config)"}
		}
		if err != nil {
			return res, &ValidationError{err.Error()}
		}
		api = c
		cfg.Region = c.Options().Region
	}
	s, err := ship.NewSender(ship.Options{
		API: api, Group: cfg.LogGroup, Stream: res.Stream,
		CreateGroup: cfg.CreateGroup, CreateStream: true,
		MaxEventBytes: cfg.MaxEventBytes, Retry: cfg.Retry,
	})
	if err != nil {
		return res, &ValidationError{err.Error()}
	}
	st, err := s.EnsureStream(ctx)
	if err == nil {
		var sent ship.Stats
		sent, err = s.Send(ctx, evs)
		st.Retries += sent.Retries
		res.Events, res.Bytes = sent.Events, sent.Bytes
		res.Rejected = sent.TooOld + sent.TooNew + sent.Expired
	}
	res.Retries = st.Retries
	if err != nil {
		return res, &SendError{Reason: reason(err, cfg, res.Stream), Err: err}
	}
	return res, nil
}

// reason says in one line what went wrong and what to do about it.
func reason(err error, cfg Config, stream string) string {
	var se *ship.Error
	detail := err.Error()
	if errors.As(err, &se) {
		detail = se.Message
		if se.Code != "" {
			detail = se.Code + ": " + se.Message
		}
	}
	where := fmt.Sprintf("log group %q", cfg.LogGroup)
	if cfg.Region != "" {
		where += " in " + cfg.Region
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "interrupted before the report was sent: " + err.Error()
	case errors.Is(err, ship.ErrGroupNotFound):
		return fmt.Sprintf("%s does not exist: create it, or pass --create-group (%s)", where, detail)
	case errors.Is(err, ship.ErrStreamNotFound):
		return fmt.Sprintf("log stream %q of %s does not exist (%s)", stream, where, detail)
	case errors.Is(err, ship.ErrAccessDenied):
		return fmt.Sprintf("access denied: the credentials lack the IAM permission %s on %s (%s)", se.IAMAction(), where, detail)
	case errors.Is(err, ship.ErrCredentials):
		return fmt.Sprintf("the AWS credentials are missing or were rejected: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the role (%s)", detail)
	case errors.Is(err, ship.ErrThrottled):
		return fmt.Sprintf("throttled by the service after %d attempts: try again later (%s)", se.Attempts, detail)
	case se != nil && se.Status == 0:
		return fmt.Sprintf("cannot reach the service after %d attempts: check --endpoint, --region and the network (%s)", se.Attempts, detail)
	case se != nil:
		return fmt.Sprintf("%s %s failed: %s", se.Op, where, detail)
	}
	return err.Error()
}

// streamNameUnsafe matches what a stream name built from a tool name
// leaves out: CloudWatch forbids ':' and '*'; we keep names plain.
var streamNameUnsafe = regexp.MustCompile(`[^a-z0-9._]+`)

// streamName is TOOL-YYYYMMDDTHHMMSSZ-ID8.
func streamName(tool string, now time.Time, runID string) string {
	t := strings.Trim(streamNameUnsafe.ReplaceAllString(strings.ToLower(tool), "-"), "-")
	if len(t) > 64 {
		t = t[:64]
	}
	t = cmp.Or(t, "report")
	id := runID
	if len(id) > 8 {
		id = id[:8]
	}
	return t + "-" + now.UTC().Format("20060102T150405Z") + "-" + id
}

func newRunID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
