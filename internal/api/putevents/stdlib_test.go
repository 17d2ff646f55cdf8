package putevents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// stdRequest is the struct that Decode is equivalent to under
// encoding/json.Unmarshal (see the package comment). Members with a
// presence flag in Request are pointers here.
type stdRequest struct {
	LogGroupName       *string     `json:"logGroupName"`
	LogGroupIdentifier *string     `json:"logGroupIdentifier"`
	LogStreamName      *string     `json:"logStreamName"`
	LogEvents          *[]stdEvent `json:"logEvents"`
	SequenceToken      string      `json:"sequenceToken"`
	Entity             *stdEntity  `json:"entity"`
}

type stdEvent struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

type stdEntity struct {
	KeyAttributes map[string]string `json:"keyAttributes"`
	Attributes    map[string]string `json:"attributes"`
}

// stdDecode decodes body with encoding/json into a Request.
func stdDecode(body []byte) (Request, error) {
	var s stdRequest
	if err := json.Unmarshal(body, &s); err != nil {
		return Request{}, err
	}
	deref := func(p *string) (string, bool) {
		if p == nil {
			return "", false
		}
		return *p, true
	}
	var r Request
	r.LogGroupName, r.HasLogGroupName = deref(s.LogGroupName)
	r.LogGroupIdentifier, r.HasLogGroupIdentifier = deref(s.LogGroupIdentifier)
	r.LogStreamName, r.HasLogStreamName = deref(s.LogStreamName)
	r.SequenceToken = s.SequenceToken
	if s.LogEvents != nil {
		r.HasLogEvents = true
		for _, e := range *s.LogEvents {
			r.LogEvents = append(r.LogEvents, Event(e))
		}
	}
	if s.Entity != nil {
		r.Entity = &Entity{KeyAttributes: s.Entity.KeyAttributes, Attributes: s.Entity.Attributes}
	}
	return r, nil
}

// diffRequest describes how got differs from want, or returns "". Empty and
// nil LogEvents are equal; nil and empty maps are not, as for encoding/json.
func diffRequest(got, want *Request) string {
	norm := func(r *Request) Request {
		c := *r
		c.buf = nil
		if len(c.LogEvents) == 0 {
			c.LogEvents = nil
		}
		return c
	}
	g, w := norm(got), norm(want)
	if reflect.DeepEqual(g, w) {
		return ""
	}
	var b strings.Builder
	field := func(name string, gv, wv any) {
		if !reflect.DeepEqual(gv, wv) {
			fmt.Fprintf(&b, "\n%s: got %#v, want %#v", name, gv, wv)
		}
	}
	field("LogGroupName", g.LogGroupName, w.LogGroupName)
	field("HasLogGroupName", g.HasLogGroupName, w.HasLogGroupName)
	field("LogGroupIdentifier", g.LogGroupIdentifier, w.LogGroupIdentifier)
	field("HasLogGroupIdentifier", g.HasLogGroupIdentifier, w.HasLogGroupIdentifier)
	field("LogStreamName", g.LogStreamName, w.LogStreamName)
	field("HasLogStreamName", g.HasLogStreamName, w.HasLogStreamName)
	field("SequenceToken", g.SequenceToken, w.SequenceToken)
	field("HasLogEvents", g.HasLogEvents, w.HasLogEvents)
	if len(g.LogEvents) != len(w.LogEvents) {
		fmt.Fprintf(&b, "\nlen(LogEvents): got %d, want %d", len(g.LogEvents), len(w.LogEvents))
	}
	for i := range min(len(g.LogEvents), len(w.LogEvents)) {
		field(fmt.Sprintf("LogEvents[%d]", i), g.LogEvents[i], w.LogEvents[i])
	}
	field("Entity", g.Entity, w.Entity)
	return b.String()
}

// memberNames are the member names Decode knows, at every level.
var memberNames = []string{
	"logGroupName", "logGroupIdentifier", "logStreamName", "logEvents",
	"sequenceToken", "entity", "timestamp", "message", "keyAttributes", "attributes",
}

// foldsToMember reports whether body is valid JSON with an object key that
// encoding/json would match to a member case-insensitively but Decode, which
// matches exactly, would not. The two decoders may rightly disagree on such
// bodies.
func foldsToMember(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct{ object, wantKey bool }
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false // invalid JSON: both decoders must refuse it
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				stack = append(stack, frame{object: tok == '{', wantKey: true})
				continue
			}
			stack = stack[:len(stack)-1]
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				for _, m := range memberNames {
					if tok != m && strings.EqualFold(tok, m) {
						return true
					}
				}
				stack[n-1].wantKey = false
				continue
			}
		}
		// A value ended.
		if len(stack) == 0 {
			return false
		}
		if top := &stack[len(stack)-1]; top.object {
			top.wantKey = true
		}
	}
}
