package model

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Violation is one failed constraint, phrased as AWS phrases it.
type Violation struct {
	Path    string // member path, e.g. "logEvents.1.member.message"
	Value   string // the offending value as AWS prints it ("null" when absent)
	Message string // e.g. "Member must not be null"
}

func (v Violation) String() string {
	return fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", v.Value, v.Path, v.Message)
}

// FormatViolations joins violations into AWS's validation message:
// "1 validation error detected: Value ... ; Value ...".
func FormatViolations(vs []Violation) string {
	var b strings.Builder
	if len(vs) == 1 {
		b.WriteString("1 validation error detected: ")
	} else {
		fmt.Fprintf(&b, "%d validation errors detected: ", len(vs))
	}
	for i, v := range vs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}

// TypeError reports a JSON value of the wrong type for its member; AWS
// answers those with SerializationException rather than a validation error.
type TypeError struct {
	Path string
	Want Kind
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("value at '%s' is not a valid %s", e.Path, kindName(e.Want))
}

func kindName(k Kind) string {
	switch k {
	case KindString, KindBlob:
		return "string"
	case KindInteger, KindLong:
		return "integer"
	case KindDouble:
		return "number"
	case KindBoolean:
		return "boolean"
	case KindStructure:
		return "structure"
	case KindList:
		return "list"
	case KindMap:
		return "map"
	}
	return "value"
}

// maxViolations bounds the work and message size for absurd inputs.
const maxViolations = 100

// Validate checks a request decoded with json.Decoder.UseNumber against the
// shape id and returns the violations in model order. A value of the wrong
// JSON type is returned as *TypeError.
func Validate(id ShapeID, v any) ([]Violation, error) {
	var vs []Violation
	if v == nil {
		v = map[string]any{}
	}
	err := validate(&vs, &shapes[id], "", v, true)
	return vs, err
}

func validate(vs *[]Violation, s *Shape, path string, v any, top bool) error {
	if len(*vs) >= maxViolations {
		return nil
	}
	switch s.Kind {
	case KindStructure:
		obj, ok := v.(map[string]any)
		if !ok {
			return &TypeError{Path: path, Want: s.Kind}
		}
		for _, m := range s.Members {
			p := m.Name
			if !top {
				p = path + "." + m.Name
			}
			mv, present := obj[m.Name]
			if !present || mv == nil {
				if m.Required {
					*vs = append(*vs, Violation{Path: p, Value: "null", Message: "Member must not be null"})
				}
				continue
			}
			if err := validate(vs, &shapes[m.Shape], p, mv, false); err != nil {
				return err
			}
		}
	case KindList:
		arr, ok := v.([]any)
		if !ok {
			return &TypeError{Path: path, Want: s.Kind}
		}
		checkCount(vs, s, path, int64(len(arr)), func() string { return printList(arr) })
		for i, ev := range arr {
			if ev == nil {
				continue
			}
			if err := validate(vs, &shapes[s.Elem], fmt.Sprintf("%s.%d.member", path, i+1), ev, false); err != nil {
				return err
			}
		}
	case KindMap:
		obj, ok := v.(map[string]any)
		if !ok {
			return &TypeError{Path: path, Want: s.Kind}
		}
		checkCount(vs, s, path, int64(len(obj)), func() string { return printMap(obj) })
		for k, ev := range obj {
			if err := validate(vs, &shapes[s.Key], path+".key", k, false); err != nil {
				return err
			}
			if ev == nil {
				continue
			}
			if err := validate(vs, &shapes[s.Value], path+".value", ev, false); err != nil {
				return err
			}
		}
	case KindString, KindBlob:
		str, ok := v.(string)
		if !ok {
			return &TypeError{Path: path, Want: s.Kind}
		}
		quoted := func() string { return "'" + str + "'" }
		checkCount(vs, s, path, int64(utf8.RuneCountInString(str)), quoted)
		if s.Pattern != "" && !matchPattern(s.Pattern, str) {
			*vs = append(*vs, Violation{Path: path, Value: quoted(), Message: "Member must satisfy regular expression pattern: " + s.Pattern})
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			*vs = append(*vs, Violation{Path: path, Value: quoted(), Message: "Member must satisfy enum value set: [" + strings.Join(s.Enum, ", ") + "]"})
		}
	case KindInteger, KindLong:
		n, ok := v.(json.Number)
		if !ok {
			return &TypeError{Path: path, Want: s.Kind}
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || (s.Kind == KindInteger && (i > math.MaxInt32 || i < math.MinInt32)) {
			return &TypeError{Path: path, Want: s.Kind}
		}
		val := "'" + string(n) + "'"
		if s.HasMin && i < s.Min {
			*vs = append(*vs, Violation{Path: path, Value: val, Message: fmt.Sprintf("Member must have value greater than or equal to %d", s.Min)})
		}
		if s.HasMax && i > s.Max {
			*vs = append(*vs, Violation{Path: path, Value: val, Message: fmt.Sprintf("Member must have value less than or equal to %d", s.Max)})
		}
	case KindDouble:
		n, ok := v.(json.Number)
		if !ok {
			return &TypeError{Path: path, Want: s.Kind}
		}
		f, err := n.Float64()
		if err != nil {
			return &TypeError{Path: path, Want: s.Kind}
		}
		val := "'" + string(n) + "'"
		if s.HasMin && f < float64(s.Min) {
			*vs = append(*vs, Violation{Path: path, Value: val, Message: fmt.Sprintf("Member must have value greater than or equal to %d", s.Min)})
		}
		if s.HasMax && f > float64(s.Max) {
			*vs = append(*vs, Violation{Path: path, Value: val, Message: fmt.Sprintf("Member must have value less than or equal to %d", s.Max)})
		}
	case KindBoolean:
		if _, ok := v.(bool); !ok {
			return &TypeError{Path: path, Want: s.Kind}
		}
	}
	return nil
}

func checkCount(vs *[]Violation, s *Shape, path string, n int64, value func() string) {
	if s.HasMin && n < s.Min {
		*vs = append(*vs, Violation{Path: path, Value: value(), Message: fmt.Sprintf("Member must have length greater than or equal to %d", s.Min)})
	}
	if s.HasMax && n > s.Max {
		*vs = append(*vs, Violation{Path: path, Value: value(), Message: fmt.Sprintf("Member must have length less than or equal to %d", s.Max)})
	}
}

// printList and printMap render values the way AWS's (Java) messages do.
func printList(arr []any) string {
	parts := make([]string, 0, len(arr))
	for i, e := range arr {
		if i == 10 {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, fmt.Sprint(e))
	}
	return "'[" + strings.Join(parts, ", ") + "]'"
}

func printMap(obj map[string]any) string {
	parts := make([]string, 0, len(obj))
	for k, e := range obj {
		parts = append(parts, fmt.Sprintf("%s=%v", k, e))
	}
	return "'{" + strings.Join(parts, ", ") + "}'"
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

var patterns sync.Map // pattern string -> *regexp.Regexp

// matchPattern reports whether s matches the model's (Java-flavoured)
// pattern as a whole. Patterns RE2 cannot compile match everything: the
// model's patterns are hints, and a server must not reject valid input
// because of a regex dialect difference.
func matchPattern(pattern, s string) bool {
	re, ok := patterns.Load(pattern)
	if !ok {
		c, err := regexp.Compile(`^(?:` + pattern + `)$`)
		if err != nil {
			c = nil
		}
		re, _ = patterns.LoadOrStore(pattern, c)
	}
	c := re.(*regexp.Regexp)
	return c == nil || c.MatchString(s)
}

// InputMember returns the top-level input member of op with that name.
func (op *Operation) InputMember(name string) (Member, bool) {
	for _, m := range shapes[op.Input].Members {
		if m.Name == name {
			return m, true
		}
	}
	return Member{}, false
}

// ValidateValue validates one value against shape id, reporting violations
// at path. Hand-decoded hot-path requests use it to phrase their checks
// exactly as Validate would.
func ValidateValue(id ShapeID, path string, v any) ([]Violation, error) {
	var vs []Violation
	err := validate(&vs, &shapes[id], path, v, false)
	return vs, err
}
