package records

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// valCache holds what validation looks up that is the same for many
// records written by one caller: the fields, the workspace's region, and
// the ids of users and records known to exist. A nil *valCache knows
// nothing and remembers nothing.
type valCache struct {
	fields []Field
	region string
	known  map[string]map[string]bool // object (or "users") → id
	phones *phoneMemo
}

func (vc *valCache) knows(object, id string) bool {
	return vc != nil && vc.known[object][id]
}

func (vc *valCache) remember(object, id string) {
	if vc == nil {
		return
	}
	m := vc.known[object]
	if m == nil {
		m = map[string]bool{}
		vc.known[object] = m
	}
	if len(m) < maxKnown {
		m[id] = true
	}
}

// maxKnown bounds how many ids of one object a Writer remembers.
const maxKnown = 200_000

// Writer writes many records of one object on behalf of one caller, as
// imports do. Every record goes through the same validation, hooks and
// history as Create and Update; what differs is that the Writer looks
// up once what is the same for all of them (fields, region, users and
// referenced records already checked), and that creates are staged and
// inserted together at Flush with multi-row statements, their
// AfterCreateBatch hook called once for all of them.
//
// A Writer is used by one goroutine. Staged records belong to the
// transaction they were staged in: call Flush before committing it, and
// Reset after rolling it back.
type Writer struct {
	e      *Engine
	p      *auth.Principal
	o      *Object
	origin string
	vc     *valCache
	staged []*Record
	// stagedUnique holds the lowercased values of unique fields of staged
	// records, which the database cannot see yet.
	stagedUnique map[string]map[string]bool
}

// NewWriter returns a Writer for object; origin marks its history
// entries ("import:<id>"). The permissions are checked per operation.
func (e *Engine) NewWriter(ctx context.Context, q db.Querier, p *auth.Principal, object, origin string) (*Writer, error) {
	o, err := e.Object(object)
	if err != nil {
		return nil, err
	}
	fields, err := e.Fields(ctx, q, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	region := workspaceRegion(ctx, q, p.WorkspaceID)
	vc := &valCache{fields: fields, region: region, known: map[string]map[string]bool{}, phones: &phoneMemo{region: region, seen: map[string]string{}}}
	return &Writer{e: e, p: p, o: o, origin: origin, vc: vc, stagedUnique: map[string]map[string]bool{}}, nil
}

// Object returns the object the Writer writes.
func (w *Writer) Object() *Object { return w.o }

// Fields returns the object's fields (custom ones included) as the
// Writer validates them.
func (w *Writer) Fields() []Field { return w.vc.fields }

// Region returns the workspace's region, in which phone numbers are read.
func (w *Writer) Region() string { return w.vc.region }

// Field returns the field named name as the Writer validates it (phone
// numbers read in the workspace's region, and remembered, so a value
// normalised here and then written is parsed once).
func (w *Writer) Field(name string) (Field, bool) {
	f, ok := fieldByName(w.vc.fields, name)
	if !ok {
		return Field{}, false
	}
	c := *f
	c.region, c.phones = w.vc.region, w.vc.phones
	return c, true
}

// Known tells the Writer that a record of object (or a user, for
// "users") exists in the workspace, so a reference to it needs no look-up.
func (w *Writer) Known(object, id string) { w.vc.remember(object, id) }

// Staged returns how many creates wait for Flush.
func (w *Writer) Staged() int { return len(w.staged) }

// Create validates in as Create does and stages the new record for
// Flush. The record it returns has its id; it is in the database only
// after Flush.
func (w *Writer) Create(ctx context.Context, tx *db.Tx, in Input) (*Record, error) {
	if !w.p.Can(w.o.Name, auth.ActCreate) {
		return nil, errs.E(errs.Forbidden, "You may not create %s.", w.o.Name)
	}
	r, err := w.e.prepareCreate(ctx, tx, w.p, w.o, w.vc.fields, in, w.vc)
	if err != nil {
		return nil, err
	}
	var fe []errs.FieldError
	for i := range w.vc.fields {
		f := &w.vc.fields[i]
		if !f.Unique || f.Custom {
			continue
		}
		s, ok := r.Values[f.Name].(string)
		if !ok || s == "" {
			continue
		}
		if w.stagedUnique[f.Name][strings.ToLower(s)] {
			fe = append(fe, errs.FieldError{Location: "body." + f.Name, Message: "is already used by another record"})
		}
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	for i := range w.vc.fields {
		f := &w.vc.fields[i]
		if s, ok := r.Values[f.Name].(string); ok && f.Unique && !f.Custom && s != "" {
			m := w.stagedUnique[f.Name]
			if m == nil {
				m = map[string]bool{}
				w.stagedUnique[f.Name] = m
			}
			m[strings.ToLower(s)] = true
		}
	}
	w.staged = append(w.staged, r)
	return r, nil
}

// Update applies in to the record id at once, as UpdateTx does, with the
// history marked by the Writer's origin. It returns the record as it is
// now and whether anything changed.
func (w *Writer) Update(ctx context.Context, tx *db.Tx, id string, in Input) (*Record, bool, error) {
	if !w.p.Can(w.o.Name, auth.ActUpdate) {
		return nil, false, errs.E(errs.Forbidden, "You may not change %s.", w.o.Name)
	}
	return w.e.update(ctx, tx, w.p, w.o, id, "", in, w.origin, w.vc)
}

// Truncate drops the records staged after the first n (n from Staged),
// as when the row that staged them turns out to be refused.
func (w *Writer) Truncate(n int) {
	if n >= len(w.staged) {
		return
	}
	for _, r := range w.staged[n:] {
		for name, m := range w.stagedUnique {
			if s, ok := r.Values[name].(string); ok {
				delete(m, strings.ToLower(s))
			}
		}
	}
	clear(w.staged[n:])
	w.staged = w.staged[:n]
}

// Reset drops the staged records, after their transaction rolled back.
func (w *Writer) Reset() {
	w.staged = w.staged[:0]
	clear(w.stagedUnique)
}

// maxParams is how many arguments one statement takes: SQLite allows
// 32,766 and PostgreSQL 65,535.
const maxParams = 30000

// rowsPerInsert is how many rows one multi-row INSERT holds at most.
const rowsPerInsert = 500

// Flush inserts the staged records, their links and their history rows
// with multi-row statements, then runs the object's AfterCreateBatch
// hook (or AfterCreate for each record). The records are then in the
// transaction like records made by CreateTx.
func (w *Writer) Flush(ctx context.Context, tx *db.Tx) error {
	if len(w.staged) == 0 {
		return nil
	}
	recs := w.staged
	defer w.Reset()
	p, o, fields := w.p, w.o, w.vc.fields
	var cols []string
	rows := make([][]any, len(recs))
	for i, r := range recs {
		cols, rows[i] = w.e.insertRow(p, fields, r)
	}
	if err := insertRows(ctx, tx, o.Table, cols, rows); err != nil {
		return uniqueError(o, fields, fmt.Errorf("create %s: %w", o.Name, err))
	}
	for i := range fields {
		f := &fields[i]
		if f.Type != RefList {
			continue
		}
		var links [][]any
		for _, r := range recs {
			ids, _ := r.Values[f.Name].([]string)
			for _, t := range ids {
				links = append(links, []any{p.WorkspaceID, r.ID, t})
			}
		}
		if err := insertRows(ctx, tx, f.Link.Table, []string{"workspace_id", f.Link.From, f.Link.To}, links); err != nil {
			return fmt.Errorf("link %s: %w", f.Name, err)
		}
	}
	hist := make([][]any, len(recs))
	for i, r := range recs {
		hist[i] = changeRow(p, o.Name, r.ID, uuid.Must(uuid.NewV7()).String(), "create", "", nil, snapshot(fields, r.Values), r.CreatedAt, w.origin)
	}
	if err := insertRows(ctx, tx, "record_changes", changeCols, hist); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	if o.Hooks.AfterCreateBatch != nil {
		return o.Hooks.AfterCreateBatch(ctx, tx, p, recs)
	}
	if o.Hooks.AfterCreate != nil {
		for _, r := range recs {
			if err := o.Hooks.AfterCreate(ctx, tx, p, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// InsertRows inserts rows into table with multi-row INSERT statements,
// as many rows per statement as the databases' argument limits allow.
// suffix ends each statement ("ON CONFLICT DO NOTHING", or ""). Outside
// a savepoint, a failed insert ends the whole transaction (see
// db.Tx.BulkInsert): the caller rolls it back.
func InsertRows(ctx context.Context, tx *db.Tx, table string, cols []string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	// Statements of a fixed number of rows, prepared once per
	// transaction: the database parses each shape once, however many
	// chunks of rows go through it.
	per := max(1, min(rowsPerInsert, maxParams/len(cols)))
	row := "(" + placeholders(len(cols)) + ")"
	head := tx.BulkInsert() + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	args := make([]any, 0, min(len(rows), per)*len(cols))
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		args = args[:0]
		for _, r := range rows[start:end] {
			args = append(args, r...)
		}
		q := head + strings.TrimSuffix(strings.Repeat(row+",", end-start), ",")
		if suffix != "" {
			q += " " + suffix
		}
		if _, err := tx.ExecPrepared(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

func insertRows(ctx context.Context, tx *db.Tx, table string, cols []string, rows [][]any) error {
	return InsertRows(ctx, tx, table, cols, rows, "")
}

// StagedRecord returns the staged record with id, or nil.
func (w *Writer) StagedRecord(id string) *Record {
	for _, r := range w.staged {
		if r.ID == id {
			return r
		}
	}
	return nil
}
