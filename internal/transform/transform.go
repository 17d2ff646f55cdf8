package transform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// kind says where a processor type may stand in a transformer.
type kind int

const (
	mutator   kind = iota // any position but the first
	parser                // may (and one must) come first
	awsParser             // parses an AWS service's format; only first
)

// stepFunc runs one processor on one event; parsers report whether they
// parsed it.
type stepFunc func(st *state) bool

// processorType builds a processor's step from its configuration. An
// error from build is kept and returned by Run: the configuration is
// valid for CloudWatch Logs, but logpond cannot run it.
type processorType struct {
	kind  kind
	build func(raw json.RawMessage) (stepFunc, error)
}

// types are the processor types of the model's Processor shape.
var types = map[string]processorType{
	"parseJSON":         {parser, buildParseJSON},
	"parseKeyValue":     {parser, buildParseKeyValue},
	"csv":               {parser, buildCSV},
	"grok":              {parser, buildGrok},
	"parseCloudfront":   {awsParser, buildParseCloudfront},
	"parseRoute53":      {awsParser, buildParseRoute53},
	"parsePostgres":     {awsParser, buildParsePostgres},
	"parseVPC":          {awsParser, buildParseVPC},
	"parseWAF":          {awsParser, buildParseWAF},
	"parseToOCSF":       {awsParser, buildParseToOCSF},
	"addKeys":           {mutator, buildAddKeys},
	"deleteKeys":        {mutator, buildDeleteKeys},
	"renameKeys":        {mutator, buildRenameKeys},
	"copyValue":         {mutator, buildCopyValue},
	"moveKeys":          {mutator, buildMoveKeys},
	"listToMap":         {mutator, buildListToMap},
	"lowerCaseString":   {mutator, buildLowerCaseString},
	"upperCaseString":   {mutator, buildUpperCaseString},
	"trimString":        {mutator, buildTrimString},
	"substituteString":  {mutator, buildSubstituteString},
	"splitString":       {mutator, buildSplitString},
	"typeConverter":     {mutator, buildTypeConverter},
	"dateTimeConverter": {mutator, buildDateTimeConverter},
}

// ProcessorTypes returns the names of the processor types, sorted.
func ProcessorTypes() []string { return slices.Sorted(maps.Keys(types)) }

// Pipeline is a checked transformerConfig, ready to run.
type Pipeline struct {
	steps []step
}

type step struct {
	kind kind
	run  stepFunc
	err  error // why logpond cannot run this processor
}

// Parse checks a transformerConfig (a JSON array of processors) against
// the rules CloudWatch Logs applies beyond the model: one processor type
// per element, a parser first, AWS-format parsers only first and reading
// only @message, grok patterns that compile. Its errors are meant to be
// answered as InvalidParameterException.
func Parse(raw json.RawMessage) (Pipeline, error) {
	var procs []map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &procs); err != nil {
			return Pipeline{}, fmt.Errorf("Invalid transformerConfig: %v", err)
		}
	}
	var p Pipeline
	for i, proc := range procs {
		name, err := check(i, proc)
		if err != nil {
			return Pipeline{}, err
		}
		t := types[name]
		run, err := t.build(proc[name])
		p.steps = append(p.steps, step{kind: t.kind, run: run, err: err})
	}
	return p, nil
}

// check applies the rules of Parse to the processor at index i and
// returns its type.
func check(i int, proc map[string]json.RawMessage) (string, error) {
	if len(proc) != 1 {
		return "", fmt.Errorf("Invalid transformerConfig: processor %d must set exactly one processor type.", i+1)
	}
	var name string
	for name = range proc {
	}
	t, ok := types[name]
	if !ok {
		return "", fmt.Errorf("Invalid transformerConfig: unknown processor type %q.", name)
	}
	if i == 0 && t.kind == mutator {
		return "", fmt.Errorf("Invalid transformerConfig: the first processor must be a parser (parseJSON, parseKeyValue, csv, grok or an AWS-format parser), not %s.", name)
	}
	if i > 0 && t.kind == awsParser {
		return "", fmt.Errorf("Invalid transformerConfig: %s must be the first processor.", name)
	}
	switch name {
	case "grok":
		var g struct {
			Match string `json:"match"`
		}
		json.Unmarshal(proc[name], &g)
		if _, err := compileGrok(g.Match); err != nil {
			return "", fmt.Errorf("Invalid grok pattern %q: %v", g.Match, err)
		}
	case "parseCloudfront", "parseRoute53", "parsePostgres", "parseVPC", "parseWAF":
		var s struct {
			Source *string `json:"source"`
		}
		json.Unmarshal(proc[name], &s)
		if s.Source != nil && *s.Source != messageKey {
			return "", fmt.Errorf("Invalid transformerConfig: %s accepts only %s as source, not %q.", name, messageKey, *s.Source)
		}
	case "parseToOCSF":
		var o ocsfConfig
		json.Unmarshal(proc[name], &o)
		if o.MappingVersion != "" && o.OCSFVersion == "V1.1" {
			return "", fmt.Errorf("Invalid transformerConfig: parseToOCSF mappingVersion is not supported when ocsfVersion is V1.1.")
		}
	}
	return name, nil
}

// Run transforms each message with the pipeline. A message that no
// parser could parse comes back unchanged; otherwise the result is the
// transformed event as a JSON object. It fails, before transforming
// anything, when the pipeline has a processor logpond cannot run.
func (p Pipeline) Run(messages []string) ([]string, error) {
	for _, s := range p.steps {
		if s.err != nil {
			return nil, s.err
		}
	}
	out := make([]string, len(messages))
	for i, m := range messages {
		t, err := p.transform(m)
		if err != nil {
			return nil, fmt.Errorf("transforming event %d: %w", i+1, err)
		}
		out[i] = t
	}
	return out, nil
}

func (p Pipeline) transform(message string) (string, error) {
	st := newState(message)
	parsed := false
	for _, s := range p.steps {
		if s.run(st) && s.kind != mutator {
			parsed = true
		}
	}
	if !parsed {
		return message, nil
	}
	return encodeJSON(st.root)
}

// builder returns a processor type's build function: it decodes the
// configuration into a C and makes the step with mk.
func builder[C any](name string, mk func(cfg C) (stepFunc, error)) func(json.RawMessage) (stepFunc, error) {
	return func(raw json.RawMessage) (stepFunc, error) {
		var cfg C
		if err := decodeConfig(name, raw, &cfg); err != nil {
			return nil, err
		}
		return mk(cfg)
	}
}

// decodeConfig decodes a processor's configuration into cfg.
func decodeConfig(name string, raw json.RawMessage, cfg any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, cfg); err != nil {
		return fmt.Errorf("Invalid transformerConfig: %s: %v", name, err)
	}
	return nil
}

func def(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
