// Package search finds records by what users remember of them: words of
// a name in any order and without accents, the start of a word, a word
// with one typo, Chinese names and two-character words, an e-mail
// address, a phone number in any format. Each record has one document of
// terms (search_docs), written in the same transaction as the record and
// indexed by the database's full-text index: SQLite FTS5, PostgreSQL GIN.
package search

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
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

// maxTerm bounds the bytes of one indexed term: longer "words" are noise,
// and PostgreSQL refuses lexemes over 2 KiB.
const maxTerm = 200

// indexable says whether t can be a term of a search document: the
// full-text indexes split on ASCII spaces and control characters, and
// search_fts keeps the double quote out of its token characters.
func indexable(t string) bool {
	if t == "" || len(t) > maxTerm {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c == '"' || c == 0x7f {
			return false
		}
	}
	return true
}

// encode writes the document as search_docs stores it: the terms
// separated by spaces, and their weights in the same order. ok is false
// when the document holds no term.
func (d *Doc) encode() (words, weights string, ok bool) {
	terms := make([]string, 0, len(d.terms))
	for t := range d.terms {
		if indexable(t) {
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return "", "", false
	}
	sort.Strings(terms)
	var ws, ts strings.Builder
	for i, t := range terms {
		if i > 0 {
			ts.WriteByte(' ')
			ws.WriteByte(' ')
		}
		ts.WriteString(t)
		ws.WriteString(strconv.Itoa(d.terms[t]))
	}
	return ts.String(), ws.String(), true
}

// decodeTerms reads back what encode wrote, calling f for each term.
func decodeTerms(words, weights string, f func(term string, weight int)) {
	for words != "" {
		var t, w string
		t, words, _ = strings.Cut(words, " ")
		w, weights, _ = strings.Cut(weights, " ")
		n, err := strconv.Atoi(w)
		if err != nil {
			n = WeightOther
		}
		f(t, n)
	}
}

const (
	deleteDoc = "DELETE FROM search_docs WHERE workspace_id = ? AND object = ? AND record_id = ?"
	upsertDoc = "INSERT INTO search_docs (workspace_id, object, record_id, words, weights) VALUES (?, ?, ?, ?, ?) " +
		"ON CONFLICT (workspace_id, object, record_id) DO UPDATE SET words = excluded.words, weights = excluded.weights"
)

// Index replaces the search document of one record. It runs in the
// record's write transaction so search never disagrees with the data.
func Index(ctx context.Context, tx *db.Tx, ws, object, id string, doc *Doc) error {
	words, weights, ok := doc.encode()
	var err error
	if ok {
		_, err = tx.Exec(ctx, upsertDoc, ws, object, id, words, weights)
	} else {
		_, err = tx.Exec(ctx, deleteDoc, ws, object, id)
	}
	if err != nil {
		return fmt.Errorf("index %s %s: %w", object, id, err)
	}
	if len(doc.vocab) > 0 {
		var vals []string
		var args []any
		for _, t := range doc.vocab {
			vals = append(vals, "(?, ?)")
			args = append(args, ws, t)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO search_vocab (workspace_id, term) VALUES "+strings.Join(vals, ",")+" ON CONFLICT DO NOTHING", args...); err != nil {
			return fmt.Errorf("index %s %s: %w", object, id, err)
		}
	}
	return nil
}

// Remove deletes the search document and matching keys of one record
// (after a merge or a purge).
func Remove(ctx context.Context, q db.Querier, ws, object, id string) error {
	if _, err := q.Exec(ctx, deleteDoc, ws, object, id); err != nil {
		return fmt.Errorf("unindex %s %s: %w", object, id, err)
	}
	if err := replaceKeys(ctx, q, ws, object, id, nil); err != nil {
		return fmt.Errorf("unindex %s %s: %w", object, id, err)
	}
	return nil
}

// PruneVocab removes from the workspace's typo-correction vocabulary
// the words no record's search document holds any more: after an
// erasure, a person's name must not survive as a suggestion. It returns
// how many words it removed.
func PruneVocab(ctx context.Context, q db.Querier, ws string, words []string) (int64, error) {
	var n int64
	seen := map[string]bool{}
	for _, w := range words {
		if w == "" || seen[w] {
			continue
		}
		seen[w] = true
		held := false
		if indexable(w) {
			var err error
			held, err = holds(ctx, q, ws, nil, []group{{exact: []string{w}}})
			if err != nil {
				return n, fmt.Errorf("prune vocabulary: %w", err)
			}
		}
		if held {
			continue
		}
		res, err := q.Exec(ctx, "DELETE FROM search_vocab WHERE workspace_id = ? AND term = ?", ws, w)
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
	if err := replaceKeys(ctx, tx, ws, object, id, newKeySet(keys)); err != nil {
		return fmt.Errorf("keys %s %s: %w", object, id, err)
	}
	return nil
}

// A record's matching keys are kept twice: a row per key in match_keys,
// to find the records that share a key, and the whole set in one row of
// match_key_sets, to replace or remove the record's own rows by their
// primary key. (An index of match_keys by record did that before: on a
// million contacts it held 12 million entries, 1.3 GB.)

// keySet is a record's matching keys: by kind, its values, sorted and
// without repeats. Its JSON form is the keys column of match_key_sets.
type keySet map[string][]string

// newKeySet is the set of keys, without empty values and those too long
// to be a key.
func newKeySet(keys []Key) keySet {
	s := keySet{}
	for _, k := range keys {
		if k.Value == "" || len(k.Value) > maxKeyLen {
			continue
		}
		s[k.Kind] = append(s[k.Kind], k.Value)
	}
	for kind, vals := range s {
		slices.Sort(vals)
		s[kind] = slices.Compact(vals)
	}
	return s
}

// maxKeyLen is the longest value kept as a key.
const maxKeyLen = 200

func (s keySet) has(kind, v string) bool {
	_, ok := slices.BinarySearch(s[kind], v)
	return ok
}

// each calls f with each key, kinds in order.
func (s keySet) each(f func(kind, v string)) {
	kinds := slices.Sorted(maps.Keys(s))
	for _, kind := range kinds {
		for _, v := range s[kind] {
			f(kind, v)
		}
	}
}

// encode writes s as encoding/json writes the map, without reflection
// (a demo load encodes a million of them).
func (s keySet) encode() string {
	b := make([]byte, 0, 160)
	b = append(b, '{')
	for i, kind := range slices.Sorted(maps.Keys(s)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = records.AppendJSONString(b, kind)
		b = append(b, ':', '[')
		for j, v := range s[kind] {
			if j > 0 {
				b = append(b, ',')
			}
			b = records.AppendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return string(append(b, '}'))
}

// replaceKeys makes want the matching keys of one record: it deletes
// the rows of the keys it had and no longer has, adds the new ones, and
// rewrites its row of match_key_sets (or deletes it when want is empty).
// An edit that changes no name, e-mail or phone writes nothing.
func replaceKeys(ctx context.Context, q db.Querier, ws, object, id string, want keySet) error {
	have := keySet{}
	var stored string
	err := q.QueryRow(ctx, "SELECT keys FROM match_key_sets WHERE workspace_id = ? AND object = ? AND record_id = ?", ws, object, id).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = nil
	case err != nil:
		return err
	default:
		if err := json.Unmarshal([]byte(stored), &have); err != nil {
			return fmt.Errorf("match_key_sets of %s: %w", id, err)
		}
		for _, vals := range have { // a migration's sets are in no order
			slices.Sort(vals)
		}
	}
	var dropErr error
	have.each(func(kind, v string) {
		if dropErr == nil && !want.has(kind, v) {
			_, dropErr = q.Exec(ctx, "DELETE FROM match_keys WHERE workspace_id = ? AND object = ? AND kind = ? AND key = ? AND record_id = ?", ws, object, kind, v, id)
		}
	})
	if dropErr != nil {
		return dropErr
	}
	var vals []string
	var args []any
	want.each(func(kind, v string) {
		if !have.has(kind, v) {
			vals = append(vals, "(?, ?, ?, ?, ?)")
			args = append(args, ws, object, kind, v, id)
		}
	})
	if len(vals) > 0 {
		if _, err := q.Exec(ctx, "INSERT INTO match_keys (workspace_id, object, kind, key, record_id) VALUES "+strings.Join(vals, ",")+" ON CONFLICT DO NOTHING", args...); err != nil {
			return err
		}
	}
	if len(want) == 0 {
		if stored != "" {
			_, err = q.Exec(ctx, "DELETE FROM match_key_sets WHERE workspace_id = ? AND object = ? AND record_id = ?", ws, object, id)
		}
		return err
	}
	if enc := want.encode(); enc != stored {
		_, err = q.Exec(ctx, "INSERT INTO match_key_sets (workspace_id, object, record_id, keys) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, object, record_id) DO UPDATE SET keys = excluded.keys", ws, object, id, enc)
	}
	return err
}

// Entry is a record's search document and matching keys, for IndexNew.
type Entry struct {
	ID   string
	Doc  *Doc
	Keys []Key
}

// IndexNew writes the search documents, vocabulary and matching keys of
// records that have none yet (just created), with multi-row statements:
// what Index and SetKeys do for each, without their deletes.
func IndexNew(ctx context.Context, tx *db.Tx, ws, object string, entries []Entry) error {
	var docs, vocab, keys, sets [][]any
	for _, e := range entries {
		if words, weights, ok := e.Doc.encode(); ok {
			docs = append(docs, []any{ws, object, e.ID, words, weights})
		}
		for _, t := range e.Doc.vocab {
			vocab = append(vocab, []any{ws, t})
		}
		ks := newKeySet(e.Keys)
		if len(ks) == 0 {
			continue
		}
		ks.each(func(kind, v string) {
			keys = append(keys, []any{ws, object, kind, v, e.ID})
		})
		sets = append(sets, []any{ws, object, e.ID, ks.encode()})
	}
	// In key order, so that consecutive rows land on neighbouring index
	// pages rather than all over the tree.
	sort.Slice(keys, func(i, j int) bool {
		if a, b := keys[i][2].(string), keys[j][2].(string); a != b {
			return a < b
		}
		return keys[i][3].(string) < keys[j][3].(string)
	})
	sort.Slice(vocab, func(i, j int) bool { return vocab[i][1].(string) < vocab[j][1].(string) })
	if err := records.InsertRows(ctx, tx, "search_docs", DocColumns, docs, ""); err != nil {
		return fmt.Errorf("index %s: %w", object, err)
	}
	if err := records.InsertRows(ctx, tx, "search_vocab", []string{"workspace_id", "term"}, vocab, "ON CONFLICT DO NOTHING"); err != nil {
		return fmt.Errorf("index %s: %w", object, err)
	}
	if err := records.InsertRows(ctx, tx, "match_keys", []string{"workspace_id", "object", "kind", "key", "record_id"}, keys, ""); err != nil {
		return fmt.Errorf("keys %s: %w", object, err)
	}
	if err := records.InsertRows(ctx, tx, "match_key_sets", KeySetColumns, sets, ""); err != nil {
		return fmt.Errorf("keys %s: %w", object, err)
	}
	return nil
}

// KeySetColumns are the columns of match_key_sets.
var KeySetColumns = []string{"workspace_id", "object", "record_id", "keys"}

// KeySetRow returns the match_key_sets row of one record's keys and the
// keys themselves as they are stored (kind and value, in order), or nil
// and nothing when it has none: for bulk loaders that write the tables
// themselves.
func KeySetRow(ws, object, id string, keys []Key) ([]any, []Key) {
	ks := newKeySet(keys)
	if len(ks) == 0 {
		return nil, nil
	}
	var out []Key
	ks.each(func(kind, v string) { out = append(out, Key{Kind: kind, Value: v}) })
	return []any{ws, object, id, ks.encode()}, out
}

// DocColumns are the columns a search document is written with.
var DocColumns = []string{"workspace_id", "object", "record_id", "words", "weights"}

// DocRow returns the search_docs row of one record's document, in the
// order of DocColumns, or nil when the document holds no term: for bulk
// loaders that write the table themselves.
func DocRow(ws, object, id string, doc *Doc) []any {
	words, weights, ok := doc.encode()
	if !ok {
		return nil
	}
	return []any{ws, object, id, words, weights}
}
