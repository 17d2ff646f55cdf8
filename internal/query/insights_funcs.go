package query

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Scalar functions of the Logs Insights language, by lower-case name.
// Function names are case-insensitive (isPresent and ispresent are one).

// callNode is a call of a scalar function.
type callNode struct {
	pos
	name string // as written
	fn   *scalarFunc
	args []node
	// Compiled constant arguments.
	per    period       // bin, datefloor, dateceil
	subnet netip.Prefix // the IP subnet functions, when the subnet is a literal
	hasNet bool
}

func (n *callNode) eval(r *row) Value { return n.fn.eval(n, r) }

type scalarFunc struct {
	min, max int // argument counts; max -1 for any number
	eval     func(n *callNode, r *row) Value
}

var scalarFuncs map[string]*scalarFunc

func init() {
	num1 := func(f func(float64) float64) *scalarFunc {
		return &scalarFunc{1, 1, func(n *callNode, r *row) Value {
			x, ok := n.args[0].eval(r).num()
			if !ok {
				return null
			}
			y := f(x)
			if math.IsNaN(y) || math.IsInf(y, 0) {
				return null
			}
			return numValue(y)
		}}
	}
	str1 := func(f func(string) Value) *scalarFunc {
		return &scalarFunc{1, 1, func(n *callNode, r *row) Value {
			v := n.args[0].eval(r)
			if v.k == kNull {
				return null
			}
			return f(v.str())
		}}
	}
	scalarFuncs = map[string]*scalarFunc{
		// Numeric.
		"abs":      num1(math.Abs),
		"ceil":     num1(math.Ceil),
		"floor":    num1(math.Floor),
		"log":      num1(math.Log),
		"sqrt":     num1(math.Sqrt),
		"greatest": {1, -1, func(n *callNode, r *row) Value { return extreme(n, r, 1) }},
		"least":    {1, -1, func(n *callNode, r *row) Value { return extreme(n, r, -1) }},

		// String.
		"concat":      {1, -1, fnConcat},
		"strlen":      str1(func(s string) Value { return numValue(float64(utf8.RuneCountInString(s))) }),
		"toupper":     str1(func(s string) Value { return strValue(strings.ToUpper(s)) }),
		"tolower":     str1(func(s string) Value { return strValue(strings.ToLower(s)) }),
		"substr":      {2, 3, fnSubstr},
		"replace":     {3, 3, fnReplace},
		"trim":        {1, 2, func(n *callNode, r *row) Value { return fnTrim(n, r, strings.TrimFunc, strings.Trim) }},
		"ltrim":       {1, 2, func(n *callNode, r *row) Value { return fnTrim(n, r, strings.TrimLeftFunc, strings.TrimLeft) }},
		"rtrim":       {1, 2, func(n *callNode, r *row) Value { return fnTrim(n, r, strings.TrimRightFunc, strings.TrimRight) }},
		"strcontains": {2, 2, fnStrContains},
		"isempty": {1, 1, func(n *callNode, r *row) Value {
			v := n.args[0].eval(r)
			return boolValue(v.k == kNull || v.str() == "")
		}},
		"isblank": {1, 1, func(n *callNode, r *row) Value {
			v := n.args[0].eval(r)
			return boolValue(v.k == kNull || strings.TrimSpace(v.str()) == "")
		}},

		// General.
		"ispresent": {1, 1, func(n *callNode, r *row) Value { return boolValue(n.args[0].eval(r).k != kNull) }},
		"coalesce": {1, -1, func(n *callNode, r *row) Value {
			for _, a := range n.args {
				if v := a.eval(r); v.k != kNull {
					return v
				}
			}
			return null
		}},

		// Date and time. bin(p) is compiled as datefloor(@timestamp, p).
		"bin":        {1, 1, nil},
		"datefloor":  {2, 2, fnDateFloor},
		"dateceil":   {2, 2, fnDateCeil},
		"frommillis": {1, 1, fnFromMillis},
		"tomillis": {1, 1, func(n *callNode, r *row) Value {
			v := n.args[0].eval(r)
			if f, ok := v.num(); ok {
				return numValue(math.Trunc(f))
			}
			return null
		}},

		// IP addresses.
		"isvalidip":      {1, 1, func(n *callNode, r *row) Value { return fnIP(n, r, func(a netip.Addr) bool { return true }) }},
		"isvalidipv4":    {1, 1, func(n *callNode, r *row) Value { return fnIP(n, r, netip.Addr.Is4) }},
		"isvalidipv6":    {1, 1, func(n *callNode, r *row) Value { return fnIP(n, r, netip.Addr.Is6) }},
		"isipinsubnet":   {2, 2, func(n *callNode, r *row) Value { return fnInSubnet(n, r, 0) }},
		"isipv4insubnet": {2, 2, func(n *callNode, r *row) Value { return fnInSubnet(n, r, 4) }},
		"isipv6insubnet": {2, 2, func(n *callNode, r *row) Value { return fnInSubnet(n, r, 6) }},

		// JSON.
		"jsonparse":     {1, 1, fnJSONParse},
		"jsonstringify": {1, 1, fnJSONStringify},
	}
	scalarFuncs["bin"].eval = fnDateFloor
}

// newCall makes the node for name(args): an aggregation or a scalar
// function, with its arguments checked.
func newCall(p pos, name string, args []node, star bool) (node, error) {
	lname := strings.ToLower(name)
	if af := aggFuncs[lname]; af != nil {
		return newAgg(p, af, name, args, star)
	}
	fn := scalarFuncs[lname]
	if fn == nil {
		return nil, errAt(p.start, p.start+len(name), "unknown function %s", quoteForMsg(name))
	}
	if star {
		return nil, errAt(p.start, p.end, "'*' is allowed only as count(*)")
	}
	if len(args) < fn.min || (fn.max >= 0 && len(args) > fn.max) {
		return nil, errAt(p.start, p.end, "%s takes %s, not %d", name, arity(fn.min, fn.max), len(args))
	}
	n := &callNode{pos: p, name: name, fn: fn, args: args}
	switch lname {
	case "bin":
		per, ok := args[0].(*periodNode)
		if !ok {
			s, e := args[0].span()
			return nil, errAt(s, e, "bin takes a time period such as 5m or 1h")
		}
		n.per = per.p
		n.args = []node{&fieldNode{pos: p, name: "@timestamp"}, per}
	case "datefloor", "dateceil":
		per, ok := args[1].(*periodNode)
		if !ok {
			s, e := args[1].span()
			return nil, errAt(s, e, "%s takes a time period such as 5m or 1h as its second argument", name)
		}
		n.per = per.p
	case "isipinsubnet", "isipv4insubnet", "isipv6insubnet":
		if lit, ok := args[1].(*litNode); ok {
			pfx, err := netip.ParsePrefix(lit.v.str())
			if err != nil {
				return nil, errAt(lit.start, lit.end, "invalid subnet %s: use CIDR notation such as 192.0.2.0/24", quoteForMsg(lit.v.str()))
			}
			n.subnet, n.hasNet = pfx.Masked(), true
		}
	}
	return n, nil
}

func arity(min, max int) string {
	switch {
	case max < 0:
		return "at least " + strconv.Itoa(min) + " argument(s)"
	case min == max:
		return strconv.Itoa(min) + " argument(s)"
	}
	return strconv.Itoa(min) + " to " + strconv.Itoa(max) + " arguments"
}

func extreme(n *callNode, r *row, sign float64) Value {
	var best Value
	bf := 0.0
	for _, a := range n.args {
		v := a.eval(r)
		f, ok := v.num()
		if !ok {
			continue
		}
		if best.k == kNull || (f-bf)*sign > 0 {
			best, bf = v, f
		}
	}
	return best
}

func fnConcat(n *callNode, r *row) Value {
	var b strings.Builder
	for _, a := range n.args {
		b.WriteString(a.eval(r).str())
	}
	return strValue(b.String())
}

// fnSubstr is substr(s, start[, length]) over code points, start 0-based.
func fnSubstr(n *callNode, r *row) Value {
	v := n.args[0].eval(r)
	st, ok := n.args[1].eval(r).num()
	if v.k == kNull || !ok {
		return null
	}
	s := v.str()
	runes := []rune(s)
	from := clampInt(int(math.Trunc(st)), 0, len(runes))
	to := len(runes)
	if len(n.args) == 3 {
		l, ok := n.args[2].eval(r).num()
		if !ok {
			return null
		}
		to = clampInt(from+int(math.Trunc(l)), from, len(runes))
	}
	return strValue(string(runes[from:to]))
}

func clampInt(x, lo, hi int) int { return max(lo, min(x, hi)) }

func fnReplace(n *callNode, r *row) Value {
	v := n.args[0].eval(r)
	if v.k == kNull {
		return null
	}
	old, nw := n.args[1].eval(r), n.args[2].eval(r)
	if old.k == kNull || old.str() == "" {
		return strValue(v.str())
	}
	return strValue(strings.ReplaceAll(v.str(), old.str(), nw.str()))
}

// fnTrim removes white space, or with a second argument the characters it
// contains, from one or both ends.
func fnTrim(n *callNode, r *row, space func(string, func(rune) bool) string, cut func(string, string) string) Value {
	v := n.args[0].eval(r)
	if v.k == kNull {
		return null
	}
	if len(n.args) == 2 {
		return strValue(cut(v.str(), n.args[1].eval(r).str()))
	}
	return strValue(space(v.str(), unicode.IsSpace))
}

func fnStrContains(n *callNode, r *row) Value {
	v, sub := n.args[0].eval(r), n.args[1].eval(r)
	if v.k == kNull || sub.k == kNull {
		return numValue(0)
	}
	if strings.Contains(v.str(), sub.str()) {
		return numValue(1)
	}
	return numValue(0)
}

// timeArg reads a timestamp argument: a time, or a number of milliseconds.
func timeArg(v Value) (int64, bool) {
	switch v.k {
	case kTime, kNumber:
		return int64(math.Floor(v.n)), true
	case kString:
		if f, ok := v.num(); ok {
			return int64(math.Floor(f)), true
		}
		if t, err := time.Parse(timeLayout, v.s); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}

func fnDateFloor(n *callNode, r *row) Value {
	ms, ok := timeArg(n.args[0].eval(r))
	if !ok {
		return null
	}
	return timeValue(n.per.floor(ms))
}

func fnDateCeil(n *callNode, r *row) Value {
	ms, ok := timeArg(n.args[0].eval(r))
	if !ok {
		return null
	}
	return timeValue(n.per.ceil(ms))
}

func fnFromMillis(n *callNode, r *row) Value {
	f, ok := n.args[0].eval(r).num()
	if !ok || math.Abs(f) > 1e17 {
		return null
	}
	return timeValue(int64(math.Floor(f)))
}

func ipArg(v Value) (netip.Addr, bool) {
	if v.k == kNull {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(v.str())
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

func fnIP(n *callNode, r *row, kind func(netip.Addr) bool) Value {
	a, ok := ipArg(n.args[0].eval(r))
	return boolValue(ok && kind(a))
}

// fnInSubnet tests an address against a subnet; family 4 or 6 requires
// both to be of that family, 0 accepts either.
func fnInSubnet(n *callNode, r *row, family int) Value {
	a, ok := ipArg(n.args[0].eval(r))
	if !ok {
		return boolValue(false)
	}
	pfx := n.subnet
	if !n.hasNet {
		var err error
		if pfx, err = netip.ParsePrefix(n.args[1].eval(r).str()); err != nil {
			return boolValue(false)
		}
	}
	switch family {
	case 4:
		if !a.Is4() || !pfx.Addr().Is4() {
			return boolValue(false)
		}
	case 6:
		if !a.Is6() || !pfx.Addr().Is6() {
			return boolValue(false)
		}
	}
	return boolValue(pfx.Contains(a))
}

// fnJSONParse parses text as JSON: objects and arrays become values whose
// members are reached with dots (j.a.b, j.list.0); other JSON values
// become the corresponding plain values.
func fnJSONParse(n *callNode, r *row) Value {
	v := n.args[0].eval(r)
	if v.k == kJSON {
		return v
	}
	if v.k == kNull {
		return null
	}
	dec := json.NewDecoder(strings.NewReader(v.str()))
	dec.UseNumber()
	var j any
	if err := dec.Decode(&j); err != nil || dec.More() {
		return null
	}
	return fromJSON(j)
}

func fnJSONStringify(n *callNode, r *row) Value {
	v := n.args[0].eval(r)
	switch v.k {
	case kNull:
		return null
	case kJSON:
		return strValue(v.str())
	}
	b, err := json.Marshal(v.str())
	if err != nil {
		return null
	}
	return strValue(string(b))
}

// fromJSON turns a decoded JSON value into a Value.
func fromJSON(j any) Value {
	switch j := j.(type) {
	case nil:
		return null
	case string:
		return strValue(j)
	case json.Number:
		return rawNumValue(string(j))
	case bool:
		return strValue(strconv.FormatBool(j))
	}
	return Value{k: kJSON, j: j}
}

// jsonPath navigates a jsonParse value along dotted steps.
func jsonPath(j any, path []string) Value {
	for _, step := range path {
		switch c := j.(type) {
		case map[string]any:
			j = c[step]
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(c) {
				return null
			}
			j = c[i]
		default:
			return null
		}
	}
	return fromJSON(j)
}

// period is a time period of bin, datefloor and dateceil.
type period struct {
	n    int64
	unit timeUnit
}

type timeUnit uint8

const (
	unitNone timeUnit = iota
	unitMs
	unitSec
	unitMin
	unitHour
	unitDay
	unitWeek
	unitMonth
	unitQuarter
	unitYear
)

var unitNames = map[string]timeUnit{
	"ms": unitMs, "msec": unitMs, "millisecond": unitMs,
	"s": unitSec, "sec": unitSec, "second": unitSec,
	"m": unitMin, "min": unitMin, "minute": unitMin,
	"h": unitHour, "hr": unitHour, "hour": unitHour,
	"d": unitDay, "day": unitDay,
	"w": unitWeek, "week": unitWeek,
	"mo": unitMonth, "mon": unitMonth, "month": unitMonth,
	"q": unitQuarter, "qtr": unitQuarter, "quarter": unitQuarter,
	"y": unitYear, "yr": unitYear, "year": unitYear,
}

// parseUnit reads a unit name; every name longer than one character may
// take a plural s (hrs, mins, days).
func parseUnit(s string) timeUnit {
	s = strings.ToLower(s)
	if u, ok := unitNames[s]; ok {
		return u
	}
	if len(s) > 2 && strings.HasSuffix(s, "s") {
		return unitNames[s[:len(s)-1]]
	}
	return unitNone
}

func parsePeriod(t token) (period, error) {
	i := 0
	for i < len(t.text) && isDigit(t.text[i]) {
		i++
	}
	n, err := strconv.ParseInt(t.text[:i], 10, 64)
	u := parseUnit(t.text[i:])
	if err != nil || n <= 0 || n > 1_000_000 || u == unitNone {
		return period{}, errAt(t.start, t.end, "invalid time period %s", quoteForMsg(t.text))
	}
	return period{n: n, unit: u}, nil
}

var unitMillis = [...]int64{unitMs: 1, unitSec: 1000, unitMin: 60_000, unitHour: 3_600_000, unitDay: 86_400_000, unitWeek: 7 * 86_400_000}

// weekOrigin aligns weeks to Mondays (1970-01-05 was a Monday).
const weekOrigin = 4 * 86_400_000

func (p period) approxMillis() int64 {
	switch p.unit {
	case unitMonth:
		return p.n * 30 * 86_400_000
	case unitQuarter:
		return p.n * 91 * 86_400_000
	case unitYear:
		return p.n * 365 * 86_400_000
	}
	return p.n * unitMillis[p.unit]
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// floor truncates ms (UTC) to the start of its period: multiples of the
// period since the epoch, weeks from Mondays, months, quarters and years
// by the calendar.
func (p period) floor(ms int64) int64 {
	switch p.unit {
	case unitMonth, unitQuarter, unitYear:
		months := p.months()
		t := time.UnixMilli(ms).UTC()
		idx := int64(t.Year()-1970)*12 + int64(t.Month()-1)
		idx = floorDiv(idx, months) * months
		return time.Date(1970+int(floorDiv(idx, 12)), time.Month(idx-floorDiv(idx, 12)*12+1), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	case unitWeek:
		d := p.n * unitMillis[unitWeek]
		return floorDiv(ms-weekOrigin, d)*d + weekOrigin
	}
	d := p.n * unitMillis[p.unit]
	return floorDiv(ms, d) * d
}

// ceil rounds ms up to a period boundary (unchanged when on one).
func (p period) ceil(ms int64) int64 {
	f := p.floor(ms)
	if f == ms {
		return ms
	}
	switch p.unit {
	case unitMonth, unitQuarter, unitYear:
		return time.UnixMilli(f).UTC().AddDate(0, int(p.months()), 0).UnixMilli()
	case unitWeek:
		return f + p.n*unitMillis[unitWeek]
	}
	return f + p.n*unitMillis[p.unit]
}

func (p period) months() int64 {
	switch p.unit {
	case unitQuarter:
		return 3 * p.n
	case unitYear:
		return 12 * p.n
	}
	return p.n
}
