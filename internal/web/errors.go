package web

import (
	"regexp"
	"strings"
)

// Field errors come from the services in English, the API's language.
// Pages show them in the reader's language: every "err.*" message in
// the English file is the text a service returns, with {{.X}} where a
// value varies ("must be at most {{.N}} characters"), and the other
// files say it in their language.

type errPattern struct {
	re   *regexp.Regexp
	key  string
	args []string
}

var placeholderIn = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// indexErrors builds the look-up from English texts to message keys.
func (t *Translator) indexErrors(en map[string]string) {
	t.errExact = map[string]string{}
	for key, text := range en {
		if !strings.HasPrefix(key, "err.") {
			continue
		}
		names := placeholderIn.FindAllStringSubmatch(text, -1)
		if len(names) == 0 {
			t.errExact[text] = key
			continue
		}
		parts := placeholderIn.Split(text, -1)
		var b strings.Builder
		b.WriteString("^")
		for i, p := range parts {
			b.WriteString(regexp.QuoteMeta(p))
			if i < len(parts)-1 {
				b.WriteString("(.+?)")
			}
		}
		b.WriteString("$")
		pat := errPattern{re: regexp.MustCompile(b.String()), key: key}
		for _, n := range names {
			pat.args = append(pat.args, n[1])
		}
		t.errPatterns = append(t.errPatterns, pat)
	}
}

// Error returns a service's English message in lang, or the message as
// it is when no translation is known.
func (t *Translator) Error(lang, msg string) string {
	if lang == DefaultLang || msg == "" {
		return msg
	}
	if key, ok := t.errExact[msg]; ok {
		return t.T(lang, key)
	}
	for _, p := range t.errPatterns {
		m := p.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		args := make([]any, 0, 2*len(p.args))
		for i, name := range p.args {
			args = append(args, name, m[i+1])
		}
		return t.T(lang, p.key, args...)
	}
	return msg
}
