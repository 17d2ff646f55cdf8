package transform

import (
	"net"
	"time"
	"unicode"
)

// apiVerbs give an API call's activity from the verb its name starts
// with; other calls are Other (99).
var apiVerbs = map[string]int{
	"Create": 1,
	"Get":    2, "Describe": 2, "List": 2, "Lookup": 2, "Head": 2, "Search": 2, "BatchGet": 2,
	"Update": 3, "Put": 3, "Modify": 3, "Set": 3,
	"Delete": 4, "Remove": 4,
}

var apiActivityNames = map[int]string{1: "Create", 2: "Read", 3: "Update", 4: "Delete", 99: "Other"}

// apiActivityOf returns the activity of an API call by its name.
func apiActivityOf(eventName string) int {
	verb := eventName
	for i, r := range eventName {
		if i > 0 && unicode.IsUpper(r) {
			if _, ok := apiVerbs[eventName[:i]]; ok {
				verb = eventName[:i]
				break
			}
		}
	}
	if id, ok := apiVerbs[verb]; ok {
		return id
	}
	return 99
}

// ocsfCloudTrail maps a CloudTrail event record to API Activity (6003),
// the activity from the event name's verb.
func ocsfCloudTrail(msg, version string) *object {
	r, ok := parseRecord(msg)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, r.str("eventTime"))
	name := r.str("eventName")
	if err != nil || name == "" {
		return nil
	}
	activity := apiActivityOf(name)
	ev := apiActivity.event(activity, apiActivityNames[activity], t)
	meta := metadata(version, "CloudTrail", r.str("eventCategory"), r.str("eventVersion"), "cloud", "datetime")
	meta.setIf("uid", r.str("eventID"))
	meta.setIf("event_code", r.str("eventType"))
	ev.set("metadata", meta)
	ev.set("cloud", cloud(r.str("recipientAccountId"), r.str("awsRegion")))
	ev.setIf("actor", cloudTrailActor(r))
	ev.set("api", obj(
		"operation", name,
		"service", obj("name", r.str("eventSource")),
		"version", r.str("apiVersion"),
		"request", obj("uid", r.str("requestID"), "data", jsonText(r.get("requestParameters"))),
		"response", obj("error", r.str("errorCode"), "message", r.str("errorMessage"), "data", jsonText(r.get("responseElements"))),
	))
	src := obj("uid", r.str("vpcEndpointId"))
	if ip := r.str("sourceIPAddress"); net.ParseIP(ip) != nil {
		src.set("ip", ip)
	} else {
		src.setIf("domain", ip)
	}
	ev.setIf("src_endpoint", src)
	ev.setIf("http_request", obj("user_agent", r.str("userAgent")))
	if list, ok := r.get("resources").([]any); ok {
		resources := []any{}
		for _, res := range list {
			if res, ok := res.(*object); ok {
				resources = append(resources, obj("uid", scalar(res.vals["ARN"]), "type", scalar(res.vals["type"]),
					"owner", obj("account", obj("uid", scalar(res.vals["accountId"])))))
			}
		}
		ev.set("resources", resources)
	}
	if r.str("errorCode") != "" {
		enum(ev, "status", 2, "Failure")
	} else {
		enum(ev, "status", 1, "Success")
	}
	ev.setIf("unmapped", r.unmapped())
	return ev
}

// cloudTrailActor maps userIdentity to actor.
func cloudTrailActor(r *record) *object {
	user := obj(
		"type", r.str("userIdentity.type"),
		"uid", r.str("userIdentity.arn"),
		"uid_alt", r.str("userIdentity.principalId"),
		"name", r.str("userIdentity.userName"),
		"account", obj("uid", r.str("userIdentity.accountId")),
		"credential_uid", r.str("userIdentity.accessKeyId"),
	)
	session := obj(
		"issuer", r.str("userIdentity.sessionContext.sessionIssuer.arn"),
		"created_time_dt", r.str("userIdentity.sessionContext.attributes.creationDate"),
	)
	if mfa := r.str("userIdentity.sessionContext.attributes.mfaAuthenticated"); mfa != "" {
		session.set("is_mfa", mfa == "true")
	}
	idp := r.str("userIdentity.identityProvider")
	if idp == "" {
		idp = r.str("userIdentity.webIdFederationData.federatedProvider")
	}
	return obj("user", user, "session", session, "invoked_by", r.str("userIdentity.invokedBy"), "idp", obj("name", idp))
}
