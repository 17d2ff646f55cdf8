package transform

import (
	"strings"
	"time"
)

// httpActivities are HTTP Activity's activities by request method.
var httpActivities = map[string]int{
	"CONNECT": 1, "DELETE": 2, "GET": 3, "HEAD": 4, "OPTIONS": 5, "POST": 6, "PUT": 7, "TRACE": 8,
}

var httpActivityNames = map[int]string{
	0: "Unknown", 1: "Connect", 2: "Delete", 3: "Get", 4: "Head", 5: "Options", 6: "Post", 7: "Put", 8: "Trace", 99: "Other",
}

// wafDecisions are the decisions of WAF's actions.
var wafDecisions = map[string]decision{
	"ALLOW": allowed, "BLOCK": denied, "COUNT": {99, "Other", 20, "Count"},
	"CAPTCHA": {99, "Other", 22, "Captcha"}, "CHALLENGE": {99, "Other", 23, "Challenge"},
}

// ocsfWAF maps an AWS WAF log record to HTTP Activity (4002), the
// activity from the request method.
func ocsfWAF(msg, version string) *object {
	r, ok := parseRecord(msg)
	if !ok {
		return nil
	}
	ms, ok := r.get("timestamp").(float64)
	req, isObj := r.get("httpRequest").(*object)
	if !ok || !isObj {
		return nil
	}
	method := strings.ToUpper(scalar(req.vals["httpMethod"]))
	activity, ok := httpActivities[method]
	switch {
	case method == "":
		activity = 0
	case !ok:
		activity = 99
	}
	ev := httpActivity.event(activity, httpActivityNames[activity], time.UnixMilli(int64(ms)))
	meta := metadata(version, "AWS WAF", "", r.str("formatVersion"), "cloud", "security_control", "datetime")
	meta.vals["product"].(*object).setIf("feature", obj("uid", r.str("webaclId")))
	if labels, ok := r.get("labels").([]any); ok {
		names := []any{}
		for _, l := range labels {
			if l, ok := l.(*object); ok {
				names = append(names, scalar(l.vals["name"]))
			}
		}
		meta.set("labels", names)
	}
	ev.set("metadata", meta)
	ev.set("cloud", cloud("", ""))
	ev.setIf("src_endpoint", obj("ip", scalar(req.vals["clientIp"]), "location", obj("country", scalar(req.vals["country"])),
		"svc_name", r.str("httpSourceName"), "uid", r.str("httpSourceId")))
	ev.set("http_request", wafRequest(req, method))
	ev.setIf("firewall_rule", wafRule(r))
	setDecision(ev, wafDecisions, r.str("action"))
	ev.setIf("unmapped", r.unmapped())
	return ev
}

// wafRequest maps httpRequest to http_request; the Host, User-Agent,
// Referer and X-Forwarded-For headers also fill their own attributes.
func wafRequest(req *object, method string) *object {
	hr := obj("http_method", method, "version", scalar(req.vals["httpVersion"]), "uid", scalar(req.vals["requestId"]),
		"args", scalar(req.vals["args"]))
	url := obj("path", scalar(req.vals["uri"]))
	headers := []any{}
	list, _ := req.vals["headers"].([]any)
	for _, h := range list {
		h, ok := h.(*object)
		if !ok {
			continue
		}
		name, value := scalar(h.vals["name"]), scalar(h.vals["value"])
		headers = append(headers, obj("name", name, "value", value))
		switch strings.ToLower(name) {
		case "host":
			url.setIf("hostname", value)
		case "user-agent":
			hr.setIf("user_agent", value)
		case "referer":
			hr.setIf("referrer", value)
		case "x-forwarded-for":
			var ips []any
			for _, ip := range strings.Split(value, ",") {
				ips = append(ips, strings.TrimSpace(ip))
			}
			hr.set("x_forwarded_for", ips)
		}
	}
	hr.setIf("url", url)
	if len(headers) > 0 {
		hr.set("http_headers", headers)
	}
	return hr
}

// wafRule maps the terminating rule to firewall_rule.
func wafRule(r *record) *object {
	rule := obj("uid", r.str("terminatingRuleId"), "type", r.str("terminatingRuleType"))
	if details, ok := r.get("terminatingRuleMatchDetails").([]any); ok && len(details) > 0 {
		if d, ok := details[0].(*object); ok {
			rule.setIf("condition", scalar(d.vals["conditionType"]))
			rule.setIf("match_location", scalar(d.vals["location"]))
			rule.setIf("sensitivity", scalar(d.vals["sensitivityLevel"]))
			if m, ok := d.vals["matchedData"].([]any); ok {
				rule.set("match_details", clone(m))
			}
		}
	}
	if rates, ok := r.get("rateBasedRuleList").([]any); ok && len(rates) > 0 {
		if rb, ok := rates[0].(*object); ok {
			rule.setIf("rate_limit", rb.vals["maxRateAllowed"])
			rule.setIf("name", scalar(rb.vals["rateBasedRuleName"]))
		}
	}
	return rule
}
