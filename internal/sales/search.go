package sales

import (
	"context"
	"fmt"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
)

// SearchSources are the sales objects the search box finds.
var SearchSources = []search.Source{
	{Object: "deals", Table: "deals", Title: "name", Subtitle: "stage_name"},
	{Object: "leads", Table: "leads", Title: "name", Subtitle: "company"},
}

// LeadDoc is what a lead is found by in search.
func LeadDoc(r *records.Record) *search.Doc {
	var d search.Doc
	d.Add(str(r, "name"), search.WeightName)
	d.Add(str(r, "company"), search.WeightCompany)
	d.AddEmail(str(r, "email"), search.WeightContact)
	d.Add(str(r, "city"), search.WeightOther)
	return &d
}

// DealDoc is what a deal is found by in search.
func DealDoc(r *records.Record) *search.Doc {
	var d search.Doc
	d.Add(str(r, "name"), search.WeightName)
	d.Add(str(r, "competitors"), search.WeightOther)
	return &d
}

func docOf(object string, r *records.Record) *search.Doc {
	if object == "leads" {
		return LeadDoc(r)
	}
	return DealDoc(r)
}

// searchHooks keeps an object's search terms in step with its records.
func searchHooks(h *records.Hooks, object string) {
	index := func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		return search.Index(ctx, tx, p.WorkspaceID, object, r.ID, docOf(object, r))
	}
	chain := func(prev func(context.Context, *db.Tx, *auth.Principal, *records.Record) error, next func(context.Context, *db.Tx, *auth.Principal, *records.Record) error) func(context.Context, *db.Tx, *auth.Principal, *records.Record) error {
		return func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			if prev != nil {
				if err := prev(ctx, tx, p, r); err != nil {
					return err
				}
			}
			return next(ctx, tx, p, r)
		}
	}
	h.AfterCreate = chain(h.AfterCreate, index)
	h.AfterRestore = chain(h.AfterRestore, index)
	h.AfterDelete = chain(h.AfterDelete, func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		return search.Remove(ctx, tx, p.WorkspaceID, object, r.ID)
	})
	prevUpdate := h.AfterUpdate
	h.AfterUpdate = func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		if prevUpdate != nil {
			if err := prevUpdate(ctx, tx, p, old, r); err != nil {
				return err
			}
		}
		return index(ctx, tx, p, r)
	}
}

// Reindex rebuilds the search terms of every live lead and deal of
// workspace ws (after a workspace is restored from an archive); the
// caller has cleared the old terms.
func (s *Service) Reindex(ctx context.Context, tx *db.Tx, ws string) error {
	for _, object := range []string{"leads", "deals"} {
		err := s.Records.Scan(ctx, tx, ws, object, 500, func(rs []*records.Record) error {
			entries := make([]search.Entry, len(rs))
			for i, r := range rs {
				entries[i] = search.Entry{ID: r.ID, Doc: docOf(object, r)}
			}
			return search.IndexNew(ctx, tx, ws, object, entries)
		})
		if err != nil {
			return fmt.Errorf("reindex %s: %w", object, err)
		}
	}
	return nil
}
