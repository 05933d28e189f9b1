package customers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/match"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
)

// Service holds the rules of accounts and contacts that go beyond their
// fields: computed names, primary e-mail and phone, the account
// hierarchy, search terms and duplicate keys, relationships, duplicates
// and merge.
type Service struct {
	DB      *db.DB
	Records *records.Engine
	Now     func() time.Time

	scanOnce sync.Once
	scanSlot chan struct{} // one duplicate scan at a time: see Scan
}

// Register adds the account and contact objects, with this service's
// hooks, to the engine.
func (s *Service) Register(e *records.Engine) {
	a := *Accounts
	a.Hooks = records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.beforeAccount(ctx, tx, p, r)
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, _, r *records.Record) error {
			return s.beforeAccount(ctx, tx, p, r)
		},
		AfterCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.indexAccount(ctx, tx, p.WorkspaceID, r)
		},
		AfterCreateBatch: func(ctx context.Context, tx *db.Tx, p *auth.Principal, rs []*records.Record) error {
			entries := make([]search.Entry, len(rs))
			for i, r := range rs {
				entries[i] = search.Entry{ID: r.ID, Doc: AccountDoc(r), Keys: AccountKeys(r)}
			}
			return search.IndexNew(ctx, tx, p.WorkspaceID, "accounts", entries)
		},
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, _, r *records.Record) error {
			return s.indexAccount(ctx, tx, p.WorkspaceID, r)
		},
		AfterDelete: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return search.Remove(ctx, tx, p.WorkspaceID, "accounts", r.ID)
		},
		AfterRestore: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.indexAccount(ctx, tx, p.WorkspaceID, r)
		},
	}
	a.Incoming = []records.Incoming{
		{Table: "contacts", Column: "account_id", Object: "contacts", Field: "account_id"},
		{Table: "accounts", Column: "parent_id", Object: "accounts", Field: "parent_id"},
		{Table: "activity_links", Column: "account_id", Unique: []string{"activity_id"}},
		{Table: "account_contacts", Column: "account_id", Unique: []string{"contact_id"}},
		{Table: "account_relationships", Column: "from_id", Unique: []string{"to_id", "type"}, NotSelf: "to_id"},
		{Table: "account_relationships", Column: "to_id", Unique: []string{"from_id", "type"}, NotSelf: "from_id"},
		{Table: "account_tags", Column: "account_id", Unique: []string{"tag_id"}},
	}
	c := *Contacts
	c.Hooks = records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.beforeContact(p, nil, r)
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return s.beforeContact(p, old, r)
		},
		AfterCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.afterContact(ctx, tx, p.WorkspaceID, nil, r)
		},
		AfterCreateBatch: func(ctx context.Context, tx *db.Tx, p *auth.Principal, rs []*records.Record) error {
			return s.afterContacts(ctx, tx, p.WorkspaceID, rs)
		},
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return s.afterContact(ctx, tx, p.WorkspaceID, old, r)
		},
		AfterDelete: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return search.Remove(ctx, tx, p.WorkspaceID, "contacts", r.ID)
		},
		AfterRestore: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.afterContact(ctx, tx, p.WorkspaceID, r, r)
		},
	}
	c.Incoming = []records.Incoming{
		{Table: "activity_links", Column: "contact_id", Unique: []string{"activity_id"}},
		{Table: "account_contacts", Column: "contact_id", Unique: []string{"account_id"}},
		{Table: "contact_relationships", Column: "from_id", Unique: []string{"to_id", "type"}, NotSelf: "to_id"},
		{Table: "contact_relationships", Column: "to_id", Unique: []string{"from_id", "type"}, NotSelf: "from_id"},
		{Table: "contact_tags", Column: "contact_id", Unique: []string{"tag_id"}},
	}
	e.Register(&a)
	e.Register(&c)
}

func str(r *records.Record, name string) string {
	s, _ := r.Values[name].(string)
	return s
}

func setOrClear(r *records.Record, name, v string) {
	if v == "" {
		delete(r.Values, name)
	} else {
		r.Values[name] = v
	}
}

func (s *Service) beforeAccount(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
	dom := str(r, "domain")
	if dom != "" {
		n := match.Domain(dom)
		if n == "" {
			return errs.Field("body.domain", "must be a domain like example.com")
		}
		dom = n
	} else if w := str(r, "website"); w != "" {
		dom = match.Domain(w)
	}
	setOrClear(r, "domain", dom)
	setOrClear(r, "phone", records.PrimaryPhone(r.Values["phones"]))
	if parent := str(r, "parent_id"); parent != "" {
		// Walk up from the new parent: meeting the account itself would
		// make the hierarchy a loop.
		id := parent
		for range 1000 {
			if id == r.ID {
				return errs.Field("body.parent_id", "would make the account its own ancestor")
			}
			var up *string
			if err := tx.QueryRow(ctx, "SELECT parent_id FROM accounts WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id).Scan(&up); err != nil {
				if errs.Is(db.MapError(err), errs.NotFound) {
					break
				}
				return fmt.Errorf("check account hierarchy: %w", err)
			}
			if up == nil || *up == "" {
				break
			}
			id = *up
		}
	}
	return nil
}

func (s *Service) indexAccount(ctx context.Context, tx *db.Tx, ws string, r *records.Record) error {
	if err := search.Index(ctx, tx, ws, "accounts", r.ID, AccountDoc(r)); err != nil {
		return err
	}
	return search.SetKeys(ctx, tx, ws, "accounts", r.ID, AccountKeys(r))
}

// AccountDoc is what an account is found by in search.
func AccountDoc(r *records.Record) *search.Doc {
	var d search.Doc
	d.Add(str(r, "name"), search.WeightName)
	if dom := str(r, "domain"); dom != "" {
		d.Add(dom, search.WeightContact)
	}
	phones, _ := r.Values["phones"].([]records.PhoneItem)
	for _, ph := range phones {
		d.AddPhone(ph.Number, search.WeightContact)
	}
	d.Add(str(r, "billing_city"), search.WeightOther)
	d.Add(str(r, "shipping_city"), search.WeightOther)
	return &d
}

// AccountKeys are an account's duplicate-matching keys.
func AccountKeys(r *records.Record) []search.Key {
	var keys []search.Key
	if dom := str(r, "domain"); dom != "" && !freeMail[dom] {
		keys = append(keys, search.Key{Kind: "domain", Value: dom})
	}
	phones, _ := r.Values["phones"].([]records.PhoneItem)
	for _, ph := range phones {
		keys = append(keys, search.Key{Kind: "phone", Value: ph.Number})
	}
	ck := match.CompanyKey(str(r, "name"))
	if ck != "" {
		keys = append(keys, search.Key{Kind: "name", Value: ck})
		keys = append(keys, blockKeys(ck)...)
	}
	return keys
}

// freeMail are e-mail domains many unrelated people share: a shared one
// says nothing about two records being the same company.
var freeMail = map[string]bool{"gmail.com": true, "googlemail.com": true, "hotmail.com": true, "outlook.com": true, "live.com": true, "yahoo.com": true,
	"icloud.com": true, "me.com": true, "aol.com": true, "qq.com": true, "163.com": true, "126.com": true, "sina.com": true, "protonmail.com": true, "proton.me": true,
	"gmx.com": true, "gmx.de": true, "yahoo.es": true, "hotmail.es": true, "msn.com": true, "yandex.ru": true}

// blockKeys are the keys that bring names with a typo together: for
// every ordered pair of words, the first whole and two letters of the
// second (its first two, and its second and third, so a typo in either
// place still meets).
func blockKeys(folded string) []search.Key {
	words := strings.Fields(folded)
	if len(words) > 6 {
		words = words[:6]
	}
	var keys []search.Key
	for i, a := range words {
		if match.HasHan(a) || len(a) < 2 {
			continue
		}
		for j, b := range words {
			if i == j || match.HasHan(b) || len(b) < 3 {
				continue
			}
			keys = append(keys, search.Key{Kind: "block", Value: a + "|" + b[:2]}, search.Key{Kind: "block", Value: a + "|~" + b[1:3]})
		}
	}
	return keys
}

func (s *Service) beforeContact(p *auth.Principal, old, r *records.Record) error {
	name := match.DisplayName(str(r, "given_name"), str(r, "middle_name"), str(r, "family_name"))
	if name == "" {
		// Without a name, the primary e-mail names the contact.
		name = records.PrimaryEmail(r.Values["emails"])
	}
	if name == "" && old != nil && str(old, "name") == ErasedName {
		// An erased contact keeps its placeholder through later edits
		// that give it no name again.
		name = ErasedName
	}
	if name == "" {
		return errs.Fields([]errs.FieldError{{Location: "body.given_name", Message: "give a name or an e-mail address"}})
	}
	setOrClear(r, "name", name)
	setOrClear(r, "email", records.PrimaryEmail(r.Values["emails"]))
	setOrClear(r, "phone", records.PrimaryPhone(r.Values["phones"]))
	if tz := str(r, "time_zone"); tz != "" {
		if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
			return errs.Field("body.time_zone", "must be a time zone like Europe/Madrid")
		}
	}
	now := records.FormatTimeSeconds(s.Now())
	for _, k := range []string{"email_consent", "phone_consent"} {
		changed := old == nil || str(old, k) != str(r, k)
		if changed && str(r, k) != "" && (old == nil || str(old, k+"_at") == str(r, k+"_at")) && (old != nil || str(r, k+"_at") == "") {
			r.Values[k+"_at"] = now
		}
	}
	return nil
}

func (s *Service) afterContact(ctx context.Context, tx *db.Tx, ws string, old, r *records.Record) error {
	acc := str(r, "account_id")
	var oldAcc string
	if old != nil {
		oldAcc = str(old, "account_id")
	}
	if acc != oldAcc {
		if oldAcc != "" {
			if _, err := tx.Exec(ctx, "UPDATE account_contacts SET is_primary = ? WHERE workspace_id = ? AND contact_id = ? AND account_id = ?", false, ws, r.ID, oldAcc); err != nil {
				return fmt.Errorf("contact accounts: %w", err)
			}
		}
		if acc != "" {
			if err := s.linkAccount(ctx, tx, ws, r.ID, acc, "", true); err != nil {
				return err
			}
		}
	}
	var accName string
	if acc != "" {
		_ = tx.QueryRow(ctx, "SELECT name FROM accounts WHERE workspace_id = ? AND id = ?", ws, acc).Scan(&accName)
	}
	if err := search.Index(ctx, tx, ws, "contacts", r.ID, ContactDoc(r, accName)); err != nil {
		return err
	}
	return search.SetKeys(ctx, tx, ws, "contacts", r.ID, ContactKeys(r))
}

// afterContacts is afterContact for new contacts created together: their
// primary account memberships, search terms and duplicate keys, written
// with a few multi-row statements.
func (s *Service) afterContacts(ctx context.Context, tx *db.Tx, ws string, rs []*records.Record) error {
	now := db.T(s.Now())
	var members [][]any
	for _, r := range rs {
		if acc := str(r, "account_id"); acc != "" {
			members = append(members, []any{ws, acc, r.ID, "", true, now})
		}
	}
	if err := records.InsertRows(ctx, tx, "account_contacts", []string{"workspace_id", "account_id", "contact_id", "role", "is_primary", "created_at"}, members, ""); err != nil {
		return fmt.Errorf("contact accounts: %w", db.MapError(err))
	}
	return indexNewContacts(ctx, tx, ws, rs)
}

// indexNewContacts writes the search terms and duplicate keys of
// contacts that have none, their account names read in a few queries.
func indexNewContacts(ctx context.Context, tx *db.Tx, ws string, rs []*records.Record) error {
	accNames := map[string]string{}
	for _, r := range rs {
		if acc := str(r, "account_id"); acc != "" {
			accNames[acc] = ""
		}
	}
	ids := make([]any, 0, len(accNames))
	for id := range accNames {
		ids = append(ids, id)
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		rows, err := tx.Query(ctx, "SELECT id, name FROM accounts WHERE workspace_id = ? AND id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+")", append([]any{ws}, chunk...)...)
		if err != nil {
			return fmt.Errorf("contact accounts: %w", err)
		}
		for rows.Next() {
			var id any
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return fmt.Errorf("contact accounts: %w", err)
			}
			accNames[db.IDText(id)] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("contact accounts: %w", err)
		}
	}
	entries := make([]search.Entry, len(rs))
	for i, r := range rs {
		entries[i] = search.Entry{ID: r.ID, Doc: ContactDoc(r, accNames[str(r, "account_id")]), Keys: ContactKeys(r)}
	}
	return search.IndexNew(ctx, tx, ws, "contacts", entries)
}

// ContactDoc is what a contact is found by in search: accName is the
// name of their account.
func ContactDoc(r *records.Record, accName string) *search.Doc {
	var d search.Doc
	if name := str(r, "name"); name != ErasedName || str(r, "given_name") != "" || str(r, "family_name") != "" || str(r, "email") != "" {
		// The placeholder of an erased contact finds no one.
		d.Add(name, search.WeightName)
	}
	emails, _ := r.Values["emails"].([]records.EmailItem)
	for _, e := range emails {
		d.AddEmail(e.Address, search.WeightContact)
	}
	phones, _ := r.Values["phones"].([]records.PhoneItem)
	for _, ph := range phones {
		d.AddPhone(ph.Number, search.WeightContact)
	}
	d.Add(str(r, "job_title"), search.WeightOther)
	d.Add(str(r, "city"), search.WeightOther)
	d.Add(accName, search.WeightCompany)
	return &d
}

// ContactKeys are a contact's duplicate-matching keys.
func ContactKeys(r *records.Record) []search.Key {
	var keys []search.Key
	emails, _ := r.Values["emails"].([]records.EmailItem)
	for _, e := range emails {
		keys = append(keys, search.Key{Kind: "email", Value: match.EmailKey(e.Address)})
	}
	phones, _ := r.Values["phones"].([]records.PhoneItem)
	for _, ph := range phones {
		keys = append(keys, search.Key{Kind: "phone", Value: ph.Number})
	}
	name := match.DisplayName(str(r, "given_name"), str(r, "middle_name"), str(r, "family_name"))
	if nk := match.NameKey(name); nk != "" {
		keys = append(keys, search.Key{Kind: "name", Value: nk})
		keys = append(keys, blockKeys(match.Fold(name))...)
	}
	return keys
}

// linkAccount adds (or updates) a contact's membership of an account.
func (s *Service) linkAccount(ctx context.Context, tx *db.Tx, ws, contact, account, role string, primary bool) error {
	now := db.T(s.Now())
	var q string
	if primary {
		if _, err := tx.Exec(ctx, "UPDATE account_contacts SET is_primary = ? WHERE workspace_id = ? AND contact_id = ?", false, ws, contact); err != nil {
			return fmt.Errorf("contact accounts: %w", err)
		}
	}
	q = `INSERT INTO account_contacts (workspace_id, account_id, contact_id, role, is_primary, created_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (workspace_id, contact_id, account_id) DO UPDATE SET is_primary = excluded.is_primary OR account_contacts.is_primary`
	if role != "" {
		q += ", role = excluded.role"
	}
	if _, err := tx.Exec(ctx, q, ws, account, contact, role, primary, now); err != nil {
		return fmt.Errorf("contact accounts: %w", db.MapError(err))
	}
	return nil
}

// Reindex rebuilds the search documents, typo vocabulary and duplicate keys
// of every live account and contact of workspace ws from the records,
// inside tx: after a workspace is restored from an archive, which
// carries the records but not what is derived from them.
func (s *Service) Reindex(ctx context.Context, tx *db.Tx, ws string) error {
	for _, t := range []string{"search_docs", "search_vocab", "match_keys", "match_key_sets"} {
		if _, err := tx.Exec(ctx, "DELETE FROM "+t+" WHERE workspace_id = ?", ws); err != nil {
			return fmt.Errorf("reindex: clear %s: %w", t, err)
		}
	}
	err := s.Records.Scan(ctx, tx, ws, "accounts", 500, func(rs []*records.Record) error {
		entries := make([]search.Entry, len(rs))
		for i, r := range rs {
			entries[i] = search.Entry{ID: r.ID, Doc: AccountDoc(r), Keys: AccountKeys(r)}
		}
		return search.IndexNew(ctx, tx, ws, "accounts", entries)
	})
	if err != nil {
		return fmt.Errorf("reindex accounts: %w", err)
	}
	err = s.Records.Scan(ctx, tx, ws, "contacts", 500, func(rs []*records.Record) error {
		return indexNewContacts(ctx, tx, ws, rs)
	})
	if err != nil {
		return fmt.Errorf("reindex contacts: %w", err)
	}
	return nil
}
