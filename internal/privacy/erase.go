package privacy

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rapport-crm/rapport/internal/activities"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/search"
)

// EraseInput confirms an erasure: Confirm must repeat the id of the
// contact, so that no request erases someone by accident.
type EraseInput struct {
	Confirm string `json:"confirm"`
}

// Validate checks the confirmation against the contact's id. A missing
// or wrong confirmation is a bad request naming body.confirm.
func (in EraseInput) Validate(id string) error {
	c := strings.TrimSpace(in.Confirm)
	switch {
	case c == "":
		return &errs.Error{Code: errs.BadRequest, Message: "Confirm the erasure: send confirm with the id of the contact.",
			Fields: []errs.FieldError{{Location: "body.confirm", Message: "is required: the id of the contact to erase"}}}
	case !strings.EqualFold(c, id):
		return &errs.Error{Code: errs.BadRequest, Message: "The confirmation does not match: send confirm with the id of the contact.",
			Fields: []errs.FieldError{{Location: "body.confirm", Message: "must be the id of the contact to erase"}}}
	}
	return nil
}

// EraseSummary says what an erasure did. An erasure of a contact already
// erased changes nothing and says so with zero counts and AlreadyErased.
type EraseSummary struct {
	ID                   string   `json:"id"`
	FieldsCleared        []string `json:"fields_cleared"`
	HistoryAnonymised    int      `json:"history_entries_anonymised"`
	AttachmentsDeleted   int      `json:"attachments_deleted"`
	ActivitiesAnonymised int      `json:"activities_anonymised"`
	RelationshipsRemoved int      `json:"relationships_removed"`
	MergedRecordsErased  int      `json:"merged_records_erased"`
	LeadsAnonymised      int      `json:"leads_anonymised"`
	AlreadyErased        bool     `json:"already_erased"`
}

// Erase erases the contact id, in one transaction:
//
//   - its personal values (see Personal) are cleared and its name becomes
//     customers.ErasedName; the record keeps its id, account, tags and
//     owner, so links to it stay valid;
//   - every value of those fields in its history is anonymised (cleared),
//     and the same is done to the records merged into it, which hold the
//     same person's values in the trash;
//   - its search terms and duplicate-matching keys are deleted, and the
//     words of its names leave the typo-correction vocabulary unless
//     another record still has them;
//   - its attachments are deleted (the rows in the transaction, the
//     files once it has committed);
//   - its relationships with other contacts are deleted;
//   - the leads that hold the person (converted into the contact, or
//     with one of its e-mail addresses or phone numbers, now or in their
//     history: sales.PersonLeads) are anonymised the same way: their
//     personal values cleared in the record and its history, their name
//     ErasedName, their search terms gone;
//   - its e-mail addresses, old ones included, are replaced by
//     ErasedEmail in every activity linked to it or to those leads
//     (sender, recipients, attendees, subject, body) and in those
//     activities' history;
//   - each record changed gets one history entry of action erase: who
//     and when, the names of the fields, no values.
//
// The caller needs the right to change and to delete contacts
// (forbidden), and the contact must be in their workspace and scope, in
// the trash or not (not_found). Erasing twice changes nothing the
// second time.
func (s *Service) Erase(ctx context.Context, p *auth.Principal, id string, in EraseInput) (*EraseSummary, error) {
	if err := checkErase(p); err != nil {
		return nil, err
	}
	o, err := s.Records.Object("contacts")
	if err != nil {
		return nil, err
	}
	rec, err := s.Records.Get(ctx, p, o.Name, id, records.GetOptions{IncludeDeleted: true})
	if err != nil {
		return nil, err
	}
	if err := in.Validate(rec.ID); err != nil {
		return nil, err
	}
	ws := p.WorkspaceID
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sum := &EraseSummary{ID: rec.ID}
	spec := records.EraseSpec{Value: clearPersonal, Set: map[string]any{"name": customers.ErasedName}}
	res, err := s.Records.EraseTx(ctx, tx, p, o, rec.ID, spec)
	if err != nil {
		return nil, err
	}
	sum.FieldsCleared, sum.HistoryAnonymised = res.Fields, res.History
	addrs := map[string]bool{}
	addresses(res.Removed, addrs)
	phones := phoneNumbers(res.Removed)
	words := nameWords(res.Removed)
	merged, err := s.Records.MergedInto(ctx, tx, ws, o, rec.ID)
	if err != nil {
		return nil, err
	}
	var attIDs []string
	for _, mid := range append([]string{rec.ID}, merged...) {
		if mid != rec.ID {
			mres, err := s.Records.EraseTx(ctx, tx, p, o, mid, spec)
			if err != nil {
				return nil, err
			}
			if mres.Changed {
				sum.MergedRecordsErased++
			}
			sum.HistoryAnonymised += mres.History
			addresses(mres.Removed, addrs)
			phones = append(phones, phoneNumbers(mres.Removed)...)
			words = append(words, nameWords(mres.Removed)...)
		}
		if err := search.Remove(ctx, tx, ws, o.Name, mid); err != nil {
			return nil, err
		}
		ids, err := s.Files.DeleteForRecordTx(ctx, tx, ws, o.Name, mid)
		if err != nil {
			return nil, err
		}
		attIDs = append(attIDs, ids...)
		n, err := customers.RemoveRelationshipsTx(ctx, tx, ws, o.Name, mid)
		if err != nil {
			return nil, err
		}
		sum.RelationshipsRemoved += int(n)
	}
	sum.AttachmentsDeleted = len(attIDs)
	// The leads that hold the same person, found by the addresses and
	// numbers the erasure took out, and the activities linked to them.
	list := make([]string, 0, len(addrs))
	for a := range addrs {
		list = append(list, a)
	}
	leadIDs, err := sales.PersonLeads(ctx, tx, ws, rec.ID, list, phones)
	if err != nil {
		return nil, err
	}
	var leadActs []string
	if len(leadIDs) > 0 {
		lo, err := s.Records.Object("leads")
		if err != nil {
			return nil, err
		}
		for _, lid := range leadIDs {
			lres, err := s.Records.EraseTx(ctx, tx, p, lo, lid, spec)
			if err != nil {
				return nil, err
			}
			if lres.Changed {
				sum.LeadsAnonymised++
			}
			sum.HistoryAnonymised += lres.History
			addresses(lres.Removed, addrs)
			words = append(words, nameWords(lres.Removed)...)
			if err := search.Remove(ctx, tx, ws, lo.Name, lid); err != nil {
				return nil, err
			}
			ids, err := sales.LeadActivityIDs(ctx, tx, ws, lid)
			if err != nil {
				return nil, err
			}
			leadActs = append(leadActs, ids...)
		}
	}
	if _, err := search.PruneVocab(ctx, tx, ws, words); err != nil {
		return nil, err
	}
	if len(addrs) > 0 {
		list = list[:0]
		for a := range addrs {
			list = append(list, a)
		}
		// Longest first, so an address that contains another is replaced
		// whole.
		sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
		acts, err := s.Records.Object("activities")
		if err != nil {
			return nil, err
		}
		ids, err := activities.LinkedIDs(ctx, tx, ws, o.Name, rec.ID)
		if err != nil {
			return nil, err
		}
		for _, aid := range leadActs {
			if !slices.Contains(ids, aid) {
				ids = append(ids, aid)
			}
		}
		scrub := records.EraseSpec{Value: scrubber(list)}
		for _, aid := range ids {
			ares, err := s.Records.EraseTx(ctx, tx, p, acts, aid, scrub)
			if err != nil {
				return nil, err
			}
			if ares.Changed {
				sum.ActivitiesAnonymised++
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("erase contact %s: %w", rec.ID, err)
	}
	if err := s.Files.RemoveStored(ws, attIDs); err != nil {
		// The rows are gone, so nothing shows or serves the files any
		// more; the operator removes what is left.
		s.Log.ErrorContext(ctx, "erase: attachment files left on disk", "err", err, "contact", rec.ID, "attachments", attIDs)
	}
	sum.AlreadyErased = !res.Changed && sum.MergedRecordsErased == 0 && sum.AttachmentsDeleted == 0 &&
		sum.RelationshipsRemoved == 0 && sum.ActivitiesAnonymised == 0 && sum.LeadsAnonymised == 0
	return sum, nil
}
