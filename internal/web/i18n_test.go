package web

import (
	"encoding/json"
	"io/fs"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// pluralForms are the CLDR plural categories each language needs for a
// message that has plural forms.
var pluralForms = map[string][]string{
	"en": {"one", "other"},
	"es": {"many", "one", "other"},
	"zh": {"other"},
}

func loadLocale(t *testing.T, lang string) map[string]any {
	t.Helper()
	files, err := LocaleFiles(lang)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	for _, f := range files {
		buf, err := fs.ReadFile(localeFS, f)
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]any
		if err := json.Unmarshal(buf, &part); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				t.Errorf("%s: key %q is also in another file", f, k)
			}
			m[k] = v
		}
	}
	return m
}

var placeholderRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// placeholders returns the sorted template fields a message uses.
func placeholders(v any) []string {
	var texts []string
	switch v := v.(type) {
	case string:
		texts = append(texts, v)
	case map[string]any:
		for _, s := range v {
			if s, ok := s.(string); ok {
				texts = append(texts, s)
			}
		}
	}
	var out []string
	for _, s := range texts {
		for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestLocaleFilesMatch checks that every language has exactly the keys of
// every other, no empty text, the plural forms its language needs, and
// the same template fields as English.
func TestLocaleFilesMatch(t *testing.T) {
	files := map[string]map[string]any{}
	for _, l := range Languages() {
		files[l.Code] = loadLocale(t, l.Code)
	}
	en := files["en"]
	if len(en) < 100 {
		t.Fatalf("en.json has %d keys; want the seeded set", len(en))
	}
	keyRE := regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
	for lang, msgs := range files {
		for key, v := range msgs {
			if !keyRE.MatchString(key) {
				t.Errorf("%s.json: key %q is not area.name (lower case, dotted)", lang, key)
			}
			if _, ok := en[key]; !ok {
				t.Errorf("%s.json: key %q is not in en.json", lang, key)
			}
			for other, om := range files {
				if _, ok := om[key]; !ok {
					t.Errorf("%s.json lacks %q (present in %s.json)", other, key, lang)
				}
			}
			switch v := v.(type) {
			case string:
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s.json: %q is empty", lang, key)
				}
			case map[string]any:
				var forms []string
				for form, s := range v {
					if form == "description" {
						continue
					}
					forms = append(forms, form)
					if s, ok := s.(string); !ok || strings.TrimSpace(s) == "" {
						t.Errorf("%s.json: %q form %q is empty", lang, key, form)
					}
				}
				slices.Sort(forms)
				if want := pluralForms[lang]; !slices.Equal(forms, want) {
					t.Errorf("%s.json: %q has plural forms %v, want %v", lang, key, forms, want)
				}
			default:
				t.Errorf("%s.json: %q is a %T, want a string or plural forms", lang, key, v)
			}
			if got, want := placeholders(v), placeholders(en[key]); !slices.Equal(got, want) {
				t.Errorf("%s.json: %q uses fields %v, en.json %v", lang, key, got, want)
			}
		}
	}
}

func newTranslator(tb testing.TB) *Translator {
	tb.Helper()
	tr, err := NewTranslator()
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

func TestTranslate(t *testing.T) {
	tr := newTranslator(t)
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "nav.customers", nil, "Customers"},
		{"es", "nav.customers", nil, "Clientes"},
		{"zh", "nav.customers", nil, "客户"},
		{"en", "list.count", []any{"Count", 1}, "1 record"},
		{"en", "list.count", []any{"Count", 3}, "3 records"},
		{"es", "list.count", []any{"Count", 1}, "1 registro"},
		{"es", "list.count", []any{"Count", 3}, "3 registros"},
		{"es", "list.count", []any{"Count", 1000000}, "1.000.000 de registros"},
		{"en", "list.count", []any{"Count", "1284"}, "1,284 records"},
		{"zh", "list.count", []any{"Count", int64(1284)}, "共 1,284 条记录"},
		{"zh", "list.count", []any{"Count", 1}, "共 1 条记录"},
		{"es", "login.too_many_attempts", []any{"Seconds", 30}, "Demasiados intentos. Vuelve a intentarlo dentro de 30 segundos."},
		{"zh", "list.showing", []any{"From", 1, "To", 50, "Total", 120}, "第 1–50 条，共 120 条"},
		{"fr", "nav.sales", nil, "Sales"},         // unknown language: English
		{"es", "no.such_key", nil, "no.such_key"}, // unknown key: the key
		{"zh", "action.loading", nil, "加载中…"},
	}
	for _, tc := range tests {
		if got := tr.T(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%q, %q, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
	if !tr.Has("nav.home") || tr.Has("nav.nope") {
		t.Error("Has disagrees with en.json")
	}
}

func TestMatchLang(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"en", "en", true},
		{"EN-gb", "en", true},
		{"es", "es", true},
		{"es-MX", "es", true},
		{"zh", "zh", true},
		{"zh-CN", "zh", true},
		{"zh-Hans", "zh", true},
		{"zh-Hans-SG", "zh", true},
		{"zh-TW", "zh", true},
		{"fr", "", false},
		{"", "", false},
		{"not a tag!", "", false},
	}
	for _, tc := range tests {
		got, ok := MatchLang(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("MatchLang(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name      string
		cookie    string
		accept    string
		user, wsp string
		want      string
	}{
		{"nothing", "", "", "", "", "en"},
		{"cookie beats all", "zh", "es", "es", "es", "zh"},
		{"bad cookie ignored", "xx", "", "es", "", "es"},
		{"user beats header", "", "zh-CN,zh;q=0.9", "es", "en", "es"},
		{"header beats workspace", "", "es-419,es;q=0.9,en;q=0.8", "", "zh", "es"},
		{"header quality order", "", "fr, zh-CN;q=0.8, en;q=0.5", "", "", "zh"},
		{"unsupported header falls to workspace", "", "fr-FR, de;q=0.8", "", "zh-Hans", "zh"},
		{"workspace", "", "", "", "es", "es"},
		{"garbage everywhere", "", ";;;", "klingon", "??", "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tc.cookie != "" {
				r.Header.Set("Cookie", LangCookie+"="+tc.cookie)
			}
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			if got := Negotiate(r, tc.user, tc.wsp); got != tc.want {
				t.Errorf("Negotiate = %q, want %q", got, tc.want)
			}
		})
	}
}

func BenchmarkTranslatePlain(b *testing.B) {
	tr := newTranslator(b)
	for b.Loop() {
		tr.T("es", "nav.customers")
	}
}

func BenchmarkTranslatePlural(b *testing.B) {
	tr := newTranslator(b)
	for b.Loop() {
		tr.T("es", "list.count", "Count", 3)
	}
}

func TestErrorTranslation(t *testing.T) {
	tr, err := NewTranslator()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ lang, in, want string }{
		{"es", "is required", "es obligatorio"},
		{"zh", "must be at most 100 characters", "最多 100 个字符"},
		{"es", "must be one of: gold, silver", "debe ser uno de: gold, silver"},
		{"en", "must be at most 100 characters", "must be at most 100 characters"},
		{"zh", "some message nobody translated", "some message nobody translated"},
	}
	for _, c := range cases {
		if got := tr.Error(c.lang, c.in); got != c.want {
			t.Errorf("Error(%s, %q) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
}
