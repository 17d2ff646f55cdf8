package transform

import (
	"fmt"
	"strings"
)

// locale holds the names a datetime pattern's text letters (MMM, MMMM, E,
// a) read and write. Days start on Sunday.
type locale struct {
	months, monthsShort [12]string
	days, daysShort     [7]string
	ampm                [2]string
}

// locales are the languages dateTimeConverter supports, with their CLDR
// (Java) names; "" is Java's Locale.ROOT.
var locales = map[string]*locale{
	"": {
		months:      [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		monthsShort: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		days:        [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		daysShort:   [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		ampm:        [2]string{"AM", "PM"},
	},
	"de": {
		months:      [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		monthsShort: [12]string{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."},
		days:        [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		daysShort:   [7]string{"So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."},
		ampm:        [2]string{"AM", "PM"},
	},
	"fr": {
		months:      [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		monthsShort: [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		days:        [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		daysShort:   [7]string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."},
		ampm:        [2]string{"AM", "PM"},
	},
	"es": {
		months:      [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		monthsShort: [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
		days:        [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		daysShort:   [7]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"},
		ampm:        [2]string{"a. m.", "p. m."},
	},
}

func init() { locales["en"] = locales[""] }

// lookupLocale finds a locale by a Java locale name ("de", "de_DE",
// "de-DE", "ROOT", "locale.ROOT"); only the language counts.
func lookupLocale(name string) (*locale, error) {
	lang := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(name, "locale."), "Locale."))
	lang, _, _ = strings.Cut(lang, "_")
	lang, _, _ = strings.Cut(lang, "-")
	if lang == "root" {
		lang = ""
	}
	if l, ok := locales[lang]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("locale %q is not supported by logpond (supported: ROOT, en, de, fr, es)", name)
}
