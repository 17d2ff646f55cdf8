package query

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// A row is what flows between commands: one event (until stats) and the
// values of the query's fields, each in a slot numbered by compile. A slot
// is read lazily: until a command sets it, reading it discovers the field
// from the event (the @ fields, Lambda's fields, JSON fields flattened with
// dots), and discovery parses the message at most once per row.

// slotSource says where a field's value comes from when no command set it.
type slotSource uint8

const (
	srcNone      slotSource = iota // made only by commands (parse, fields ... as, stats)
	srcTimestamp                   // @timestamp
	srcMessage                     // @message
	srcLogStream                   // @logStream
	srcLog                         // @log: account:group
	srcIngestion                   // @ingestionTime
	srcPtr                         // @ptr
	srcLambda                      // @type, @duration, ... of Lambda log groups
	srcJSON                        // a field of a JSON message
)

type slotInfo struct {
	name   string
	src    slotSource
	lambda int // index in lambdaFields for srcLambda
}

var builtinSources = map[string]slotSource{
	"@timestamp": srcTimestamp, "@message": srcMessage, "@logStream": srcLogStream,
	"@log": srcLog, "@ingestionTime": srcIngestion, "@ptr": srcPtr,
}

// lambdaFields are the fields CloudWatch discovers in the START, END and
// REPORT lines of Lambda log groups (/aws/lambda/...).
var lambdaFields = []string{"@type", "@requestId", "@duration", "@billedDuration", "@memorySize", "@maxMemoryUsed", "@initDuration", "@xrayTraceId", "@xraySegmentId"}

func sourceOf(name string) (slotSource, int) {
	if src, ok := builtinSources[name]; ok {
		return src, 0
	}
	if i := slices.Index(lambdaFields, name); i >= 0 {
		return srcLambda, i
	}
	if strings.HasPrefix(name, "@") {
		return srcNone, 0
	}
	return srcJSON, 0
}

// runEnv is what every row of one run shares.
type runEnv struct {
	pl     *plan
	ptr    func(*Event) string
	intern map[string]string
	// recent are strings of intern used lately (stream, group, account),
	// compared before the map is consulted.
	recent     [4]string
	nextRecent int
	flat       flatScan
}

type row struct {
	env        *runEnv
	ev         *Event // nil for the rows stats makes
	vals       []Value
	known      []bool
	discovered bool
	arrival    uint64  // order in which the run first saw the row
	aggs       []Value // while stats finishes a group
}

func newRow(env *runEnv) *row {
	n := len(env.pl.slots)
	return &row{env: env, vals: make([]Value, n), known: make([]bool, n)}
}

// reset prepares a scratch row for the next event.
func (r *row) reset(ev *Event, arrival uint64) {
	r.ev, r.arrival, r.discovered = ev, arrival, false
	clear(r.known)
}

func (r *row) set(slot int, v Value) {
	r.vals[slot], r.known[slot] = v, true
}

func (r *row) get(slot int) Value {
	if r.known[slot] {
		return r.vals[slot]
	}
	return r.getNew(slot)
}

// getNew is get of a slot not yet known (apart, so that get inlines).
func (r *row) getNew(slot int) Value {
	v := r.discover(slot)
	r.vals[slot], r.known[slot] = v, true
	return v
}

// orderKey is the row's place in time: (@timestamp, sequence) for events,
// (0, arrival) for rows made by stats.
func (r *row) orderKey() (int64, uint64) {
	if r.ev != nil {
		return r.ev.Timestamp, r.ev.Seq
	}
	return 0, r.arrival
}

func (r *row) discover(slot int) Value {
	info := &r.env.pl.slots[slot]
	ev := r.ev
	if ev == nil {
		return null
	}
	switch info.src {
	case srcTimestamp:
		return timeValue(ev.Timestamp)
	case srcMessage:
		return strValue(ev.Message)
	case srcLogStream:
		return strValue(ev.Stream)
	case srcLog:
		return strValue(ev.Account + ":" + ev.Group)
	case srcIngestion:
		return timeValue(ev.Ingestion)
	case srcPtr:
		if r.env.ptr == nil {
			return null
		}
		return strValue(r.env.ptr(ev))
	case srcLambda, srcJSON:
		if !r.discovered {
			r.discoverAll()
			if r.known[slot] {
				return r.vals[slot]
			}
		}
	}
	return null
}

// discoverAll parses the message once for every field the query reads
// from it, setting the slots no command has set.
func (r *row) discoverAll() {
	r.discovered = true
	pl := r.env.pl
	msg := r.ev.Message
	setter := func(slot int, v Value) {
		if !r.known[slot] {
			r.vals[slot], r.known[slot] = v, true
		}
	}
	if pl.lambdaSlots != nil && strings.HasPrefix(r.ev.Group, "/aws/lambda/") {
		parseLambda(msg, func(field int, v Value) {
			if slot := pl.lambdaSlots[field]; slot >= 0 {
				setter(slot, v)
			}
		})
	}
	if pl.json != nil && looksLikeJSON(msg) {
		if pl.json.top != nil {
			if found, ok := r.env.flat.fastTop(pl.json, msg); ok {
				for ; found != 0; found &= found - 1 {
					i := bits.TrailingZeros64(found)
					if slot := pl.json.top[i].slot; !r.known[slot] {
						r.vals[slot], r.known[slot] = r.env.flat.vals[i], true
					}
				}
				return
			}
		}
		r.env.flat.extract(pl.json, msg, setter)
	}
}

func looksLikeJSON(msg string) bool {
	for i := 0; i < len(msg); i++ {
		switch msg[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

// retain returns a copy of r that shares no memory with the event's
// message, for commands that keep rows after the event is gone (sort,
// dedup). Values that are pieces of the message are moved to the copy's
// message.
func (r *row) retain() *row { return r.retainInto(nil) }

// retainInto is retain that reuses the memory of c, a retained row that is
// no longer used (nil: none), except its message, which may still be
// shared with results.
func (r *row) retainInto(c *row) *row {
	if c == nil {
		c = &row{}
	}
	ev := c.ev
	*c = row{env: r.env, discovered: r.discovered, arrival: r.arrival, vals: append(c.vals[:0], r.vals...), known: append(c.known[:0], r.known...)}
	if r.ev == nil {
		return c
	}
	if ev == nil {
		ev = new(Event)
	}
	*ev = *r.ev
	old := ev.Message
	ev.Message = strings.Clone(old)
	ev.Stream = r.env.internString(ev.Stream)
	ev.Group = r.env.internString(ev.Group)
	ev.Account = r.env.internString(ev.Account)
	c.ev = ev
	if len(old) == 0 {
		return c
	}
	base := uintptr(unsafe.Pointer(unsafe.StringData(old)))
	for i := range c.vals {
		v := &c.vals[i]
		if v.s == "" || (v.k != kString && v.k != kNumber) {
			continue
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(v.s)))
		if p >= base && p+uintptr(len(v.s)) <= base+uintptr(len(old)) {
			off := int(p - base)
			v.s = ev.Message[off : off+len(v.s)]
		}
	}
	return c
}

func (e *runEnv) internString(s string) string {
	for _, v := range e.recent {
		if v == s {
			return v
		}
	}
	if v, ok := e.intern[s]; ok {
		e.recent[e.nextRecent%len(e.recent)] = v
		e.nextRecent++
		return v
	}
	if len(e.intern) >= 100_000 {
		return strings.Clone(s)
	}
	c := strings.Clone(s)
	e.intern[c] = c
	return c
}

// parseLambda reads the fields of a Lambda platform line:
//
//	START RequestId: ID Version: $LATEST
//	END RequestId: ID
//	REPORT RequestId: ID\tDuration: 2.25 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 150.1 ms\nXRAY TraceId: T\tSegmentId: S\tSampled: true
//
// Durations are in milliseconds; memory sizes in bytes (MB = 10^6 bytes).
func parseLambda(msg string, set func(field int, v Value)) {
	typ, rest, ok := strings.Cut(msg, " ")
	if !ok || (typ != "START" && typ != "END" && typ != "REPORT") || !strings.HasPrefix(rest, "RequestId: ") {
		return
	}
	set(0, strValue(typ))
	rest = rest[len("RequestId: "):]
	id := rest
	if i := strings.IndexAny(rest, " \t\n"); i >= 0 {
		id, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	set(1, strValue(id))
	if typ != "REPORT" {
		return
	}
	for part := range strings.FieldsFuncSeq(rest, func(c rune) bool { return c == '\t' || c == '\n' }) {
		k, v, ok := strings.Cut(part, ": ")
		if !ok {
			continue
		}
		k = strings.TrimPrefix(k, "XRAY ")
		num := func(unit string, mult float64) (Value, bool) {
			t, ok := strings.CutSuffix(v, " "+unit)
			if !ok {
				return null, false
			}
			f, err := strconv.ParseFloat(t, 64)
			if err != nil {
				return null, false
			}
			if mult == 1 {
				return rawNumValue(t), true
			}
			return numValue(f * mult), true
		}
		field, unit, mult := -1, "ms", 1.0
		switch k {
		case "Duration":
			field = 2
		case "Billed Duration":
			field = 3
		case "Memory Size":
			field, unit, mult = 4, "MB", 1e6
		case "Max Memory Used":
			field, unit, mult = 5, "MB", 1e6
		case "Init Duration":
			field = 6
		case "TraceId":
			set(7, strValue(v))
		case "SegmentId":
			set(8, strValue(v))
		}
		if field >= 0 {
			if val, ok := num(unit, mult); ok {
				set(field, val)
			}
		}
	}
}

// copyRow returns a copy of a retained row (sharing its event) that later
// commands may change without changing r.
func (r *row) copyRow() *row {
	c := *r
	c.vals = slices.Clone(r.vals)
	c.known = slices.Clone(r.known)
	return &c
}
