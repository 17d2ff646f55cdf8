package transform

import "testing"

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
