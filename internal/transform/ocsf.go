package transform

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseToOCSF converts AWS logs into OCSF events; the mappings follow the
// ones Amazon Security Lake publishes for each source (see the package
// documentation for the fields logpond maps).

type ocsfConfig struct {
	Source         string `json:"source"`
	EventSource    string `json:"eventSource"`
	OCSFVersion    string `json:"ocsfVersion"`
	MappingVersion string `json:"mappingVersion"`
}

// ocsfMappers convert one event of each source logpond maps, or return
// nil when the message is not such an event.
var ocsfMappers = map[string]func(msg string, version string) *object{
	"VPCFlow":         ocsfVPCFlow,
	"Route53Resolver": ocsfRoute53Resolver,
	"AWSWAF":          ocsfWAF,
	"CloudTrail":      ocsfCloudTrail,
}

// ocsfVersions maps ocsfVersion to the schema version of metadata.version.
var ocsfVersions = map[string]string{"V1.1": "1.1.0", "V1.5": "1.5.0"}

var buildParseToOCSF = builder("parseToOCSF", func(cfg ocsfConfig) (stepFunc, error) {
	version, ok := ocsfVersions[cfg.OCSFVersion]
	if !ok {
		return nil, fmt.Errorf("parseToOCSF: ocsfVersion %q is not supported (V1.1 or V1.5).", cfg.OCSFVersion)
	}
	mapper, ok := ocsfMappers[cfg.EventSource]
	if !ok {
		return nil, fmt.Errorf("parseToOCSF: eventSource %q is not supported by logpond's TestTransformer (supported: AWSWAF, CloudTrail, Route53Resolver, VPCFlow).", cfg.EventSource)
	}
	return func(st *state) bool {
		src, ok := st.source(cfg.Source)
		if !ok {
			return false
		}
		ev := mapper(src, version)
		if ev == nil {
			return false
		}
		st.merge("", ev, true)
		return true
	}, nil
})

// ocsfClass is an OCSF event class.
type ocsfClass struct {
	categoryUID  int
	categoryName string
	classUID     int
	className    string
}

var (
	networkActivity = ocsfClass{4, "Network Activity", 4001, "Network Activity"}
	httpActivity    = ocsfClass{4, "Network Activity", 4002, "HTTP Activity"}
	dnsActivity     = ocsfClass{4, "Network Activity", 4003, "DNS Activity"}
	apiActivity     = ocsfClass{6, "Application Activity", 6003, "API Activity"}
)

// event starts an event of the class: class, category, activity, type
// and (informational) severity.
func (c ocsfClass) event(activityID int, activityName string, t time.Time) *object {
	ev := newObject()
	ev.set("class_uid", c.classUID)
	ev.set("class_name", c.className)
	ev.set("category_uid", c.categoryUID)
	ev.set("category_name", c.categoryName)
	ev.set("activity_id", activityID)
	ev.set("activity_name", activityName)
	ev.set("type_uid", c.classUID*100+activityID)
	ev.set("type_name", c.className+": "+activityName)
	ev.set("severity_id", 1)
	ev.set("severity", "Informational")
	ev.set("time", t.UnixMilli())
	ev.set("time_dt", datetime(t))
	return ev
}

// datetime formats a time as OCSF's datetime (RFC 3339, milliseconds,
// UTC).
func datetime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// metadata builds the metadata object of an event from an AWS product.
func metadata(version, product, feature, productVersion string, profiles ...string) *object {
	p := newObject()
	p.set("name", product)
	p.set("vendor_name", "AWS")
	if feature != "" {
		p.set("feature", obj("name", feature))
	}
	p.setIf("version", productVersion)
	m := newObject()
	m.set("product", p)
	ps := make([]any, len(profiles))
	for i, s := range profiles {
		ps[i] = s
	}
	m.set("profiles", ps)
	m.set("version", version)
	return m
}

// obj builds an object from key, value pairs, leaving out empty values.
func obj(kv ...any) *object {
	o := newObject()
	for i := 0; i+1 < len(kv); i += 2 {
		o.setIf(kv[i].(string), kv[i+1])
	}
	return o
}

// cloud is the cloud object of an AWS event.
func cloud(account, region string) *object {
	c := obj("account", obj("uid", account), "region", region)
	c.set("provider", "AWS")
	return c
}

// enum sets key_id and key to an OCSF enum's id and caption.
func enum(ev *object, key string, id int, caption string) {
	ev.set(key+"_id", id)
	ev.set(key, caption)
}

// decision is what a security control did: OCSF's action and
// disposition.
type decision struct {
	action      int
	actionName  string
	disposition int
	dispName    string
}

var (
	allowed = decision{1, "Allowed", 1, "Allowed"}
	denied  = decision{2, "Denied", 2, "Blocked"}
)

// setDecision sets the action and disposition of ev for the source's
// value, if it has one.
func setDecision(ev *object, decisions map[string]decision, value string) {
	if d, ok := decisions[value]; ok {
		enum(ev, "action", d.action, d.actionName)
		enum(ev, "disposition", d.disposition, d.dispName)
	}
}

// numberOrNil returns s as a JSON number, or nil if it is not one.
func numberOrNil(s string) any {
	if isJSONNumber(s) {
		return json.Number(s)
	}
	return nil
}

// record reads the fields of a JSON log record and remembers which
// top-level fields a mapping used; the others go to "unmapped".
type record struct {
	obj  *object
	used map[string]bool
}

func parseRecord(msg string) (*record, bool) {
	o, ok := parseJSONObject(msg)
	if !ok {
		return nil, false
	}
	return &record{obj: o, used: map[string]bool{}}, true
}

// get returns the value at a dot path and marks its top-level key used.
func (r *record) get(path string) any {
	parts := strings.Split(path, ".")
	r.used[parts[0]] = true
	var v any = r.obj
	for _, p := range parts {
		o, ok := v.(*object)
		if !ok {
			return nil
		}
		v = o.vals[p]
	}
	return v
}

// str returns the value at path as a string ("" if it is missing or not
// a scalar).
func (r *record) str(path string) string { return scalar(r.get(path)) }

func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

// unmapped returns the top-level fields no mapping used.
func (r *record) unmapped() *object {
	u := newObject()
	for _, k := range r.obj.keys {
		if !r.used[k] {
			u.setIf(k, clone(r.obj.vals[k]))
		}
	}
	return u
}

// jsonText returns v as JSON text, or "" for null or a missing value.
func jsonText(v any) string {
	if v == nil {
		return ""
	}
	s, err := encodeJSON(v)
	if err != nil {
		return ""
	}
	return s
}
