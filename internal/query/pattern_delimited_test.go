package query

import (
	"strconv"
	"strings"
	"testing"
)

// TestDelimitedManyEllipsesLargeEvent checks the search over a pattern with
// several ellipses on an event with thousands of fields, which a naive
// backtracking search would take far too long over.
func TestDelimitedManyEllipsesLargeEvent(t *testing.T) {
	p, err := ParseFilterPattern(`[..., a = x, ..., b = y, ..., c = z, ...]`)
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(strings.Repeat("w x v ", 3000))
	msg := strings.Join(words, " ")
	if p.Match(msg) {
		t.Fatalf("matched an event without y or z")
	}
	words[4000], words[8000] = "y", "z"
	ok, vals := p.MatchExtract(strings.Join(words, " "))
	if !ok {
		t.Fatal("no match")
	}
	// The first x, then the first y after it, then the first z after that.
	if vals["$a"] != "x" || vals["$b"] != "y" || vals["$c"] != "z" {
		t.Errorf("extracted %v", map[string]string{"$a": vals["$a"], "$b": vals["$b"], "$c": vals["$c"]})
	}
	for _, pos := range []int{1, 3, 4000, 4002, 8000, 8002, 9000} {
		key := "$" + strconv.Itoa(pos)
		if _, ok := vals[key]; !ok {
			t.Errorf("no %s in the values an ellipsis covers", key)
		}
	}
	for _, key := range []string{"$2", "$4001", "$8001"} {
		if _, ok := vals[key]; ok {
			t.Errorf("%s is a named field, not part of an ellipsis", key)
		}
	}
	if len(vals) != len(words)-3+3 {
		t.Errorf("%d values for %d fields", len(vals), len(words))
	}
}

func TestTokenize(t *testing.T) {
	f := func(msg string, want ...string) {
		t.Helper()
		var got []string
		for _, f := range tokenize(msg, nil) {
			got = append(got, msg[f.vstart:f.vend])
		}
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Errorf("tokenize(%q) = %q, want %q", msg, got, want)
		}
	}
	f("")
	f("   ")
	f("a", "a")
	f(" a  b\tc\n", "a", "b", "c")
	f(`"a b" [c d] e`, "a b", "c d", "e")
	f(`"" []`, "", "")
	f(`"a [b" c]`, "a [b", "c]")
	f(`[a "b] c"`, `a "b`, `c"`)
	f(`"open quote`, `"open`, "quote")
	f(`x"y z"`, `x"y`, `z"`)
	f(`"a"b`, "a", "b")
}
