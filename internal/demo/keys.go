package demo

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/rapport-crm/rapport/internal/db"
)

// A load into an empty database writes the matching keys and the typo
// vocabulary last, in primary-key order, so that each lands on the end
// of its B-tree instead of all over it. They arrive in record order, so
// they are sorted in Go, off the writer: each chunk's builder sorts its
// keys into a compact run (no pointers, so the collector costs the
// garbage collector nothing), and the writer merges the runs at the end.
// Before, they went through staging tables and SQLite's sorter, which
// cost a third of the load's time and gigabytes of memory at a million
// contacts.

// keyRun is one chunk's matching keys in key order. Each entry is the
// index of its (object, kind) pair, the key's length and bytes, and the
// index of its record id, so a key costs about its length plus three
// bytes.
type keyRun struct {
	pairs [][2]string // object, kind
	ids   []string
	data  []byte
}

// keyCollector gathers the runs and the distinct vocabulary of a load.
type keyCollector struct {
	ws    string
	mu    sync.Mutex
	runs  []*keyRun
	vocab map[string]struct{}
}

func newKeyCollector(ws string) *keyCollector {
	return &keyCollector{ws: ws, vocab: map[string]struct{}{}}
}

// take removes the chunk's match_keys and search_vocab tables and keeps
// their rows. It runs on the builders.
func (kc *keyCollector) take(c *chunk) {
	kept := c.tables[:0]
	for _, t := range c.tables {
		switch t.name {
		case "match_keys":
			kc.addRun(t)
		case "search_vocab":
			kc.addVocab(t)
		default:
			kept = append(kept, t)
		}
	}
	c.tables = kept
}

func (kc *keyCollector) addVocab(t *table) {
	w := len(t.cols)
	terms := make(map[string]struct{}, t.nrows)
	for i := range t.nrows {
		terms[t.rows[i*w+1].(string)] = struct{}{}
	}
	kc.mu.Lock()
	for s := range terms {
		kc.vocab[s] = struct{}{}
	}
	kc.mu.Unlock()
}

// addRun sorts the rows of a match_keys table (workspace_id, object,
// kind, key, record_id) and encodes them as a run.
func (kc *keyCollector) addRun(t *table) {
	if t.nrows == 0 {
		return
	}
	type ent struct{ object, kind, key, id string }
	w := len(t.cols)
	es := make([]ent, t.nrows)
	for i := range es {
		r := t.rows[i*w : (i+1)*w]
		es[i] = ent{r[1].(string), r[2].(string), r[3].(string), r[4].(string)}
	}
	slices.SortFunc(es, func(a, b ent) int {
		return cmp.Or(cmp.Compare(a.object, b.object), cmp.Compare(a.kind, b.kind), cmp.Compare(a.key, b.key), cmp.Compare(a.id, b.id))
	})
	run := &keyRun{}
	pairIdx := map[[2]string]int{}
	idIdx := map[string]int{}
	size := 0
	for _, e := range es {
		size += len(e.key) + 4
	}
	run.data = make([]byte, 0, size)
	for _, e := range es {
		p := [2]string{e.object, e.kind}
		pi, ok := pairIdx[p]
		if !ok {
			pi = len(run.pairs)
			pairIdx[p] = pi
			run.pairs = append(run.pairs, p)
		}
		ii, ok := idIdx[e.id]
		if !ok {
			ii = len(run.ids)
			idIdx[e.id] = ii
			run.ids = append(run.ids, e.id)
		}
		run.data = binary.AppendUvarint(run.data, uint64(pi))
		run.data = binary.AppendUvarint(run.data, uint64(len(e.key)))
		run.data = append(run.data, e.key...)
		run.data = binary.AppendUvarint(run.data, uint64(ii))
	}
	kc.mu.Lock()
	kc.runs = append(kc.runs, run)
	kc.mu.Unlock()
}

// runCursor reads a run's entries in order.
type runCursor struct {
	run                   *keyRun
	off                   int
	object, kind, key, id string
}

func (c *runCursor) next() bool {
	d := c.run.data
	if c.off >= len(d) {
		return false
	}
	pi, n := binary.Uvarint(d[c.off:])
	c.off += n
	kl, n := binary.Uvarint(d[c.off:])
	c.off += n
	c.key = string(d[c.off : c.off+int(kl)])
	c.off += int(kl)
	ii, n := binary.Uvarint(d[c.off:])
	c.off += n
	c.object, c.kind = c.run.pairs[pi][0], c.run.pairs[pi][1]
	c.id = c.run.ids[ii]
	return true
}

func (c *runCursor) compare(o *runCursor) int {
	return cmp.Or(cmp.Compare(c.object, o.object), cmp.Compare(c.kind, o.kind), cmp.Compare(c.key, o.key), cmp.Compare(c.id, o.id))
}

type cursorHeap []*runCursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return h[i].compare(h[j]) < 0 }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*runCursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// merge sends the distinct keys of every run in key order, as full
// match_keys tables of perBatch rows, until done is closed.
func (kc *keyCollector) merge(out chan<- *table, done <-chan struct{}) {
	defer close(out)
	h := make(cursorHeap, 0, len(kc.runs))
	for _, r := range kc.runs {
		c := &runCursor{run: r}
		if c.next() {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	t := keysTable()
	var last runCursor
	for len(h) > 0 {
		c := h[0]
		if t.nrows == 0 || c.compare(&last) != 0 {
			t.add(kc.ws, c.object, c.kind, c.key, c.id)
			last = *c
		}
		if c.next() {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
		if t.nrows == t.perBatch {
			select {
			case out <- t:
			case <-done:
				return
			}
			t = keysTable()
		}
	}
	if t.nrows > 0 {
		select {
		case out <- t:
		case <-done:
		}
	}
}

func keysTable() *table {
	return newTable("match_keys", "ON CONFLICT DO NOTHING", "workspace_id", "object", "kind", "key", "record_id")
}

// keyRowsPerTx bounds a transaction of the final copy, so the WAL stays
// a few hundred megabytes.
const keyRowsPerTx = 1_000_000

// write inserts the vocabulary and the merged keys, then forgets them.
func (kc *keyCollector) write(ctx context.Context, d *db.DB, progress func(string, int, int)) (int, error) {
	rows := 0
	if progress != nil {
		progress("keys", 0, 2)
	}
	terms := make([]string, 0, len(kc.vocab))
	for s := range kc.vocab {
		terms = append(terms, s)
	}
	kc.vocab = nil
	sort.Strings(terms)
	vocab := newTable("search_vocab", "ON CONFLICT DO NOTHING", "workspace_id", "term")
	for _, s := range terms {
		vocab.add(kc.ws, s)
	}
	tx, err := d.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	n, err := vocab.flush(ctx, tx)
	if err != nil {
		return 0, err
	}
	rows += n
	if progress != nil {
		progress("keys", 1, 2)
	}
	batches := make(chan *table, 4)
	done := make(chan struct{})
	defer close(done)
	go kc.merge(batches, done)
	inTx := 0
	for t := range batches {
		n, err := t.flush(ctx, tx)
		if err != nil {
			return rows, err
		}
		rows += n
		if inTx += n; inTx >= keyRowsPerTx {
			if err := tx.Commit(); err != nil {
				return rows, fmt.Errorf("load match_keys: %w", err)
			}
			if tx, err = d.Begin(ctx); err != nil {
				return rows, err
			}
			inTx = 0
		}
	}
	if err := tx.Commit(); err != nil {
		return rows, fmt.Errorf("load match_keys: %w", err)
	}
	kc.runs = nil
	if progress != nil {
		progress("keys", 2, 2)
	}
	return rows, nil
}
