package transform

import (
	"fmt"
	"time"
)

// defaultTargetFormat is dateTimeConverter's targetFormat when omitted.
const defaultTargetFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"

type dateTimeConfig struct {
	Source         string   `json:"source"`
	Target         string   `json:"target"`
	TargetFormat   string   `json:"targetFormat"`
	MatchPatterns  []string `json:"matchPatterns"`
	SourceTimezone string   `json:"sourceTimezone"`
	TargetTimezone string   `json:"targetTimezone"`
	Locale         string   `json:"locale"`
}

// buildDateTimeConverter builds dateTimeConverter: the string at source
// is read with the first of matchPatterns that matches all of it, in its
// own zone or else sourceTimezone (UTC by default), and written at target
// in targetTimezone (UTC) with targetFormat. A value that no pattern
// matches is left alone.
var buildDateTimeConverter = builder("dateTimeConverter", func(cfg dateTimeConfig) (stepFunc, error) {
	conv, err := newDateTimeConverter(cfg)
	if err != nil {
		return nil, fmt.Errorf("Invalid dateTimeConverter: %w.", err)
	}
	return func(st *state) bool {
		if s, ok := st.source(cfg.Source); ok {
			if out, ok := conv.convert(s); ok {
				st.set(cfg.Target, out, true)
			}
		}
		return false
	}, nil
})

type dateTimeConverter struct {
	match      []dtLayout
	target     dtLayout
	sourceZone *time.Location
	targetZone *time.Location
	locale     *locale
}

func newDateTimeConverter(cfg dateTimeConfig) (*dateTimeConverter, error) {
	c := &dateTimeConverter{}
	usesText := false
	for _, p := range cfg.MatchPatterns {
		ls, err := compileLayouts(p)
		if err != nil {
			return nil, err
		}
		c.match = append(c.match, ls...)
		usesText = usesText || hasText(ls)
	}
	ls, err := compileLayouts(def(cfg.TargetFormat, defaultTargetFormat))
	if err != nil {
		return nil, fmt.Errorf("targetFormat: %w", err)
	}
	c.target = ls[0]
	usesText = usesText || hasText(ls)
	if c.sourceZone, err = loadZone(cfg.SourceTimezone); err != nil {
		return nil, fmt.Errorf("sourceTimezone: %w", err)
	}
	if c.targetZone, err = loadZone(cfg.TargetTimezone); err != nil {
		return nil, fmt.Errorf("targetTimezone: %w", err)
	}
	c.locale = locales[""]
	if usesText {
		if c.locale, err = lookupLocale(cfg.Locale); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func hasText(ls []dtLayout) bool {
	for _, l := range ls {
		for _, t := range l {
			if t.text() {
				return true
			}
		}
	}
	return false
}

// convert reads s with the match patterns and writes it in the target
// format and zone.
func (c *dateTimeConverter) convert(s string) (string, bool) {
	for _, l := range c.match {
		f, ok := parseLayout(l, s, c.locale)
		if !ok {
			continue
		}
		t, ok := f.resolve(c.sourceZone)
		if !ok {
			continue
		}
		return formatLayout(c.target, t.In(c.targetZone), c.locale), true
	}
	return "", false
}
