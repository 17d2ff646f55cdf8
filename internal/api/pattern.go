package api

import (
	"errors"

	"github.com/logpond/logpond/internal/query"
)

// compileFilterPattern turns a filter pattern into a message predicate.
func compileFilterPattern(p string) (func(string) bool, error) {
	fp, err := query.ParseFilterPattern(p)
	if err != nil {
		var pe *query.PatternError
		if errors.As(err, &pe) {
			return nil, invalidParameter("Invalid filter pattern: %s (at character %d)", pe.Msg, pe.Pos+1)
		}
		return nil, invalidParameter("Invalid filter pattern: %v", err)
	}
	return fp.Match, nil
}
