package transform

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// The string mutators: lowerCaseString, upperCaseString, trimString,
// substituteString and splitString.

func caseBuilder(name string, f func(string) string) func(json.RawMessage) (stepFunc, error) {
	return buildEntries(name, func(st *state, cfg entriesConfig) {
		for _, k := range cfg.WithKeys {
			if s, ok := st.source(k); ok && k != messageKey {
				st.set(k, f(s), true)
			}
		}
	})
}

var (
	buildLowerCaseString = caseBuilder("lowerCaseString", strings.ToLower)
	buildUpperCaseString = caseBuilder("upperCaseString", strings.ToUpper)
	buildTrimString      = caseBuilder("trimString", strings.TrimSpace)
)

type stringEntry struct {
	Source    string `json:"source"`
	From      string `json:"from"`
	To        string `json:"to"`
	Delimiter string `json:"delimiter"`
}

type stringEntries struct {
	Entries []stringEntry `json:"entries"`
}

var buildSubstituteString = builder("substituteString", func(cfg stringEntries) (stepFunc, error) {
	res := make([]*regexp.Regexp, len(cfg.Entries))
	for i, e := range cfg.Entries {
		re, err := regexp.Compile(e.From)
		if err != nil {
			return nil, fmt.Errorf("Invalid substituteString pattern %q: %v", e.From, err)
		}
		res[i] = re
	}
	return func(st *state) bool {
		for i, e := range cfg.Entries {
			if s, ok := st.source(e.Source); ok {
				st.set(e.Source, res[i].ReplaceAllString(s, e.To), true)
			}
		}
		return false
	}, nil
})

var buildSplitString = builder("splitString", func(cfg stringEntries) (stepFunc, error) {
	return func(st *state) bool {
		for _, e := range cfg.Entries {
			if s, ok := st.source(e.Source); ok {
				var parts []any
				for _, p := range strings.Split(s, e.Delimiter) {
					parts = append(parts, p)
				}
				st.set(e.Source, parts, true)
			}
		}
		return false
	}, nil
})
