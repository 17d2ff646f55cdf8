package agent

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Plan writes what the configuration will do, resolved as far as it can
// be without running: the destination, each source with its files as
// they match now, their streams, and the settings in effect. It is what
// `logpond agent --check` prints.
func (c *Config) Plan(w io.Writer) {
	host := c.Hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	dest := "Amazon CloudWatch Logs"
	if c.Endpoint != "" {
		dest = "logpond at " + c.Endpoint
	}
	region := c.Region
	if region == "" {
		region = "from the AWS environment"
	}
	fmt.Fprintf(w, "configuration: %s\n", c.From)
	fmt.Fprintf(w, "ship to: %s (region %s; credentials: the standard AWS chain", dest, region)
	if c.Profile != "" {
		fmt.Fprintf(w, ", profile %s", c.Profile)
	}
	fmt.Fprintln(w, ")")
	if c.StateDir != "" {
		fmt.Fprintf(w, "state: %s (checkpoints.json; spool/ up to %s; parked/)\n", c.StateDir, humanBytes(int64(c.Spool.MaxBytes)))
	} else {
		fmt.Fprintln(w, "state: none (no checkpoints, no spool)")
	}
	if c.MetricsListen != "" {
		fmt.Fprintf(w, "metrics: http://%s/metrics\n", c.MetricsListen)
	}
	fmt.Fprintf(w, "shutdown: up to %v to send what is held, then spool\n", c.ShutdownTimeout)
	for _, s := range c.Sources {
		fmt.Fprintf(w, "\nsource %q (%s)\n", s.Name, s.Type)
		resolve := func(t, file string) string {
			r := strings.NewReplacer("{hostname}", host, "{source}", s.Name, "{date}", time.Now().UTC().Format("2006-01-02"), "{filename}", file)
			return r.Replace(t)
		}
		switch s.Type {
		case TypeFile:
			fmt.Fprintf(w, "  paths: %s (excluding %s)\n", strings.Join(s.Paths, ", "), strings.Join(s.Exclude, " "))
			fs := &fileSource{cfg: &s}
			matches := fs.glob()
			if len(matches) == 0 {
				fmt.Fprintln(w, "  matching now: nothing (files are picked up when they appear)")
			}
			for _, m := range matches {
				size := ""
				if fi, err := os.Stat(m); err == nil {
					size = humanBytes(fi.Size())
				}
				base := m[strings.LastIndexAny(m, `/\`)+1:]
				fmt.Fprintf(w, "  matching now: %s (%s) → %s / %s\n", m, size, resolve(s.Group, base), resolve(s.Stream, base))
			}
			fp := fmt.Sprintf("first %d bytes", s.FingerprintBytes)
			if s.FingerprintLines != "" {
				fp = "lines " + s.FingerprintLines
			}
			fmt.Fprintf(w, "  files seen the first time: %s; identity: device/inode + fingerprint of the %s\n", s.InitialPosition, fp)
			fmt.Fprintf(w, "  poll every %v, glob every %v; rotated files closed %v after they stop growing\n", s.PollInterval, s.ScanInterval, s.RotateWait)
		case TypeJournald:
			fmt.Fprintf(w, "  command: %s %s\n", strings.Join(s.Journalctl, " "), strings.Join((&journaldSource{cfg: &s}).args(), " "))
		case TypeEventLog:
			fmt.Fprintf(w, "  channels: %s; query %s\n", strings.Join(s.Channels, ", "), winEventQuery(s.Levels))
		case TypeStdin:
			fmt.Fprintln(w, "  reads standard input until it ends")
		}
		if s.Type != TypeFile || !strings.Contains(s.Group+s.Stream, "{filename}") {
			fmt.Fprintf(w, "  → group %q stream %q\n", resolve(s.Group, ""), resolve(s.Stream, ""))
		}
		if s.RetentionInDays > 0 {
			fmt.Fprintf(w, "  groups created with a retention of %d days\n", s.RetentionInDays)
		}
		if s.Type == TypeFile || s.Type == TypeStdin {
			enc, _ := parseEncoding(s.Encoding)
			ts := "the time they are read"
			if s.DatetimeFormat != "" {
				zone := s.TimeZone
				if zone == "" {
					zone = "LOCAL"
				}
				ts = fmt.Sprintf("%q in %s (else the previous event's)", s.DatetimeFormat, zone)
			}
			fmt.Fprintf(w, "  encoding %s; timestamps: %s\n", enc, ts)
			if s.MultiLineStartPattern != "" {
				fmt.Fprintf(w, "  multi-line events start at lines matching %s\n", s.MultiLineStartPattern)
			}
		}
		fmt.Fprintf(w, "  format %s; batches of up to %d events and %s, sent %v after their first event at the latest; longer messages than %s are %s\n",
			s.Format, s.BatchCount, humanBytes(int64(s.BatchSize)), s.FlushInterval, humanBytes(int64(s.MaxEventSize)), map[string]string{"split": "split", "truncate": "truncated"}[s.Oversize])
	}
	for _, wrn := range c.Warnings {
		fmt.Fprintf(w, "\nwarning: %s", wrn)
	}
	if len(c.Warnings) > 0 {
		fmt.Fprintln(w)
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
