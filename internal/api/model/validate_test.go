package model

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidate(t *testing.T) {
	cases := []struct {
		op, body, want string
	}{
		{"CreateLogGroup", `{"logGroupName":"ok/name"}`, ""},
		{"CreateLogGroup", `{}`, "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"},
		{"CreateLogGroup", `{"logGroupName":"bad name"}`, `1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`},
		{"CreateLogGroup", `{"logGroupName":"a","logGroupClass":"X"}`, "1 validation error detected: Value 'X' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]"},
		{"DescribeLogGroups", `{"limit":0}`, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"DescribeLogGroups", `{"limit":51}`, "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50"},
		{"CreateLogStream", `{"logGroupName":"g","logStreamName":"a:b"}`, "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"},
		{"CreateLogStream", `{}`, "2 validation errors detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null; Value null at 'logStreamName' failed to satisfy constraint: Member must not be null"},
		{"PutLogEvents", `{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":""}]}`, "1 validation error detected: Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"PutLogEvents", `{"logGroupName":"g","logStreamName":"s","logEvents":[]}`, "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	}
	for _, c := range cases {
		op, ok := Lookup(c.op)
		if !ok {
			t.Fatalf("no op %s", c.op)
		}
		vs, err := Validate(op.Input, decode(t, c.body))
		if err != nil {
			t.Fatalf("%s %s: %v", c.op, c.body, err)
		}
		got := ""
		if len(vs) > 0 {
			got = FormatViolations(vs)
		}
		if got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.op, c.body, got, c.want)
		}
	}
}

func TestValidateTypeError(t *testing.T) {
	op, _ := Lookup("DescribeLogGroups")
	for _, body := range []string{`{"limit":"5"}`, `{"limit":1.5}`, `{"logGroupNamePrefix":5}`, `{"logGroupIdentifiers":"x"}`, `[]`} {
		if _, err := Validate(op.Input, decode(t, body)); err == nil {
			t.Errorf("%s: want type error", body)
		}
	}
}

// Every pattern in the model must compile in RE2; otherwise matchPattern
// silently accepts everything for it.
func TestPatternsCompile(t *testing.T) {
	for i := range shapes {
		if p := shapes[i].Pattern; p != "" {
			if _, err := regexp.Compile(`^(?:` + p + `)$`); err != nil {
				t.Errorf("shape %s: pattern %q: %v", shapes[i].Name, p, err)
			}
		}
	}
}

func TestOperations(t *testing.T) {
	if n := len(Operations()); n != 118 {
		t.Errorf("operations = %d, want 118", n)
	}
	op, _ := Lookup("PutLogEvents")
	if op.ValidationErrorType() != "InvalidParameterException" {
		t.Errorf("PutLogEvents validation type = %s", op.ValidationErrorType())
	}
}
