package records_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/tags"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type fixture struct {
	d     *db.DB
	e     *records.Engine
	admin *auth.Principal
	clock time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.Open(t)
	f := &fixture{d: d, clock: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	now := func() time.Time { f.clock = f.clock.Add(time.Millisecond); return f.clock }
	f.e = records.New(d, now)
	f.e.Register(tags.Object)
	svc := auth.NewService(d, now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.Argon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	_, u, err := svc.Setup(context.Background(), auth.SetupInput{Workspace: "W", Email: "a@w.test", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	if f.admin, err = svc.Principal(context.Background(), u.WorkspaceID, u.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) custom(t *testing.T, name string, typ records.FieldType, opts ...records.Option) {
	t.Helper()
	in := records.CustomFieldInput{Object: ptr("tags"), Name: ptr(name), Type: &typ, Labels: &map[string]string{"en": name}}
	if len(opts) > 0 {
		in.Options = &opts
	}
	if typ == records.Reference {
		in.Target = ptr("tags")
	}
	if _, err := f.e.CreateCustomField(context.Background(), f.admin, in); err != nil {
		t.Fatalf("custom field %s: %v", name, err)
	}
}

func ptr[T any](v T) *T { return &v }

func num(s string) json.Number { return json.Number(s) }

// TestFieldTypes stores a good value of every type through a custom
// field, reads back its canonical form, and checks that bad values are
// refused naming the field, on the dialect under test.
func TestFieldTypes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	opts := []records.Option{{Value: "gold", Labels: map[string]string{"en": "Gold", "es": "Oro", "zh": "金牌"}}, {Value: "silver"}}
	ref, err := f.e.Create(ctx, f.admin, "tags", records.Input{"name": "target"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		typ  records.FieldType
		good any
		want any
		bad  []any
	}{
		{records.Text, "  Hola 你好 ", "Hola 你好", []any{num("3"), strings.Repeat("x", 501), true}},
		{records.LongText, "line 1\nline 2", "line 1\nline 2", []any{num("1"), []any{"a"}}},
		{records.Integer, num("42"), int64(42), []any{"4.5", num("1.5"), "x", num("99999999999999999999")}},
		{records.Decimal, "12.50", "12.50", []any{"1,5", "abc", num("1e400"), true}},
		{records.Money, map[string]any{"amount": num("10.5"), "currency": "eur"}, records.MoneyValue{Amount: "10.5", Currency: "EUR"}, []any{map[string]any{"amount": "x", "currency": "EUR"}, map[string]any{"amount": "1", "currency": "EURO"}, map[string]any{"amount": "1", "currency": "EUR", "rate": 1}, "12"}},
		{records.Percent, num("12.5"), "12.5", []any{"12%", false}},
		{records.Date, "2026-02-28", "2026-02-28", []any{"2026-02-30", "28/02/2026", num("20260228")}},
		{records.DateTime, "2026-02-28T10:00:00+02:00", "2026-02-28T08:00:00Z", []any{"2026-02-28 10:00", "yesterday", num("1")}},
		{records.Boolean, true, true, []any{"maybe", num("2")}},
		{records.Select, "gold", "gold", []any{"bronze", num("1")}},
		{records.MultiSelect, []any{"silver", "gold", "silver"}, []string{"silver", "gold"}, []any{[]any{"gold", "tin"}, []any{num("1")}, num("3")}},
		{records.Email, "Ana.Perez@Example.COM", "Ana.Perez@example.com", []any{"ana@", "not an email", "a@b"}},
		{records.Phone, "+34 912 345 678", "+34 912 345 678", []any{"call me", "12", "+1 <script>"}},
		{records.URL, "example.com/a?b=1", "https://example.com/a?b=1", []any{"javascript:alert(1)", "ftp://x.y", "http://"}},
		{records.Reference, ref.ID, ref.ID, []any{"not-an-id", "01900000-0000-7000-8000-000000000000"}},
		{records.User, f.admin.UserID, f.admin.UserID, []any{"01900000-0000-7000-8000-000000000000", num("1")}},
	}
	for _, c := range cases {
		t.Run(string(c.typ), func(t *testing.T) {
			name := "f_" + string(c.typ)
			if c.typ == records.Select || c.typ == records.MultiSelect {
				f.custom(t, name, c.typ, opts...)
			} else {
				f.custom(t, name, c.typ)
			}
			key := records.CustomPrefix + name
			r, err := f.e.Create(ctx, f.admin, "tags", records.Input{"name": "good " + name, key: c.good})
			if err != nil {
				t.Fatalf("good value %#v refused: %v", c.good, err)
			}
			got, err := f.e.Get(ctx, f.admin, "tags", r.ID, records.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !records.Equal(got.Values[key], c.want) {
				t.Fatalf("stored %#v, read back %#v, want %#v", c.good, got.Values[key], c.want)
			}
			for i, bad := range c.bad {
				_, err := f.e.Create(ctx, f.admin, "tags", records.Input{"name": fmt.Sprintf("bad %s %d", name, i), key: bad})
				e, ok := errs.As(err)
				if !ok || e.Code != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != "body."+key {
					t.Fatalf("bad value %#v: got %v, want invalid naming body.%s", bad, err, key)
				}
			}
			// Filters on the field find the record.
			op := "eq"
			val := fmt.Sprint(c.want)
			switch c.typ {
			case records.Money:
				op, val = "gte", "10.5"
			case records.MultiSelect:
				op, val = "contains", "gold"
			case records.Text:
				op, val = "contains", "hola"
			case records.LongText:
				op, val = "contains", "LINE 2"
			case records.DateTime:
				op, val = "gte", "2026-02-28T08:00:00Z"
			case records.Email:
				val = "ana.perez@example.com"
			}
			pg, err := f.e.List(ctx, f.admin, "tags", records.ListQuery{Filters: []records.Filter{{Field: key, Op: records.Op(op), Value: val}}, Limit: 10})
			if err != nil {
				t.Fatalf("filter %s %s %q: %v", key, op, val, err)
			}
			if len(pg.Records) != 1 || pg.Records[0].ID != r.ID {
				t.Fatalf("filter %s %s %q found %d records", key, op, val, len(pg.Records))
			}
			pg, err = f.e.List(ctx, f.admin, "tags", records.ListQuery{Filters: []records.Filter{{Field: key, Op: records.OpEmpty, Value: "false"}}, Limit: 10})
			if err != nil || len(pg.Records) != 1 {
				t.Fatalf("not-empty filter: %d records, %v", len(pg.Records), err)
			}
		})
	}
}

// TestPagingWithTies pages through records whose sort values repeat and
// include empty ones, in both directions, and checks the pages add up to
// the full order with no gap and no duplicate.
func TestPagingWithTies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.custom(t, "rank", records.Integer)
	f.custom(t, "score", records.Decimal)
	type row struct {
		id   string
		rank *int64
	}
	var all []row
	for i := 0; i < 23; i++ {
		in := records.Input{"name": fmt.Sprintf("tag %02d", i)}
		var rank *int64
		if i%5 != 4 {
			v := int64(i % 3)
			rank = &v
			in["cf_rank"] = num(fmt.Sprint(v))
			in["cf_score"] = fmt.Sprintf("%d.%d", i%4, i%2)
		}
		r, err := f.e.Create(ctx, f.admin, "tags", in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, row{r.ID, rank})
	}
	expect := func(desc bool) []string {
		s := slices.Clone(all)
		sort.SliceStable(s, func(i, j int) bool {
			a, b := s[i], s[j]
			if (a.rank == nil) != (b.rank == nil) {
				return (a.rank == nil) == desc // nulls last ascending, first descending
			}
			if a.rank != nil && *a.rank != *b.rank {
				return (*a.rank < *b.rank) != desc
			}
			return (a.id < b.id) != desc
		})
		ids := make([]string, len(s))
		for i, r := range s {
			ids[i] = r.id
		}
		return ids
	}
	for _, sortKey := range []string{"cf_rank", "-cf_rank"} {
		var got []string
		cursor := ""
		for page := 0; page < 10; page++ {
			pg, err := f.e.List(ctx, f.admin, "tags", records.ListQuery{Sort: sortKey, Limit: 5, Cursor: cursor})
			if err != nil {
				t.Fatalf("%s page %d: %v", sortKey, page, err)
			}
			for _, r := range pg.Records {
				got = append(got, r.ID)
			}
			if pg.NextCursor == "" {
				break
			}
			cursor = pg.NextCursor
		}
		if want := expect(strings.HasPrefix(sortKey, "-")); !slices.Equal(got, want) {
			t.Fatalf("sort %s: pages gave\n%v\nwant\n%v", sortKey, got, want)
		}
	}
	// Every other sortable column pages without loss either.
	for _, sortKey := range []string{"name", "-name", "cf_score", "-cf_score", "created_at", "-updated_at"} {
		seen := map[string]bool{}
		cursor := ""
		for page := 0; page < 10; page++ {
			pg, err := f.e.List(ctx, f.admin, "tags", records.ListQuery{Sort: sortKey, Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatalf("%s: %v", sortKey, err)
			}
			for _, r := range pg.Records {
				if seen[r.ID] {
					t.Fatalf("%s: %s on two pages", sortKey, r.ID)
				}
				seen[r.ID] = true
			}
			if cursor = pg.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != len(all) {
			t.Fatalf("%s: pages held %d of %d records", sortKey, len(seen), len(all))
		}
	}
	// A cursor from another sort is refused, naming the parameter.
	pg, _ := f.e.List(ctx, f.admin, "tags", records.ListQuery{Sort: "name", Limit: 2})
	_, err := f.e.List(ctx, f.admin, "tags", records.ListQuery{Sort: "-name", Limit: 2, Cursor: pg.NextCursor})
	if e, ok := errs.As(err); !ok || e.Fields[0].Location != "query.cursor" {
		t.Fatalf("cursor of another sort: %v", err)
	}
}

// TestHistoryAndStaleWrites checks that history rows are written with
// a change and not without one, and that a stale ETag writes nothing.
func TestHistoryAndStaleWrites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.e.Create(ctx, f.admin, "tags", records.Input{"name": "Alpha", "color": "#112233"})
	if err != nil {
		t.Fatal(err)
	}
	stale := r.ETag()
	r2, err := f.e.Update(ctx, f.admin, "tags", r.ID, stale, records.Input{"name": "Beta", "description": "d"})
	if err != nil {
		t.Fatal(err)
	}
	if r2.ETag() == stale || r2.Version != 2 {
		t.Fatalf("ETag %s / version %d did not move", r2.ETag(), r2.Version)
	}
	if _, err := f.e.Update(ctx, f.admin, "tags", r.ID, stale, records.Input{"name": "Gamma"}); !errs.Is(err, errs.PreconditionFailed) {
		t.Fatalf("stale If-Match: %v", err)
	}
	if _, err := f.e.Update(ctx, f.admin, "tags", r.ID, "", records.Input{"color": "red"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad colour: %v", err)
	}
	if _, err := f.e.Update(ctx, f.admin, "tags", r.ID, "", records.Input{"name": "Beta"}); err != nil {
		t.Fatalf("no-op update: %v", err)
	}
	h, err := f.e.History(ctx, f.admin, "tags", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range h {
		got = append(got, c.Action+":"+c.Field)
	}
	if want := []string{"create:", "update:name", "update:description"}; !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	if h[1].OldValue != "Alpha" || h[1].NewValue != "Beta" || h[1].ChangedBy != f.admin.UserID {
		t.Fatalf("name change recorded as %+v", h[1])
	}
	cur, _ := f.e.Get(ctx, f.admin, "tags", r.ID, records.GetOptions{})
	if cur.Values["name"] != "Beta" || cur.Version != 2 {
		t.Fatalf("after refused writes the record is %v v%d", cur.Values["name"], cur.Version)
	}
	// Trash: gone from the list, back after restore, purged after 30 days.
	if err := f.e.Delete(ctx, f.admin, "tags", r.ID, stale); !errs.Is(err, errs.PreconditionFailed) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := f.e.Delete(ctx, f.admin, "tags", r.ID, cur.ETag()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Get(ctx, f.admin, "tags", r.ID, records.GetOptions{}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("deleted record still readable: %v", err)
	}
	tr, err := f.e.Trash(ctx, f.admin, "tags", records.ListQuery{Limit: 10})
	if err != nil || len(tr.Records) != 1 {
		t.Fatalf("trash holds %d records, %v", len(tr.Records), err)
	}
	// Restoring honours If-Match: the ETag of the record as it is in the
	// trash, not the one it had before it was deleted.
	if _, err := f.e.Restore(ctx, f.admin, "tags", r.ID, cur.ETag()); !errs.Is(err, errs.PreconditionFailed) {
		t.Fatalf("stale restore: %v", err)
	}
	if _, err := f.e.Restore(ctx, f.admin, "tags", r.ID, tr.Records[0].ETag()); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Delete(ctx, f.admin, "tags", r.ID, ""); err != nil {
		t.Fatal(err)
	}
	if res, err := f.e.PurgeTrash(ctx, f.clock.Add(-time.Hour)); err != nil || res.Purged != 0 {
		t.Fatalf("purge of recent trash removed %+v, %v", res, err)
	}
	if res, err := f.e.PurgeTrash(ctx, f.clock.Add(31*24*time.Hour)); err != nil || res.Purged != 1 {
		t.Fatalf("purge after 30 days removed %+v, %v", res, err)
	}
	if _, err := f.e.Get(ctx, f.admin, "tags", r.ID, records.GetOptions{IncludeDeleted: true}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("purged record still there: %v", err)
	}
}
