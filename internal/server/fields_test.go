package server_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

var selectOptions = []map[string]any{
	{"value": "gold", "labels": map[string]string{"en": "Gold", "es": "Oro", "zh": "金牌"}},
	{"value": "silver"},
	{"value": "bronze"},
}

// fieldExtra is what creating a custom field of each type needs beyond
// its name and label.
func fieldExtra(typ string) map[string]any {
	switch typ {
	case "select", "multi_select":
		return map[string]any{"options": selectOptions}
	case "reference":
		return map[string]any{"target": "tags"}
	}
	return nil
}

var fieldTypes = []string{"text", "long_text", "integer", "decimal", "money", "percent", "date", "datetime", "boolean",
	"select", "multi_select", "email", "phone", "url", "reference", "user"}

// decode parses raw JSON as the test client does: numbers as json.Number.
func decode(t testing.TB, raw string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("test data %q: %v", raw, err)
	}
	return v
}

func show(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestFieldTypes creates a custom field of every type through the API,
// stores good values and reads back their canonical form, and checks that
// bad values are refused with 422 naming body.cf_<name>, writing nothing.
func TestFieldTypes(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	c := w.Admin
	target := c.CreateTag(t, "Target")
	trashed := c.CreateTag(t, "Trashed")
	c.Must(t, 204, "DELETE", "/api/v1/tags/"+trashed.ID(), nil)
	other := e.AddWorkspace("Other")
	otherTag := other.Admin.CreateTag(t, "Theirs")
	sub := strings.NewReplacer(
		"$TAGUPPER", strings.ToUpper(target.ID()), "$TAG", target.ID(), "$TRASHED", trashed.ID(),
		"$OTHERTAG", otherTag.ID(), "$OTHERUSER", other.Admin.UserID, "$USER", c.UserID, "$MISSING", missingID,
	).Replace
	for _, typ := range fieldTypes {
		if name := w.CustomField(t, "tags", typ, typ, fieldExtra(typ)); name != "cf_"+typ {
			t.Fatalf("custom field %s is named %s", typ, name)
		}
	}
	type good struct{ in, want string } // raw JSON
	cases := []struct {
		typ  string
		good []good
		bad  []string
	}{
		{"text",
			[]good{{`"  Hola 你好 "`, `"Hola 你好"`}, {`"<b>bold</b> & \"quotes\""`, `"<b>bold</b> & \"quotes\""`}, {`" x "`, `"x"`}},
			[]string{`12`, `true`, `["a"]`, `{"a":1}`, `"` + strings.Repeat("x", 501) + `"`}},
		{"long_text",
			[]good{{`"line 1\n  line 2  "`, `"line 1\n  line 2  "`}, {`"` + strings.Repeat("é", 5000) + `"`, `"` + strings.Repeat("é", 5000) + `"`}},
			[]string{`1`, `["a"]`, `false`, `"` + strings.Repeat("x", 100001) + `"`}},
		{"integer",
			[]good{{`42`, `42`}, {`"-7"`, `-7`}, {`9007199254740993`, `9007199254740993`}, {`" 12 "`, `12`}, {`0`, `0`}},
			[]string{`4.5`, `"4.5"`, `"x"`, `99999999999999999999`, `true`, `1e3`, `[1]`}},
		{"decimal",
			[]good{{`"12.50"`, `"12.50"`}, {`12.50`, `"12.50"`}, {`"0007.5"`, `"7.5"`}, {`1e3`, `"1000"`}, {`-0.125`, `"-0.125"`}},
			[]string{`"1,5"`, `"abc"`, `1e400`, `true`, `"1.12345678901"`, `"NaN"`, `{"amount":"1"}`}},
		{"money",
			[]good{{`{"amount":"10.5","currency":"eur"}`, `{"amount":"10.5","currency":"EUR"}`}, {`{"amount":99.90,"currency":"USD"}`, `{"amount":"99.90","currency":"USD"}`},
				{`"12.50 jpy"`, `{"amount":"12.50","currency":"JPY"}`}, {`{"amount":"-0.5","currency":" gbp "}`, `{"amount":"-0.5","currency":"GBP"}`}},
			[]string{`{"amount":"x","currency":"EUR"}`, `{"amount":"1","currency":"EURO"}`, `{"amount":"1"}`, `{"amount":"1","currency":"EUR","rate":1}`, `12`, `"12"`, `"12 EUR extra"`, `["1","EUR"]`}},
		{"percent",
			[]good{{`12.5`, `"12.5"`}, {`"-3"`, `"-3"`}, {`100`, `"100"`}},
			[]string{`"12%"`, `false`, `"x"`}},
		{"date",
			[]good{{`"2026-02-28"`, `"2026-02-28"`}, {`"2024-02-29"`, `"2024-02-29"`}, {`" 2026-01-31 "`, `"2026-01-31"`}},
			[]string{`"2026-02-30"`, `"2025-02-29"`, `"28/02/2026"`, `20260228`, `"2026-2-8"`, `"2026-02-28T10:00:00Z"`, `"0000-01-01"`}},
		{"datetime",
			[]good{{`"2026-02-28T10:00:00+02:00"`, `"2026-02-28T08:00:00Z"`}, {`"2026-03-01T00:30:00-05:00"`, `"2026-03-01T05:30:00Z"`}, {`"2026-01-01T00:00:00Z"`, `"2026-01-01T00:00:00Z"`}},
			[]string{`"2026-02-28 10:00"`, `"yesterday"`, `1`, `"2026-02-28T10:00:00"`, `"2026-02-28"`, `true`}},
		{"boolean",
			[]good{{`true`, `true`}, {`false`, `false`}, {`"yes"`, `true`}, {`"off"`, `false`}},
			[]string{`"maybe"`, `2`, `[]`, `{"a":true}`}},
		{"select",
			[]good{{`"gold"`, `"gold"`}, {`" silver "`, `"silver"`}},
			[]string{`"tin"`, `"Gold"`, `1`, `["gold"]`, `true`}},
		{"multi_select",
			[]good{{`["silver","gold","silver"]`, `["silver","gold"]`}, {`"gold, bronze"`, `["gold","bronze"]`}, {`["bronze"]`, `["bronze"]`}},
			[]string{`["gold","tin"]`, `[1]`, `3`, `{"a":1}`, `[null]`, `"tin"`}},
		{"email",
			[]good{{`"Ana.Perez@Example.COM"`, `"Ana.Perez@example.com"`}, {`" bob@example.org "`, `"bob@example.org"`}},
			[]string{`"ana@"`, `"not an email"`, `"a@b"`, `"Ana <ana@example.com>"`, `5`, `"a@@example.com"`}},
		{"phone",
			[]good{{`"+34 912 345 678"`, `"+34 912 345 678"`}, {`"(555) 123-4567 ext. 89"`, `"(555) 123-4567 ext. 89"`}},
			[]string{`"call me"`, `"12"`, `"+1 <script>"`, `34912345678`, `"+1 555 0100 0100 0100 0100 0100"`}},
		{"url",
			[]good{{`"example.com/a?b=1"`, `"https://example.com/a?b=1"`}, {`"http://localhost:8080/x"`, `"http://localhost:8080/x"`}},
			[]string{`"javascript:alert(1)"`, `"ftp://x.y"`, `"http://"`, `"https://exa mple.com"`, `5`}},
		{"reference",
			[]good{{`"$TAG"`, `"$TAG"`}, {`"$TAGUPPER"`, `"$TAG"`}},
			[]string{`"not-an-id"`, `"$MISSING"`, `"$OTHERTAG"`, `"$TRASHED"`, `12`, `["$TAG"]`}},
		{"user",
			[]good{{`"$USER"`, `"$USER"`}},
			[]string{`"$MISSING"`, `"$OTHERUSER"`, `1`, `"me"`}},
	}
	if len(cases) != len(fieldTypes) {
		t.Fatalf("%d cases for %d types", len(cases), len(fieldTypes))
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			key := "cf_" + tc.typ
			body := func(name, raw string) map[string]any {
				return map[string]any{"name": name, key: json.RawMessage(sub(raw))}
			}
			var made []servertest.Record
			for i, g := range tc.good {
				want := decode(t, sub(g.want))
				rec := c.Must(t, 201, "POST", "/api/v1/tags", body(fmt.Sprintf("good %s %d", tc.typ, i), g.in)).Record(t)
				if !reflect.DeepEqual(rec[key], want) {
					t.Fatalf("POST %s: answered %s, want %s", g.in, show(rec[key]), show(want))
				}
				if got := c.Get(t, "tags", rec.ID()); !reflect.DeepEqual(got[key], want) {
					t.Fatalf("GET after storing %s: %s, want %s", g.in, show(got[key]), show(want))
				}
				made = append(made, rec)
			}
			// Each good value also goes in through PATCH, over another one.
			first := made[0]
			for i, g := range tc.good[1:] {
				want := decode(t, sub(g.want))
				rec := c.Must(t, 200, "PATCH", "/api/v1/tags/"+first.ID(), map[string]any{key: json.RawMessage(sub(g.in))}).Record(t)
				if !reflect.DeepEqual(rec[key], want) {
					t.Fatalf("PATCH #%d %s: %s, want %s", i, g.in, show(rec[key]), show(want))
				}
			}
			before := c.Get(t, "tags", first.ID())
			count := len(c.List(t, "/api/v1/tags?limit=500").Data)
			for i, raw := range tc.bad {
				for _, r := range []*servertest.Response{
					c.Do(t, "POST", "/api/v1/tags", body(fmt.Sprintf("bad %s %d", tc.typ, i), raw)),
					c.Do(t, "PATCH", "/api/v1/tags/"+first.ID(), map[string]any{key: json.RawMessage(sub(raw))}),
				} {
					if r.Status != 422 {
						t.Fatalf("bad value %.80s: status %d, want 422: %.300s", raw, r.Status, r.Body)
					}
					if p := r.Problem(t); !slices.Equal(p.Locations(), []string{"body." + key}) {
						t.Fatalf("bad value %.80s: errors name %v, want only body.%s", raw, p.Locations(), key)
					}
				}
			}
			if n := len(c.List(t, "/api/v1/tags?limit=500").Data); n != count {
				t.Fatalf("bad values created %d tags", n-count)
			}
			if after := c.Get(t, "tags", first.ID()); !reflect.DeepEqual(after, before) {
				t.Fatalf("bad values changed the record:\n%v\n%v", before, after)
			}
			// null clears the value, and history keeps the old one.
			cleared := c.Must(t, 200, "PATCH", "/api/v1/tags/"+first.ID(), map[string]any{key: nil}).Record(t)
			if cleared[key] != nil {
				t.Fatalf("null left %s", show(cleared[key]))
			}
			h := c.History(t, "tags", first.ID())
			last := h[len(h)-1]
			if last.Field != key || last.NewValue != nil || show(last.OldValue) != show(decode(t, show(before[key]))) {
				t.Fatalf("clearing recorded as %+v, value was %s", last, show(before[key]))
			}
		})
	}
}

// TestCustomFieldDefinitions: the definition of a custom field is
// validated like any input.
func TestCustomFieldDefinitions(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	w.CustomField(t, "tags", "size", "integer", nil)
	def := func(m map[string]any) map[string]any {
		out := map[string]any{"object": "tags", "name": "f", "type": "text", "labels": map[string]string{"en": "F"}}
		for k, v := range m {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		return out
	}
	bad := func(name string, body map[string]any, status int, loc string) servertest.Scenario {
		return servertest.Scenario{Name: name, Method: "POST", Path: "/api/v1/custom_fields", Body: body, Status: status, ErrorAt: []string{loc}}
	}
	e.Run(t, []servertest.Scenario{
		bad("unknown type", def(map[string]any{"type": "colour"}), 422, "body.type"),
		bad("no type", def(map[string]any{"type": nil}), 422, "body.type"),
		bad("unknown object", def(map[string]any{"object": "planets"}), 422, "body.object"),
		bad("name with capitals", def(map[string]any{"name": "Size"}), 422, "body.name"),
		bad("name with a dash", def(map[string]any{"name": "a-b"}), 422, "body.name"),
		bad("name too long", def(map[string]any{"name": strings.Repeat("a", 41)}), 422, "body.name"),
		bad("name taken", def(map[string]any{"name": "size"}), 409, "body.name"),
		bad("name taken with the prefix", def(map[string]any{"name": "cf_size"}), 409, "body.name"),
		bad("no English label", def(map[string]any{"labels": map[string]string{"es": "Tamaño"}}), 422, "body.labels.en"),
		bad("unknown language", def(map[string]any{"labels": map[string]string{"en": "F", "fr": "F"}}), 422, "body.labels.fr"),
		bad("select without options", def(map[string]any{"type": "select"}), 422, "body.options"),
		bad("select with no option", def(map[string]any{"type": "multi_select", "options": []any{}}), 422, "body.options"),
		bad("option twice", def(map[string]any{"type": "select", "options": []map[string]any{{"value": "a"}, {"value": "a"}}}), 422, "body.options[1].value"),
		bad("option with a comma", def(map[string]any{"type": "select", "options": []map[string]any{{"value": "a,b"}}}), 422, "body.options[0].value"),
		bad("options on text", def(map[string]any{"options": []map[string]any{{"value": "a"}}}), 422, "body.options"),
		bad("reference without target", def(map[string]any{"type": "reference"}), 422, "body.target"),
		bad("reference to nothing", def(map[string]any{"type": "reference", "target": "planets"}), 422, "body.target"),
		bad("unknown member", def(map[string]any{"colour": "red"}), 422, "body.colour"),
		bad("type of wrong JSON type", def(map[string]any{"required": "yes"}), 422, "body.required"),
	})
	var list struct {
		Data []struct{ ID, Name, Type string }
	}
	w.Admin.Must(t, 200, "GET", "/api/v1/custom_fields?object=tags", nil).JSON(t, &list)
	if len(list.Data) != 1 || list.Data[0].Name != "cf_size" {
		t.Fatalf("refused definitions were stored: %+v", list.Data)
	}
	id := list.Data[0].ID
	e.Run(t, []servertest.Scenario{
		{Name: "type cannot change", Method: "PATCH", Path: "/api/v1/custom_fields/" + id, Body: map[string]any{"type": "text"}, Status: 422, ErrorAt: []string{"body.type"}},
		{Name: "labels can", Method: "PATCH", Path: "/api/v1/custom_fields/" + id, Body: map[string]any{"labels": map[string]string{"es": "Tamaño"}}, Status: 200, Contains: []string{"Tamaño", `"en":"size"`}},
		{Name: "made required", Method: "PATCH", Path: "/api/v1/custom_fields/" + id, Body: map[string]any{"required": true}, Status: 200},
		{Name: "a required field is required", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "No size"}, Status: 422, ErrorAt: []string{"body.cf_size"}},
		{Name: "and null is not a value", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "Null size", "cf_size": nil}, Status: 422, ErrorAt: []string{"body.cf_size"}},
		{Name: "with it the tag is made", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "Sized", "cf_size": 3}, Status: 201},
	})
	// Removing the field hides its values and refuses it in writes and
	// queries.
	w.Admin.Must(t, 204, "DELETE", "/api/v1/custom_fields/"+id, nil)
	e.Run(t, []servertest.Scenario{
		{Name: "gone from records", Method: "GET", Path: "/api/v1/tags", Status: 200, Contains: []string{"Sized"}, NotContains: []string{"cf_size"}},
		{Name: "gone from writes", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "x", "cf_size": 1}, Status: 422, ErrorAt: []string{"body.cf_size"}},
		{Name: "gone from filters", Method: "GET", Path: "/api/v1/tags?filter[cf_size][eq]=3", Status: 422, ErrorAt: []string{"query.filter[cf_size][eq]"}},
		{Name: "gone from sort", Method: "GET", Path: "/api/v1/tags?sort=cf_size", Status: 422, ErrorAt: []string{"query.sort"}},
	})
}

// column is one custom field's values on five records, the order they
// sort in, and filters with the records they must find.
type column struct {
	typ    string
	values [5]string // raw JSON; "" leaves the field empty
	// ranks give the ascending order (ties equal, -1 for empty); nil
	// ranks the canonical string values; sortable false expects 422.
	ranks    []int
	unsorted bool
	filters  []colFilter
	bad      []string // op=value pairs that must be refused
}

type colFilter struct {
	op, value string
	want      []int
}

// TestCustomFieldFiltersAndSort stores five records with a value (or
// none) in a custom field of every type, then checks every operator that
// applies to the type finds exactly the right records, the ones that do
// not apply are refused naming the filter, and sorting both ways orders
// by the type's meaning (numbers as numbers, text without case, empty
// last ascending) and pages without loss at two records per page.
func TestCustomFieldFiltersAndSort(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	c := w.Admin
	for _, typ := range fieldTypes {
		w.CustomField(t, "tags", typ, typ, fieldExtra(typ))
	}
	t1, t2, t3 := c.CreateTag(t, "T1").ID(), c.CreateTag(t, "T2").ID(), c.CreateTag(t, "T3").ID()
	u1, u2 := w.User(t, "sales").UserID, w.User(t, "sales").UserID
	u0 := c.UserID
	q := func(s string) string { return `"` + s + `"` }
	cols := []column{
		{typ: "text", values: [5]string{q("banana"), q("Apple"), q("cherry pie"), "", q("apple tart")}, ranks: []int{2, 0, 3, -1, 1},
			filters: []colFilter{{"eq", "apple", []int{1}}, {"eq", "APPLE TART", []int{4}}, {"contains", "APPLE", []int{1, 4}}, {"ne", "banana", []int{1, 2, 3, 4}},
				{"lt", "b", []int{1, 4}}, {"gte", "b", []int{0, 2}}, {"in", "banana,CHERRY PIE", []int{0, 2}}, {"empty", "true", []int{3}}, {"empty", "false", []int{0, 1, 2, 4}},
				{"contains", "100%_", nil}}},
		{typ: "long_text", values: [5]string{q(`alpha\nbeta`), q("notes about x"), "", q("gamma"), q("more notes")}, ranks: []int{0, 3, -1, 1, 2},
			filters: []colFilter{{"contains", "NOTES", []int{1, 4}}, {"contains", "a\nb", []int{0}}, {"eq", "gamma", []int{3}}, {"empty", "true", []int{2}}}},
		{typ: "integer", values: [5]string{"10", "-3", "", "7", "10000000000"}, ranks: []int{2, 0, -1, 1, 3},
			filters: []colFilter{{"eq", "7", []int{3}}, {"lt", "7", []int{1}}, {"lte", "7", []int{1, 3}}, {"gt", "7", []int{0, 4}}, {"gte", "10", []int{0, 4}},
				{"ne", "10", []int{1, 2, 3, 4}}, {"in", "-3,10", []int{0, 1}}, {"empty", "true", []int{2}}, {"gt", "9999999999", []int{4}}},
			bad: []string{"contains=1", "eq=abc", "eq=1.5", "in=1,x", "empty=maybe"}},
		{typ: "decimal", values: [5]string{q("9.5"), q("10.25"), q("-1"), "", q("0.001")}, ranks: []int{2, 3, 0, -1, 1},
			filters: []colFilter{{"eq", "9.50", []int{0}}, {"lt", "1", []int{2, 4}}, {"gt", "9.5", []int{1}}, {"gte", "9.5", []int{0, 1}}, {"in", "10.25,-1.0", []int{1, 2}}, {"empty", "true", []int{3}}},
			bad:     []string{"contains=1", "eq=1,5", "lt=abc"}},
		{typ: "money", values: [5]string{`{"amount":"100","currency":"EUR"}`, `{"amount":"20.5","currency":"USD"}`, "", `{"amount":"3","currency":"eur"}`, `{"amount":"1000.01","currency":"JPY"}`},
			ranks:   []int{2, 1, -1, 0, 3},
			filters: []colFilter{{"gt", "50", []int{0, 4}}, {"lte", "20.5", []int{1, 3}}, {"eq", "100.00", []int{0}}, {"in", "3,1000.01", []int{3, 4}}, {"empty", "true", []int{2}}},
			bad:     []string{"contains=1", "eq=12 EUR", "gt=x"}},
		{typ: "percent", values: [5]string{"50", "5", "", "100", "12.5"}, ranks: []int{2, 0, -1, 3, 1},
			filters: []colFilter{{"gt", "10", []int{0, 3, 4}}, {"eq", "5.0", []int{1}}, {"lt", "12.5", []int{1}}, {"empty", "true", []int{2}}},
			bad:     []string{"contains=5", "eq=5%"}},
		{typ: "date", values: [5]string{q("2026-03-01"), q("2025-12-31"), q("2026-02-28"), "", q("2024-02-29")}, ranks: []int{3, 1, 2, -1, 0},
			filters: []colFilter{{"lt", "2026-01-01", []int{1, 4}}, {"gte", "2026-02-28", []int{0, 2}}, {"eq", "2024-02-29", []int{4}}, {"in", "2026-03-01,2024-02-29", []int{0, 4}},
				{"ne", "2026-03-01", []int{1, 2, 3, 4}}, {"empty", "true", []int{3}}},
			bad: []string{"eq=2026-02-30", "contains=2026", "lt=yesterday"}},
		{typ: "datetime", values: [5]string{q("2026-03-01T10:00:00+02:00"), q("2026-03-01T07:00:00Z"), "", q("2026-02-28T23:30:00-01:00"), q("2026-03-01T08:00:01Z")}, ranks: []int{2, 1, -1, 0, 3},
			filters: []colFilter{{"eq", "2026-03-01T09:00:00+01:00", []int{0}}, {"gt", "2026-03-01T08:00:00Z", []int{4}}, {"lt", "2026-03-01T07:00:00Z", []int{3}},
				{"lte", "2026-03-01T07:00:00Z", []int{1, 3}}, {"in", "2026-03-01T07:00:00Z,2026-03-01T08:00:01Z", []int{1, 4}}, {"empty", "true", []int{2}}},
			bad: []string{"eq=yesterday", "eq=2026-03-01", "contains=2026"}},
		{typ: "boolean", values: [5]string{"true", "false", "", "true", "false"}, ranks: []int{1, 0, -1, 1, 0},
			filters: []colFilter{{"eq", "true", []int{0, 3}}, {"eq", "false", []int{1, 4}}, {"ne", "true", []int{1, 2, 4}}, {"empty", "true", []int{2}}, {"empty", "false", []int{0, 1, 3, 4}}},
			bad:     []string{"eq=maybe", "contains=t"}},
		{typ: "select", values: [5]string{q("silver"), q("gold"), "", q("bronze"), q("gold")}, ranks: []int{2, 1, -1, 0, 1},
			filters: []colFilter{{"eq", "gold", []int{1, 4}}, {"in", "silver,bronze", []int{0, 3}}, {"contains", "ol", []int{1, 4}}, {"ne", "gold", []int{0, 2, 3}}, {"empty", "true", []int{2}}},
			bad:     []string{"eq=tin", "in=gold,tin"}},
		{typ: "multi_select", values: [5]string{`["gold","silver"]`, `["bronze"]`, "", `["silver"]`, `["gold"]`}, unsorted: true,
			filters: []colFilter{{"contains", "gold", []int{0, 4}}, {"eq", "silver", []int{0, 3}}, {"in", "bronze,gold", []int{0, 1, 4}}, {"empty", "true", []int{2}}, {"empty", "false", []int{0, 1, 3, 4}}},
			bad:     []string{"lt=gold", "contains=tin", "in=gold,tin", "ne=gold"}},
		{typ: "email", values: [5]string{q("Zed@Example.com"), q("amy@example.org"), "", q("bob@EXAMPLE.net"), q("Amy.B@example.com")}, ranks: []int{3, 1, -1, 2, 0},
			filters: []colFilter{{"eq", "AMY@EXAMPLE.ORG", []int{1}}, {"contains", "example.com", []int{0, 4}}, {"in", "zed@example.com,BOB@example.net", []int{0, 3}}, {"empty", "true", []int{2}}}},
		{typ: "phone", values: [5]string{q("+34 912 345 678"), q("+1 555 0100"), "", q("(555) 123-4567 ext. 89"), q("+44 20 7946 0958")}, ranks: []int{2, 1, -1, 0, 3},
			filters: []colFilter{{"contains", "555", []int{1, 3}}, {"eq", "+1 555 0100", []int{1}}, {"empty", "true", []int{2}}}},
		{typ: "url", values: [5]string{q("example.com/a"), q("https://b.example.org/path?q=1"), "", q("http://c.example.net"), q("https://a.example.com")}, ranks: []int{3, 2, -1, 0, 1},
			filters: []colFilter{{"contains", "example.org", []int{1}}, {"eq", "https://example.com/a", []int{0}}, {"empty", "true", []int{2}}}},
		{typ: "reference", values: [5]string{q(t2), q(t1), "", q(t3), q(t1)},
			filters: []colFilter{{"eq", t1, []int{1, 4}}, {"in", t2 + "," + t3, []int{0, 3}}, {"ne", t1, []int{0, 2, 3}}, {"empty", "true", []int{2}}},
			bad:     []string{"eq=x", "contains=" + t1[:8]}},
		{typ: "user", values: [5]string{q(u0), q(u1), "", q(u2), q(u0)},
			filters: []colFilter{{"eq", u0, []int{0, 4}}, {"in", u1 + "," + u2, []int{1, 3}}, {"empty", "true", []int{2}}},
			bad:     []string{"eq=me", "contains=" + u0[:8]}},
	}
	var ids [5]string
	for i := range ids {
		body := map[string]any{"name": fmt.Sprintf("r%d", i)}
		for _, col := range cols {
			if col.values[i] != "" {
				body["cf_"+col.typ] = json.RawMessage(col.values[i])
			}
		}
		ids[i] = c.Create(t, "tags", body).ID()
	}
	only := "filter[id][in]=" + strings.Join(ids[:], ",")
	pick := func(idx []int) []string {
		out := []string{}
		for _, i := range idx {
			out = append(out, ids[i])
		}
		sort.Strings(out)
		return out
	}
	for _, col := range cols {
		key := "cf_" + col.typ
		t.Run(col.typ, func(t *testing.T) {
			for _, f := range col.filters {
				path := "/api/v1/tags?limit=500&" + only + "&filter[" + key + "][" + f.op + "]=" + url.QueryEscape(f.value)
				got := c.List(t, path).IDs()
				sort.Strings(got)
				if want := pick(f.want); !slices.Equal(got, want) {
					t.Errorf("%s %s %q: found %v, want records %v", key, f.op, f.value, idxOf(ids, got), f.want)
				}
			}
			for _, b := range col.bad {
				op, val, _ := strings.Cut(b, "=")
				r := c.Do(t, "GET", "/api/v1/tags?filter["+key+"]["+op+"]="+url.QueryEscape(val), nil)
				loc := "query.filter[" + key + "][" + op + "]"
				if r.Status != 422 || !r.Problem(t).Names(loc) {
					t.Errorf("filter %s %s %q: %d %s, want 422 naming %s", key, op, val, r.Status, r.Body, loc)
				}
			}
			if col.unsorted {
				if r := c.Do(t, "GET", "/api/v1/tags?sort="+key, nil); r.Status != 422 || !r.Problem(t).Names("query.sort") {
					t.Errorf("sort on %s: %d, want 422 naming query.sort", key, r.Status)
				}
				return
			}
			ranks := col.ranks
			if ranks == nil {
				ranks = rankStrings(col.values)
			}
			asc := expectedOrder(ids, ranks)
			desc := slices.Clone(asc)
			slices.Reverse(desc)
			for _, dir := range []struct {
				prefix string
				want   []string
			}{{"", asc}, {"-", desc}} {
				path := "/api/v1/tags?" + only + "&sort=" + dir.prefix + key
				if got := c.List(t, path+"&limit=500").IDs(); !slices.Equal(got, dir.want) {
					t.Errorf("sort=%s%s: records %v, want %v", dir.prefix, key, idxOf(ids, got), idxOf(ids, dir.want))
				}
				got, pages := c.ListAll(t, path+"&limit=2")
				if !slices.Equal(got, dir.want) || pages != 3 {
					t.Errorf("sort=%s%s in pages of 2: records %v over %d pages, want %v over 3", dir.prefix, key, idxOf(ids, got), pages, idxOf(ids, dir.want))
				}
			}
		})
	}
}

// expectedOrder sorts ids by rank, empty (-1) last, ties by id.
func expectedOrder(ids [5]string, ranks []int) []string {
	idx := []int{0, 1, 2, 3, 4}
	sort.Slice(idx, func(a, b int) bool {
		ra, rb := ranks[idx[a]], ranks[idx[b]]
		if (ra < 0) != (rb < 0) {
			return rb < 0
		}
		if ra != rb {
			return ra < rb
		}
		return ids[idx[a]] < ids[idx[b]]
	})
	out := make([]string, 5)
	for i, j := range idx {
		out[i] = ids[j]
	}
	return out
}

// rankStrings ranks raw JSON string values by their text.
func rankStrings(values [5]string) []int {
	var distinct []string
	for _, v := range values {
		if v != "" && !slices.Contains(distinct, v) {
			distinct = append(distinct, v)
		}
	}
	sort.Strings(distinct)
	ranks := make([]int, 5)
	for i, v := range values {
		ranks[i] = slices.Index(distinct, v) // -1 when empty
	}
	return ranks
}

// idxOf turns record ids back into their indexes for readable failures.
func idxOf(ids [5]string, got []string) []int {
	out := []int{}
	for _, g := range got {
		out = append(out, slices.Index(ids[:], g))
	}
	return out
}

// TestCustomFieldRecreatedWithAnotherType: values left in records by a
// removed custom field do not break a new field of the same name and
// another type — reads, filters and sorts on it still work.
func TestCustomFieldRecreatedWithAnotherType(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	c := w.Admin
	fieldID := func(name string) string {
		var list struct{ Data []struct{ ID, Name string } }
		c.Must(t, 200, "GET", "/api/v1/custom_fields", nil).JSON(t, &list)
		for _, f := range list.Data {
			if f.Name == name {
				return f.ID
			}
		}
		t.Fatalf("no custom field %s", name)
		return ""
	}
	w.CustomField(t, "tags", "size", "text", nil)
	old := c.CreateTag(t, "Old", map[string]any{"cf_size": "large"})
	twelve := c.CreateTag(t, "Twelve", map[string]any{"cf_size": " 12"})
	c.Must(t, 204, "DELETE", "/api/v1/custom_fields/"+fieldID("cf_size"), nil)
	if r := c.Get(t, "tags", old.ID()); r["cf_size"] != nil {
		t.Fatalf("a removed field still shows: %v", r)
	}
	// Re-created with the same type, the values are back.
	w.CustomField(t, "tags", "size", "text", nil)
	if r := c.Get(t, "tags", old.ID()); r["cf_size"] != "large" {
		t.Fatalf("re-created with the same type, the value is %v", r["cf_size"])
	}
	c.Must(t, 204, "DELETE", "/api/v1/custom_fields/"+fieldID("cf_size"), nil)
	// Re-created as a number: what is a number stays, the rest goes.
	w.CustomField(t, "tags", "size", "integer", nil)
	n3 := c.CreateTag(t, "Three", map[string]any{"cf_size": 3})
	n7 := c.CreateTag(t, "Seven", map[string]any{"cf_size": 7})
	for _, path := range []string{"/api/v1/tags?sort=cf_size", "/api/v1/tags?sort=-cf_size&limit=1", "/api/v1/tags?filter[cf_size][gt]=4", "/api/v1/tags?filter[cf_size][eq]=3",
		"/api/v1/tags?filter[cf_size][empty]=true", "/api/v1/tags?filter[cf_size][in]=3,7"} {
		c.Must(t, 200, "GET", path, nil)
	}
	if ids := c.List(t, "/api/v1/tags?filter[cf_size][gt]=4&sort=cf_size").IDs(); !slices.Equal(ids, []string{n7.ID(), twelve.ID()}) {
		t.Fatalf("gt 4 found %v", ids)
	}
	if ids, _ := c.ListAll(t, "/api/v1/tags?sort=cf_size&limit=1"); !slices.Equal(ids, []string{n3.ID(), n7.ID(), twelve.ID(), old.ID()}) {
		t.Fatalf("sort=cf_size paged %v", ids)
	}
	if r := c.Get(t, "tags", twelve.ID()); r["cf_size"] != json.Number("12") {
		t.Fatalf("the left value 12 reads %#v", r["cf_size"])
	}
	if r := c.Get(t, "tags", old.ID()); r["cf_size"] != nil {
		t.Fatalf("the old text value shows in the integer field: %v", r["cf_size"])
	}
	c.Must(t, 200, "PATCH", "/api/v1/tags/"+old.ID(), map[string]any{"cf_size": 1})
}
