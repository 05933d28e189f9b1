package records

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
)

// Rows is a batch of records as the database returned them, for writing
// them out without making a Record of each: an export of a million
// contacts spent most of its time decoding every column into typed
// values, building a map per record and collecting the garbage. The
// Append methods write what CellText and MarshalRecord would write for
// the same record; they decode a column the quick way when it has the
// form Rapport stores, and the engine's way otherwise.
//
// A batch's values are valid only during the call it is handed to.
type Rows struct {
	// Fields are the object's fields, as List gives them.
	Fields []Field

	n    int
	vals [][]any // one row of raw column values per record
	ptrs [][]any // pointers to vals, to scan into

	// packed rows (SQLite): each row's text columns as one value, cut
	// into texts; the cells of vals hold packedText for them
	packed []string
	texts  [][]string
	pptrs  [][]any // pointers to packed and to the other cells of vals
	col    []int   // by field: the index of its (first) column in a row, -1 for none

	// reused from record to record
	cv    map[string]any // decoded custom values of record cvRow
	cvRow int
	ids   []string
	items []listItem
}

// The record columns, first in every row.
const (
	rowID = iota
	rowOwner
	rowCreatedAt
	rowCreatedBy
	rowUpdatedAt
	rowUpdatedBy
	rowVersion
	rowCustom
	rowFirstField
)

// StreamRows reads every live record of object that q selects, as Stream
// does (its cursor and limit ignored; the same conditions, scope and
// order), and hands them to each in batches of up to batch raw rows,
// with the ids of their link fields. Only the last batch is shorter, and
// each is called at least once (with an empty batch for an empty list).
func (e *Engine) StreamRows(ctx context.Context, p *auth.Principal, object string, q ListQuery, batch int, each func(*Rows) error) error {
	select {
	case streams <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-streams }()
	if batch <= 0 {
		batch = MaxLimit
	}
	pl, err := e.plan(ctx, p, object, q, false)
	if err != nil {
		return err
	}
	o, fields := pl.o, pl.fields
	rs := &Rows{Fields: fields, col: make([]int, len(fields))}
	// The select list: the record columns, then each field's columns and
	// the ids of each link field; text[k] says column k is text, args[k]
	// holds its arguments.
	exprs := []string{"id", "owner_id", "created_at", "created_by", "updated_at", "updated_by", "version", "custom"}
	text := []bool{true, true, true, true, true, true, false, true}
	args := make([][]any, len(exprs))
	links := map[int]*Link{}
	var declared map[string]string
	if e.DB.Dialect == db.SQLite {
		if declared, err = e.columnTypes(ctx, o.Table); err != nil {
			return err
		}
	}
	for i := range fields {
		f := &fields[i]
		rs.col[i] = -1
		switch {
		case f.stored():
			rs.col[i] = len(exprs)
			for _, c := range f.columns() {
				exprs = append(exprs, c)
				text = append(text, strings.EqualFold(declared[c], "TEXT"))
				args = append(args, nil)
			}
		case f.Type == RefList && f.Link != nil:
			// The ids of a link field, in the same query: one look-up in
			// the link table's primary key per record (unless they are
			// read ahead, below).
			l := f.Link
			rs.col[i] = len(exprs)
			links[len(exprs)] = l
			exprs = append(exprs, "(SELECT "+e.DB.Dialect.IDList("l."+l.To)+" FROM "+l.Table+" l WHERE l.workspace_id = ? AND l."+l.From+" = "+o.Table+".id)")
			text = append(text, e.DB.Dialect == db.SQLite)
			args = append(args, []any{p.WorkspaceID})
		}
	}
	// The whole stream reads one snapshot: the links read ahead, the rows
	// and, on SQLite, any row read again.
	snap, err := e.DB.BeginSnapshot(ctx)
	if err != nil {
		return err
	}
	defer snap.Rollback()
	var ahead []linkIDs
	for k, l := range links {
		ids, ok, err := readLinksAhead(ctx, snap, l, p.WorkspaceID, e.LinksAhead)
		if err != nil {
			return fmt.Errorf("list %s: %w", o.Name, err)
		}
		if ok {
			ahead = append(ahead, linkIDs{col: k, ids: ids})
			exprs[k], args[k] = "NULL", nil
		}
	}
	ncol := len(exprs)
	from := " FROM " + o.Table + " WHERE " + strings.Join(pl.where, " AND ") + " ORDER BY " + pl.orderBy()
	list := strings.Join(exprs, ", ")
	query := "SELECT " + list + from
	qargs := slices.Concat(slices.Concat(args...), pl.args)
	var pk *packing
	if e.DB.Dialect == db.SQLite {
		// On SQLite the text columns come packed into one value per row
		// (see packing).
		pk = newPacking(exprs, text)
		packed, pargs := pk.selectList(exprs, args)
		query, qargs = "SELECT "+packed+from, append(pargs, pl.args...)
		pk.again = "SELECT " + list + " FROM " + o.Table + " WHERE rowid = ?"
		pk.againArgs = slices.Concat(args...)
	}
	rows, err := snap.Query(ctx, query, qargs...)
	if err != nil {
		return fmt.Errorf("list %s: %w", o.Name, err)
	}
	defer rows.Close()
	readRow := func(b *Rows) error {
		if pk == nil {
			return rows.Scan(b.ptrs[b.n]...)
		}
		return pk.read(ctx, snap, rows, b)
	}
	// Two batches: one is read from the database (in a goroutine of its
	// own) while each writes out the other, so on two cores SQLite and
	// the writing overlap.
	free, full, stop := make(chan *Rows, 2), make(chan *Rows, 2), make(chan struct{})
	stopped := false
	defer func() {
		if !stopped { // each panicked: the reader must not wait for a batch
			close(stop)
		}
	}()
	for range 2 {
		free <- rs.clone(batch, ncol, pk)
	}
	var readErr error
	go func() {
		defer close(full)
		for {
			var b *Rows
			select {
			case b = <-free:
			case <-stop:
				return
			}
			for b.n < batch && rows.Next() {
				if err := readRow(b); err != nil {
					readErr = fmt.Errorf("list %s: %w", o.Name, db.MapError(err))
					return
				}
				b.n++
			}
			if b.n < batch {
				if err := rows.Err(); err != nil {
					readErr = fmt.Errorf("list %s: %w", o.Name, db.MapError(err))
					return
				}
				full <- b // the last batch, maybe empty
				return
			}
			full <- b
		}
	}()
	var eachErr error
	for b := range full {
		if eachErr == nil {
			if pk != nil {
				eachErr = pk.cut(b)
			}
			if eachErr == nil {
				// Here rather than in the reading goroutine, which has
				// the more work of the two.
				fillLinks(b, ahead)
				eachErr = each(b)
			}
			if eachErr != nil {
				close(stop)
				stopped = true
			}
		}
		b.next()
		free <- b
	}
	stopped = true
	if eachErr != nil {
		return eachErr
	}
	return readErr // written before full was closed
}

// clone returns an empty batch of up to batch rows of ncol columns laid
// out as r's, read packed as pk says (nil: column by column).
func (r *Rows) clone(batch, ncol int, pk *packing) *Rows {
	b := &Rows{Fields: r.Fields, col: r.col, cvRow: -1, vals: make([][]any, batch), ptrs: make([][]any, batch)}
	cells := make([]any, batch*ncol)
	ptrs := make([]any, batch*ncol)
	for i := range b.vals {
		b.vals[i] = cells[i*ncol : (i+1)*ncol : (i+1)*ncol]
		b.ptrs[i] = ptrs[i*ncol : (i+1)*ncol : (i+1)*ncol]
		for j := range b.ptrs[i] {
			b.ptrs[i][j] = &b.vals[i][j]
		}
	}
	if pk != nil {
		b.packed = make([]string, batch)
		b.texts = make([][]string, batch)
		b.pptrs = make([][]any, batch)
		texts := make([]string, batch*ncol)
		pptrs := make([]any, batch*(1+len(pk.others)))
		for i := range b.vals {
			b.texts[i] = texts[i*ncol : (i+1)*ncol : (i+1)*ncol]
			b.pptrs[i] = pptrs[i*(1+len(pk.others)) : (i+1)*(1+len(pk.others))]
			b.pptrs[i][0] = &b.packed[i]
			for k, c := range pk.others {
				b.pptrs[i][1+k] = &b.vals[i][c]
			}
		}
	}
	return b
}

// next empties the batch for the following rows.
func (r *Rows) next() {
	r.n = 0
	r.cv, r.cvRow = nil, -1
}

// Len is the number of records in the batch.
func (r *Rows) Len() int { return r.n }

// AppendID appends the id of record i.
func (r *Rows) AppendID(dst []byte, i int) []byte {
	if s, ok := r.text(i, rowID); ok {
		return append(dst, s...)
	}
	return appendText(dst, r.vals[i][rowID])
}

// IDs returns the ids a reference or link field fi of record i names
// (none, one or several), as RefIDs reads them from a Record; the slice
// is reused by the next call.
func (r *Rows) IDs(i, fi int) ([]string, error) {
	f := &r.Fields[fi]
	if f.Type == RefList && !f.Custom {
		return r.refIDs(i, fi), nil
	}
	r.ids = r.ids[:0]
	if f.Type == Reference && !f.Custom && r.col[fi] >= 0 {
		if s, ok := r.text(i, r.col[fi]); ok {
			return append(r.ids, s), nil
		}
		if r.vals[i][r.col[fi]] == nil {
			return r.ids, nil
		}
	}
	v, err := r.Value(i, fi)
	switch x := v.(type) {
	case string:
		r.ids = append(r.ids, x)
	case []string:
		r.ids = append(r.ids, x...)
	}
	return r.ids, err
}

// appendText appends a text or id column's value.
func appendText(dst []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return append(dst, x...)
	case []byte:
		return append(dst, x...)
	case nil:
		return dst
	}
	return append(dst, db.IDText(v)...)
}

// Value returns the canonical value of field fi of record i, as
// Record.Values holds it (nil when empty).
func (r *Rows) Value(i, fi int) (any, error) {
	f := &r.Fields[fi]
	switch {
	case f.Custom:
		cv, err := r.customValues(i)
		return cv[f.Name], err
	case f.Type == RefList:
		ids := r.refIDs(i, fi)
		if len(ids) == 0 {
			return nil, nil
		}
		return slices.Clone(ids), nil
	case f.System || f.Name == "owner_id":
		switch f.Name {
		case "created_at", "updated_at":
			var t db.Time
			if err := t.Scan(r.raw(i, systemCol(f.Name))); err != nil {
				return nil, err
			}
			return FormatTime(t.Time), nil
		}
		if s := r.idText(i, systemCol(f.Name)); s != "" {
			return s, nil
		}
		return nil, nil
	case f.Type == Money:
		c := r.col[fi]
		if r.vals[i][c] == nil {
			return nil, nil
		}
		a, err := scanValue(&Field{Name: f.Name, Type: Decimal}, r.raw(i, c))
		if err != nil {
			return nil, err
		}
		cur, _ := scanValue(&Field{Name: f.Name, Type: Text}, r.raw(i, c+1))
		cs, _ := cur.(string)
		return MoneyValue{Amount: a.(string), Currency: cs}, nil
	case r.col[fi] >= 0:
		return scanValue(f, r.raw(i, r.col[fi]))
	}
	return nil, nil
}

func systemCol(name string) int {
	switch name {
	case "owner_id":
		return rowOwner
	case "created_at":
		return rowCreatedAt
	case "created_by":
		return rowCreatedBy
	case "updated_at":
		return rowUpdatedAt
	}
	return rowUpdatedBy
}

// customValues decodes the custom document of record i (once per record).
func (r *Rows) customValues(i int) (map[string]any, error) {
	if r.cvRow == i {
		return r.cv, nil
	}
	cv, err := decodeCustom(r.Fields, r.raw(i, rowCustom))
	if err != nil {
		return nil, err
	}
	r.cv, r.cvRow = cv, i
	return cv, nil
}

// refIDs returns the ids link field fi of record i holds, sorted as
// loadLinks sorts them; the slice is reused by the next call.
func (r *Rows) refIDs(i, fi int) []string {
	r.ids = r.ids[:0]
	s, ok := r.text(i, r.col[fi])
	if b, isBytes := r.vals[i][r.col[fi]].([]byte); !ok && isBytes {
		s = string(b)
	}
	for s != "" {
		id, rest, _ := strings.Cut(s, ",")
		r.ids = append(r.ids, id)
		s = rest
	}
	slices.Sort(r.ids)
	return r.ids
}

// AppendCell appends CellText of field fi of record i.
func (r *Rows) AppendCell(dst []byte, i, fi int) ([]byte, error) {
	f := &r.Fields[fi]
	switch {
	case f.System || f.Name == "owner_id":
		return r.appendSystem(dst, i, f.Name)
	case f.Type == RefList:
		for k, id := range r.refIDs(i, fi) {
			if k > 0 {
				dst = append(dst, "; "...)
			}
			dst = append(dst, id...)
		}
		return dst, nil
	case !f.Custom && f.Type != Money && r.col[fi] >= 0:
		if r.vals[i][r.col[fi]] == nil {
			return dst, nil
		}
		if out, ok := r.appendQuick(dst, f, i, r.col[fi], false); ok {
			return out, nil
		}
	}
	v, err := r.Value(i, fi)
	if err != nil {
		return dst, err
	}
	return append(dst, CellText(v)...), nil
}

// appendSystem appends the owner, a creator or a timestamp of record i.
func (r *Rows) appendSystem(dst []byte, i int, name string) ([]byte, error) {
	c := systemCol(name)
	s, isText := r.text(i, c)
	if name != "created_at" && name != "updated_at" {
		if isText {
			return append(dst, s...), nil
		}
		return appendText(dst, r.vals[i][c]), nil
	}
	if isText && canonicalTime(s) {
		return append(dst, s...), nil
	}
	raw := r.raw(i, c)
	if out, ok := appendTime(dst, raw); ok {
		return out, nil
	}
	var t db.Time
	if err := t.Scan(raw); err != nil {
		return dst, err
	}
	return append(dst, FormatTime(t.Time)...), nil
}

// appendQuick appends the value of column c of record i, a standard
// field f's, the quick way — as text for a cell, as JSON when asJSON —
// and reports whether it could.
func (r *Rows) appendQuick(dst []byte, f *Field, i, c int, asJSON bool) ([]byte, bool) {
	s, isText := r.text(i, c)
	raw := r.vals[i][c]
	if b, ok := raw.([]byte); ok {
		s, isText = string(b), true
	}
	switch f.Type {
	case Text, LongText, Email, Phone, URL, Select, Reference, User:
		if !isText {
			return dst, false
		}
		if asJSON {
			return AppendJSONString(dst, s), true
		}
		return append(dst, s...), true
	case DateTime:
		if asJSON {
			dst = append(dst, '"')
		}
		var out []byte
		var ok bool
		if _, packed := raw.(packedText); packed {
			out, ok = append(dst, s...), canonicalTime(s)
		} else {
			out, ok = appendTime(dst, raw)
		}
		if ok && asJSON {
			out = append(out, '"')
		}
		return out, ok
	case Date:
		switch x := raw.(type) {
		case string, packedText:
		case time.Time:
			if asJSON {
				dst = append(dst, '"')
			}
			dst = x.AppendFormat(dst, "2006-01-02")
			if asJSON {
				dst = append(dst, '"')
			}
			return dst, true
		default:
			return dst, false
		}
		if len(s) < 10 {
			return dst, false
		}
		if asJSON {
			return AppendJSONString(dst, s[:10]), true
		}
		return append(dst, s[:10]...), true
	case Integer:
		if x, ok := raw.(int64); ok {
			return strconv.AppendInt(dst, x, 10), true
		}
	case EmailList, PhoneList:
		if !isText {
			return dst, false
		}
		items, ok := r.parseItems(s, f.Type == PhoneList)
		if !ok {
			return dst, false
		}
		if asJSON {
			if len(items) == 0 {
				return append(dst, "null"...), true
			}
			return appendItemsJSON(dst, items, f.Type == PhoneList), true
		}
		for k, it := range items {
			if k > 0 {
				dst = append(dst, "; "...)
			}
			if f.Type == PhoneList {
				dst = append(dst, it.number...)
			} else {
				dst = append(dst, it.value...)
			}
		}
		return dst, true
	}
	return dst, false
}

// appendTime appends a stored timestamp as FormatTime writes it, when it
// is a time or text already in that form (db.TimeFormat, a valid time).
func appendTime(dst []byte, raw any) ([]byte, bool) {
	switch x := raw.(type) {
	case time.Time:
		return x.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00"), true
	case string:
		if canonicalTime(x) {
			return append(dst, x...), true
		}
	}
	return dst, false
}

// canonicalTime reports whether s is a valid time written in
// db.TimeFormat ("2006-01-02T15:04:05.000000Z"), which FormatTime writes
// back unchanged.
func canonicalTime(s string) bool {
	if len(s) != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z' {
		return false
	}
	num := func(a, b int) int {
		n := 0
		for k := a; k < b; k++ {
			c := s[k]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec, us := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19), num(20, 26)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || us < 0 {
		return false
	}
	return d <= time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseItems reads a stored e-mail or phone list of the form Rapport
// writes — [{"address":"…","label":"…","primary":true},…] with any key
// order and spacing, strings without escapes — into reused items. It
// reports false for anything else (escapes, other keys, null members,
// an empty list not written "[]"), which the caller decodes with
// encoding/json instead, so that both give the same values.
func (r *Rows) parseItems(s string, phones bool) ([]listItem, bool) {
	r.items = r.items[:0]
	if s == "[]" || s == "null" || s == "" {
		return r.items, true
	}
	p := 0
	ws := func() {
		for p < len(s) && (s[p] == ' ' || s[p] == '\n' || s[p] == '\t' || s[p] == '\r') {
			p++
		}
	}
	str := func() (string, bool) {
		if p >= len(s) || s[p] != '"' {
			return "", false
		}
		start := p + 1
		ascii := true
		for k := start; k < len(s); k++ {
			c := s[k]
			switch {
			case c == '"':
				v := s[start:k]
				if !ascii && !utf8.ValidString(v) {
					return "", false
				}
				p = k + 1
				return v, true
			case c == '\\' || c < 0x20:
				return "", false
			case c >= utf8.RuneSelf:
				ascii = false
			}
		}
		return "", false
	}
	ws()
	if p >= len(s) || s[p] != '[' {
		return nil, false
	}
	p++
	for {
		ws()
		if p >= len(s) || s[p] != '{' {
			return nil, false
		}
		p++
		var it listItem
		for {
			ws()
			key, ok := str()
			if !ok {
				return nil, false
			}
			ws()
			if p >= len(s) || s[p] != ':' {
				return nil, false
			}
			p++
			ws()
			if key == "primary" {
				switch {
				case strings.HasPrefix(s[p:], "true"):
					it.primary, p = true, p+4
				case strings.HasPrefix(s[p:], "false"):
					it.primary, p = false, p+5
				default:
					return nil, false
				}
			} else {
				v, ok := str()
				if !ok {
					return nil, false
				}
				switch {
				case key == "label":
					it.label = v
				case key == "address" && !phones:
					it.value = v
				case key == "number" && phones:
					it.number = v
				case key == "text" && phones:
					it.text = v
				default:
					return nil, false
				}
			}
			ws()
			if p < len(s) && s[p] == ',' {
				p++
				continue
			}
			if p < len(s) && s[p] == '}' {
				p++
				break
			}
			return nil, false
		}
		r.items = append(r.items, it)
		ws()
		if p < len(s) && s[p] == ',' {
			p++
			continue
		}
		if p < len(s) && s[p] == ']' {
			p++
			break
		}
		return nil, false
	}
	ws()
	if p != len(s) {
		return nil, false
	}
	return r.items, true
}

// appendItemsJSON writes items as encoding/json writes []EmailItem or
// []PhoneItem.
func appendItemsJSON(dst []byte, items []listItem, phones bool) []byte {
	dst = append(dst, '[')
	for k, it := range items {
		if k > 0 {
			dst = append(dst, ',')
		}
		if phones {
			dst = append(dst, `{"number":`...)
			dst = AppendJSONString(dst, it.number)
			dst = append(dst, `,"text":`...)
			dst = AppendJSONString(dst, it.text)
		} else {
			dst = append(dst, `{"address":`...)
			dst = AppendJSONString(dst, it.value)
		}
		if it.label != "" {
			dst = append(dst, `,"label":`...)
			dst = AppendJSONString(dst, it.label)
		}
		dst = append(dst, `,"primary":`...)
		dst = strconv.AppendBool(dst, it.primary)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// AppendJSON appends record i as MarshalRecord writes it (every field).
func (r *Rows) AppendJSON(dst []byte, i int) ([]byte, error) {
	dst = append(dst, `{"id":`...)
	dst = AppendJSONString(dst, r.idText(i, rowID))
	for fi := range r.Fields {
		f := &r.Fields[fi]
		dst = append(dst, ',')
		dst = AppendJSONString(dst, f.Name)
		dst = append(dst, ':')
		c := r.col[fi]
		switch {
		case f.System || f.Name == "owner_id":
			if f.Name == "created_at" || f.Name == "updated_at" {
				var err error
				if dst, err = r.appendSystem(append(dst, '"'), i, f.Name); err != nil {
					return dst, err
				}
				dst = append(dst, '"')
				continue
			}
			if s := r.idText(i, systemCol(f.Name)); s != "" {
				dst = AppendJSONString(dst, s)
			} else {
				dst = append(dst, "null"...)
			}
			continue
		case f.Type == RefList:
			ids := r.refIDs(i, fi)
			if len(ids) == 0 {
				dst = append(dst, "null"...)
				continue
			}
			dst = append(dst, '[')
			for k, id := range ids {
				if k > 0 {
					dst = append(dst, ',')
				}
				dst = AppendJSONString(dst, id)
			}
			dst = append(dst, ']')
			continue
		case !f.Custom && f.Type != Money && c >= 0:
			if r.vals[i][c] == nil {
				dst = append(dst, "null"...)
				continue
			}
			if out, ok := r.appendQuick(dst, f, i, c, true); ok {
				dst = out
				continue
			}
		}
		v, err := r.Value(i, fi)
		if err != nil {
			return dst, err
		}
		dst = appendJSONValue(dst, v)
	}
	dst = append(dst, `,"version":`...)
	switch x := r.vals[i][rowVersion].(type) {
	case int64:
		dst = strconv.AppendInt(dst, x, 10)
	default:
		v, err := scanValue(&Field{Name: "version", Type: Integer}, x)
		if err != nil {
			return dst, err
		}
		dst = appendJSONValue(dst, v)
	}
	return append(dst, '}'), nil
}

// appendJSONValue appends v as writeJSON writes it.
func appendJSONValue(dst []byte, v any) []byte {
	var b bytes.Buffer
	writeJSON(&b, v)
	return append(dst, b.Bytes()...)
}

// AppendJSONString appends s as a JSON string the way encoding/json
// writes it with HTML escaping on (as writeJSON does): <, > and & as
// \u003c…, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
