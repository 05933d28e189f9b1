package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Language is one language the UI is translated into.
type Language struct {
	Code string // "en", "es", "zh": the value of the lang cookie and of user settings
	Name string // the language's name in itself, as the language switch shows it
	Tag  string // BCP 47 tag for <html lang>, e.g. "zh-Hans"
}

// DefaultLang is the language used when nothing else matches.
const DefaultLang = "en"

// Languages returns the UI languages in the order the language switch offers them.
func Languages() []Language {
	return []Language{
		{Code: "en", Name: "English", Tag: "en"},
		{Code: "es", Name: "Español", Tag: "es"},
		{Code: "zh", Name: "中文", Tag: "zh-Hans"},
	}
}

// langMatcher maps any BCP 47 tag onto one of Languages. Its order must
// match Languages. It is immutable once built, so sharing it is safe.
var langMatcher = language.NewMatcher([]language.Tag{
	language.English,
	language.Spanish,
	language.SimplifiedChinese,
})

// MatchLang maps a language code or BCP 47 tag ("es-MX", "zh-CN",
// "zh-Hans", "EN") to one of the UI languages and reports whether it
// matched at all. Traditional Chinese maps to "zh" (low confidence beats
// falling back to English for a Chinese reader).
func MatchLang(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	_, i, conf := langMatcher.Match(tag)
	if conf == language.No {
		return "", false
	}
	return Languages()[i].Code, true
}

// Negotiate picks the UI language for a request, first match wins: the
// lang cookie (set by the language switch), the user's own setting, the
// Accept-Language header, the workspace default, then English.
func Negotiate(r *http.Request, userLang, workspaceLang string) string {
	if c, err := r.Cookie(LangCookie); err == nil {
		if l, ok := MatchLang(c.Value); ok {
			return l
		}
	}
	if l, ok := MatchLang(userLang); ok {
		return l
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		if tags, _, err := language.ParseAcceptLanguage(h); err == nil && len(tags) > 0 {
			if _, i, conf := langMatcher.Match(tags...); conf != language.No {
				return Languages()[i].Code
			}
		}
	}
	if l, ok := MatchLang(workspaceLang); ok {
		return l
	}
	return DefaultLang
}

// Translator looks up UI strings in the embedded message files
// (locales/{en,es,zh}.json, go-i18n's JSON format). Build it once at
// start; it is safe for concurrent use.
type Translator struct {
	localizers map[string]*i18n.Localizer
	// plain holds, per language, the messages that need neither template
	// data nor a plural form: nearly all of them. T answers those with one
	// map lookup instead of a trip through go-i18n.
	plain map[string]map[string]string
	keys  map[string]bool // message ids of the default language

	errExact    map[string]string // English error text → message id
	errPatterns []errPattern
}

// NewTranslator parses the embedded message files. It fails if a file
// is malformed or a language has no file.
func NewTranslator() (*Translator, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	tr := &Translator{
		localizers: map[string]*i18n.Localizer{},
		plain:      map[string]map[string]string{},
		keys:       map[string]bool{},
	}
	for _, l := range Languages() {
		files, err := LocaleFiles(l.Code)
		if err != nil {
			return nil, err
		}
		plain := map[string]string{}
		errTexts := map[string]string{}
		for _, name := range files {
			buf, err := fs.ReadFile(localeFS, name)
			if err != nil {
				return nil, fmt.Errorf("load messages %s: %w", l.Code, err)
			}
			// go-i18n takes the language from the file name; zh must be
			// registered as zh-Hans so that zh-CN and zh-Hans users match it.
			mf, err := bundle.ParseMessageFileBytes(buf, path.Join("locales", l.Tag+".json"))
			if err != nil {
				return nil, fmt.Errorf("parse messages %s: %w", name, err)
			}
			for _, m := range mf.Messages {
				if l.Code == DefaultLang {
					tr.keys[m.ID] = true
					if strings.HasPrefix(m.ID, "err.") {
						errTexts[m.ID] = m.Other
					}
				}
				if isPlain(m) {
					plain[m.ID] = m.Other
				}
			}
		}
		tr.plain[l.Code] = plain
		if l.Code == DefaultLang {
			tr.indexErrors(errTexts)
		}
		tr.localizers[l.Code] = i18n.NewLocalizer(bundle, l.Tag)
	}
	return tr, nil
}

func isPlain(m *i18n.Message) bool {
	return m.Zero == "" && m.One == "" && m.Two == "" && m.Few == "" && m.Many == "" &&
		m.Other != "" && !strings.Contains(m.Other, "{{")
}

// Has reports whether key is a message id of the default language.
func (t *Translator) Has(key string) bool { return t.keys[key] }

// T returns the message key in lang. args are key/value pairs for the
// message's template data: T("es", "list.count", "Count", 3). An argument
// named "Count" also chooses the plural form, and is shown formatted for
// lang ("1.284 registros"). An unknown lang falls back
// to English; an unknown key returns the key itself, so a missing
// translation shows up on screen instead of as a blank.
func (t *Translator) T(lang, key string, args ...any) string {
	if len(args) == 0 {
		if s, ok := t.plain[lang][key]; ok {
			return s
		}
	}
	loc, ok := t.localizers[lang]
	if !ok {
		loc = t.localizers[DefaultLang]
	}
	cfg := &i18n.LocalizeConfig{MessageID: key}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			if k, ok := args[i].(string); ok {
				data[k] = args[i+1]
			}
		}
		if n, ok := data["Count"]; ok {
			cfg.PluralCount = n
			// The message shows the count with the language's separators
			// ("1.284 registros"); the plural rule sees the number.
			if dec, err := toDecimal(n); err == nil && dec != "" {
				data["Count"] = FormatNumber(lang, dec)
			}
		}
		cfg.TemplateData = data
	}
	// Localize returns its best effort alongside an error when it had to
	// fall back (to English, or to the "other" plural form); that text is
	// still the right thing to show.
	s, _ := loc.Localize(cfg)
	if s == "" {
		return key
	}
	return s
}

// LocaleFiles returns the message files of a language: locales/LANG.json
// (the shell) and every locales/AREA.LANG.json, so each feature keeps its
// messages in files of its own.
func LocaleFiles(lang string) ([]string, error) {
	all, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range all {
		base := path.Base(f)
		if base == lang+".json" || strings.HasSuffix(base, "."+lang+".json") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("load messages %s: no locales/%s.json", lang, lang)
	}
	return out, nil
}
