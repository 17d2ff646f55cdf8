package api

// The log transformer's processors, run by TestTransformer on sample
// events. An event is a JSON object whose keys keep their insertion order;
// field paths use dot notation ("store.book"). Implemented: parseJSON,
// parseKeyValue, csv, grok (a common subset of patterns), addKeys,
// deleteKeys, renameKeys, copyValue, moveKeys, lowerCaseString,
// upperCaseString, trimString, substituteString, splitString,
// typeConverter, listToMap. Not implemented (TestTransformer says so):
// dateTimeConverter and the AWS-format parsers parseCloudfront,
// parseRoute53, parsePostgres, parseVPC, parseWAF and parseToOCSF.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// processor is one element of a transformerConfig. Exactly one member is
// set; the values are kept raw until the processor runs.
type processor map[string]json.RawMessage

// name returns the processor's type, or "" if it does not name exactly one.
func (p processor) name() string {
	if len(p) != 1 {
		return ""
	}
	for k := range p {
		return k
	}
	return ""
}

// parserProcessors may (and one must) come first in a transformer.
var parserProcessors = map[string]bool{
	"parseJSON": true, "parseKeyValue": true, "csv": true, "grok": true,
	"parseCloudfront": true, "parseRoute53": true, "parsePostgres": true,
	"parseVPC": true, "parseWAF": true, "parseToOCSF": true,
}

// knownProcessors are the processor types of the model's Processor shape
// besides the parsers.
var knownProcessors = map[string]bool{
	"addKeys": true, "copyValue": true, "dateTimeConverter": true, "deleteKeys": true,
	"listToMap": true, "lowerCaseString": true, "moveKeys": true, "renameKeys": true,
	"splitString": true, "substituteString": true, "trimString": true,
	"typeConverter": true, "upperCaseString": true,
}

// awsOnlyParsers parse formats of AWS services and must be the first and
// only such processor.
var awsOnlyParsers = map[string]bool{
	"parseCloudfront": true, "parseRoute53": true, "parsePostgres": true,
	"parseVPC": true, "parseWAF": true, "parseToOCSF": true,
}

// checkTransformer applies the rules for a transformerConfig beyond the
// model: one processor type per element, a parser first, AWS-format
// parsers only first, grok patterns that compile.
func checkTransformer(procs []processor) error {
	for i, p := range procs {
		n := p.name()
		if n == "" {
			return invalidParameter("Invalid transformerConfig: processor %d must set exactly one processor type.", i+1)
		}
		if !parserProcessors[n] && !knownProcessors[n] {
			return invalidParameter("Invalid transformerConfig: unknown processor type %q.", n)
		}
		if i == 0 && !parserProcessors[n] {
			return invalidParameter("Invalid transformerConfig: the first processor must be a parser (parseJSON, parseKeyValue, csv, grok or an AWS-format parser), not %s.", n)
		}
		if i > 0 && awsOnlyParsers[n] {
			return invalidParameter("Invalid transformerConfig: %s must be the first processor.", n)
		}
		if n == "grok" {
			var g struct {
				Match string `json:"match"`
			}
			json.Unmarshal(p[n], &g)
			if _, err := compileGrok(g.Match); err != nil {
				return invalidParameter("Invalid grok pattern %q: %v", g.Match, err)
			}
		}
	}
	return nil
}

// event is an ordered JSON object.
type event struct {
	keys []string
	vals map[string]any // values: string, float64, bool, nil, []any, *event
}

func newEvent() *event { return &event{vals: map[string]any{}} }

func (e *event) set(k string, v any) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
}

func (e *event) del(k string) {
	if _, ok := e.vals[k]; !ok {
		return
	}
	delete(e.vals, k)
	for i, kk := range e.keys {
		if kk == k {
			e.keys = append(e.keys[:i], e.keys[i+1:]...)
			break
		}
	}
}

func (e *event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range e.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(e.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// decodeOrdered decodes a JSON value keeping the order of object keys.
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			e := newEvent()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				e.set(kt.(string), v)
			}
			_, err := dec.Token()
			return e, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
	case json.Number:
		f, err := t.Float64()
		return f, err
	}
	return tok, nil
}

func parseJSONObject(s string) (*event, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil || dec.More() {
		return nil, false
	}
	e, ok := v.(*event)
	return e, ok
}

// transformState is one event going through the processors.
type transformState struct {
	message string // @message: the original event
	root    *event
}

// get returns the value at a dot path; "@message" is the original message.
func (st *transformState) get(path string) (any, bool) {
	if path == "" || path == "@message" {
		return st.message, true
	}
	cur := st.root
	parts := strings.Split(path, ".")
	for i, p := range parts {
		v, ok := cur.vals[p]
		if !ok {
			return nil, false
		}
		if i == len(parts)-1 {
			return v, true
		}
		if cur, ok = v.(*event); !ok {
			return nil, false
		}
	}
	return nil, false
}

// set stores v at a dot path, creating parent objects; with overwrite
// false an existing value is kept. It reports whether it stored v.
func (st *transformState) set(path string, v any, overwrite bool) bool {
	cur := st.root
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur.vals[p].(*event)
		if !ok {
			if _, exists := cur.vals[p]; exists && !overwrite {
				return false
			}
			next = newEvent()
			cur.set(p, next)
		}
		cur = next
	}
	last := parts[len(parts)-1]
	if _, exists := cur.vals[last]; exists && !overwrite {
		return false
	}
	cur.set(last, v)
	return true
}

func (st *transformState) del(path string) {
	parts := strings.Split(path, ".")
	cur := st.root
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur.vals[p].(*event)
		if !ok {
			return
		}
		cur = next
	}
	cur.del(parts[len(parts)-1])
}

// merge puts the keys of obj at dest (the root if dest is "").
func (st *transformState) merge(dest string, obj *event, overwrite bool) {
	if dest != "" {
		st.set(dest, obj, true)
		return
	}
	for _, k := range obj.keys {
		if _, exists := st.root.vals[k]; exists && !overwrite {
			continue
		}
		st.root.set(k, obj.vals[k])
	}
}

func (st *transformState) source(path string) (string, bool) {
	v, ok := st.get(path)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

// Processor configurations (the model's shapes).
type (
	keyEntry struct {
		Key               string `json:"key"`
		Value             string `json:"value"`
		RenameTo          string `json:"renameTo"`
		Source            string `json:"source"`
		Target            string `json:"target"`
		From              string `json:"from"`
		To                string `json:"to"`
		Delimiter         string `json:"delimiter"`
		Type              string `json:"type"`
		OverwriteIfExists bool   `json:"overwriteIfExists"`
	}
	processorConfig struct {
		Source            string     `json:"source"`
		Destination       string     `json:"destination"`
		Entries           []keyEntry `json:"entries"`
		WithKeys          []string   `json:"withKeys"`
		FieldDelimiter    string     `json:"fieldDelimiter"`
		KeyValueDelimiter string     `json:"keyValueDelimiter"`
		KeyPrefix         string     `json:"keyPrefix"`
		NonMatchValue     *string    `json:"nonMatchValue"`
		OverwriteIfExists bool       `json:"overwriteIfExists"`
		QuoteCharacter    string     `json:"quoteCharacter"`
		Delimiter         string     `json:"delimiter"`
		Columns           []string   `json:"columns"`
		Match             string     `json:"match"`
		Key               string     `json:"key"`
		ValueKey          string     `json:"valueKey"`
		Target            string     `json:"target"`
		Flatten           bool       `json:"flatten"`
		FlattenedElement  string     `json:"flattenedElement"`
	}
)

// errProcessorNotImplemented names a processor TestTransformer cannot run.
type errProcessorNotImplemented string

func (e errProcessorNotImplemented) Error() string {
	return fmt.Sprintf("the %s processor is not implemented by logpond's TestTransformer", string(e))
}

// transform runs procs on one message and returns the transformed event
// as JSON, or the message unchanged if no parser could parse it.
func transform(procs []processor, message string) (string, error) {
	st := &transformState{message: message, root: newEvent()}
	parsed := false
	for _, p := range procs {
		name := p.name()
		var cfg processorConfig
		if err := json.Unmarshal(p[name], &cfg); err != nil {
			return "", err
		}
		ok, err := st.apply(name, cfg)
		if err != nil {
			return "", err
		}
		if parserProcessors[name] && ok {
			parsed = true
		}
	}
	if !parsed {
		return message, nil
	}
	b, err := json.Marshal(st.root)
	return string(b), err
}

// apply runs one processor; for parsers it reports whether they parsed.
func (st *transformState) apply(name string, cfg processorConfig) (bool, error) {
	switch name {
	case "parseJSON":
		src, ok := st.source(cfg.Source)
		if !ok {
			return false, nil
		}
		obj, ok := parseJSONObject(src)
		if ok {
			st.merge(cfg.Destination, obj, true)
		}
		return ok, nil
	case "parseKeyValue":
		src, ok := st.source(cfg.Source)
		if !ok {
			return false, nil
		}
		fd, kvd := def(cfg.FieldDelimiter, "&"), def(cfg.KeyValueDelimiter, "=")
		obj := newEvent()
		for _, pair := range strings.Split(src, fd) {
			k, v, found := strings.Cut(pair, kvd)
			if !found {
				if cfg.NonMatchValue == nil || k == "" {
					continue
				}
				v = *cfg.NonMatchValue
			}
			obj.set(cfg.KeyPrefix+k, v)
		}
		st.merge(cfg.Destination, obj, cfg.OverwriteIfExists)
		return len(obj.keys) > 0, nil
	case "csv":
		src, ok := st.source(cfg.Source)
		if !ok {
			return false, nil
		}
		r := csv.NewReader(strings.NewReader(src))
		d := []rune(def(cfg.Delimiter, ","))
		if len(d) != 1 {
			return false, invalidParameter("csv delimiter %q: logpond supports a single-character delimiter.", cfg.Delimiter)
		}
		r.Comma, r.LazyQuotes, r.FieldsPerRecord = d[0], true, -1
		if q := def(cfg.QuoteCharacter, `"`); q != `"` {
			src = strings.ReplaceAll(strings.ReplaceAll(src, `"`, `""`), q, `"`)
			r = csv.NewReader(strings.NewReader(src))
			r.Comma, r.LazyQuotes, r.FieldsPerRecord = d[0], true, -1
		}
		rec, err := r.Read()
		if err != nil {
			return false, nil
		}
		obj := newEvent()
		for i, v := range rec {
			col := fmt.Sprintf("column_%d", i+1)
			if i < len(cfg.Columns) {
				col = cfg.Columns[i]
			}
			obj.set(col, v)
		}
		st.merge(cfg.Destination, obj, true)
		return true, nil
	case "grok":
		src, ok := st.source(cfg.Source)
		if !ok {
			return false, nil
		}
		re, err := compileGrok(cfg.Match)
		if err != nil {
			return false, invalidParameter("Invalid grok pattern %q: %v", cfg.Match, err)
		}
		m := re.FindStringSubmatch(src)
		if m == nil {
			return false, nil
		}
		for i, n := range re.SubexpNames() {
			if n != "" && i < len(m) {
				st.set(strings.ReplaceAll(n, "__", "."), m[i], true)
			}
		}
		return true, nil
	case "addKeys":
		for _, e := range cfg.Entries {
			st.set(e.Key, e.Value, e.OverwriteIfExists)
		}
	case "deleteKeys":
		for _, k := range cfg.WithKeys {
			st.del(k)
		}
	case "renameKeys":
		for _, e := range cfg.Entries {
			if v, ok := st.get(e.Key); ok && st.set(e.RenameTo, v, e.OverwriteIfExists) {
				st.del(e.Key)
			}
		}
	case "copyValue", "moveKeys":
		for _, e := range cfg.Entries {
			v, ok := st.get(e.Source)
			if ok && st.set(e.Target, v, e.OverwriteIfExists) && name == "moveKeys" {
				st.del(e.Source)
			}
		}
	case "lowerCaseString", "upperCaseString", "trimString":
		f := map[string]func(string) string{
			"lowerCaseString": strings.ToLower, "upperCaseString": strings.ToUpper, "trimString": strings.TrimSpace,
		}[name]
		for _, k := range cfg.WithKeys {
			if s, ok := st.source(k); ok && k != "@message" {
				st.set(k, f(s), true)
			}
		}
	case "substituteString":
		for _, e := range cfg.Entries {
			re, err := regexp.Compile(e.From)
			if err != nil {
				return false, invalidParameter("Invalid substituteString pattern %q: %v", e.From, err)
			}
			if s, ok := st.source(e.Source); ok {
				st.set(e.Source, re.ReplaceAllString(s, e.To), true)
			}
		}
	case "splitString":
		for _, e := range cfg.Entries {
			if s, ok := st.source(e.Source); ok {
				var parts []any
				for _, p := range strings.Split(s, e.Delimiter) {
					parts = append(parts, p)
				}
				st.set(e.Source, parts, true)
			}
		}
	case "typeConverter":
		for _, e := range cfg.Entries {
			if v, ok := st.get(e.Key); ok {
				if c, ok := convertType(v, e.Type); ok {
					st.set(e.Key, c, true)
				}
			}
		}
	case "listToMap":
		v, ok := st.get(cfg.Source)
		list, isList := v.([]any)
		if !ok || !isList {
			return false, nil
		}
		out := newEvent()
		for _, item := range list {
			obj, ok := item.(*event)
			if !ok {
				continue
			}
			k, ok := obj.vals[cfg.Key].(string)
			if !ok {
				continue
			}
			var val any = obj
			if cfg.ValueKey != "" {
				val = obj.vals[cfg.ValueKey]
			}
			if cfg.Flatten {
				if _, seen := out.vals[k]; seen && cfg.FlattenedElement == "first" {
					continue
				}
				out.set(k, val)
				continue
			}
			cur, _ := out.vals[k].([]any)
			out.set(k, append(cur, val))
		}
		st.merge(cfg.Target, out, true)
	default:
		return false, errProcessorNotImplemented(name)
	}
	return false, nil
}

func def(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// convertType converts v to a typeConverter type.
func convertType(v any, typ string) (any, bool) {
	s := fmt.Sprint(v)
	if f, ok := v.(float64); ok {
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	switch typ {
	case "string":
		return s, true
	case "integer":
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return float64(i), true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return float64(int64(f)), true
		}
	case "double":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
	case "boolean":
		if b, err := strconv.ParseBool(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// grokPatterns is the subset of grok's named patterns logpond supports.
var grokPatterns = map[string]string{
	"WORD":              `\b\w+\b`,
	"NOTSPACE":          `\S+`,
	"SPACE":             `\s*`,
	"DATA":              `.*?`,
	"GREEDYDATA":        `.*`,
	"INT":               `[+-]?\d+`,
	"POSINT":            `\b[1-9]\d*\b`,
	"NONNEGINT":         `\b\d+\b`,
	"NUMBER":            `[+-]?(?:\d+(?:\.\d*)?|\.\d+)`,
	"BASE10NUM":         `[+-]?(?:\d+(?:\.\d*)?|\.\d+)`,
	"BASE16NUM":         `(?:0[xX])?[0-9A-Fa-f]+`,
	"UUID":              `[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}`,
	"IPV4":              `(?:\d{1,3}\.){3}\d{1,3}`,
	"IPV6":              `[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+`,
	"IP":                `(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+)`,
	"HOSTNAME":          `\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?\b`,
	"IPORHOST":          `(?:(?:\d{1,3}\.){3}\d{1,3}|\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?\b)`,
	"USERNAME":          `[a-zA-Z0-9._-]+`,
	"USER":              `[a-zA-Z0-9._-]+`,
	"EMAILADDRESS":      `[a-zA-Z0-9_.+-=:]+@[0-9A-Za-z][0-9A-Za-z-.]*`,
	"QUOTEDSTRING":      `"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`,
	"QS":                `"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`,
	"URIPATH":           `(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+`,
	"URIPATHPARAM":      `(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+(?:\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*)?`,
	"URI":               `[A-Za-z][A-Za-z0-9+\-.]*://\S+`,
	"LOGLEVEL":          `(?i:alert|trace|debug|notice|info|warn(?:ing)?|err(?:or)?|crit(?:ical)?|fatal|severe|emerg(?:ency)?)`,
	"TIMESTAMP_ISO8601": `\d{4}-\d{2}-\d{2}[T ]\d{2}:?\d{2}(?::?\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?`,
	"HTTPDATE":          `\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}`,
	"MONTH":             `\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b`,
	"MONTHDAY":          `(?:0[1-9]|[12]\d|3[01]|[1-9])`,
	"YEAR":              `\d{2,4}`,
	"TIME":              `\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?`,
	"SYSLOGTIMESTAMP":   `\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b +(?:0[1-9]|[12]\d|3[01]|[1-9]) \d{2}:\d{2}:\d{2}`,
	"PATH":              `(?:/[^\s]*)+`,
}

var grokRef = regexp.MustCompile(`%\{(\w+)(?::([\w.@\[\]]+))?(?::\w+)?\}`)

// compileGrok turns a grok expression into a regular expression whose
// named groups are the captured fields ("." in names becomes "__").
func compileGrok(expr string) (*regexp.Regexp, error) {
	var unknown string
	src := grokRef.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grokRef.FindStringSubmatch(m)
		pat, ok := grokPatterns[sub[1]]
		if !ok {
			unknown = sub[1]
			return ""
		}
		if sub[2] == "" {
			return "(?:" + pat + ")"
		}
		return "(?P<" + strings.NewReplacer(".", "__", "@", "_", "[", "_", "]", "_").Replace(sub[2]) + ">" + pat + ")"
	})
	if unknown != "" {
		return nil, fmt.Errorf("pattern %%{%s} is not supported", unknown)
	}
	return regexp.Compile(src)
}
