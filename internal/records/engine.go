package records

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Engine serves every registered object from its description.
type Engine struct {
	DB  *db.DB
	Now func() time.Time
	// OnPurge, when set, is told of each record deleted for good by hand
	// (Purge), after its transaction committed: for the audit log.
	OnPurge func(ctx context.Context, p *auth.Principal, object, id string)
	// LinksAhead bounds the links of one link field that StreamRows reads
	// ahead on SQLite instead of looking them up record by record: 0 is
	// 200,000, a negative number never.
	LinksAhead int

	mu      sync.RWMutex
	objects map[string]*Object
	order   []*Object
}

// New returns an engine on d; now is the clock (time.Now in production).
func New(d *db.DB, now func() time.Time) *Engine {
	if now == nil {
		now = time.Now
	}
	return &Engine{DB: d, Now: now, objects: map[string]*Object{}}
}

// Register adds an object. It panics on a duplicate name or a field
// without a column, since both are programming errors found at start.
func (e *Engine) Register(o *Object) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.objects[o.Name]; dup {
		panic("records: object registered twice: " + o.Name)
	}
	for _, f := range o.Fields {
		if (f.Column == "" && f.Type != RefList) || !f.Type.Known() || (f.Type == RefList && (f.Link == nil || f.Target == "")) {
			panic("records: bad field " + o.Name + "." + f.Name)
		}
	}
	e.objects[o.Name] = o
	e.order = append(e.order, o)
}

// Object returns the registered object named name.
func (e *Engine) Object(name string) (*Object, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	o, ok := e.objects[name]
	if !ok {
		return nil, errs.ErrNotFound
	}
	return o, nil
}

// Objects returns the registered objects in registration order.
func (e *Engine) Objects() []*Object {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.order)
}

// Fields returns every field of o in workspace ws: its own, the system
// fields and the workspace's custom fields.
func (e *Engine) Fields(ctx context.Context, q db.Querier, ws string, o *Object) ([]Field, error) {
	fields := make([]Field, 0, len(o.Fields)+len(systemFields)+4)
	fields = append(fields, o.Fields...)
	if o.Customizable {
		cf, err := e.customFields(ctx, q, ws, o.Name)
		if err != nil {
			return nil, err
		}
		fields = append(fields, cf...)
	}
	fields = append(fields, systemFields...)
	return fields, nil
}

func fieldByName(fields []Field, name string) (*Field, bool) {
	for i := range fields {
		if fields[i].Name == name {
			return &fields[i], true
		}
	}
	return nil, false
}

const recordCols = "id, owner_id, created_at, created_by, updated_at, updated_by, deleted_at, deleted_by, version, custom"

func selectList(fields []Field) string {
	var b strings.Builder
	b.WriteString(recordCols)
	for i := range fields {
		f := &fields[i]
		if !f.stored() {
			continue
		}
		for _, c := range f.columns() {
			b.WriteString(", ")
			b.WriteString(c)
		}
	}
	return b.String()
}

type scanner interface{ Scan(dest ...any) error }

func scanRecord(o *Object, fields []Field, row scanner) (*Record, error) {
	var (
		id, owner, createdBy, updatedBy, deletedBy any
		createdAt, updatedAt, deletedAt            db.Time
		version                                    int64
		custom                                     any
	)
	dest := []any{&id, &owner, &createdAt, &createdBy, &updatedAt, &updatedBy, &deletedAt, &deletedBy, &version, &custom}
	type slot struct {
		f    *Field
		vals []any
	}
	var slots []slot
	for i := range fields {
		f := &fields[i]
		if !f.stored() {
			continue
		}
		s := slot{f: f, vals: make([]any, len(f.columns()))}
		for j := range s.vals {
			dest = append(dest, &s.vals[j])
		}
		slots = append(slots, s)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, db.MapError(err)
	}
	r := &Record{Object: o.Name, ID: db.IDText(id), OwnerID: db.IDText(owner), CreatedAt: createdAt.Time, CreatedBy: db.IDText(createdBy),
		UpdatedAt: updatedAt.Time, UpdatedBy: db.IDText(updatedBy), DeletedBy: db.IDText(deletedBy), Version: version}
	if !deletedAt.IsZero() {
		t := deletedAt.Time
		r.DeletedAt = &t
	}
	cv, err := decodeCustom(fields, custom)
	if err != nil {
		return nil, err
	}
	r.Values = make(map[string]any, len(slots)+len(cv)+6)
	for k, v := range cv {
		r.Values[k] = v
	}
	for _, s := range slots {
		if s.f.Type == Money {
			if s.vals[0] == nil {
				continue
			}
			a, err := scanValue(&Field{Name: s.f.Name, Type: Decimal}, s.vals[0])
			if err != nil {
				return nil, err
			}
			c, _ := scanValue(&Field{Name: s.f.Name, Type: Text}, s.vals[1])
			cs, _ := c.(string)
			r.Values[s.f.Name] = MoneyValue{Amount: a.(string), Currency: cs}
			continue
		}
		v, err := scanValue(s.f, s.vals[0])
		if err != nil {
			return nil, err
		}
		if v != nil {
			r.Values[s.f.Name] = v
		}
	}
	r.setSystemValues()
	r.fields = fields
	return r, nil
}

// setSystemValues mirrors the record's system attributes into Values so
// that filters, sorting, history and rendering treat them as fields.
func (r *Record) setSystemValues() {
	set := func(k, v string) {
		if v == "" {
			delete(r.Values, k)
		} else {
			r.Values[k] = v
		}
	}
	set("owner_id", r.OwnerID)
	set("created_by", r.CreatedBy)
	set("updated_by", r.UpdatedBy)
	r.Values["created_at"] = FormatTime(r.CreatedAt)
	r.Values["updated_at"] = FormatTime(r.UpdatedAt)
}

func validID(id string) bool {
	if len(id) != 36 {
		return false
	}
	_, err := uuid.Parse(id)
	return err == nil
}

// GetOptions tune a read.
type GetOptions struct {
	IncludeDeleted bool
}

// Get returns one record. It answers not_found for a record of another
// workspace, outside the caller's scope, or in the trash, and forbidden
// when the caller may not read the object at all.
func (e *Engine) Get(ctx context.Context, p *auth.Principal, object, id string, opts GetOptions) (*Record, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	if !p.Can(o.Name, auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read %s.", o.Name)
	}
	fields, err := e.Fields(ctx, e.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	r, err := e.load(ctx, e.DB, o, fields, p.WorkspaceID, id, false)
	if err != nil {
		return nil, err
	}
	if (r.DeletedAt != nil && !opts.IncludeDeleted) || !p.Reaches(o.Name, r.OwnerID) {
		return nil, errs.ErrNotFound
	}
	return r, nil
}

// GetTx is Get on q (a transaction, to see what it wrote): one live
// record the caller may read, not_found otherwise.
func (e *Engine) GetTx(ctx context.Context, q db.Querier, p *auth.Principal, object, id string) (*Record, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	if !p.Can(o.Name, auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read %s.", o.Name)
	}
	fields, err := e.Fields(ctx, q, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	r, err := e.load(ctx, q, o, fields, p.WorkspaceID, id, false)
	if err != nil {
		return nil, err
	}
	if r.DeletedAt != nil || !p.Reaches(o.Name, r.OwnerID) {
		return nil, errs.ErrNotFound
	}
	return r, nil
}

func (e *Engine) load(ctx context.Context, q db.Querier, o *Object, fields []Field, ws, id string, forUpdate bool) (*Record, error) {
	if !validID(id) {
		return nil, errs.ErrNotFound
	}
	query := "SELECT " + selectList(fields) + " FROM " + o.Table + " WHERE workspace_id = ? AND id = ?"
	if forUpdate && e.DB.Dialect == db.Postgres {
		query += " FOR UPDATE"
	}
	r, err := scanRecord(o, fields, q.QueryRow(ctx, query, ws, id))
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.ErrNotFound
		}
		return nil, fmt.Errorf("load %s %s: %w", o.Name, id, err)
	}
	if err := loadLinks(ctx, q, fields, ws, []*Record{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// Page is one page of a list.
type Page struct {
	Records    []*Record
	NextCursor string
	Fields     []Field
}

// List returns one page of the object's live records that the caller
// reaches, filtered and sorted as asked.
func (e *Engine) List(ctx context.Context, p *auth.Principal, object string, q ListQuery) (*Page, error) {
	return e.list(ctx, p, object, q, false, nil, 0)
}

// streams bounds the Streams running at once: each holds a read
// connection for its whole length and takes another for the links of
// each batch, so a few must leave the pool room.
var streams = make(chan struct{}, 2)

// Stream reads every live record of object that q selects (its cursor and
// limit ignored), as List would page through them, in one query, and
// hands them to each in batches of up to batch records with their links
// loaded. The records of a batch are only valid during the call. It is
// for exports: one query instead of a page query per batch; at most two
// run at once, the others wait.
func (e *Engine) Stream(ctx context.Context, p *auth.Principal, object string, q ListQuery, batch int, each func(fields []Field, recs []*Record) error) error {
	select {
	case streams <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-streams }()
	q.Cursor = ""
	if batch <= 0 {
		batch = MaxLimit
	}
	_, err := e.list(ctx, p, object, q, false, each, batch)
	return err
}

// Trash lists the object's records in the trash, newest deletion first.
func (e *Engine) Trash(ctx context.Context, p *auth.Principal, object string, q ListQuery) (*Page, error) {
	if q.Sort == "" {
		q.Sort = "-deleted_at"
	}
	return e.list(ctx, p, object, q, true, nil, 0)
}

// listPlan is what a list query is made of: the object's fields, the
// conditions (workspace, trash, scope, filters, search) and the order.
type listPlan struct {
	o        *Object
	fields   []Field
	where    []string
	args     []any
	sortName string
	sf       *Field
	se       string // the sort expression
	desc     bool
	notNull  bool // the sort expression is never NULL
}

// orderBy is the plan's ORDER BY clause, without the keywords.
func (pl *listPlan) orderBy() string {
	dir := "ASC"
	nulls := "(" + pl.se + " IS NULL) ASC, "
	if pl.desc {
		dir = "DESC"
		nulls = "(" + pl.se + " IS NULL) DESC, "
	}
	if pl.notNull {
		nulls = ""
	}
	return nulls + pl.se + " " + dir + ", id " + dir
}

// plan checks a list query and builds its conditions and order.
func (e *Engine) plan(ctx context.Context, p *auth.Principal, object string, q ListQuery, trashed bool) (*listPlan, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	if !p.Can(o.Name, auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read %s.", o.Name)
	}
	fields, err := e.Fields(ctx, e.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	if trashed {
		fields = append(fields, Field{Name: "deleted_at", Type: DateTime, Column: "deleted_at", System: true, ReadOnly: true, LabelKey: "field.deleted"})
	}
	d := e.DB.Dialect
	where, args, fe := e.whereSQL(p, o, fields, q, trashed)
	sortName := q.Sort
	if sortName == "" {
		sortName = o.DefaultSort
		if sortName == "" {
			sortName = "-created_at"
		}
	}
	desc := strings.HasPrefix(sortName, "-")
	sf, ok := fieldByName(fields, strings.TrimPrefix(sortName, "-"))
	if !ok || sf.Type.listType() {
		fe = append(fe, errs.FieldError{Location: "query.sort", Message: fmt.Sprintf("names no sortable field of %s", o.Name)})
	}
	for _, s := range q.Fields {
		// As on a single record: a misspelt field is an error, not a
		// silently missing column.
		if _, ok := fieldByName(fields, s); !ok && s != "id" && s != "version" {
			fe = append(fe, errs.FieldError{Location: "query.fields", Message: "names no field of " + o.Name + ": " + s})
		}
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	se := valueExpr(d, sf)
	if sf.Type == Text || sf.Type == Email || sf.Type == Select {
		// Case-insensitive order users expect; the same expression is used
		// for the cursor comparison so pages never overlap.
		se = "lower(" + se + ")"
	}
	// Standard required fields and timestamps are never NULL, so their
	// order needs no NULL handling and an index on the column serves it.
	notNull := (!sf.Custom && (sf.Required || sf.NotNull)) || sf.Name == "created_at" || sf.Name == "updated_at" || sf.Name == "deleted_at"
	return &listPlan{o: o, fields: fields, where: where, args: args, sortName: sortName, sf: sf, se: se, desc: desc, notNull: notNull}, nil
}

func (e *Engine) list(ctx context.Context, p *auth.Principal, object string, q ListQuery, trashed bool, each func([]Field, []*Record) error, batch int) (*Page, error) {
	pl, err := e.plan(ctx, p, object, q, trashed)
	if err != nil {
		return nil, err
	}
	o, fields, where, args, sortName, sf, se, desc, notNull := pl.o, pl.fields, pl.where, pl.args, pl.sortName, pl.sf, pl.se, pl.desc, pl.notNull
	d := e.DB.Dialect
	sel := selectList(fields)
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor, sortName, sf)
		if err != nil {
			return nil, err
		}
		cmp := ">"
		if desc {
			cmp = "<"
		}
		var cv any = c.Value
		if n, ok := cv.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				cv = i
			} else if f, err := n.Float64(); err == nil {
				cv = f
			}
		}
		if sf.Type == Boolean && d == db.Postgres {
			if b, ok := cv.(int64); ok {
				cv = b != 0
			}
		}
		after := "(" + se + " " + cmp + " ? OR (" + se + " = ? AND id " + cmp + " ?))"
		switch {
		case notNull:
			where = append(where, after)
			args = append(args, cv, cv, c.ID)
		case c.Null && !desc:
			where = append(where, "("+se+" IS NULL AND id "+cmp+" ?)")
			args = append(args, c.ID)
		case c.Null && desc:
			where = append(where, "(("+se+" IS NULL AND id "+cmp+" ?) OR "+se+" IS NOT NULL)")
			args = append(args, c.ID)
		case !desc:
			where = append(where, "(("+se+" IS NOT NULL AND "+after+") OR "+se+" IS NULL)")
			args = append(args, cv, cv, c.ID)
		default:
			where = append(where, "("+se+" IS NOT NULL AND "+after+")")
			args = append(args, cv, cv, c.ID)
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	query := "SELECT " + sel + ", " + se + " FROM " + o.Table + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + pl.orderBy()
	if each == nil {
		query += fmt.Sprintf(" LIMIT %d", limit+1)
	}
	if trashed {
		// deleted_at is already among the record columns.
		_ = query
	}
	rows, err := e.DB.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", o.Name, err)
	}
	defer rows.Close()
	page := &Page{Fields: fields}
	var lastSort any
	for rows.Next() {
		var sv any
		r, err := scanRecord(o, fields, scanPlus{rows, &sv})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", o.Name, err)
		}
		if trashed && r.DeletedAt != nil {
			r.Values["deleted_at"] = FormatTime(*r.DeletedAt)
		}
		if each != nil {
			page.Records = append(page.Records, r)
			if len(page.Records) == batch {
				if err := loadLinks(ctx, e.DB, fields, p.WorkspaceID, page.Records); err != nil {
					return nil, err
				}
				if err := each(fields, page.Records); err != nil {
					return nil, err
				}
				page.Records = page.Records[:0]
			}
			continue
		}
		if len(page.Records) == limit {
			page.NextCursor = encodeCursor(cursor{Sort: sortName, Value: lastSort, Null: lastSort == nil, ID: page.Records[limit-1].ID})
			break
		}
		page.Records = append(page.Records, r)
		if b, ok := sv.([]byte); ok {
			sv = string(b)
		}
		if t, ok := sv.(time.Time); ok {
			sv = db.T(t)
		}
		if b, ok := sv.(bool); ok {
			if b {
				sv = int64(1)
			} else {
				sv = int64(0)
			}
		}
		lastSort = sv
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", o.Name, db.MapError(err))
	}
	rows.Close()
	if err := loadLinks(ctx, e.DB, fields, p.WorkspaceID, page.Records); err != nil {
		return nil, err
	}
	if each != nil && len(page.Records) > 0 {
		if err := each(fields, page.Records); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// whereSQL builds the conditions of a list query: workspace, trash,
// the caller's record scope, filters and the title search.
func (e *Engine) whereSQL(p *auth.Principal, o *Object, fields []Field, q ListQuery, trashed bool) ([]string, []any, []errs.FieldError) {
	d := e.DB.Dialect
	var where []string
	args := []any{p.WorkspaceID}
	where = append(where, "workspace_id = ?")
	if trashed {
		where = append(where, "deleted_at IS NOT NULL")
	} else {
		where = append(where, "deleted_at IS NULL")
	}
	if cond, cargs := ScopeSQL(p, o.Name); cond != "" {
		where = append(where, cond)
		args = append(args, cargs...)
	}
	var fe []errs.FieldError
	for _, flt := range q.Filters {
		loc := "query.filter[" + flt.Field + "][" + string(flt.Op) + "]"
		f, ok := fieldByName(fields, flt.Field)
		if !ok {
			if flt.Field == "id" && (flt.Op == OpEq || flt.Op == OpIn) {
				ids := strings.Split(flt.Value, ",")
				if flt.Op == OpEq {
					ids = []string{flt.Value}
				}
				for _, id := range ids {
					if !validID(id) {
						fe = append(fe, errs.FieldError{Location: loc, Message: "must be record ids"})
					}
				}
				where = append(where, "id IN ("+placeholders(len(ids))+")")
				for _, id := range ids {
					args = append(args, id)
				}
				continue
			}
			fe = append(fe, errs.FieldError{Location: loc, Message: fmt.Sprintf("names no field of %s", o.Name)})
			continue
		}
		var sqlw string
		var a []any
		var msg string
		if f.Type == EmailList || f.Type == PhoneList || f.Type == RefList {
			sqlw, a, msg = listFilterSQL(d, f, flt, p.WorkspaceID)
		} else {
			sqlw, a, msg = filterSQL(d, f, flt)
		}
		if msg != "" {
			fe = append(fe, errs.FieldError{Location: loc, Message: msg})
			continue
		}
		where = append(where, sqlw)
		args = append(args, a...)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		if tf, ok := fieldByName(fields, o.TitleField); ok {
			where = append(where, ilike(d, valueExpr(d, tf)))
			args = append(args, likePattern(s))
		}
	}
	return where, args, fe
}

// scanPlus scans a record row followed by one extra column.
type scanPlus struct {
	s     scanner
	extra *any
}

func (sp scanPlus) Scan(dest ...any) error { return sp.s.Scan(append(dest, sp.extra)...) }

func placeholders(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// filterSQL builds the condition of one filter, or says why it is bad.
func filterSQL(d db.Dialect, f *Field, flt Filter) (string, []any, string) {
	e := valueExpr(d, f)
	if flt.Op == OpEmpty {
		switch strings.ToLower(flt.Value) {
		case "true", "1", "yes", "":
			return emptyExpr(d, f), nil, ""
		case "false", "0", "no":
			return "NOT " + emptyExpr(d, f), nil, ""
		}
		return "", nil, "must be true or false"
	}
	if f.Type == MultiSelect {
		switch flt.Op {
		case OpContains, OpEq:
			if _, ok := f.Option(flt.Value); !ok {
				return "", nil, "must be one of: " + f.optionList()
			}
			return hasOption(d, f), []any{flt.Value}, ""
		case OpIn:
			vals := splitList(flt.Value)
			var conds []string
			var args []any
			for _, v := range vals {
				if _, ok := f.Option(v); !ok {
					return "", nil, fmt.Sprintf("has %q, which is not one of: %s", v, f.optionList())
				}
				conds = append(conds, hasOption(d, f))
				args = append(args, v)
			}
			return "(" + strings.Join(conds, " OR ") + ")", args, ""
		}
		return "", nil, "multi-select fields take contains, in or empty"
	}
	textual := f.Type == Text || f.Type == LongText || f.Type == Email || f.Type == Phone || f.Type == URL
	if flt.Op == OpContains {
		if !textual && f.Type != Select {
			return "", nil, "contains works on text fields only"
		}
		if len(flt.Value) > 500 {
			return "", nil, "must be at most 500 characters"
		}
		return ilike(d, e), []any{likePattern(flt.Value)}, ""
	}
	norm := func(s string) (any, string) {
		if textual {
			// Filters compare what users typed; don't reject partial
			// e-mails or phones, but do reject invalid text.
			if len(s) > 500 {
				return nil, "must be at most 500 characters"
			}
			ff := Field{Name: f.Name, Type: Text, MaxLen: 500}
			v, msg := ff.Normalize(s)
			if v == nil && msg == "" {
				return "", ""
			}
			return v, msg
		}
		if f.Type == Money {
			ff := Field{Type: Decimal}
			return ff.Normalize(s)
		}
		v, msg := f.Normalize(s)
		if v == nil && msg == "" {
			return nil, "must not be empty (use [empty] to find empty values)"
		}
		return v, msg
	}
	if f.Type == Text || f.Type == Email {
		e = "lower(" + e + ")"
	}
	lowerArg := func(v any) any {
		if s, ok := v.(string); ok && (f.Type == Text || f.Type == Email) {
			return strings.ToLower(s)
		}
		return v
	}
	if flt.Op == OpIn {
		vals := splitList(flt.Value)
		if len(vals) == 0 || len(vals) > 500 {
			return "", nil, "must list 1 to 500 comma-separated values"
		}
		args := make([]any, 0, len(vals))
		for _, s := range vals {
			v, msg := norm(s)
			if msg != "" {
				return "", nil, msg
			}
			args = append(args, lowerArg(sqlArg(d, f, v)))
		}
		return e + " IN (" + placeholders(len(args)) + ")", args, ""
	}
	v, msg := norm(flt.Value)
	if msg != "" {
		return "", nil, msg
	}
	arg := lowerArg(sqlArg(d, f, v))
	switch flt.Op {
	case OpEq:
		return e + " = ?", []any{arg}, ""
	case OpNe:
		return "(" + e + " <> ? OR " + e + " IS NULL)", []any{arg}, ""
	case OpLt:
		return e + " < ?", []any{arg}, ""
	case OpLte:
		return e + " <= ?", []any{arg}, ""
	case OpGt:
		return e + " > ?", []any{arg}, ""
	case OpGte:
		return e + " >= ?", []any{arg}, ""
	}
	return "", nil, "has an unknown operator"
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ScopeSQL returns the condition (on the object's owner_id column) that
// limits rows to the records the caller reaches, and its arguments; an
// empty condition when the caller reaches every record.
func ScopeSQL(p *auth.Principal, object string) (string, []any) {
	switch p.Perm(object).Scope {
	case auth.ScopeOwn:
		return "owner_id = ?", []any{p.UserID}
	case auth.ScopeTeam:
		ids := p.TeamUserIDs
		if len(ids) == 0 {
			ids = []string{p.UserID}
		}
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		return "owner_id IN (" + placeholders(len(ids)) + ")", args
	}
	return "", nil
}

// AllTitles returns the title of every live record of object that p may
// read, by id, as Titles gives them, in one pass over the table; false
// when there are more than max, or none may be read. An export that
// names most of a table's records (the accounts of a million contacts)
// reads their titles this way, instead of by id.
func (e *Engine) AllTitles(ctx context.Context, p *auth.Principal, object string, max int) (map[string]string, bool, error) {
	q, args, name, ok, err := e.titleQuery(ctx, p, object)
	if !ok || err != nil {
		return nil, false, err
	}
	out := map[string]string{}
	if ok, err := e.readTitles(ctx, name, q+" LIMIT ?", append(args, max+1), out, max); !ok || err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// titleQuery returns the SELECT of the id and title of object's live
// records in p's workspace and reach, to which conditions may be added
// with AND, and its arguments; false when p may read none of them or
// the object has no title field.
func (e *Engine) titleQuery(ctx context.Context, p *auth.Principal, object string) (string, []any, string, bool, error) {
	o, err := e.Object(object)
	if err != nil || !p.Can(o.Name, auth.ActRead) {
		return "", nil, "", false, nil
	}
	fields, err := e.Fields(ctx, e.DB, p.WorkspaceID, o)
	if err != nil {
		return "", nil, "", false, err
	}
	tf, ok := fieldByName(fields, o.TitleField)
	if !ok {
		return "", nil, "", false, nil
	}
	q := "SELECT id, " + valueExpr(e.DB.Dialect, tf) + " FROM " + o.Table + " WHERE workspace_id = ? AND deleted_at IS NULL"
	args := []any{p.WorkspaceID}
	if scope, sargs := ScopeSQL(p, o.Name); scope != "" {
		q += " AND " + scope
		args = append(args, sargs...)
	}
	return q, args, o.Name, true, nil
}

// readTitles adds the titles q reads to out; false, and out left part
// filled, when there are more than max (0: no bound).
func (e *Engine) readTitles(ctx context.Context, object, q string, args []any, out map[string]string, max int) (bool, error) {
	rows, err := e.DB.Query(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("titles of %s: %w", object, err)
	}
	defer rows.Close()
	for n := 0; rows.Next(); n++ {
		if max > 0 && n == max {
			return false, nil
		}
		var id, title any
		if err := rows.Scan(&id, &title); err != nil {
			return false, fmt.Errorf("titles of %s: %w", object, err)
		}
		putTitle(out, id, title)
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("titles of %s: %w", object, err)
	}
	return true, nil
}

// putTitle sets the title of the record a row of id and title names: its
// id when the title is empty.
func putTitle(out map[string]string, id, title any) {
	s := db.IDText(id)
	switch t := title.(type) {
	case string:
		out[s] = t
	case []byte:
		out[s] = string(t)
	}
	if out[s] == "" {
		out[s] = s
	}
}

// Titles returns the title of each live record of object among ids that
// p may read, by id; ids out of reach, gone or malformed are absent. It
// reads only the id and the title column, in chunks of 500, so a page that
// names thousands of records costs a few index look-ups, not their rows.
func (e *Engine) Titles(ctx context.Context, p *auth.Principal, object string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, name, ok, err := e.titleQuery(ctx, p, object)
	if !ok || err != nil {
		return out, err
	}
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, err := uuid.Parse(id); err == nil {
			valid = append(valid, id)
		}
	}
	for start := 0; start < len(valid); start += 500 {
		chunk := valid[start:min(start+500, len(valid))]
		cargs := slices.Clone(args)
		for _, id := range chunk {
			cargs = append(cargs, id)
		}
		if _, err := e.readTitles(ctx, name, q+" AND id IN ("+placeholders(len(chunk))+")", cargs, out, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Scan calls fn with the live records of object in workspace ws, in
// pages of at most batch records in id order, read through q (a
// transaction, to see its writes). It is for work over a whole
// workspace that no principal asks for, such as rebuilding search terms
// after a workspace is restored; fn may write through q between pages.
func (e *Engine) Scan(ctx context.Context, q db.Querier, ws, object string, batch int, fn func([]*Record) error) error {
	o, err := e.Object(object)
	if err != nil {
		return err
	}
	fields, err := e.Fields(ctx, q, ws, o)
	if err != nil {
		return err
	}
	if batch <= 0 {
		batch = 500
	}
	query := "SELECT " + selectList(fields) + " FROM " + o.Table + " WHERE workspace_id = ? AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?"
	// Ids are UUIDs on PostgreSQL: the first page starts after the
	// smallest one rather than after an empty string.
	after := "00000000-0000-0000-0000-000000000000"
	for {
		rows, err := q.Query(ctx, query, ws, after, batch)
		if err != nil {
			return fmt.Errorf("scan %s: %w", object, err)
		}
		var recs []*Record
		for rows.Next() {
			r, err := scanRecord(o, fields, rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("scan %s: %w", object, err)
			}
			recs = append(recs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("scan %s: %w", object, err)
		}
		if len(recs) == 0 {
			return nil
		}
		if err := loadLinks(ctx, q, fields, ws, recs); err != nil {
			return err
		}
		if err := fn(recs); err != nil {
			return err
		}
		if len(recs) < batch {
			return nil
		}
		after = recs[len(recs)-1].ID
	}
}

// RefIDs lists, by target object, the ids that the Reference and RefList
// fields of recs name (repeats included), to read their titles at once.
func RefIDs(fields []Field, recs []*Record) map[string][]string {
	want := map[string][]string{}
	for i := range fields {
		f := &fields[i]
		if f.Type != Reference && f.Type != RefList {
			continue
		}
		for _, r := range recs {
			switch v := r.Values[f.Name].(type) {
			case string:
				want[f.Target] = append(want[f.Target], v)
			case []string:
				want[f.Target] = append(want[f.Target], v...)
			}
		}
	}
	return want
}
