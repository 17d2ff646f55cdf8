package api

import (
	"slices"
	"testing"

	"github.com/logpond/logpond/internal/api/model"
	"github.com/logpond/logpond/internal/transform"
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
	got := transform.ProcessorTypes()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("processor types:\n got %q\nwant %q", got, want)
	}
}
