package agent

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/logpond/logpond/internal/ship"
)

// Config is the agent's configuration: where to ship, where to keep
// state, and the sources. It is read from YAML (ParseConfig), from an
// original CloudWatch Logs agent's awslogs.conf (ParseAwslogsConf), or
// built from command-line flags. docs/agent.md documents every field.
type Config struct {
	// Endpoint is the base URL of logpond (http://host:9700); empty means
	// Amazon CloudWatch Logs in Region.
	Endpoint string `yaml:"endpoint"`
	// Region and Profile select the AWS region and shared-config profile;
	// empty takes them from the standard AWS chain (environment, files).
	Region  string `yaml:"region"`
	Profile string `yaml:"profile"`
	// StateDir holds checkpoints.json, the spool and parked batches.
	StateDir string `yaml:"state_dir"`
	// Hostname replaces the {hostname} placeholder; default os.Hostname.
	Hostname string `yaml:"hostname"`
	// MetricsListen is HOST:PORT of /metrics; empty serves none.
	MetricsListen string `yaml:"metrics_listen"`
	// ShutdownTimeout bounds the last sends at exit or reload; what is
	// not acknowledged by then goes to the spool. Default 10s.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	Spool           struct {
		// MaxBytes caps the spool (and parked batches). Default 256MiB.
		MaxBytes Size `yaml:"max_bytes"`
	} `yaml:"spool"`
	// Defaults apply to every source for the fields it leaves unset.
	Defaults SourceConfig   `yaml:"defaults"`
	Sources  []SourceConfig `yaml:"sources"`

	// From says where the configuration came from, for messages.
	From string `yaml:"-"`
	// Warnings are settings that were accepted but have no effect.
	Warnings []string `yaml:"-"`
}

// SourceConfig is one source of events and its destination.
type SourceConfig struct {
	// Name identifies the source in checkpoints and metrics; renaming a
	// source starts it afresh. Default: its type and position.
	Name string `yaml:"name"`
	// Type: file, journald, stdin or windows_event_log. Default file.
	Type string `yaml:"type"`

	// Group and Stream name the destination; placeholders {hostname},
	// {instance_id}, {ip_address}, {filename}, {source} and {date} are
	// filled in when a file is found (or the source starts). Stream
	// defaults to {hostname}.
	Group  string `yaml:"group"`
	Stream string `yaml:"stream"`
	// RetentionInDays is set on groups the agent creates; 0 leaves none.
	RetentionInDays int `yaml:"retention_in_days"`
	// Format: raw (the line, as CloudWatch agents send it) or cloudlog
	// (normalised JSON).
	Format string `yaml:"format"`

	// Batches: at most BatchCount events and BatchSize bytes, sent at the
	// latest FlushInterval after their first event was read. Messages
	// longer than MaxEventSize are split (Oversize: split) or truncated.
	BatchCount    int      `yaml:"batch_count"`
	BatchSize     Size     `yaml:"batch_size"`
	FlushInterval Duration `yaml:"flush_interval"`
	MaxEventSize  Size     `yaml:"max_event_size"`
	Oversize      string   `yaml:"oversize"`

	// Files (and stdin: Encoding, DatetimeFormat, TimeZone,
	// MultiLineStartPattern).
	Paths                 []string `yaml:"paths"`
	Exclude               []string `yaml:"exclude"`
	InitialPosition       string   `yaml:"initial_position"`
	Encoding              string   `yaml:"encoding"`
	DatetimeFormat        string   `yaml:"datetime_format"`
	TimeZone              string   `yaml:"time_zone"`
	MultiLineStartPattern string   `yaml:"multi_line_start_pattern"`
	FingerprintLines      string   `yaml:"fingerprint_lines"`
	FingerprintBytes      int      `yaml:"fingerprint_bytes"`
	PollInterval          Duration `yaml:"poll_interval"`
	ScanInterval          Duration `yaml:"scan_interval"`
	RotateWait            Duration `yaml:"rotate_wait"`
	ForgetAfter           Duration `yaml:"forget_after"`

	// journald.
	Units      []string `yaml:"units"`
	Priority   string   `yaml:"priority"`
	Journalctl []string `yaml:"journalctl"`
	Directory  string   `yaml:"directory"`

	// windows_event_log.
	Channels []string `yaml:"channels"`
	Levels   []int    `yaml:"levels"`
}

// Source types.
const (
	TypeFile     = "file"
	TypeJournald = "journald"
	TypeStdin    = "stdin"
	TypeEventLog = "windows_event_log"
)

// Defaults of a source.
const (
	DefaultFlushInterval    = time.Second
	DefaultPollInterval     = 250 * time.Millisecond
	DefaultScanInterval     = time.Second
	DefaultRotateWait       = 5 * time.Second
	DefaultForgetAfter      = 7 * 24 * time.Hour
	DefaultFingerprintBytes = 1024
	DefaultSpoolMaxBytes    = 256 << 20
	DefaultShutdownTimeout  = 10 * time.Second
)

// defaultExclude are compressed rotations, never log text.
var defaultExclude = []string{"*.gz", "*.bz2", "*.xz", "*.zst", "*.zip", "*.lz4"}

// ParseConfig reads a configuration: YAML, or an awslogs.conf (an INI
// file whose first section is a [section] header). from names the file in
// messages. Call Validate (after any overrides) before using it.
func ParseConfig(b []byte, from string) (*Config, error) {
	if looksLikeINI(b) {
		return ParseAwslogsConf(b, from)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	c.From = from
	return &c, nil
}

func looksLikeINI(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		return strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]")
	}
	return false
}

// Validate fills in defaults and checks every field, naming the source
// and field of the first problem.
func (c *Config) Validate() error {
	if c.From == "" {
		c.From = "config"
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = Duration(DefaultShutdownTimeout)
	}
	if c.Spool.MaxBytes == 0 {
		c.Spool.MaxBytes = DefaultSpoolMaxBytes
	}
	if c.Endpoint != "" && !strings.HasPrefix(c.Endpoint, "http://") && !strings.HasPrefix(c.Endpoint, "https://") {
		return fmt.Errorf("%s: endpoint %q is not an http(s) URL", c.From, c.Endpoint)
	}
	if len(c.Sources) == 0 {
		return fmt.Errorf("%s: no sources", c.From)
	}
	names := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		s.applyDefaults(&c.Defaults)
		if s.Name == "" {
			s.Name = fmt.Sprintf("%s-%d", s.Type, i+1)
			if s.Type == TypeFile && len(s.Paths) == 1 {
				s.Name = s.Paths[0]
			}
		}
		if names[s.Name] {
			return fmt.Errorf("%s: two sources are named %q", c.From, s.Name)
		}
		names[s.Name] = true
		if err := s.validate(); err != nil {
			return fmt.Errorf("%s: source %q: %w", c.From, s.Name, err)
		}
		if (s.Type == TypeFile || s.Type == TypeJournald || s.Type == TypeEventLog) && c.StateDir == "" {
			return fmt.Errorf("%s: source %q: a %s source needs state_dir for its checkpoints", c.From, s.Name, s.Type)
		}
	}
	return nil
}

// applyDefaults copies d's fields into the ones s leaves unset.
func (s *SourceConfig) applyDefaults(d *SourceConfig) {
	setS := func(v *string, dv string) {
		if *v == "" {
			*v = dv
		}
	}
	setS(&s.Type, d.Type)
	setS(&s.Group, d.Group)
	setS(&s.Stream, d.Stream)
	setS(&s.Format, d.Format)
	setS(&s.Oversize, d.Oversize)
	setS(&s.InitialPosition, d.InitialPosition)
	setS(&s.Encoding, d.Encoding)
	setS(&s.DatetimeFormat, d.DatetimeFormat)
	setS(&s.TimeZone, d.TimeZone)
	setS(&s.MultiLineStartPattern, d.MultiLineStartPattern)
	setS(&s.FingerprintLines, d.FingerprintLines)
	setS(&s.Priority, d.Priority)
	setS(&s.Directory, d.Directory)
	if s.RetentionInDays == 0 {
		s.RetentionInDays = d.RetentionInDays
	}
	if s.BatchCount == 0 {
		s.BatchCount = d.BatchCount
	}
	if s.BatchSize == 0 {
		s.BatchSize = d.BatchSize
	}
	if s.FlushInterval == 0 {
		s.FlushInterval = d.FlushInterval
	}
	if s.MaxEventSize == 0 {
		s.MaxEventSize = d.MaxEventSize
	}
	if s.FingerprintBytes == 0 {
		s.FingerprintBytes = d.FingerprintBytes
	}
	for _, dur := range []struct{ v, d *Duration }{{&s.PollInterval, &d.PollInterval}, {&s.ScanInterval, &d.ScanInterval}, {&s.RotateWait, &d.RotateWait}, {&s.ForgetAfter, &d.ForgetAfter}} {
		if *dur.v == 0 {
			*dur.v = *dur.d
		}
	}
	if s.Exclude == nil {
		s.Exclude = d.Exclude
	}
	if s.Units == nil {
		s.Units = d.Units
	}
	if s.Journalctl == nil {
		s.Journalctl = d.Journalctl
	}
	if s.Channels == nil {
		s.Channels = d.Channels
	}
	if s.Levels == nil {
		s.Levels = d.Levels
	}
	if s.Type == "" {
		switch {
		case len(s.Paths) > 0:
			s.Type = TypeFile
		case len(s.Units) > 0:
			s.Type = TypeJournald
		case len(s.Channels) > 0:
			s.Type = TypeEventLog
		default:
			s.Type = TypeFile
		}
	}
	if s.Stream == "" {
		s.Stream = "{hostname}"
	}
	if s.Format == "" {
		s.Format = "raw"
	}
	if s.Oversize == "" {
		s.Oversize = "split"
	}
	if s.InitialPosition == "" {
		s.InitialPosition = "start_of_file"
	}
	if s.BatchCount == 0 {
		s.BatchCount = ship.MaxBatchEvents
	}
	if s.BatchSize == 0 {
		s.BatchSize = ship.MaxBatchBytes
	}
	if s.FlushInterval == 0 {
		s.FlushInterval = Duration(DefaultFlushInterval)
	}
	if s.MaxEventSize == 0 {
		s.MaxEventSize = min(ship.DefaultMaxEventBytes, s.BatchSize-ship.EventOverhead)
	}
	if s.PollInterval == 0 {
		s.PollInterval = Duration(DefaultPollInterval)
	}
	if s.ScanInterval == 0 {
		s.ScanInterval = Duration(DefaultScanInterval)
	}
	if s.RotateWait == 0 {
		s.RotateWait = Duration(DefaultRotateWait)
	}
	if s.ForgetAfter == 0 {
		s.ForgetAfter = Duration(DefaultForgetAfter)
	}
	if s.Exclude == nil {
		s.Exclude = defaultExclude
	}
	if s.FingerprintBytes == 0 && s.FingerprintLines == "" {
		s.FingerprintBytes = DefaultFingerprintBytes
	}
	if s.Journalctl == nil {
		s.Journalctl = []string{"journalctl"}
	}
	if s.Channels == nil && s.Type == TypeEventLog {
		s.Channels = []string{"System", "Application"}
	}
}

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

// knownPlaceholders are the placeholders of group and stream names.
var knownPlaceholders = map[string]bool{
	"{hostname}": true, "{instance_id}": true, "{ip_address}": true,
	"{filename}": true, "{source}": true, "{date}": true,
}

// logGroupRE and logStreamRE are the API's name patterns.
var (
	logGroupRE  = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)
	logStreamRE = regexp.MustCompile(`^[^:*]{1,512}$`)
)

func checkName(kind, tmpl string, re *regexp.Regexp) error {
	if tmpl == "" {
		return fmt.Errorf("no %s", kind)
	}
	for _, p := range placeholderRE.FindAllString(tmpl, -1) {
		if !knownPlaceholders[p] {
			return fmt.Errorf("%s %q: unknown placeholder %s (known: {hostname} {instance_id} {ip_address} {filename} {source} {date})", kind, tmpl, p)
		}
	}
	if sample := placeholderRE.ReplaceAllString(tmpl, "x"); !re.MatchString(sample) {
		return fmt.Errorf("%s %q: not a valid name (pattern %s)", kind, tmpl, re)
	}
	return nil
}

func (s *SourceConfig) validate() error {
	switch s.Type {
	case TypeFile, TypeJournald, TypeStdin, TypeEventLog:
	default:
		return fmt.Errorf("type %q: want file, journald, stdin or windows_event_log", s.Type)
	}
	if err := checkName("group", s.Group, logGroupRE); err != nil {
		return err
	}
	if err := checkName("stream", s.Stream, logStreamRE); err != nil {
		return err
	}
	if strings.Contains(s.Group, "{filename}") && s.Type != TypeFile {
		return fmt.Errorf("group: {filename} is only known to file sources")
	}
	switch s.RetentionInDays {
	case 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653:
	default:
		return fmt.Errorf("retention_in_days %d is not one of CloudWatch's periods (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)", s.RetentionInDays)
	}
	switch s.Format {
	case "raw", "cloudlog":
	default:
		return fmt.Errorf("format %q: want raw or cloudlog", s.Format)
	}
	switch s.Oversize {
	case "split", "truncate":
	default:
		return fmt.Errorf("oversize %q: want split or truncate", s.Oversize)
	}
	if s.BatchCount < 1 || s.BatchCount > ship.MaxBatchEvents {
		return fmt.Errorf("batch_count %d is outside 1..%d", s.BatchCount, ship.MaxBatchEvents)
	}
	if s.BatchSize < 1024 || s.BatchSize > ship.MaxBatchBytes {
		return fmt.Errorf("batch_size %d is outside 1024..%d", s.BatchSize, ship.MaxBatchBytes)
	}
	if s.MaxEventSize < 64 || s.MaxEventSize > ship.MaxEventBytes || int(s.MaxEventSize)+ship.EventOverhead > int(s.BatchSize) {
		return fmt.Errorf("max_event_size %d is outside 64..min(%d, batch_size-%d)", s.MaxEventSize, ship.MaxEventBytes, ship.EventOverhead)
	}
	if s.FlushInterval < Duration(10*time.Millisecond) {
		return fmt.Errorf("flush_interval %v is below 10ms", s.FlushInterval)
	}
	switch s.InitialPosition {
	case "start_of_file", "end_of_file":
	default:
		return fmt.Errorf("initial_position %q: want start_of_file or end_of_file", s.InitialPosition)
	}
	if _, err := parseEncoding(s.Encoding); err != nil {
		return err
	}
	if _, err := s.lineOptions(); err != nil {
		return err
	}
	switch s.Type {
	case TypeFile:
		if len(s.Paths) == 0 {
			return fmt.Errorf("no paths")
		}
		for _, p := range append(append([]string{}, s.Paths...), s.Exclude...) {
			if _, err := filepath.Match(p, ""); err != nil {
				return fmt.Errorf("pattern %q: %w", p, err)
			}
		}
		if _, err := s.fingerprintSpec(); err != nil {
			return err
		}
		if s.PollInterval < Duration(10*time.Millisecond) || s.ScanInterval < s.PollInterval {
			return fmt.Errorf("need 10ms ≤ poll_interval (%v) ≤ scan_interval (%v)", s.PollInterval, s.ScanInterval)
		}
	case TypeJournald:
		if len(s.Journalctl) == 0 || s.Journalctl[0] == "" {
			return fmt.Errorf("journalctl: empty command")
		}
		if s.Priority != "" {
			if _, err := parsePriority(s.Priority); err != nil {
				return err
			}
		}
	case TypeEventLog:
		for _, l := range s.Levels {
			if l < 0 || l > 5 {
				return fmt.Errorf("levels: %d is not an event log level (0-5)", l)
			}
		}
	}
	return nil
}

// limits returns the source's batch limits.
func (s *SourceConfig) limits() batchLimits {
	return batchLimits{
		events: s.BatchCount, bytes: int(s.BatchSize), maxEvent: int(s.MaxEventSize),
		truncate: s.Oversize == "truncate", flush: time.Duration(s.FlushInterval),
	}
}

// lineOptions compiles the line settings.
func (s *SourceConfig) lineOptions() (*lineOptions, error) {
	o := &lineOptions{maxEvent: max(int(s.MaxEventSize), 1<<20), now: time.Now}
	loc, err := loadZone(s.TimeZone)
	if err != nil {
		return nil, err
	}
	if s.DatetimeFormat != "" {
		if o.timeFormat, err = parseTimeFormat(s.DatetimeFormat, loc); err != nil {
			return nil, err
		}
	}
	switch p := s.MultiLineStartPattern; {
	case p == "":
	case p == "{datetime_format}":
		if o.timeFormat == nil {
			return nil, fmt.Errorf("multi_line_start_pattern {datetime_format} needs a datetime_format")
		}
		o.startTime = true
	default:
		if o.start, err = regexp.Compile(p); err != nil {
			return nil, fmt.Errorf("multi_line_start_pattern: %w", err)
		}
	}
	return o, nil
}

// fingerprintSpec returns how files are told apart.
func (s *SourceConfig) fingerprintSpec() (fpSpec, error) {
	if s.FingerprintLines != "" {
		a, b, found := strings.Cut(s.FingerprintLines, "-")
		lo, err1 := strconv.Atoi(strings.TrimSpace(a))
		hi, err2 := lo, error(nil)
		if found {
			hi, err2 = strconv.Atoi(strings.TrimSpace(b))
		}
		if err1 != nil || err2 != nil || lo < 1 || hi < lo || hi > 100 {
			return fpSpec{}, fmt.Errorf("fingerprint_lines %q: want N or N-M with 1 ≤ N ≤ M ≤ 100", s.FingerprintLines)
		}
		return fpSpec{firstLine: lo, lastLine: hi}, nil
	}
	if s.FingerprintBytes < 16 || s.FingerprintBytes > 64<<10 {
		return fpSpec{}, fmt.Errorf("fingerprint_bytes %d is outside 16..65536", s.FingerprintBytes)
	}
	return fpSpec{bytes: s.FingerprintBytes}, nil
}

// Size is a byte count: a number, or a number with a unit (k, KB, KiB,
// MB, MiB, GB, GiB; KB-style units are powers of 1000, the others of 1024).
type Size int64

func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSize(n.Value)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSize reads a Size.
func ParseSize(str string) (Size, error) {
	t := strings.TrimSpace(str)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') {
		i--
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: want a number of bytes, optionally with a unit (KiB, MiB, GiB, KB, MB, GB)", str)
	}
	mult := map[string]int64{"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 1e3, "m": 1 << 20, "mib": 1 << 20, "mb": 1e6, "g": 1 << 30, "gib": 1 << 30, "gb": 1e9}
	m, ok := mult[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q", str, t[i:])
	}
	return Size(n * m), nil
}

// Duration is a time.Duration written as "5s", "250ms", or a plain
// number of milliseconds (as awslogs.conf's buffer_duration).
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDuration reads a Duration.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms >= 0 {
		return Duration(time.Duration(ms) * time.Millisecond), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("duration %q: want e.g. 5s, 250ms, or a number of milliseconds", s)
	}
	return Duration(d), nil
}

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes a Duration as Go writes durations ("1.5s").
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }
