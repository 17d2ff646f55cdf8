package agent

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// ParseAwslogsConf reads the original CloudWatch Logs agent's
// awslogs.conf (Python ConfigParser syntax, as that agent read it: no
// interpolation, "key = value" or "key: value", # and ; comment lines,
// an inline comment after " ;", indented continuation lines, keys
// case-insensitive) into a Config. [general] gives state_file (its
// directory becomes state_dir); every other section is a file source
// named after the section. Settings logpond does not need
// (logging_config_file, use_gzip_http_content_encoding, queue_size) are
// accepted with a warning in Config.Warnings. Call Validate before using
// the result.
func ParseAwslogsConf(b []byte, from string) (*Config, error) {
	secs, err := parseINI(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	c := &Config{From: from}
	for _, sec := range secs {
		if strings.EqualFold(sec.name, "general") {
			for _, kv := range sec.kvs {
				switch kv.key {
				case "state_file":
					if kv.value != "" {
						c.StateDir = filepath.Dir(kv.value)
						c.Warnings = append(c.Warnings, fmt.Sprintf("[general] state_file %s: the old agent's state is not imported; logpond keeps checkpoints.json in %s", kv.value, c.StateDir))
					}
				case "logging_config_file", "use_gzip_http_content_encoding", "queue_size":
					if kv.inherited {
						continue
					}
					c.Warnings = append(c.Warnings, fmt.Sprintf("[general] %s is ignored", kv.key))
				default:
					if !kv.inherited {
						c.Warnings = append(c.Warnings, fmt.Sprintf("[general] unknown setting %s ignored", kv.key))
					}
				}
			}
			continue
		}
		s := SourceConfig{Name: sec.name, Type: TypeFile, FingerprintLines: "1"}
		for _, kv := range sec.kvs {
			v := kv.value
			bad := func(err error) error {
				return fmt.Errorf("%s: [%s] %s = %q: %w", from, sec.name, kv.key, v, err)
			}
			switch kv.key {
			case "file":
				s.Paths = []string{v}
			case "log_group_name":
				s.Group = v
			case "log_stream_name":
				s.Stream = v
			case "datetime_format":
				s.DatetimeFormat = v
			case "time_zone":
				s.TimeZone = v
			case "initial_position":
				s.InitialPosition = v
			case "encoding":
				s.Encoding = v
			case "multi_line_start_pattern":
				s.MultiLineStartPattern = v
			case "file_fingerprint_lines":
				s.FingerprintLines = v
			case "buffer_duration":
				ms, err := strconv.Atoi(v)
				if err != nil || ms <= 0 {
					return nil, bad(fmt.Errorf("want milliseconds"))
				}
				s.FlushInterval = Duration(ms) * Duration(1e6)
			case "batch_count":
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, bad(err)
				}
				s.BatchCount = n
			case "batch_size":
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, bad(err)
				}
				s.BatchSize = Size(n)
			default:
				c.Warnings = append(c.Warnings, fmt.Sprintf("[%s] unknown setting %s ignored", sec.name, kv.key))
			}
		}
		if len(s.Paths) == 0 {
			return nil, fmt.Errorf("%s: [%s]: no file", from, sec.name)
		}
		if s.Group == "" {
			return nil, fmt.Errorf("%s: [%s]: no log_group_name", from, sec.name)
		}
		c.Sources = append(c.Sources, s)
	}
	return c, nil
}

type iniSection struct {
	name string
	kvs  []iniKV
}

type iniKV struct {
	key, value string
	inherited  bool // from [DEFAULT]
}

// parseINI reads ConfigParser syntax, keeping sections and keys in order.
// [DEFAULT] values apply to every section that does not set them.
func parseINI(text string) ([]iniSection, error) {
	var secs []iniSection
	var defaults []iniKV
	var cur *[]iniKV
	lastKey := -1
	for n, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		lineNo := n + 1
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' || strings.HasPrefix(strings.ToLower(trimmed), "rem ") {
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			if cur == nil || lastKey < 0 {
				return nil, fmt.Errorf("line %d: continuation line without a setting", lineNo)
			}
			kv := &(*cur)[lastKey]
			kv.value += "\n" + trimmed
			continue
		}
		if trimmed[0] == '[' {
			end := strings.IndexByte(trimmed, ']')
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated section header %q", lineNo, trimmed)
			}
			name := trimmed[1:end]
			if name == "DEFAULT" {
				cur = &defaults
			} else {
				for _, s := range secs {
					if s.name == name {
						return nil, fmt.Errorf("line %d: section [%s] appears twice", lineNo, name)
					}
				}
				secs = append(secs, iniSection{name: name})
				cur = &secs[len(secs)-1].kvs
			}
			lastKey = -1
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: setting before the first [section]", lineNo)
		}
		i := strings.IndexAny(trimmed, "=:")
		if i <= 0 {
			return nil, fmt.Errorf("line %d: want key = value, got %q", lineNo, trimmed)
		}
		key := strings.ToLower(strings.TrimSpace(trimmed[:i]))
		val := strings.TrimSpace(trimmed[i+1:])
		if j := strings.Index(val, ";"); j > 0 && (val[j-1] == ' ' || val[j-1] == '\t') {
			val = strings.TrimSpace(val[:j])
		}
		replaced := false
		for k := range *cur {
			if (*cur)[k].key == key {
				(*cur)[k].value, lastKey, replaced = val, k, true
			}
		}
		if !replaced {
			*cur = append(*cur, iniKV{key: key, value: val})
			lastKey = len(*cur) - 1
		}
	}
	for i := range secs {
		for _, d := range defaults {
			has := false
			for _, kv := range secs[i].kvs {
				has = has || kv.key == d.key
			}
			if !has {
				d.inherited = true
				secs[i].kvs = append(secs[i].kvs, d)
			}
		}
	}
	return secs, nil
}
