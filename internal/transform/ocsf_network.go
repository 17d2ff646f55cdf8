package transform

import (
	"strconv"
	"strings"
	"time"
)

// dash reads a flow log field: "-" means no value.
func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// vpcDecisions are the decisions of a flow log record's action.
var vpcDecisions = map[string]decision{"ACCEPT": allowed, "REJECT": denied}

// ocsfVPCFlow maps a default-format VPC flow log record to Network
// Activity (4001).
func ocsfVPCFlow(msg, version string) *object {
	v := vpcValues(msg)
	if v == nil {
		return nil
	}
	start, err1 := strconv.ParseInt(v[10], 10, 64)
	end, err2 := strconv.ParseInt(v[11], 10, 64)
	if err1 != nil || err2 != nil {
		return nil
	}
	startT, endT := time.Unix(start, 0), time.Unix(end, 0)
	activity, name := 0, "Unknown"
	switch v[12] {
	case "ACCEPT":
		activity, name = 6, "Traffic"
	case "REJECT":
		activity, name = 5, "Refuse"
	}
	ev := networkActivity.event(activity, name, startT)
	ev.set("start_time", startT.UnixMilli())
	ev.set("start_time_dt", datetime(startT))
	ev.set("end_time", endT.UnixMilli())
	ev.set("end_time_dt", datetime(endT))
	ev.set("metadata", metadata(version, "Amazon VPC", "Flowlogs", v[0], "cloud", "security_control", "datetime"))
	ev.set("cloud", cloud(dash(v[1]), ""))
	ev.setIf("src_endpoint", obj("ip", dash(v[3]), "port", numberOrNil(v[5])))
	ev.setIf("dst_endpoint", obj("ip", dash(v[4]), "port", numberOrNil(v[6])))
	ev.setIf("connection_info", obj("protocol_num", numberOrNil(v[7])))
	ev.setIf("traffic", obj("packets", numberOrNil(v[8]), "bytes", numberOrNil(v[9])))
	setDecision(ev, vpcDecisions, v[12])
	ev.setIf("status_code", dash(v[13]))
	ev.setIf("unmapped", obj("interface_id", dash(v[2])))
	return ev
}

// dnsRcodes are OCSF's rcode_id values by DNS response code; the
// captions are in rcodeNames.
var dnsRcodes = map[string]int{
	"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5,
	"YXDOMAIN": 6, "YXRRSET": 7, "NXRRSET": 8, "NOTAUTH": 9, "NOTZONE": 10,
}

var rcodeNames = []string{"NoError", "FormError", "ServError", "NXDomain", "NotImp", "Refused",
	"YXDomain", "YXRRSet", "NXRRSet", "NotAuth", "NotZone"}

// resolverDecisions are the decisions of Route 53 Resolver DNS Firewall.
var resolverDecisions = map[string]decision{
	"ALLOW": allowed, "BLOCK": denied, "ALERT": {1, "Allowed", 19, "Alert"},
}

// ocsfRoute53Resolver maps a Route 53 Resolver query log record to DNS
// Activity (4003), activity Traffic.
func ocsfRoute53Resolver(msg, version string) *object {
	r, ok := parseRecord(msg)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, r.str("query_timestamp"))
	if err != nil || r.str("query_name") == "" {
		return nil
	}
	ev := dnsActivity.event(6, "Traffic", t)
	ev.set("metadata", metadata(version, "Route 53", "Resolver Query Logs", r.str("version"), "cloud", "security_control", "datetime"))
	ev.set("cloud", cloud(r.str("account_id"), r.str("region")))
	ev.set("query", obj("hostname", r.str("query_name"), "type", r.str("query_type"), "class", r.str("query_class")))
	if list, ok := r.get("answers").([]any); ok {
		answers := []any{}
		for _, a := range list {
			if a, ok := a.(*object); ok {
				answers = append(answers, obj("rdata", scalar(a.vals["Rdata"]), "type", scalar(a.vals["Type"]), "class", scalar(a.vals["Class"])))
			}
		}
		ev.set("answers", answers)
	}
	if rc := r.str("rcode"); rc != "" {
		if id, ok := dnsRcodes[strings.ToUpper(rc)]; ok {
			enum(ev, "rcode", id, rcodeNames[id])
		} else {
			enum(ev, "rcode", 99, rc)
		}
	}
	ev.setIf("src_endpoint", obj("ip", r.str("srcaddr"), "port", numberOrNil(r.str("srcport")),
		"vpc_uid", r.str("vpc_id"), "instance_uid", r.str("srcids.instance")))
	ev.setIf("dst_endpoint", obj("instance_uid", r.str("srcids.resolver_endpoint"),
		"interface_uid", r.str("srcids.resolver_network_interface")))
	conn := obj("protocol_name", r.str("transport"))
	enum(conn, "direction", 0, "Unknown")
	ev.set("connection_info", conn)
	ev.setIf("firewall_rule", obj("uid", r.str("firewall_rule_group_id")))
	setDecision(ev, resolverDecisions, r.str("firewall_rule_action"))
	ev.setIf("unmapped", r.unmapped())
	return ev
}
