package api

import (
	"strings"

	"github.com/logpond/logpond/internal/store"
)

// groupName resolves the logGroupName / logGroupIdentifier pair of a
// request to a group name in the caller's scope. An identifier may be a
// name or an ARN; an ARN of another account or region names nothing the
// caller can see.
func groupName(sc store.Scope, name, identifier *string) (string, error) {
	switch {
	case name != nil && identifier != nil:
		return "", invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case name != nil:
		return *name, nil
	case identifier != nil:
		return groupFromIdentifier(sc, *identifier)
	}
	return "", invalidParameter("Either logGroupName or logGroupIdentifier must be specified.")
}

func groupFromIdentifier(sc store.Scope, id string) (string, error) {
	if !strings.HasPrefix(id, "arn:") {
		return id, nil
	}
	a, err := parseARN(id)
	if err != nil {
		return "", err
	}
	if a.kind != "log-group" {
		return "", invalidParameter("Invalid log group ARN: %s", id)
	}
	if a.account != sc.Account || a.region != sc.Region {
		return "", errGroupNotFound
	}
	return a.name, nil
}

type arn struct {
	region, account, kind, name string
}

// parseARN parses arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*] and
// arn:aws:logs:REGION:ACCOUNT:destination:NAME.
func parseARN(s string) (arn, error) {
	parts := strings.SplitN(s, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "logs" {
		return arn{}, invalidParameter("Invalid ARN: %s", s)
	}
	a := arn{region: parts[3], account: parts[4], kind: parts[5], name: parts[6]}
	if a.kind == "log-group" {
		a.name = strings.TrimSuffix(a.name, ":*")
		if strings.Contains(a.name, ":") {
			return arn{}, invalidParameter("Invalid log group ARN: %s", s)
		}
	}
	if a.name == "" {
		return arn{}, invalidParameter("Invalid ARN: %s", s)
	}
	return a, nil
}
