// Package search finds records by what users remember of them: words of
// a name in any order and without accents, the start of a word, a word
// with one typo, Chinese names and two-character words, an e-mail
// address, a phone number in any format. Terms are kept in one table
// written in the same transaction as the record, on both databases.
package search

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/match"
	"github.com/rapport-crm/rapport/internal/records"
)

// Weights of the parts of a record: a hit in the name counts most.
const (
	WeightName    = 10
	WeightContact = 8 // e-mail, phone, domain
	WeightCompany = 5
	WeightOther   = 1
)

// Doc is what a record is found by.
type Doc struct {
	terms map[string]int
	vocab []string
}

// Add indexes the words of text with weight w.
func (d *Doc) Add(text string, w int) {
	if text == "" {
		return
	}
	for _, t := range match.Tokens(text) {
		d.put(t, w)
		if w >= WeightCompany && utf8.RuneCountInString(t) >= 4 && !match.HasHan(t) && !strings.ContainsAny(t, "@0123456789") {
			d.vocab = append(d.vocab, t)
		}
	}
}

// AddEmail indexes an address whole and by its words.
func (d *Doc) AddEmail(addr string, w int) {
	d.Add(addr, w)
	if addr != "" {
		d.put(strings.ToLower(addr), w)
	}
}

// AddPhone indexes an E.164 number by its digits, its national number
// and its last seven digits, so any way of typing it finds it.
func (d *Doc) AddPhone(e164 string, w int) {
	for _, k := range match.PhoneKeys(e164) {
		d.put(k, w)
		if len(k) > 7 {
			d.put(k[len(k)-7:], w)
		}
	}
}

func (d *Doc) put(t string, w int) {
	if t == "" {
		return
	}
	if d.terms == nil {
		d.terms = map[string]int{}
	}
	if d.terms[t] < w {
		d.terms[t] = w
	}
}

// Terms returns the indexed terms and their weights.
func (d *Doc) Terms() map[string]int { return d.terms }

// Vocab returns the name words a typo in a search may be corrected to.
func (d *Doc) Vocab() []string { return d.vocab }

// deleteTerms removes one record's terms. It names the terms through the
// record's index in a subquery: asked for "workspace, object, record"
// directly, SQLite without statistics walks the primary key, every term
// of the workspace (half a second per record in a large one).
const deleteTerms = "DELETE FROM search_terms WHERE workspace_id = ? AND term IN (SELECT term FROM search_terms WHERE workspace_id = ? AND object = ? AND record_id = ?) AND object = ? AND record_id = ?"

// Index replaces the terms of one record. It runs in the record's write
// transaction so search never disagrees with the data.
func Index(ctx context.Context, tx *db.Tx, ws, object, id string, doc *Doc) error {
	if _, err := tx.Exec(ctx, deleteTerms, ws, ws, object, id, object, id); err != nil {
		return fmt.Errorf("index %s %s: %w", object, id, err)
	}
	const batch = 100
	var (
		vals []string
		args []any
	)
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		_, err := tx.Exec(ctx, "INSERT INTO search_terms (workspace_id, term, object, record_id, weight) VALUES "+strings.Join(vals, ","), args...)
		vals, args = vals[:0], args[:0]
		if err != nil {
			return fmt.Errorf("index %s %s: %w", object, id, err)
		}
		return nil
	}
	for t, w := range doc.Terms() {
		vals = append(vals, "(?, ?, ?, ?, ?)")
		args = append(args, ws, t, object, id, w)
		if len(vals) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for _, t := range doc.vocab {
		vals = append(vals, "(?, ?)")
		args = append(args, ws, t)
	}
	if len(vals) > 0 {
		if _, err := tx.Exec(ctx, "INSERT INTO search_vocab (workspace_id, term) VALUES "+strings.Join(vals, ",")+" ON CONFLICT DO NOTHING", args...); err != nil {
			return fmt.Errorf("index %s %s: %w", object, id, err)
		}
	}
	return nil
}

// Remove deletes the terms and matching keys of one record (after a
// merge or a purge).
func Remove(ctx context.Context, q db.Querier, ws, object, id string) error {
	if _, err := q.Exec(ctx, deleteTerms, ws, ws, object, id, object, id); err != nil {
		return fmt.Errorf("unindex %s %s: %w", object, id, err)
	}
	if _, err := q.Exec(ctx, "DELETE FROM match_keys WHERE workspace_id = ? AND object = ? AND record_id = ?", ws, object, id); err != nil {
		return fmt.Errorf("unindex %s %s: %w", object, id, err)
	}
	return nil
}

// PruneVocab removes from the workspace's typo-correction vocabulary
// the words no record's search terms hold any more: after an erasure, a
// person's name must not survive as a suggestion. It returns how many
// words it removed.
func PruneVocab(ctx context.Context, q db.Querier, ws string, words []string) (int64, error) {
	var n int64
	seen := map[string]bool{}
	for _, w := range words {
		if w == "" || seen[w] {
			continue
		}
		seen[w] = true
		res, err := q.Exec(ctx, "DELETE FROM search_vocab WHERE workspace_id = ? AND term = ? AND NOT EXISTS (SELECT 1 FROM search_terms WHERE workspace_id = ? AND term = ?)", ws, w, ws, w)
		if err != nil {
			return n, fmt.Errorf("prune vocabulary: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// Key is one duplicate-matching key of a record: records sharing a key
// are compared with each other.
type Key struct {
	Kind  string // email, phone, name, block, domain
	Value string
}

// SetKeys replaces the matching keys of one record.
func SetKeys(ctx context.Context, tx *db.Tx, ws, object, id string, keys []Key) error {
	if _, err := tx.Exec(ctx, "DELETE FROM match_keys WHERE workspace_id = ? AND object = ? AND record_id = ?", ws, object, id); err != nil {
		return fmt.Errorf("keys %s %s: %w", object, id, err)
	}
	seen := map[Key]bool{}
	var vals []string
	var args []any
	for _, k := range keys {
		if k.Value == "" || seen[k] || len(k.Value) > 200 {
			continue
		}
		seen[k] = true
		vals = append(vals, "(?, ?, ?, ?, ?)")
		args = append(args, ws, object, k.Kind, k.Value, id)
	}
	if len(vals) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, "INSERT INTO match_keys (workspace_id, object, kind, key, record_id) VALUES "+strings.Join(vals, ","), args...); err != nil {
		return fmt.Errorf("keys %s %s: %w", object, id, err)
	}
	return nil
}

// Entry is a record's search document and matching keys, for IndexNew.
type Entry struct {
	ID   string
	Doc  *Doc
	Keys []Key
}

// IndexNew writes the search terms, vocabulary and matching keys of
// records that have none yet (just created), with multi-row statements:
// what Index and SetKeys do for each, without their deletes.
func IndexNew(ctx context.Context, tx *db.Tx, ws, object string, entries []Entry) error {
	var terms, vocab, keys [][]any
	for _, e := range entries {
		for t, w := range e.Doc.Terms() {
			terms = append(terms, []any{ws, t, object, e.ID, w})
		}
		for _, t := range e.Doc.vocab {
			vocab = append(vocab, []any{ws, t})
		}
		seen := map[Key]bool{}
		for _, k := range e.Keys {
			if k.Value == "" || seen[k] || len(k.Value) > 200 {
				continue
			}
			seen[k] = true
			keys = append(keys, []any{ws, object, k.Kind, k.Value, e.ID})
		}
	}
	// In key order, so that consecutive rows land on neighbouring index
	// pages rather than all over the tree.
	sort.Slice(terms, func(i, j int) bool { return terms[i][1].(string) < terms[j][1].(string) })
	sort.Slice(keys, func(i, j int) bool {
		if a, b := keys[i][2].(string), keys[j][2].(string); a != b {
			return a < b
		}
		return keys[i][3].(string) < keys[j][3].(string)
	})
	sort.Slice(vocab, func(i, j int) bool { return vocab[i][1].(string) < vocab[j][1].(string) })
	if err := records.InsertRows(ctx, tx, "search_terms", []string{"workspace_id", "term", "object", "record_id", "weight"}, terms, ""); err != nil {
		return fmt.Errorf("index %s: %w", object, err)
	}
	if err := records.InsertRows(ctx, tx, "search_vocab", []string{"workspace_id", "term"}, vocab, "ON CONFLICT DO NOTHING"); err != nil {
		return fmt.Errorf("index %s: %w", object, err)
	}
	if err := records.InsertRows(ctx, tx, "match_keys", []string{"workspace_id", "object", "kind", "key", "record_id"}, keys, ""); err != nil {
		return fmt.Errorf("keys %s: %w", object, err)
	}
	return nil
}
