package transform

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

type typeEntry struct {
	Key  string `json:"key"`
	Type string `json:"type"`
}

type typeConverterConfig struct {
	Entries []typeEntry `json:"entries"`
}

var buildTypeConverter = builder("typeConverter", func(cfg typeConverterConfig) (stepFunc, error) {
	return func(st *state) bool {
		for _, e := range cfg.Entries {
			if v, ok := st.get(e.Key); ok {
				if c, ok := convertType(v, e.Type); ok {
					st.set(e.Key, c, true)
				}
			}
		}
		return false
	}, nil
})

// convertType converts v to a typeConverter type: integer, double,
// string or boolean.
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
		if f, err := strconv.ParseFloat(s, 64); err == nil && finite(f) {
			return float64(int64(f)), true
		}
	case "double":
		if f, err := strconv.ParseFloat(s, 64); err == nil && finite(f) {
			return f, true
		}
	case "boolean":
		if b, err := strconv.ParseBool(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

func finite(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }

// isJSONNumber reports whether s follows the JSON grammar of a number.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		if j := digits(s, i+1); j > i+1 {
			i = j
		} else {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// number returns s as a JSON number keeping its text (so "1.0" stays
// 1.0), or s itself when it is not a number.
func number(s string) any {
	if isJSONNumber(s) {
		return json.Number(s)
	}
	return s
}
