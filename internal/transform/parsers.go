package transform

import (
	"encoding/csv"
	"fmt"
	"strings"
)

// The configurable parsers: parseJSON, parseKeyValue, csv and grok.

type parseJSONConfig struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

var buildParseJSON = builder("parseJSON", func(cfg parseJSONConfig) (stepFunc, error) {
	return func(st *state) bool {
		src, ok := st.source(cfg.Source)
		if !ok {
			return false
		}
		obj, ok := parseJSONObject(src)
		if ok {
			st.merge(cfg.Destination, obj, true)
		}
		return ok
	}, nil
})

type parseKeyValueConfig struct {
	Source            string  `json:"source"`
	Destination       string  `json:"destination"`
	FieldDelimiter    string  `json:"fieldDelimiter"`
	KeyValueDelimiter string  `json:"keyValueDelimiter"`
	KeyPrefix         string  `json:"keyPrefix"`
	NonMatchValue     *string `json:"nonMatchValue"`
	OverwriteIfExists bool    `json:"overwriteIfExists"`
}

var buildParseKeyValue = builder("parseKeyValue", func(cfg parseKeyValueConfig) (stepFunc, error) {
	fd, kvd := def(cfg.FieldDelimiter, "&"), def(cfg.KeyValueDelimiter, "=")
	return func(st *state) bool {
		src, ok := st.source(cfg.Source)
		if !ok {
			return false
		}
		obj := newObject()
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
		return len(obj.keys) > 0
	}, nil
})

type csvConfig struct {
	Source         string   `json:"source"`
	Destination    string   `json:"destination"`
	QuoteCharacter string   `json:"quoteCharacter"`
	Delimiter      string   `json:"delimiter"`
	Columns        []string `json:"columns"`
}

var buildCSV = builder("csv", func(cfg csvConfig) (stepFunc, error) {
	d := []rune(def(cfg.Delimiter, ","))
	if len(d) != 1 {
		return nil, fmt.Errorf("csv delimiter %q: logpond supports a single-character delimiter.", cfg.Delimiter)
	}
	q := def(cfg.QuoteCharacter, `"`)
	return func(st *state) bool {
		src, ok := st.source(cfg.Source)
		if !ok {
			return false
		}
		if q != `"` {
			src = strings.ReplaceAll(strings.ReplaceAll(src, `"`, `""`), q, `"`)
		}
		r := csv.NewReader(strings.NewReader(src))
		r.Comma, r.LazyQuotes, r.FieldsPerRecord = d[0], true, -1
		rec, err := r.Read()
		if err != nil {
			return false
		}
		obj := newObject()
		for i, v := range rec {
			col := fmt.Sprintf("column_%d", i+1)
			if i < len(cfg.Columns) {
				col = cfg.Columns[i]
			}
			obj.set(col, v)
		}
		st.merge(cfg.Destination, obj, true)
		return true
	}, nil
})

type grokConfig struct {
	Source string `json:"source"`
	Match  string `json:"match"`
}

var buildGrok = builder("grok", func(cfg grokConfig) (stepFunc, error) {
	re, err := compileGrok(cfg.Match)
	if err != nil {
		return nil, fmt.Errorf("Invalid grok pattern %q: %v", cfg.Match, err)
	}
	return func(st *state) bool {
		src, ok := st.source(cfg.Source)
		if !ok {
			return false
		}
		m := re.FindStringSubmatch(src)
		if m == nil {
			return false
		}
		for i, n := range re.SubexpNames() {
			if n != "" && i < len(m) {
				st.set(strings.ReplaceAll(n, "__", "."), m[i], true)
			}
		}
		return true
	}, nil
})
