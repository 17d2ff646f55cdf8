package api

import (
	"maps"
	"slices"
	"testing"

	"github.com/logpond/logpond/internal/api/model"
)

func TestConfigToken(t *testing.T) {
	for _, pos := range [][2]string{{"", ""}, {"group", "name"}, {"g", "a:b\x00c"}, {"/aws/x", ""}} {
		p, n, err := decodeConfigToken(encodeConfigToken(pos[0], pos[1]))
		if err != nil || p != pos[0] || n != pos[1] {
			t.Errorf("%q: got %q %q %v", pos, p, n, err)
		}
	}
	for _, bad := range []string{"", "!!", "YzE6OTk6YQ", "Yzk6MTph", "YzE6eDph"} { // "", invalid base64, c1:99:a, c9:1:a, c1:x:a
		if _, _, err := decodeConfigToken(bad); err != errInvalidToken {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

// The processor types the transformer code knows are exactly the model's.
func TestProcessorTypesMatchModel(t *testing.T) {
	op, _ := model.Lookup("PutTransformer")
	m, _ := op.InputMember("transformerConfig")
	var want []string
	for _, mem := range model.ShapeOf(model.ShapeOf(m.Shape).Elem).Members {
		want = append(want, mem.Name)
	}
	got := slices.Concat(slices.Collect(maps.Keys(parserProcessors)), slices.Collect(maps.Keys(knownProcessors)))
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("processor types:\n got %q\nwant %q", got, want)
	}
}

func TestGrok(t *testing.T) {
	cases := []struct {
		expr, msg string
		want      map[string]string
	}{
		{"%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}", "2024-05-01T10:00:00Z ERROR disk full", map[string]string{"ts": "2024-05-01T10:00:00Z", "level": "ERROR", "msg": "disk full"}},
		{"%{IPORHOST:host} %{NOTSPACE} %{QUOTEDSTRING:req} %{INT:status}", `example.com - "GET /" 404`, map[string]string{"host": "example.com", "req": `"GET /"`, "status": "404"}},
		{"%{UUID:a.b}", "id 123e4567-e89b-12d3-a456-426614174000", map[string]string{"a__b": "123e4567-e89b-12d3-a456-426614174000"}},
	}
	for _, tc := range cases {
		re, err := compileGrok(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		m := re.FindStringSubmatch(tc.msg)
		if m == nil {
			t.Fatalf("%s does not match %q", tc.expr, tc.msg)
		}
		for i, n := range re.SubexpNames() {
			if n != "" && m[i] != tc.want[n] {
				t.Errorf("%s: %s = %q, want %q", tc.expr, n, m[i], tc.want[n])
			}
		}
	}
	if _, err := compileGrok("%{NOPE:x}"); err == nil {
		t.Error("unknown pattern compiled")
	}
}
