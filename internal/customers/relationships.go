package customers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// RelType is a kind of relationship and what it reads as from the other
// side.
type RelType struct {
	Value   string
	Inverse string
	Labels  map[string]string
}

func rel(value, inverse, en, es, zh string) RelType {
	return RelType{Value: value, Inverse: inverse, Labels: map[string]string{"en": en, "es": es, "zh": zh}}
}

// RelTypes are the relationship kinds per object. Each has its inverse,
// which the other record shows.
var RelTypes = map[string][]RelType{
	"accounts": {
		rel("partner_of", "partner_of", "Partner of", "Socio de", "合作伙伴"),
		rel("distributor_for", "distributed_by", "Distributor for", "Distribuidor de", "分销"),
		rel("distributed_by", "distributor_for", "Distributed by", "Distribuido por", "经销商为"),
		rel("subsidiary_of", "parent_of", "Subsidiary of", "Filial de", "子公司，母公司为"),
		rel("parent_of", "subsidiary_of", "Parent of", "Matriz de", "母公司，子公司为"),
		rel("supplier_of", "customer_of", "Supplier of", "Proveedor de", "供应商，客户为"),
		rel("customer_of", "supplier_of", "Customer of", "Cliente de", "客户，供应商为"),
		rel("competitor_of", "competitor_of", "Competitor of", "Competidor de", "竞争对手"),
		rel("reseller_of", "resold_by", "Reseller of", "Revendedor de", "转售"),
		rel("resold_by", "reseller_of", "Resold by", "Revendido por", "由其转售"),
	},
	"contacts": {
		rel("reports_to", "manages", "Reports to", "Depende de", "汇报给"),
		rel("manages", "reports_to", "Manages", "Dirige a", "管理"),
		rel("assistant_of", "has_assistant", "Assistant of", "Asistente de", "助理，服务于"),
		rel("has_assistant", "assistant_of", "Has assistant", "Tiene como asistente a", "助理为"),
		rel("colleague_of", "colleague_of", "Colleague of", "Colega de", "同事"),
		rel("spouse_of", "spouse_of", "Spouse of", "Cónyuge de", "配偶"),
		rel("referred_by", "referred", "Referred by", "Recomendado por", "推荐人为"),
		rel("referred", "referred_by", "Referred", "Recomendó a", "推荐了"),
		rel("friend_of", "friend_of", "Friend of", "Amigo de", "朋友"),
	},
}

func relType(object, value string) (RelType, bool) {
	for _, t := range RelTypes[object] {
		if t.Value == value {
			return t, true
		}
	}
	return RelType{}, false
}

// Label returns the type's label in lang.
func (t RelType) Label(lang string) string {
	if l := t.Labels[lang]; l != "" {
		return l
	}
	return t.Labels["en"]
}

// Relationship is a relationship as one record sees it: Type reads from
// this record to Other (the inverse type when it was entered from the
// other side).
type Relationship struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Other      string    `json:"other_id"`
	OtherTitle string    `json:"other_title"`
	Note       string    `json:"note,omitempty"`
	Inverse    bool      `json:"inverse"`
	CreatedAt  time.Time `json:"created_at"`
}

// RelationshipInput adds a relationship from a record to another.
type RelationshipInput struct {
	Type  string `json:"type"`
	Other string `json:"other_id"`
	Note  string `json:"note"`
}

func relTable(object string) (string, error) {
	switch object {
	case "accounts":
		return "account_relationships", nil
	case "contacts":
		return "contact_relationships", nil
	}
	return "", errs.ErrNotFound
}

// Relationships lists a record's relationships in both directions.
func (s *Service) Relationships(ctx context.Context, p *auth.Principal, object, id string) ([]Relationship, error) {
	table, err := relTable(object)
	if err != nil {
		return nil, err
	}
	if _, err := s.Records.Get(ctx, p, object, id, records.GetOptions{}); err != nil {
		return nil, err
	}
	scope, sargs := records.ScopeSQL(p, object)
	cond := ""
	if scope != "" {
		cond = " AND o." + scope
	}
	q := `SELECT r.id, r.type, r.to_id, o.name, r.note, r.created_at, 0 FROM ` + table + ` r JOIN ` + object + ` o ON o.workspace_id = r.workspace_id AND o.id = r.to_id AND o.deleted_at IS NULL` + cond + `
WHERE r.workspace_id = ? AND r.from_id = ?
UNION ALL
SELECT r.id, r.type, r.from_id, o.name, r.note, r.created_at, 1 FROM ` + table + ` r JOIN ` + object + ` o ON o.workspace_id = r.workspace_id AND o.id = r.from_id AND o.deleted_at IS NULL` + cond + `
WHERE r.workspace_id = ? AND r.to_id = ?`
	var args []any
	args = append(args, sargs...)
	args = append(args, p.WorkspaceID, id)
	args = append(args, sargs...)
	args = append(args, p.WorkspaceID, id)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("relationships: %w", err)
	}
	defer rows.Close()
	out := []Relationship{}
	for rows.Next() {
		var r Relationship
		var rid, other any
		var at db.Time
		var inv int64
		if err := rows.Scan(&rid, &r.Type, &other, &r.OtherTitle, &r.Note, &at, &inv); err != nil {
			return nil, fmt.Errorf("relationships: %w", err)
		}
		r.ID, r.Other, r.CreatedAt, r.Inverse = db.IDText(rid), db.IDText(other), at.Time, inv == 1
		if r.Inverse {
			if t, ok := relType(object, r.Type); ok {
				r.Type = t.Inverse
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddRelationship relates record id to another record of the same
// object. The caller must be able to change id and read the other.
func (s *Service) AddRelationship(ctx context.Context, p *auth.Principal, object, id string, in RelationshipInput) (*Relationship, error) {
	table, err := relTable(object)
	if err != nil {
		return nil, err
	}
	if !p.Can(object, auth.ActUpdate) {
		return nil, errs.E(errs.Forbidden, "You may not change %s.", object)
	}
	if _, err := s.Records.Get(ctx, p, object, id, records.GetOptions{}); err != nil {
		return nil, err
	}
	var fe []errs.FieldError
	t, ok := relType(object, in.Type)
	if !ok {
		vals := make([]string, 0, len(RelTypes[object]))
		for _, x := range RelTypes[object] {
			vals = append(vals, x.Value)
		}
		fe = append(fe, errs.FieldError{Location: "body.type", Message: "must be one of: " + strings.Join(vals, ", ")})
	}
	var otherTitle string
	if in.Other == id {
		fe = append(fe, errs.FieldError{Location: "body.other_id", Message: "must be another record"})
	} else if other, err := s.Records.Get(ctx, p, object, in.Other, records.GetOptions{}); err != nil {
		fe = append(fe, errs.FieldError{Location: "body.other_id", Message: "names no " + object + " record you can read"})
	} else {
		otherTitle = str(other, "name")
	}
	if len(in.Note) > 500 {
		fe = append(fe, errs.FieldError{Location: "body.note", Message: "must be at most 500 characters"})
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	// Stored one way; the same pair entered from the other side as the
	// inverse type is the same relationship.
	from, to, typ := id, in.Other, t.Value
	var n int
	if err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM "+table+" WHERE workspace_id = ? AND ((from_id = ? AND to_id = ? AND type = ?) OR (from_id = ? AND to_id = ? AND type = ?))",
		p.WorkspaceID, from, to, typ, to, from, t.Inverse).Scan(&n); err != nil {
		return nil, fmt.Errorf("add relationship: %w", err)
	}
	if n > 0 {
		return nil, &errs.Error{Code: errs.Conflict, Message: "These records already have this relationship.", Fields: []errs.FieldError{{Location: "body.type", Message: "is already set between these records"}}}
	}
	now := s.Now().UTC()
	r := &Relationship{ID: records.NewID(), Type: typ, Other: to, OtherTitle: otherTitle, Note: in.Note, CreatedAt: now}
	if _, err := s.DB.Exec(ctx, "INSERT INTO "+table+" (id, workspace_id, from_id, to_id, type, note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, p.WorkspaceID, from, to, typ, in.Note, db.T(now), p.UserID); err != nil {
		return nil, fmt.Errorf("add relationship: %w", db.MapError(err))
	}
	return r, nil
}

// DeleteRelationship removes a relationship of record id.
func (s *Service) DeleteRelationship(ctx context.Context, p *auth.Principal, object, id, relID string) error {
	table, err := relTable(object)
	if err != nil {
		return err
	}
	if !p.Can(object, auth.ActUpdate) {
		return errs.E(errs.Forbidden, "You may not change %s.", object)
	}
	if _, err := s.Records.Get(ctx, p, object, id, records.GetOptions{}); err != nil {
		return err
	}
	res, err := s.DB.Exec(ctx, "DELETE FROM "+table+" WHERE workspace_id = ? AND id = ? AND (from_id = ? OR to_id = ?)", p.WorkspaceID, relID, id, id)
	if err != nil {
		return fmt.Errorf("delete relationship: %w", db.MapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	return nil
}

// Membership is a contact's place at an account.
type Membership struct {
	AccountID string `json:"account_id"`
	ContactID string `json:"contact_id"`
	Title     string `json:"title"`
	Role      string `json:"role"`
	Primary   bool   `json:"primary"`
}

// ContactAccounts lists the accounts a contact belongs to.
func (s *Service) ContactAccounts(ctx context.Context, p *auth.Principal, id string, limit int) ([]Membership, error) {
	if _, err := s.Records.Get(ctx, p, "contacts", id, records.GetOptions{}); err != nil {
		return nil, err
	}
	return s.memberships(ctx, p, "accounts", "ac.contact_id = ?", id, limit)
}

// AccountContacts lists the contacts of an account.
func (s *Service) AccountContacts(ctx context.Context, p *auth.Principal, id string, limit int) ([]Membership, error) {
	if _, err := s.Records.Get(ctx, p, "accounts", id, records.GetOptions{}); err != nil {
		return nil, err
	}
	return s.memberships(ctx, p, "contacts", "ac.account_id = ?", id, limit)
}

func (s *Service) memberships(ctx context.Context, p *auth.Principal, other, cond, id string, limit int) ([]Membership, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	out := []Membership{}
	if !p.Can(other, auth.ActRead) {
		return out, nil
	}
	join := "o.id = ac.account_id"
	if other == "contacts" {
		join = "o.id = ac.contact_id"
	}
	scope, sargs := records.ScopeSQL(p, other)
	q := "SELECT ac.account_id, ac.contact_id, o.name, ac.role, ac.is_primary FROM account_contacts ac JOIN " + other + " o ON o.workspace_id = ac.workspace_id AND " + join + " AND o.deleted_at IS NULL"
	args := []any{}
	if scope != "" {
		q += " AND o." + scope
		args = append(args, sargs...)
	}
	// Primary members first, then the newest: an index order, so a large
	// account lists its first members without sorting them all.
	q += " WHERE ac.workspace_id = ? AND " + cond + " ORDER BY ac.is_primary DESC, ac.created_at DESC LIMIT ?"
	args = append(args, p.WorkspaceID, id, limit)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("memberships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Membership
		var a, c any
		if err := rows.Scan(&a, &c, &m.Title, &m.Role, &m.Primary); err != nil {
			return nil, fmt.Errorf("memberships: %w", err)
		}
		m.AccountID, m.ContactID = db.IDText(a), db.IDText(c)
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountAccountContacts counts the contacts of an account the caller
// may read.
func (s *Service) CountAccountContacts(ctx context.Context, p *auth.Principal, id string) (int, error) {
	if !p.Can("contacts", auth.ActRead) {
		return 0, nil
	}
	q := "SELECT COUNT(*) FROM account_contacts ac JOIN contacts o ON o.workspace_id = ac.workspace_id AND o.id = ac.contact_id AND o.deleted_at IS NULL"
	args := []any{}
	if scope, sargs := records.ScopeSQL(p, "contacts"); scope != "" {
		q += " AND o." + scope
		args = append(args, sargs...)
	}
	q += " WHERE ac.workspace_id = ? AND ac.account_id = ?"
	var n int
	if err := s.DB.QueryRow(ctx, q, append(args, p.WorkspaceID, id)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}

// MembershipInput adds a contact to an account with a role.
type MembershipInput struct {
	AccountID string `json:"account_id"`
	Role      string `json:"role"`
	Primary   bool   `json:"primary"`
}

// AddMembership links a contact to an account (or changes the role of
// an existing link). Making it primary sets the contact's account.
func (s *Service) AddMembership(ctx context.Context, p *auth.Principal, contactID string, in MembershipInput) error {
	if !p.Can("contacts", auth.ActUpdate) {
		return errs.E(errs.Forbidden, "You may not change contacts.")
	}
	if _, err := s.Records.Get(ctx, p, "contacts", contactID, records.GetOptions{}); err != nil {
		return err
	}
	var fe []errs.FieldError
	if _, err := s.Records.Get(ctx, p, "accounts", in.AccountID, records.GetOptions{}); err != nil {
		fe = append(fe, errs.FieldError{Location: "body.account_id", Message: "names no account you can read"})
	}
	if in.Role != "" {
		ok := false
		for _, o := range ContactRoles {
			ok = ok || o.Value == in.Role
		}
		if !ok {
			vals := make([]string, len(ContactRoles))
			for i, o := range ContactRoles {
				vals[i] = o.Value
			}
			fe = append(fe, errs.FieldError{Location: "body.role", Message: "must be one of: " + strings.Join(vals, ", ")})
		}
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	if in.Primary {
		_, err := s.Records.Update(ctx, p, "contacts", contactID, "", records.Input{"account_id": in.AccountID})
		if err != nil {
			return err
		}
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.linkAccount(ctx, tx, p.WorkspaceID, contactID, in.AccountID, in.Role, in.Primary); err != nil {
		return err
	}
	if in.Role == "" {
		// An explicit empty role clears it on an existing link.
		if _, err := tx.Exec(ctx, "UPDATE account_contacts SET role = '' WHERE workspace_id = ? AND contact_id = ? AND account_id = ?", p.WorkspaceID, contactID, in.AccountID); err != nil {
			return fmt.Errorf("contact accounts: %w", err)
		}
	}
	return tx.Commit()
}

// RemoveMembership unlinks a contact from an account. Removing the
// primary account clears the contact's account.
func (s *Service) RemoveMembership(ctx context.Context, p *auth.Principal, contactID, accountID string) error {
	if !p.Can("contacts", auth.ActUpdate) {
		return errs.E(errs.Forbidden, "You may not change contacts.")
	}
	c, err := s.Records.Get(ctx, p, "contacts", contactID, records.GetOptions{})
	if err != nil {
		return err
	}
	if str(c, "account_id") == accountID {
		if _, err := s.Records.Update(ctx, p, "contacts", contactID, "", records.Input{"account_id": nil}); err != nil {
			return err
		}
	}
	res, err := s.DB.Exec(ctx, "DELETE FROM account_contacts WHERE workspace_id = ? AND contact_id = ? AND account_id = ?", p.WorkspaceID, contactID, accountID)
	if err != nil {
		return fmt.Errorf("contact accounts: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	return nil
}

// TreeNode is an account in its hierarchy with counts rolled up from
// its subsidiaries.
type TreeNode struct {
	ID              string      `json:"id"`
	Name            string      `json:"name"`
	Contacts        int         `json:"contacts"`
	Activities      int         `json:"activities"`
	TotalContacts   int         `json:"total_contacts"`
	TotalActivities int         `json:"total_activities"`
	Children        []*TreeNode `json:"children,omitempty"`
	Current         bool        `json:"current,omitempty"`
	// Restricted: the caller may not read this account; its name is left
	// out and it is shown as a placeholder.
	Restricted bool `json:"restricted,omitempty"`
	parent     string
}

// Tree returns the hierarchy an account belongs to, from its top
// ancestor down, with contact and activity counts per account and
// rolled up to each parent.
func (s *Service) Tree(ctx context.Context, p *auth.Principal, id string) (*TreeNode, error) {
	if _, err := s.Records.Get(ctx, p, "accounts", id, records.GetOptions{}); err != nil {
		return nil, err
	}
	// Up to the root.
	root := id
	for range 1000 {
		var up *string
		if err := s.DB.QueryRow(ctx, "SELECT parent_id FROM accounts WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL", p.WorkspaceID, root).Scan(&up); err != nil {
			return nil, fmt.Errorf("account tree: %w", err)
		}
		if up == nil || *up == "" {
			break
		}
		root = *up
	}
	// Counts cover what the caller may read; accounts outside their scope
	// stay in the tree (its shape is not secret) without name or counts.
	contactCond, contactArgs := records.ScopeSQL(p, "contacts")
	contactCount := "(SELECT COUNT(*) FROM contacts c WHERE c.workspace_id = ? AND c.account_id = t.id AND c.deleted_at IS NULL"
	if contactCond != "" {
		contactCount += " AND c." + contactCond
	}
	contactCount += ")"
	actCond, actArgs := records.ScopeSQL(p, "activities")
	// Link rows of trashed activities have no time, so with no scope the
	// count reads the link index alone.
	actCount := "(SELECT COUNT(*) FROM activity_links l WHERE l.workspace_id = ? AND l.account_id = t.id AND l.occurred_at IS NOT NULL)"
	if actCond != "" {
		actCount = "(SELECT COUNT(*) FROM activity_links l JOIN activities x ON x.workspace_id = l.workspace_id AND x.id = l.activity_id AND x.deleted_at IS NULL WHERE l.workspace_id = ? AND l.account_id = t.id AND x." + actCond + ")"
	}
	if !p.Can("contacts", auth.ActRead) {
		contactCount, contactArgs = "0", nil
	}
	if !p.Can("activities", auth.ActRead) {
		actCount, actArgs = "0", nil
	}
	readable := "1"
	accCond, accArgs := records.ScopeSQL(p, "accounts")
	if accCond != "" {
		readable = "CASE WHEN " + accCond + " THEN 1 ELSE 0 END"
	}
	args := []any{p.WorkspaceID, root, p.WorkspaceID}
	if contactCount != "0" {
		args = append(args, p.WorkspaceID)
		args = append(args, contactArgs...)
	}
	if actCount != "0" {
		args = append(args, p.WorkspaceID)
		args = append(args, actArgs...)
	}
	args = append(args, accArgs...)
	rows, err := s.DB.Query(ctx, `WITH RECURSIVE t(id, parent_id, name, owner_id, depth) AS (
  SELECT id, parent_id, name, owner_id, 0 FROM accounts WHERE workspace_id = ? AND id = ?
  UNION ALL
  SELECT a.id, a.parent_id, a.name, a.owner_id, t.depth + 1 FROM accounts a JOIN t ON a.parent_id = t.id
  WHERE a.workspace_id = ? AND a.deleted_at IS NULL AND t.depth < 20
)
SELECT t.id, t.parent_id, t.name, `+contactCount+`, `+actCount+`, `+readable+`
FROM t ORDER BY t.depth, lower(t.name) LIMIT 2000`, args...)
	if err != nil {
		return nil, fmt.Errorf("account tree: %w", err)
	}
	defer rows.Close()
	nodes := map[string]*TreeNode{}
	var order []*TreeNode
	for rows.Next() {
		n := &TreeNode{}
		var nid, parent any
		var ok int
		if err := rows.Scan(&nid, &parent, &n.Name, &n.Contacts, &n.Activities, &ok); err != nil {
			return nil, fmt.Errorf("account tree: %w", err)
		}
		n.ID, n.parent = db.IDText(nid), db.IDText(parent)
		n.Current = n.ID == id
		if ok == 0 {
			n.Name, n.Restricted = "", true
		}
		nodes[n.ID] = n
		order = append(order, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		n.TotalContacts += n.Contacts
		n.TotalActivities += n.Activities
		if par := nodes[n.parent]; par != nil && n.ID != root {
			par.TotalContacts += n.TotalContacts
			par.TotalActivities += n.TotalActivities
		}
	}
	for _, n := range order {
		if par := nodes[n.parent]; par != nil && n.ID != root {
			par.Children = append(par.Children, n)
		}
	}
	return nodes[root], nil
}

// RemoveRelationshipsTx deletes every relationship of a record, in
// both directions, inside the caller's transaction, without a
// permission check (an erasure: a person's ties to others and the notes
// on them are about the person). It returns how many it deleted.
func RemoveRelationshipsTx(ctx context.Context, tx *db.Tx, ws, object, id string) (int64, error) {
	table, err := relTable(object)
	if err != nil {
		return 0, err
	}
	res, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE workspace_id = ? AND (from_id = ? OR to_id = ?)", ws, id, id)
	if err != nil {
		return 0, fmt.Errorf("remove relationships: %w", db.MapError(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
