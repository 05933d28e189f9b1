package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// funcMap returns the template funcs, bound to inst: the funcs that
// depend on the page being rendered (t, date, money…) read inst.page,
// which the renderer sets for the duration of one execution.
//
//	t "key" [name value]…   translate in the page's language
//	date v, datetime v      time.Time, *time.Time or an ISO string, in the page's language and time zone
//	number v                a decimal (string, integer, json.Number…) with the page's separators
//	money amount [currency] amount in currency (default: the workspace's)
//	asset "app.css"         /static/app.css?v=HASH
//	icon "customers"        an inline SVG icon (names in icons.go)
//	dict k v …              a map for passing several values to a template
//	add a b                 a + b (integers)
//	contains coll item      substring, slice element or map key
//	json v                  v as JSON text
//	page                    the *Page being rendered (for partials given other data)
//	langs                   the UI languages
//	langTag                 the page language's BCP 47 tag, for <html lang>
func funcMap(tr *Translator, inst *instance) template.FuncMap {
	lang := func() string {
		if inst.page == nil || inst.page.Lang == "" {
			return DefaultLang
		}
		return inst.page.Lang
	}
	tz := func() *time.Location {
		if inst.page == nil {
			return time.UTC
		}
		return orUTC(inst.page.TZ)
	}
	return template.FuncMap{
		"t": func(key string, args ...any) string {
			return tr.T(lang(), key, args...)
		},
		// terr shows a service's English field error in the page language.
		"terr": func(msg string) string {
			return tr.Error(lang(), msg)
		},
		"date": func(v any) (string, error) {
			t, dateOnly, err := toTime(v)
			if err != nil || dateOnly {
				return FormatDate(lang(), t, time.UTC), err
			}
			return FormatDate(lang(), t, tz()), nil
		},
		"datetime": func(v any) (string, error) {
			t, dateOnly, err := toTime(v)
			if err != nil || dateOnly {
				return FormatDate(lang(), t, time.UTC), err
			}
			return FormatDateTime(lang(), t, tz()), nil
		},
		"number": func(v any) (string, error) {
			s, err := toDecimal(v)
			return FormatNumber(lang(), s), err
		},
		"money": func(amount any, cur ...string) (string, error) {
			s, err := toDecimal(amount)
			if err != nil {
				return "", err
			}
			c := ""
			if len(cur) > 0 {
				c = cur[0]
			} else if inst.page != nil && inst.page.Workspace != nil {
				c = inst.page.Workspace.Currency
			}
			return FormatMoney(lang(), s, c), nil
		},
		// pct shows a 0–1 score as a whole percentage.
		"pct":      func(f float64) string { return strconv.Itoa(int(f*100 + 0.5)) },
		"asset":    AssetURL,
		"icon":     icon,
		"dict":     dict,
		"add":      add,
		"contains": contains,
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"page":    func() *Page { return inst.page },
		"langs":   Languages,
		"langTag": func() string { return langTag(lang()) },
	}
}

// toTime accepts time.Time, *time.Time (nil is the zero time), and the
// strings "2006-01-02" (a calendar date, dateOnly) and RFC 3339.
func toTime(v any) (t time.Time, dateOnly bool, err error) {
	switch v := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return v, false, nil
	case *time.Time:
		if v == nil {
			return time.Time{}, false, nil
		}
		return *v, false, nil
	case string:
		if v == "" {
			return time.Time{}, false, nil
		}
		if d, err := time.Parse(time.DateOnly, v); err == nil {
			return d, true, nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("date: %q is neither a date nor an RFC 3339 time", v)
		}
		return t, false, nil
	}
	return time.Time{}, false, fmt.Errorf("date: cannot format %T", v)
}

// toDecimal turns a template value into decimal text for FormatNumber
// and FormatMoney. Floats are accepted for counts and ratios; money
// should arrive as a string or a decimal type with a String method.
func toDecimal(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case int:
		return strconv.Itoa(v), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint32:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32), nil
	case fmt.Stringer:
		return v.String(), nil
	}
	return "", fmt.Errorf("number: cannot format %T", v)
}

// dict builds a map from key/value pairs: {{template "field" dict "Name" "email" "Label" (t "field.email")}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is a %T, not a string", kv[i], kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// add sums integers of any Go integer type.
func add(a, b any) (int, error) {
	x, err := toInt(a)
	if err != nil {
		return 0, err
	}
	y, err := toInt(b)
	if err != nil {
		return 0, err
	}
	return x + y, nil
}

func toInt(v any) (int, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int(rv.Uint()), nil
	}
	return 0, fmt.Errorf("add: %T is not an integer", v)
}

// contains reports whether coll holds item: a substring of a string, an
// element of a slice or array, or a key of a map. A nil coll holds
// nothing.
func contains(coll, item any) bool {
	if s, ok := coll.(string); ok {
		sub, ok := item.(string)
		return ok && strings.Contains(s, sub)
	}
	v := reflect.ValueOf(coll)
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if reflect.DeepEqual(v.Index(i).Interface(), item) {
				return true
			}
		}
	case reflect.Map:
		k := reflect.ValueOf(item)
		if k.IsValid() && k.Type().AssignableTo(v.Type().Key()) {
			return v.MapIndex(k).IsValid()
		}
	}
	return false
}
