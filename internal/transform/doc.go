// Package transform runs CloudWatch Logs log transformers: the processors
// of a transformerConfig, applied in order to each log event. It is the
// engine behind TestTransformer.
//
// An event being transformed is a JSON object whose keys keep their
// insertion order; keys are dot paths ("store.book") and "@message" is the
// original event. An event that no parser parses comes back unchanged.
//
// Processors:
//
//   - Parsers: parseJSON, parseKeyValue, csv (one-character delimiters),
//     grok (a common subset of the named patterns).
//   - JSON mutators: addKeys, deleteKeys, renameKeys, copyValue, moveKeys,
//     listToMap.
//   - String mutators: lowerCaseString, upperCaseString, trimString,
//     substituteString (Go regular expressions), splitString.
//   - Datatype converters: typeConverter, and dateTimeConverter with Java
//     DateTimeFormatter patterns: letters y u M d H h m s S a E X x Z z VV,
//     quoted literals and [optional] sections; text (month and day names,
//     AM/PM) in the ROOT/en, de, fr and es locales; time zones as Java
//     zone IDs (region IDs, offsets, UTC/GMT prefixes, Java's short IDs).
//     A year missing from a pattern is the current year; "z" writes the
//     zone's abbreviation and "zzzz" its ID, not localized names; there is
//     no "epoch" pattern.
//   - Parsers of AWS-vended logs (first processor only, source @message):
//     parseCloudfront (standard log lines, tab separated; URL-encoded
//     values decoded; sc-bytes, sc-status, cs-bytes, time-taken, c-port,
//     time-to-first-byte, sc-content-len, sc-range-start, sc-range-end as
//     numbers), parseVPC (the default version 2 format, 14 fields, with
//     version, ports, protocol, packets, bytes, start and end as numbers;
//     custom formats are not parsed), parseRoute53 (public DNS query logs,
//     version as a number, octal escapes in the name decoded; not Resolver
//     logs), parsePostgres (RDS's log_line_prefix "%t:%r:%u@%d:[%p]:" into
//     logTime, srcIp, userName, dbName, processId, logLevel, without the
//     message text, as AWS's example shows) and parseWAF
//     (httpRequest.headers and labels become objects).
//
// parseToOCSF maps these event sources, following the mappings Amazon
// Security Lake publishes, with metadata.version "1.1.0" or "1.5.0" after
// ocsfVersion (mappingVersion is accepted and ignored). Every event has
// class_uid, class_name, category_uid, category_name, activity_id,
// activity_name, type_uid, type_name, severity_id 1 (Informational), time
// (epoch milliseconds), time_dt, metadata (product name, vendor_name
// "AWS", feature, version; profiles; version), cloud.provider "AWS", and
// "unmapped" with the record's top-level fields no mapping used.
//
//   - VPCFlow (default-format records): Network Activity 4001; ACCEPT is
//     activity Traffic (6), action Allowed, disposition Allowed; REJECT is
//     Refuse (5), Denied, Blocked. start_time, end_time (and _dt),
//     cloud.account.uid, src_endpoint and dst_endpoint ip and port,
//     connection_info.protocol_num, traffic.packets and bytes,
//     status_code (log-status), metadata.product.version (version);
//     interface-id goes to unmapped.
//   - Route53Resolver (query log JSON): DNS Activity 4003, activity
//     Traffic (6). query (hostname, type, class), answers (rdata, type,
//     class), rcode and rcode_id, src_endpoint (ip, port, vpc_uid,
//     instance_uid), dst_endpoint (resolver endpoint instance_uid,
//     interface_uid), connection_info.protocol_name, cloud account and
//     region, firewall_rule.uid and, from firewall_rule_action, action and
//     disposition.
//   - AWSWAF (WAF log JSON): HTTP Activity 4002, activity by request method
//     (Connect 1 ... Trace 8, Other 99). http_request (http_method,
//     version, uid, args, url.path and url.hostname, user_agent, referrer,
//     x_forwarded_for, http_headers), src_endpoint (ip, location.country,
//     svc_name, uid), firewall_rule (uid, type, condition, match_location,
//     sensitivity, match_details, rate_limit, name), metadata.labels,
//     metadata.product.feature.uid (web ACL), action and disposition
//     (ALLOW, BLOCK, COUNT, CAPTCHA, CHALLENGE).
//   - CloudTrail (one event record): API Activity 6003 for every event
//     (logpond does not route events to the Authentication or Account
//     Change classes), activity by the event name's verb (Create 1; Get,
//     Describe, List... Read 2; Update, Put, Modify, Set Update 3; Delete,
//     Remove Delete 4; else Other 99). actor (user type, uid, uid_alt,
//     name, account.uid, credential_uid; session issuer, is_mfa,
//     created_time_dt; invoked_by; idp.name), api (operation,
//     service.name, version, request uid and data, response error, message
//     and data, as JSON text), src_endpoint (ip or domain, uid),
//     http_request.user_agent, resources (uid, type, owner.account.uid),
//     status and status_id, metadata uid, event_code, product feature
//     (eventCategory) and version.
//
// EKSAudit is not mapped: Run answers that logpond does not support it.
// Observables and enrichments are not produced.
package transform
