package transform

import (
	"fmt"
	"regexp"
	"strings"
)

// grokPatterns is the subset of grok's named patterns logpond supports.
var grokPatterns = map[string]string{
	"WORD":              `\b\w+\b`,
	"NOTSPACE":          `\S+`,
	"SPACE":             `\s*`,
	"DATA":              `.*?`,
	"GREEDYDATA":        `.*`,
	"INT":               `[+-]?\d+`,
	"POSINT":            `\b[1-9]\d*\b`,
	"NONNEGINT":         `\b\d+\b`,
	"NUMBER":            `[+-]?(?:\d+(?:\.\d*)?|\.\d+)`,
	"BASE10NUM":         `[+-]?(?:\d+(?:\.\d*)?|\.\d+)`,
	"BASE16NUM":         `(?:0[xX])?[0-9A-Fa-f]+`,
	"UUID":              `[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}`,
	"IPV4":              `(?:\d{1,3}\.){3}\d{1,3}`,
	"IPV6":              `[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+`,
	"IP":                `(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+)`,
	"HOSTNAME":          `\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?\b`,
	"IPORHOST":          `(?:(?:\d{1,3}\.){3}\d{1,3}|\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?\b)`,
	"USERNAME":          `[a-zA-Z0-9._-]+`,
	"USER":              `[a-zA-Z0-9._-]+`,
	"EMAILADDRESS":      `[a-zA-Z0-9_.+-=:]+@[0-9A-Za-z][0-9A-Za-z-.]*`,
	"QUOTEDSTRING":      `"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`,
	"QS":                `"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`,
	"URIPATH":           `(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+`,
	"URIPATHPARAM":      `(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+(?:\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*)?`,
	"URI":               `[A-Za-z][A-Za-z0-9+\-.]*://\S+`,
	"LOGLEVEL":          `(?i:alert|trace|debug|notice|info|warn(?:ing)?|err(?:or)?|crit(?:ical)?|fatal|severe|emerg(?:ency)?)`,
	"TIMESTAMP_ISO8601": `\d{4}-\d{2}-\d{2}[T ]\d{2}:?\d{2}(?::?\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?`,
	"HTTPDATE":          `\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}`,
	"MONTH":             `\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b`,
	"MONTHDAY":          `(?:0[1-9]|[12]\d|3[01]|[1-9])`,
	"YEAR":              `\d{2,4}`,
	"TIME":              `\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?`,
	"SYSLOGTIMESTAMP":   `\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b +(?:0[1-9]|[12]\d|3[01]|[1-9]) \d{2}:\d{2}:\d{2}`,
	"PATH":              `(?:/[^\s]*)+`,
}

var grokRef = regexp.MustCompile(`%\{(\w+)(?::([\w.@\[\]]+))?(?::\w+)?\}`)

// compileGrok turns a grok expression into a regular expression whose
// named groups are the captured fields ("." in names becomes "__").
func compileGrok(expr string) (*regexp.Regexp, error) {
	var unknown string
	src := grokRef.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grokRef.FindStringSubmatch(m)
		pat, ok := grokPatterns[sub[1]]
		if !ok {
			unknown = sub[1]
			return ""
		}
		if sub[2] == "" {
			return "(?:" + pat + ")"
		}
		return "(?P<" + strings.NewReplacer(".", "__", "@", "_", "[", "_", "]", "_").Replace(sub[2]) + ">" + pat + ")"
	})
	if unknown != "" {
		return nil, fmt.Errorf("pattern %%{%s} is not supported", unknown)
	}
	return regexp.Compile(src)
}
