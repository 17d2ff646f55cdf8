// Package putevents decodes the JSON body of a CloudWatch Logs PutLogEvents
// request.
//
// PutLogEvents is the ingest hot path, so this package replaces
// encoding/json for that one operation: it walks the body once, without
// reflection, and copies the messages into 64 KiB arenas (one allocation for
// a few hundred typical messages) and allocates nothing else per event (once
// a pooled Request's events slice has grown).
//
// # Semantics
//
// Decode accepts exactly the bodies that encoding/json.Unmarshal accepts into
// a fresh value of the struct below, and produces the same values (presence
// flags are the pointers' non-nilness):
//
//	type request struct {
//		LogGroupName       *string `json:"logGroupName"`
//		LogGroupIdentifier *string `json:"logGroupIdentifier"`
//		LogStreamName      *string `json:"logStreamName"`
//		LogEvents          *[]struct {
//			Timestamp int64  `json:"timestamp"`
//			Message   string `json:"message"`
//		} `json:"logEvents"`
//		SequenceToken string `json:"sequenceToken"`
//		Entity        *struct {
//			KeyAttributes map[string]string `json:"keyAttributes"`
//			Attributes    map[string]string `json:"attributes"`
//		} `json:"entity"`
//	}
//
// In particular:
//
//   - members may come in any order, and unknown members are skipped
//     whatever their value;
//   - null means absent: it clears a member with a presence flag (as
//     encoding/json sets the pointer to nil) and leaves any other member as
//     it was (as encoding/json ignores null for strings and numbers); a null
//     element of logEvents leaves that event zero (but see repeated members
//     below), and a null map value is "";
//   - strings may use every JSON escape; unpaired surrogate escapes and each
//     byte of invalid UTF-8 become U+FFFD;
//   - a timestamp is a JSON number written as an integer within int64: 1.5,
//     1e3 and 9223372036854775808 are refused;
//   - nesting is limited to 10,000 levels, as in encoding/json; Decode does
//     not recurse into unknown values, so the limit costs no stack;
//   - only white space may follow the top-level value, and a top-level null
//     is an empty request.
//
// A repeated member is decoded again over the earlier value, as encoding/json
// does: for strings and numbers the last occurrence wins; a repeated entity
// object or attribute map is merged into the one already decoded; a repeated
// logEvents array is decoded element by element into the events already
// decoded at the same index (a later [] or null forgets them).
//
// The one deliberate difference: member names match exactly, byte for
// byte after unescaping. encoding/json also accepts a key that matches a
// field name case-insensitively ("LogGroupName", "LOGEVENTS"); the AWS JSON
// 1.1 protocol names members exactly and AWS SDKs send them exactly, so here
// such a key is an unknown member and is skipped.
//
// Error messages are this package's own and name the member at fault. Where
// a body has several faults Decode reports the first it meets, while
// encoding/json reports a syntax error before any type error; either way
// the body is refused.
package putevents

import "unsafe"

// Event is one log event of a PutLogEvents request.
type Event struct {
	Timestamp int64 // milliseconds since the Unix epoch
	Message   string
}

// Entity is the optional entity that a request's log events belong to.
// A map is nil when its member was absent or null, and empty (not nil) for {}.
type Entity struct {
	KeyAttributes map[string]string
	Attributes    map[string]string
}

// Request is a decoded PutLogEvents request body.
//
// The Has fields report whether a member was present and not null, so that
// callers can tell a missing required member from an empty one; an absent
// string member is "".
type Request struct {
	LogGroupName       string
	LogGroupIdentifier string
	LogStreamName      string
	SequenceToken      string

	HasLogGroupName       bool
	HasLogGroupIdentifier bool
	HasLogStreamName      bool

	LogEvents    []Event
	HasLogEvents bool // true for "logEvents":[] too

	Entity *Entity // nil when absent or null

	// buf is scratch space for unescaping strings, kept here so that a
	// pooled Request decodes without allocating it again.
	buf []byte
}

// maxDepth is encoding/json's limit on nesting of arrays and objects; the
// top-level object is at depth 1.
const maxDepth = 10000

// Depths of the containers whose members Decode knows, used to keep the
// nesting limit exact while skipping unknown values.
const (
	depthRequest = 1 // the top-level object
	depthEvents  = 2 // logEvents, entity
	depthEvent   = 3 // an element of logEvents, an entity attribute map
)

// Decode parses a PutLogEvents request body into req, replacing all that req
// held before.
//
// Decode writes over the backing array of req.LogEvents and reuses it, so
// callers may pool Requests; a caller that keeps events from an earlier
// request must copy them first. Spare capacity beyond len(req.LogEvents) may
// still refer to messages of earlier requests until it is written over.
// Decoded strings never alias body, which may be reused as soon as Decode
// returns.
//
// Every error is a *SyntaxError. After an error req holds a partial result
// and must only be passed to Decode again.
func Decode(body []byte, req *Request) error {
	d := decoder{data: body, buf: req.buf[:0], events: req.LogEvents[:0]}
	*req = Request{}
	err := d.request(req)
	req.LogEvents = d.events[:d.n]
	req.buf = d.buf
	return err
}

// decoder holds the state of one Decode call.
type decoder struct {
	data []byte
	pos  int    // index in data of the next byte to read
	buf  []byte // scratch for strings that need unescaping, see str

	// events holds every element that some logEvents array in this body
	// has reached, each as decoded so far: a repeated logEvents member
	// decodes into them again, as encoding/json decodes into the slice it
	// already has. n is the length of the latest array.
	events []Event
	n      int

	// arena holds the messages back to back, so that a request's messages
	// cost a few allocations instead of one each (a store keeps them in
	// memory until it seals them). Bytes below len(arena) are never
	// written again: when a message does not fit, a new arena is started.
	arena []byte
}

// Message arenas: a message of at most arenaMaxMessage bytes goes into the
// current arena of arenaSize bytes; longer ones get their own allocation,
// so an arena wastes at most arenaMaxMessage bytes at its end.
const (
	arenaSize       = 64 << 10
	arenaMaxMessage = 4 << 10
)

// keep returns b as a string that does not alias the body.
func (d *decoder) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaMaxMessage {
		return string(b)
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		d.arena = make([]byte, 0, arenaSize)
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[start], len(b))
}

// request decodes the whole body.
func (d *decoder) request(req *Request) error {
	d.skipSpace()
	switch d.peek() {
	case '{':
		if err := d.requestMembers(req); err != nil {
			return err
		}
	case 'n':
		// encoding/json leaves a struct untouched when decoding null into it.
		if err := d.literal("null"); err != nil {
			return err
		}
	default:
		return d.wrongType("request body", "object", 0)
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return d.invalidChar("after top-level value")
	}
	return nil
}

func (d *decoder) requestMembers(req *Request) error {
	more, err := d.beginObject()
	for more && err == nil {
		var key []byte
		if key, err = d.memberKey(); err != nil {
			return err
		}
		switch string(key) {
		case "logGroupName":
			req.LogGroupName, req.HasLogGroupName, err = d.optString("logGroupName")
		case "logGroupIdentifier":
			req.LogGroupIdentifier, req.HasLogGroupIdentifier, err = d.optString("logGroupIdentifier")
		case "logStreamName":
			req.LogStreamName, req.HasLogStreamName, err = d.optString("logStreamName")
		case "sequenceToken":
			err = d.stringInto(&req.SequenceToken, "sequenceToken")
		case "logEvents":
			err = d.logEvents(req)
		case "entity":
			err = d.entity(req)
		default:
			err = d.skipValue(depthRequest)
		}
		if err == nil {
			more, err = d.nextMember()
		}
	}
	return err
}

// optString decodes a string member with a presence flag: null makes it
// absent again.
func (d *decoder) optString(member string) (string, bool, error) {
	switch d.peek() {
	case '"':
		b, err := d.str()
		if err != nil {
			return "", false, err
		}
		return string(b), true, nil
	case 'n':
		return "", false, d.literal("null")
	default:
		return "", false, d.wrongType(member, "string", depthRequest)
	}
}

// stringInto decodes a string member without a presence flag: null leaves
// *s as it was.
func (d *decoder) stringInto(s *string, member string) error {
	switch d.peek() {
	case '"':
		b, err := d.str()
		if err != nil {
			return err
		}
		*s = string(b)
		return nil
	case 'n':
		return d.literal("null")
	default:
		return d.wrongType(member, "string", depthRequest)
	}
}

// logEvents decodes the logEvents member.
func (d *decoder) logEvents(req *Request) error {
	switch d.peek() {
	case '[':
	case 'n':
		req.HasLogEvents = false
		d.events, d.n = d.events[:0], 0
		return d.literal("null")
	default:
		return d.wrongType("logEvents", "array", depthRequest)
	}
	req.HasLogEvents = true
	more, err := d.beginArray()
	if !more {
		// encoding/json replaces the slice with a new empty one, so the
		// elements decoded so far are forgotten.
		d.events, d.n = d.events[:0], 0
		return err
	}
	events := d.events
	i := 0
	for more {
		if i == len(events) {
			events = append(events, Event{})
		}
		switch d.peek() {
		case '{':
			err = d.event(&events[i], i)
		case 'n':
			// encoding/json leaves the element as it is.
			err = d.literal("null")
		default:
			err = d.wrongType(eventPath(i, ""), "object", depthEvents)
		}
		if err != nil {
			break
		}
		i++
		more, err = d.nextElement()
	}
	d.events, d.n = events, i
	return err
}

// event decodes the object at d.pos into ev, the i'th element of logEvents.
func (d *decoder) event(ev *Event, i int) error {
	more, err := d.beginObject()
	for more && err == nil {
		switch {
		// The members every event has, written as SDKs write them, are
		// matched without decoding their keys.
		case d.consume(`"timestamp":`):
			d.skipSpace()
			err = d.timestamp(ev, i)
		case d.consume(`"message":`):
			d.skipSpace()
			err = d.message(ev, i)
		default:
			var key []byte
			if key, err = d.memberKey(); err != nil {
				return err
			}
			switch string(key) {
			case "timestamp":
				err = d.timestamp(ev, i)
			case "message":
				err = d.message(ev, i)
			default:
				err = d.skipValue(depthEvent)
			}
		}
		if err == nil {
			more, err = d.nextMember()
		}
	}
	return err
}

// message decodes the value at d.pos into ev.Message.
func (d *decoder) message(ev *Event, i int) error {
	switch d.peek() {
	case '"':
		b, err := d.str()
		if err != nil {
			return err
		}
		ev.Message = d.keep(b)
		return nil
	case 'n':
		return d.literal("null")
	default:
		return d.wrongType(eventPath(i, "message"), "string", depthEvent)
	}
}

// timestamp decodes the value at d.pos into ev.Timestamp.
func (d *decoder) timestamp(ev *Event, i int) error {
	switch c := d.peek(); {
	case c == '-' || '0' <= c && c <= '9':
		start := d.pos
		n, problem, err := d.integer()
		if err != nil {
			return err
		}
		if problem != "" {
			return &SyntaxError{
				Offset: start,
				Msg:    eventPath(i, "timestamp") + ": number " + string(d.data[start:d.pos]) + " " + problem,
			}
		}
		ev.Timestamp = n
		return nil
	case c == 'n':
		return d.literal("null")
	default:
		return d.wrongType(eventPath(i, "timestamp"), "number", depthEvent)
	}
}

// entity decodes the entity member.
func (d *decoder) entity(req *Request) error {
	switch d.peek() {
	case '{':
	case 'n':
		req.Entity = nil
		return d.literal("null")
	default:
		return d.wrongType("entity", "object", depthRequest)
	}
	if req.Entity == nil {
		req.Entity = new(Entity)
	}
	e := req.Entity
	more, err := d.beginObject()
	for more && err == nil {
		var key []byte
		if key, err = d.memberKey(); err != nil {
			return err
		}
		switch string(key) {
		case "keyAttributes":
			err = d.stringMap(&e.KeyAttributes, "entity.keyAttributes")
		case "attributes":
			err = d.stringMap(&e.Attributes, "entity.attributes")
		default:
			err = d.skipValue(depthEvents)
		}
		if err == nil {
			more, err = d.nextMember()
		}
	}
	return err
}

// stringMap decodes a map[string]string member of entity into *m, adding to
// the map already there as encoding/json does.
func (d *decoder) stringMap(m *map[string]string, member string) error {
	switch d.peek() {
	case '{':
	case 'n':
		*m = nil
		return d.literal("null")
	default:
		return d.wrongType(member, "object", depthEvents)
	}
	if *m == nil {
		*m = make(map[string]string)
	}
	more, err := d.beginObject()
	for more && err == nil {
		var kb []byte
		if kb, err = d.key(); err != nil {
			return err
		}
		k := string(kb) // before str overwrites d.buf
		v := ""         // encoding/json stores "" for a null value
		switch d.peek() {
		case '"':
			var b []byte
			if b, err = d.str(); err == nil {
				v = string(b)
			}
		case 'n':
			err = d.literal("null")
		default:
			err = d.wrongType(member+"["+quote(k)+"]", "string", depthEvent)
		}
		if err != nil {
			return err
		}
		(*m)[k] = v
		more, err = d.nextMember()
	}
	return err
}
