package sales

import (
	"context"
	"fmt"
	"github.com/rapport-crm/rapport/internal/db"
	"slices"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// DealContact is a contact of a deal with the role they play in it.
type DealContact struct {
	ContactID string `json:"contact_id"`
	Name      string `json:"name"`
	Role      string `json:"role,omitempty"`
}

// DealContacts returns the deal's contacts (those the caller may see)
// with their roles.
func (s *Service) DealContacts(ctx context.Context, p *auth.Principal, dealID string) ([]DealContact, error) {
	if _, err := s.Records.Get(ctx, p, "deals", dealID, records.GetOptions{}); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, "SELECT contact_id, role FROM deal_contacts WHERE workspace_id = ? AND deal_id = ? ORDER BY contact_id", p.WorkspaceID, dealID)
	if err != nil {
		return nil, fmt.Errorf("deal contacts: %w", err)
	}
	var out []DealContact
	var ids []string
	for rows.Next() {
		var id any
		var dc DealContact
		if err := rows.Scan(&id, &dc.Role); err != nil {
			rows.Close()
			return nil, err
		}
		dc.ContactID = db.IDText(id)
		ids = append(ids, dc.ContactID)
		out = append(out, dc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	names, err := s.Records.Titles(ctx, p, "contacts", ids)
	if err != nil {
		return nil, err
	}
	seen := []DealContact{}
	for _, dc := range out {
		if n, ok := names[dc.ContactID]; ok {
			dc.Name = n
			seen = append(seen, dc)
		}
	}
	return seen, nil
}

// SetContactRole sets the role a contact of the deal plays (a value of
// customers.ContactRoles, or "" for none).
func (s *Service) SetContactRole(ctx context.Context, p *auth.Principal, dealID, contactID, role string) (*DealContact, error) {
	if _, err := s.Records.Get(ctx, p, "deals", dealID, records.GetOptions{}); err != nil {
		return nil, err
	}
	if !p.Can("deals", auth.ActUpdate) {
		return nil, errs.E(errs.Forbidden, "You may not change deals.")
	}
	if role != "" && !slices.ContainsFunc(customers.ContactRoles, func(o records.Option) bool { return o.Value == role }) {
		return nil, errs.Field("body.role", "must be decision_maker, influencer, user, billing, technical, other or empty")
	}
	if _, err := uuid.Parse(contactID); err != nil {
		return nil, errs.ErrNotFound
	}
	res, err := s.DB.Exec(ctx, "UPDATE deal_contacts SET role = ? WHERE workspace_id = ? AND deal_id = ? AND contact_id = ?", role, p.WorkspaceID, dealID, contactID)
	if err != nil {
		return nil, fmt.Errorf("set contact role: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, errs.E(errs.NotFound, "The contact is not one of the deal's contacts; add it to contact_ids first.")
	}
	names, _ := s.Records.Titles(ctx, p, "contacts", []string{contactID})
	return &DealContact{ContactID: contactID, Name: names[contactID], Role: role}, nil
}
