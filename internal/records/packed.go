package records

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/db"
)

// Packed rows, SQLite only. Reading a row column by column costs the
// driver three calls into SQLite per column, each taking the
// connection's mutex, and a string per column; for a contact's 36 text
// columns that was most of an export's time. So StreamRows asks SQLite
// for the text columns of a row as one value:
//
//	concat(rowid, ifnull(X'1F' || c1, X'1E'), ifnull(X'1F' || c2, X'1E'), …)
//
// — the rowid, then for each column the mark 0x1F and its value, or the
// mark 0x1E for NULL — and cuts it into the row's cells without copying
// them. The other columns (integers, reals) are read as before. A row
// whose values themselves hold one of the marks no longer cuts into as
// many cells as it has columns; it is read again by its rowid, column
// by column, in the same snapshot, so every value comes out exactly as
// the unpacked query gives it.
type packing struct {
	texts  []int // the text columns, in the order packed
	others []int // the other columns, read after the packed value

	again     string
	againArgs []any
}

// The marks of a packed row.
const (
	markValue = 0x1F // a value follows, up to the next mark
	markNull  = 0x1E // NULL
)

// packedText is a cell whose value is the row's text at the same index.
type packedText struct{}

func newPacking(exprs []string, text []bool) *packing {
	pk := &packing{}
	for k := range exprs {
		if text[k] {
			pk.texts = append(pk.texts, k)
		} else {
			pk.others = append(pk.others, k)
		}
	}
	return pk
}

// selectList returns the packed select list for the columns exprs, and
// the arguments it takes (args, by column).
func (pk *packing) selectList(exprs []string, args [][]any) (string, []any) {
	var b strings.Builder
	var out []any
	b.WriteString("concat(rowid")
	for _, k := range pk.texts {
		b.WriteString(", ifnull(X'1F' || " + exprs[k] + ", X'1E')")
		out = append(out, args[k]...)
	}
	b.WriteString(")")
	for _, k := range pk.others {
		b.WriteString(", " + exprs[k])
		out = append(out, args[k]...)
	}
	return b.String(), out
}

// read scans the current row of rows into row b.n of b. It only counts
// the marks: the row is cut into cells by cut, in the goroutine that
// writes the batch out, which has the less work of the two. A row with
// more marks than columns, some in its values, is read again column by
// column, and its packed text left empty.
func (pk *packing) read(ctx context.Context, q db.Querier, rows *sql.Rows, b *Rows) error {
	if err := rows.Scan(b.pptrs[b.n]...); err != nil {
		return err
	}
	s := b.packed[b.n]
	if strings.Count(s, "\x1f")+strings.Count(s, "\x1e") == len(pk.texts) {
		return nil
	}
	rowid := s[:strings.IndexAny(s+"\x1e", "\x1e\x1f")]
	id, err := strconv.ParseInt(rowid, 10, 64)
	if err != nil {
		return fmt.Errorf("packed row: rowid %q", rowid)
	}
	b.packed[b.n] = ""
	return q.QueryRow(ctx, pk.again, append(pk.againArgs, id)...).Scan(b.ptrs[b.n]...)
}

// cut cuts the packed rows of b into their cells.
func (pk *packing) cut(b *Rows) error {
	for i := range b.n {
		if b.packed[i] == "" {
			continue
		}
		if _, ok := b.unpack(i, pk.texts); !ok {
			return fmt.Errorf("packed row %d does not cut into its %d columns", i, len(pk.texts))
		}
	}
	return nil
}

// unpack cuts row n's packed text into its text cells (texts, by column)
// and returns the rowid it starts with; false when the text does not
// cut into exactly one cell per column.
func (r *Rows) unpack(n int, texts []int) (string, bool) {
	s := r.packed[n]
	p := 0
	for p < len(s) && s[p] != markValue && s[p] != markNull {
		p++
	}
	rowid := s[:p]
	row, cells := r.vals[n], r.texts[n]
	for _, c := range texts {
		if p >= len(s) {
			return rowid, false
		}
		switch s[p] {
		case markNull:
			row[c] = nil
			p++
			continue
		case markValue:
		default:
			return rowid, false
		}
		p++
		end := strings.IndexByte(s[p:], markValue)
		if end < 0 {
			end = len(s) - p
		}
		if k := strings.IndexByte(s[p:p+end], markNull); k >= 0 {
			end = k
		}
		cells[c] = s[p : p+end]
		row[c] = packedText{}
		p += end
	}
	return rowid, p == len(s)
}

// raw returns the value of column c of record i as the driver gives it.
func (r *Rows) raw(i, c int) any {
	v := r.vals[i][c]
	if _, ok := v.(packedText); ok {
		return r.texts[i][c]
	}
	return v
}

// text returns column c of record i when it is text, without making a
// value of it.
func (r *Rows) text(i, c int) (string, bool) {
	switch x := r.vals[i][c].(type) {
	case packedText:
		return r.texts[i][c], true
	case string:
		return x, true
	}
	return "", false
}

// idText returns column c of record i, an id or text, as text.
func (r *Rows) idText(i, c int) string {
	if s, ok := r.text(i, c); ok {
		return s
	}
	return db.IDText(r.vals[i][c])
}

// columnTypes returns the declared type of each column of table.
func (e *Engine) columnTypes(ctx context.Context, table string) (map[string]string, error) {
	rows, err := e.DB.Query(ctx, "SELECT name, type FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		out[name] = typ
	}
	return out, rows.Err()
}

// Links read ahead. A stream names the links of each record through a
// correlated subquery, one index look-up per record: on a million
// contacts with 120,000 tag links that was 0.8 s of SQLite's time (and
// 1.9 s of PostgreSQL's), against a few tens of milliseconds for
// reading the table's links in one pass.

// linkIDs are the ids of the links of a link column read ahead, by
// record id, joined by commas.
type linkIDs struct {
	col int
	ids map[string]string
}

// maxLinks is Engine.LinksAhead's default: some 30 MB of ids at most.
const maxLinks = 200_000

// readLinksAhead reads every link of the workspace in link table l —
// the ids of each record's links by record id, joined by commas as the
// subquery joins them — unless there are more than max (0: maxLinks;
// negative: never), when it reports false.
func readLinksAhead(ctx context.Context, q db.Querier, l *Link, workspaceID string, max int) (map[string]string, bool, error) {
	switch {
	case max < 0:
		return nil, false, nil
	case max == 0:
		max = maxLinks
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+l.Table+" WHERE workspace_id = ? LIMIT ?) x", workspaceID, max+1).Scan(&n); err != nil {
		return nil, false, err
	}
	if n > max {
		return nil, false, nil
	}
	rows, err := q.Query(ctx, "SELECT "+l.From+", "+l.To+" FROM "+l.Table+" WHERE workspace_id = ?", workspaceID)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			return nil, false, err
		}
		if ids, ok := m[from]; ok {
			m[from] = ids + "," + to
		} else {
			m[from] = to
		}
	}
	return m, true, rows.Err()
}

// fillLinks sets the cells of the link columns read ahead in every row
// of b (their query selected NULL for them).
func fillLinks(b *Rows, ahead []linkIDs) {
	for _, l := range ahead {
		for i := range b.n {
			ids, ok := l.ids[b.idText(i, rowID)]
			switch {
			case !ok:
				b.vals[i][l.col] = nil
			case b.texts != nil:
				b.texts[i][l.col], b.vals[i][l.col] = ids, packedText{}
			default:
				b.vals[i][l.col] = ids
			}
		}
	}
}
