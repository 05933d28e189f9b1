package server_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// The callers of the authorization matrix, in the order each operation
// is called (the refused ones first, so that an allowed call that changes
// something comes after every refusal has been checked):
//
//	anon        no token, no cookie
//	otherAdmin  the admin of another workspace
//	otherTeam   a Support user (team scope) of another team than the
//	            records' owner
//	readOnly    the built-in Read-only role
//	sales       the Sales role (own-record scope): the records' owner
//	admin       this workspace's admin
var matrixCallers = []string{"anon", "otherAdmin", "otherTeam", "readOnly", "sales", "admin"}

// matrixColumns is the order of the letters in the table below.
var matrixColumns = []string{"anon", "readOnly", "sales", "otherTeam", "otherAdmin", "admin"}

// authzMatrix is the expected verdict of every REST operation for each
// caller, one letter each in matrixColumns order:
//
//	U  401: not signed in
//	F  403: forbidden by the role
//	H  404: hidden — another workspace's, out of the caller's record
//	   scope, or another user's own thing
//	A  allowed: a GET answers 2xx; another method answers anything but
//	   401, 403, 404 or 5xx (the matrix sends minimal bodies, so a 422
//	   or 409 says the caller got past the permission checks)
//
// A new operation that is missing here fails TestAuthorizationMatrix;
// RAPPORT_AUTHZ_PRINT=1 prints the verdicts observed, to review (not to
// paste blindly) when adding one. The standard operations of the record
// engine's sales objects come from their profile in matrixRecords; their
// other operations are listed one by one.
var authzMatrix = withRecordOps(matrixRecords, map[string]string{
	// Record objects with owners (accounts, contacts, activities): the
	// fixtures belong to the Sales user; Support (team scope) is in
	// another team; Read-only reads all and writes nothing.
	"GET /api/v1/accounts":                                "UAAAAA",
	"POST /api/v1/accounts":                               "UFAAAA",
	"POST /api/v1/accounts/batch":                         "UFAAAA",
	"POST /api/v1/accounts/bulk":                          "UFAAAA",
	"GET /api/v1/accounts/count":                          "UAAAAA",
	"GET /api/v1/accounts/duplicates":                     "UAAAAA",
	"POST /api/v1/accounts/duplicates/check":              "UAAAAA",
	"GET /api/v1/accounts/export":                         "UAAAAA",
	"POST /api/v1/accounts/merge":                         "UFAFAA", // merging deletes the duplicates: Support may not
	"GET /api/v1/accounts/trash":                          "UAAAAA",
	"GET /api/v1/accounts/{id}":                           "UAAHHA",
	"PATCH /api/v1/accounts/{id}":                         "UFAHHA",
	"DELETE /api/v1/accounts/{id}":                        "UFAFHA", // Support never deletes
	"GET /api/v1/accounts/{id}/attachments":               "UAAHHA",
	"POST /api/v1/accounts/{id}/attachments":              "UFAHHA",
	"GET /api/v1/accounts/{id}/contacts":                  "UAAHHA",
	"GET /api/v1/accounts/{id}/history":                   "UAAHHA",
	"GET /api/v1/accounts/{id}/relationships":             "UAAHHA",
	"POST /api/v1/accounts/{id}/relationships":            "UFAHHA",
	"DELETE /api/v1/accounts/{id}/relationships/{rel_id}": "UFAHHA",
	"POST /api/v1/accounts/{id}/restore":                  "UFAFHA", // restoring needs delete
	"POST /api/v1/accounts/{id}/purge":                    "UFAFHA", // purging needs delete too
	"POST /api/v1/accounts/{id}/revert":                   "UFAHHA",
	"GET /api/v1/accounts/{id}/timeline":                  "UAAHHA",
	"GET /api/v1/accounts/{id}/tree":                      "UAAHHA",
	"GET /api/v1/activities":                              "UAAAAA",
	"POST /api/v1/activities":                             "UFAAAA",
	"POST /api/v1/activities/batch":                       "UFAAAA",
	"POST /api/v1/activities/bulk":                        "UFAAAA",
	"GET /api/v1/activities/count":                        "UAAAAA",
	"GET /api/v1/activities/export":                       "UAAAAA",
	"GET /api/v1/activities/trash":                        "UAAAAA",
	"GET /api/v1/activities/{id}":                         "UAAHHA",
	"PATCH /api/v1/activities/{id}":                       "UFAHHA",
	"DELETE /api/v1/activities/{id}":                      "UFAFHA",
	"GET /api/v1/activities/{id}/attachments":             "UAAHHA",
	"POST /api/v1/activities/{id}/attachments":            "UFAHHA",
	"GET /api/v1/activities/{id}/history":                 "UAAHHA",
	"GET /api/v1/activities/{id}/invitation.ics":          "UAAHHA",
	"POST /api/v1/activities/{id}/restore":                "UFAFHA",
	"POST /api/v1/activities/{id}/purge":                  "UFAFHA",
	"POST /api/v1/activities/{id}/revert":                 "UFAHHA",
	"GET /api/v1/contacts":                                "UAAAAA",
	"POST /api/v1/contacts":                               "UFAAAA",
	"POST /api/v1/contacts/batch":                         "UFAAAA",
	"POST /api/v1/contacts/bulk":                          "UFAAAA",
	"GET /api/v1/contacts/count":                          "UAAAAA",
	"GET /api/v1/contacts/duplicates":                     "UAAAAA",
	"POST /api/v1/contacts/duplicates/check":              "UAAAAA",
	"GET /api/v1/contacts/export":                         "UAAAAA",
	"POST /api/v1/contacts/merge":                         "UFAFAA",
	"GET /api/v1/contacts/trash":                          "UAAAAA",
	"GET /api/v1/contacts/{id}":                           "UAAHHA",
	"PATCH /api/v1/contacts/{id}":                         "UFAHHA",
	"DELETE /api/v1/contacts/{id}":                        "UFAFHA",
	"GET /api/v1/contacts/{id}/accounts":                  "UAAHHA",
	"POST /api/v1/contacts/{id}/accounts":                 "UFAHHA",
	"DELETE /api/v1/contacts/{id}/accounts/{account_id}":  "UFAHHA",
	"GET /api/v1/contacts/{id}/attachments":               "UAAHHA",
	"POST /api/v1/contacts/{id}/attachments":              "UFAHHA",
	"POST /api/v1/contacts/{id}/erase":                    "UFAFHA", // erasing needs delete
	"GET /api/v1/contacts/{id}/history":                   "UAAHHA",
	"GET /api/v1/contacts/{id}/personal-data":             "UAAHHA",
	"GET /api/v1/contacts/{id}/relationships":             "UAAHHA",
	"POST /api/v1/contacts/{id}/relationships":            "UFAHHA",
	"DELETE /api/v1/contacts/{id}/relationships/{rel_id}": "UFAHHA",
	"POST /api/v1/contacts/{id}/restore":                  "UFAFHA",
	"POST /api/v1/contacts/{id}/purge":                    "UFAFHA",
	"POST /api/v1/contacts/{id}/revert":                   "UFAHHA",
	"GET /api/v1/contacts/{id}/timeline":                  "UAAHHA",
	"GET /api/v1/attachments/{id}":                        "UAAHHA",
	"DELETE /api/v1/attachments/{id}":                     "UFAHHA",
	// Tags: every built-in role reads all of them; only managers,
	// marketing and admins write them.
	"GET /api/v1/tags":                     "UAAAAA",
	"POST /api/v1/tags":                    "UFFFAA",
	"POST /api/v1/tags/batch":              "UFFFAA",
	"POST /api/v1/tags/bulk":               "UFFFAA",
	"GET /api/v1/tags/count":               "UAAAAA",
	"GET /api/v1/tags/export":              "UAAAAA",
	"GET /api/v1/tags/trash":               "UAAAAA",
	"GET /api/v1/tags/{id}":                "UAAAHA",
	"PATCH /api/v1/tags/{id}":              "UFFFHA",
	"DELETE /api/v1/tags/{id}":             "UFFFHA",
	"GET /api/v1/tags/{id}/history":        "UAAAHA",
	"POST /api/v1/tags/{id}/restore":       "UFFFHA",
	"POST /api/v1/tags/{id}/purge":         "UFFFHA",
	"POST /api/v1/tags/{id}/revert":        "UFFFHA",
	"GET /api/v1/search":                   "UAAAAA",
	"GET /api/v1/my-day":                   "UAAAAA",
	"GET /api/v1/notifications":            "UAAAAA",
	"POST /api/v1/notifications/read":      "UAAAAA",
	"POST /api/v1/notifications/{id}/read": "UHHHHH", // names nobody's notification
	// Imports belong to who uploaded them (the Sales user); admins see all.
	"POST /api/v1/imports":                 "UFAAAA",
	"GET /api/v1/imports":                  "UAAAAA",
	"GET /api/v1/imports/{id}":             "UHAHHA",
	"POST /api/v1/imports/{id}/cancel":     "UHAHHA",
	"GET /api/v1/imports/{id}/errors.csv":  "UHAHHA",
	"GET /api/v1/imports/{id}/issues":      "UHAHHA",
	"GET /api/v1/imports/{id}/preview":     "UHAHHA",
	"POST /api/v1/imports/{id}/preview":    "UHAHHA",
	"GET /api/v1/imports/{id}/records":     "UHAHHA",
	"POST /api/v1/imports/{id}/start":      "UHAHHA",
	"POST /api/v1/imports/{id}/undo":       "UHAHHA",
	"GET /api/v1/import-templates":         "UAAAAA",
	"POST /api/v1/import-templates":        "UAAAAA",
	"GET /api/v1/import-templates/{id}":    "UAAAHA",
	"PATCH /api/v1/import-templates/{id}":  "UFAAHA", // shared: whoever may import the object edits them
	"DELETE /api/v1/import-templates/{id}": "UFAFHA", // only the author or an admin
	// Settings: admins change them; everyone reads the lists a form needs.
	"GET /api/v1/custom_fields":            "UAAAAA",
	"POST /api/v1/custom_fields":           "UFFFAA",
	"GET /api/v1/custom_fields/{id}":       "UAAAHA",
	"PATCH /api/v1/custom_fields/{id}":     "UFFFHA",
	"DELETE /api/v1/custom_fields/{id}":    "UFFFHA",
	"GET /api/v1/roles":                    "UAAAAA",
	"POST /api/v1/roles":                   "UFFFAA",
	"GET /api/v1/roles/{id}":               "UAAAHA",
	"PATCH /api/v1/roles/{id}":             "UFFFHA",
	"DELETE /api/v1/roles/{id}":            "UFFFHA",
	"GET /api/v1/teams":                    "UAAAAA",
	"POST /api/v1/teams":                   "UFFFAA",
	"GET /api/v1/teams/{id}":               "UAAAHA",
	"PATCH /api/v1/teams/{id}":             "UFFFHA",
	"DELETE /api/v1/teams/{id}":            "UFFFHA",
	"GET /api/v1/users":                    "UAAAAA",
	"POST /api/v1/users":                   "UFFFAA",
	"GET /api/v1/users/{id}":               "UAAAHA",
	"PATCH /api/v1/users/{id}":             "UFAFHA", // the Sales user is changing themself
	"POST /api/v1/users/{id}/totp/disable": "UFAFHA",
	"GET /api/v1/workspace":                "UAAAAA",
	"PATCH /api/v1/workspace":              "UFFFAA",
	"GET /api/v1/workspace/export":         "UFFFAA",
	"GET /api/v1/audit":                    "UFFFAA",
	"GET /api/v1/audit/export":             "UFFFAA",
	// One's own things: tokens and views of the Sales user.
	"GET /api/v1/tokens":           "UAAAAA",
	"POST /api/v1/tokens":          "UAAAAA",
	"DELETE /api/v1/tokens/{id}":   "UHAHHA",
	"GET /api/v1/views":            "UAAAAA",
	"POST /api/v1/views":           "UAAAAA",
	"DELETE /api/v1/views/{id}":    "UHAHHH", // a view is its owner's alone, admins included
	"GET /api/v1/me":               "UAAAAA",
	"PATCH /api/v1/me":             "UAAAAA",
	"POST /api/v1/me/password":     "UAAAAA",
	"POST /api/v1/me/totp":         "UAAAAA",
	"POST /api/v1/me/totp/disable": "UAAAAA",
	"POST /api/v1/me/totp/enable":  "UAAAAA",
	// Public: signing in and out, first-run setup.
	"POST /api/v1/session":      "UUUUUU", // {} is a wrong e-mail or password
	"DELETE /api/v1/session":    "AAAAAA",
	"POST /api/v1/session/totp": "UUUUUU", // no password step in this session
	"POST /api/v1/setup":        "FFFFFF", // setup is done
	// Sales: the documents belong to the Sales user (their standard
	// operations are in matrixRecords); pipelines, scoring, assignment,
	// quotas and exchange rates are settings: everyone reads them, admins
	// change them.
	"GET /api/v1/accounts/{id}/sales":              "UAAHHA",
	"POST /api/v1/contracts/{id}/invoice":          "UFAHHA",
	"GET /api/v1/invoices/overdue":                 "UAAAAA",
	"GET /api/v1/invoices/{id}/pdf":                "UAAHHA",
	"POST /api/v1/orders/{id}/invoice":             "UFAHHA",
	"POST /api/v1/orders/{id}/ship":                "UFAHHA",
	"POST /api/v1/quotes/{id}/accept":              "UFAHHA",
	"GET /api/v1/quotes/{id}/pdf":                  "UAAHHA",
	"POST /api/v1/quotes/{id}/revise":              "UFAHHA",
	"GET /api/v1/deals/{id}/contacts":              "UAAHHA",
	"PUT /api/v1/deals/{id}/contacts/{contact_id}": "UFAHHA",
	"POST /api/v1/deals/{id}/move":                 "UFAHHA",
	"POST /api/v1/deals/{id}/quote":                "UFAHHA",
	"GET /api/v1/deals/{id}/stage_history":         "UAAHHA",
	"POST /api/v1/leads/{id}/convert":              "UFAHHA",
	"GET /api/v1/lead_score_rules":                 "UAAAAA",
	"POST /api/v1/lead_score_rules":                "UFFFAA",
	"DELETE /api/v1/lead_score_rules/{id}":         "UFFFHA",
	"GET /api/v1/lead_assignment_rules":            "UAAAAA",
	"POST /api/v1/lead_assignment_rules":           "UFFFAA",
	"DELETE /api/v1/lead_assignment_rules/{id}":    "UFFFHA",
	"GET /api/v1/pipelines":                        "UAAAAA",
	"POST /api/v1/pipelines":                       "UFFFAA",
	"GET /api/v1/pipelines/{id}":                   "UAAAHA",
	"PATCH /api/v1/pipelines/{id}":                 "UFFFHA",
	"DELETE /api/v1/pipelines/{id}":                "UFFFHA",
	"GET /api/v1/pipelines/{id}/board":             "UAAAHA", // the cards follow each caller's scope
	"GET /api/v1/forecast":                         "UAAAAA",
	"GET /api/v1/quotas":                           "UAAAAA",
	"PUT /api/v1/quotas":                           "UFFFAA",
	"GET /api/v1/exchange_rates":                   "UAAAAA",
	"POST /api/v1/exchange_rates":                  "UFFFAA",
	"GET /api/v1/exchange_rates/convert":           "UAAAAA",
	"POST /api/v1/exchange_rates/import":           "UFFFAA",
	"GET /api/v1/exchange_rates/{id}":              "UAAAHA",
	"DELETE /api/v1/exchange_rates/{id}":           "UFFFHA",
})

// recordProfile is what each caller may do with an object the record
// engine serves, per kind of operation, in matrixColumns order.
type recordProfile struct {
	list   string // list, count, export, trash
	create string // create, batch, bulk
	read   string // get, history
	write  string // patch, revert
	remove string // delete, restore
}

var (
	// ownedRecord: the fixture belongs to the Sales user (own scope);
	// Support (team scope) is in another team and never deletes;
	// Read-only reads all and writes nothing.
	ownedRecord = recordProfile{list: "UAAAAA", create: "UFAAAA", read: "UAAHHA", write: "UFAHHA", remove: "UFAFHA"}
	// catalogueRecord: every role reads the catalogue; only managers and
	// admins keep it.
	catalogueRecord = recordProfile{list: "UAAAAA", create: "UFFFAA", read: "UAAAHA", write: "UFFFHA", remove: "UFFFHA"}
)

// matrixRecords are the record objects whose standard operations
// withRecordOps adds to the matrix. Children (lines, shipments,
// payments) follow the document they belong to, so they are owned too.
var matrixRecords = map[string]recordProfile{
	"leads":              ownedRecord,
	"deals":              ownedRecord,
	"quotes":             ownedRecord,
	"line_items":         ownedRecord,
	"orders":             ownedRecord,
	"shipments":          ownedRecord,
	"shipment_lines":     ownedRecord,
	"contracts":          ownedRecord,
	"invoices":           ownedRecord,
	"payments":           ownedRecord,
	"products":           catalogueRecord,
	"price_books":        catalogueRecord,
	"price_book_entries": catalogueRecord,
}

// withRecordOps adds to listed the standard record operations of each
// object of profiles. An operation listed both ways is a mistake in the
// table: it panics rather than let one line silently win.
func withRecordOps(profiles map[string]recordProfile, listed map[string]string) map[string]string {
	for object, p := range profiles {
		base := "/api/v1/" + object
		for key, want := range map[string]string{
			"GET " + base:                    p.list,
			"GET " + base + "/count":         p.list,
			"GET " + base + "/export":        p.list,
			"GET " + base + "/trash":         p.list,
			"POST " + base:                   p.create,
			"POST " + base + "/batch":        p.create,
			"POST " + base + "/bulk":         p.create,
			"GET " + base + "/{id}":          p.read,
			"GET " + base + "/{id}/history":  p.read,
			"PATCH " + base + "/{id}":        p.write,
			"POST " + base + "/{id}/revert":  p.write,
			"DELETE " + base + "/{id}":       p.remove,
			"POST " + base + "/{id}/restore": p.remove,
			"POST " + base + "/{id}/purge":   p.remove,
		} {
			if _, dup := listed[key]; dup {
				panic("authzMatrix lists " + key + ", which matrixRecords makes too")
			}
			listed[key] = want
		}
	}
	return listed
}

// TestAuthorizationMatrix calls every operation of the OpenAPI document
// as each caller and checks the verdict against authzMatrix, and that no
// answer carries what the caller may not see: nothing of this workspace
// to the other workspace's admin, nothing of the Sales user's records to
// the other team, nothing of the admin's own records to the Sales user.
func TestAuthorizationMatrix(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	beta := e.AddWorkspace("Beta")
	admin := w.Admin
	sales := w.User(t, "sales")
	support := w.User(t, "support")
	readOnly := w.User(t, "read_only")
	w.Team(t, "North", sales)
	w.Team(t, "South", support)
	callers := map[string]*servertest.Client{"anon": e.Anonymous(), "otherAdmin": beta.Admin, "otherTeam": support, "readOnly": readOnly, "sales": sales, "admin": admin}

	// Markers: words only the records' text holds, to find in a leak.
	const salesMark, adminMark = "Zqxsales", "Qwvadmin"
	acct := sales.Create(t, "accounts", map[string]any{"name": salesMark + " Inc"})
	acct2 := sales.Create(t, "accounts", map[string]any{"name": salesMark + " Two"})
	acct3 := sales.Create(t, "accounts", map[string]any{"name": salesMark + " Three"})
	contact := sales.Create(t, "contacts", map[string]any{"given_name": salesMark, "family_name": "Person", "emails": "zqx@sales.example"})
	contact2 := sales.Create(t, "contacts", map[string]any{"given_name": salesMark, "family_name": "Other"})
	activity := sales.Create(t, "activities", map[string]any{"type": "meeting", "subject": salesMark + " meeting", "starts_at": "2030-01-02T10:00:00Z", "ends_at": "2030-01-02T11:00:00Z"})
	// Records in the trash, for the restore operations: one set each for
	// the Sales user and the admin (the first restore takes its record
	// out of the trash).
	trashed := map[string]map[string]string{}
	// Settings rows an allowed delete removes (a scoring rule, an
	// assignment rule, an exchange rate): the admin's, one per caller
	// as perCaller below holds them.
	perCallerRules := map[string]map[string]string{"sales": {}, "admin": {}}
	for _, who := range []string{"sales", "admin"} {
		trashed[who] = map[string]string{}
		for object, fields := range map[string]map[string]any{
			"accounts":   {"name": salesMark + " Gone"},
			"contacts":   {"given_name": salesMark, "family_name": "Gone"},
			"activities": {"type": "note", "subject": salesMark + " gone"},
		} {
			id := sales.Create(t, object, fields).ID()
			sales.Must(t, 204, "DELETE", "/api/v1/"+object+"/"+id, nil)
			trashed[who][object] = id
		}
		goneTag := admin.CreateTag(t, "Gone tag "+who).ID()
		admin.Must(t, 204, "DELETE", "/api/v1/tags/"+goneTag, nil)
		trashed[who]["tags"] = goneTag
	}
	admin.Create(t, "accounts", map[string]any{"name": adminMark + " Holdings"})
	admin.Create(t, "contacts", map[string]any{"given_name": adminMark, "family_name": "Boss"})
	tag := admin.CreateTag(t, "Shared tag")

	// Sales: scoring and assignment rules first (a new rule rescores the
	// leads; this one assigns none of the fixtures), the catalogue by the
	// admin, the documents by the Sales user on its account.
	for _, who := range []string{"sales", "admin"} {
		var rule struct{ ID string }
		admin.Must(t, 201, "POST", "/api/v1/lead_score_rules", map[string]any{"kind": "fit", "field": "company", "operator": "filled", "points": 5}).JSON(t, &rule)
		perCallerRules[who]["lead_score_rules"] = rule.ID
		admin.Must(t, 201, "POST", "/api/v1/lead_assignment_rules", map[string]any{"field": "country", "value": "Nowhere " + who, "user_id": sales.UserID}).JSON(t, &rule)
		perCallerRules[who]["lead_assignment_rules"] = rule.ID
		admin.Must(t, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "EUR", "date": "2026-01-0" + map[string]string{"sales": "1", "admin": "2"}[who], "rate": "1.1"}).JSON(t, &rule)
		perCallerRules[who]["exchange_rates"] = rule.ID
	}
	// The other workspace has its own rate for converting.
	beta.Admin.Must(t, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "EUR", "date": "2026-01-01", "rate": "1.3"})
	const catalogueMark = "Xkcatalog"
	docs := salesDocs(t, admin, sales, acct.ID(), contact.ID(), salesMark, catalogueMark, "SHARED")
	var pls struct{ Data []struct{ ID string } }
	admin.Must(t, 200, "GET", "/api/v1/pipelines", nil).JSON(t, &pls)
	docs["pipelines"] = pls.Data[0].ID
	// The admin's own documents, which the Sales user must not see.
	adminAcct := admin.Create(t, "accounts", map[string]any{"name": adminMark + " Buyer"}).ID()
	admin.Create(t, "deals", map[string]any{"name": adminMark + " deal", "account_id": adminAcct, "amount": eur("700")})
	admin.Create(t, "leads", map[string]any{"company": adminMark + " Lead Co"})
	admin.Create(t, "quotes", map[string]any{"name": adminMark + " quote", "account_id": adminAcct, "currency": "EUR"})
	admin.Create(t, "contracts", map[string]any{"name": adminMark + " contract", "account_id": adminAcct, "start_date": "2026-01-01"})
	// Sales documents in the trash, one set per caller that restores, as
	// for the objects above: children first, so each is trashed itself.
	for _, who := range []string{"sales", "admin"} {
		gone := salesDocs(t, admin, sales, acct.ID(), contact.ID(), salesMark+" gone", catalogueMark+" gone", "GONE-"+who)
		// An issued invoice is voided, never deleted: trash a draft.
		gone["invoices"] = sales.Create(t, "invoices", map[string]any{"account_id": acct.ID(), "currency": "EUR"}).ID()
		for _, object := range []string{"payments", "shipment_lines", "shipments", "line_items", "invoices", "orders", "quotes", "contracts", "deals", "leads"} {
			sales.Must(t, 204, "DELETE", "/api/v1/"+object+"/"+gone[object], nil)
			trashed[who][object] = gone[object]
		}
		for _, object := range []string{"price_book_entries", "products", "price_books"} {
			admin.Must(t, 204, "DELETE", "/api/v1/"+object+"/"+gone[object], nil)
			trashed[who][object] = gone[object]
		}
	}

	// Second-level things an allowed caller removes: one each for the
	// Sales user and the admin, so the second finds its own.
	perCaller := map[string]map[string]string{"sales": {}, "admin": {}}
	for _, who := range []string{"sales", "admin"} {
		var rel struct{ ID string }
		sales.Must(t, 201, "POST", "/api/v1/accounts/"+acct.ID()+"/relationships", map[string]any{"other_id": map[string]string{"sales": acct2.ID(), "admin": acct3.ID()}[who], "type": "partner_of"}).JSON(t, &rel)
		perCaller[who]["account_rel"] = rel.ID
		sales.Must(t, 201, "POST", "/api/v1/contacts/"+contact.ID()+"/relationships", map[string]any{"other_id": contact2.ID(), "type": map[string]string{"sales": "colleague_of", "admin": "friend_of"}[who]}).JSON(t, &rel)
		perCaller[who]["contact_rel"] = rel.ID
		link := map[string]string{"sales": acct2.ID(), "admin": acct3.ID()}[who]
		sales.Must(t, 204, "POST", "/api/v1/contacts/"+contact.ID()+"/accounts", map[string]any{"account_id": link})
		perCaller[who]["account_id"] = link
		perCaller[who]["attachment"] = attach(t, sales, "accounts", acct.ID(), "note.txt", "hello")["id"].(string)
		var tok struct{ Token struct{ ID string } }
		sales.Must(t, 201, "POST", "/api/v1/tokens", map[string]any{"name": "victim " + who}).JSON(t, &tok)
		perCaller[who]["token"] = tok.Token.ID
		var v struct{ ID string }
		sales.Must(t, 201, "POST", "/api/v1/views", map[string]any{"object": "accounts", "name": "Mine " + who}).JSON(t, &v)
		perCaller[who]["view"] = v.ID
		sales.Must(t, 201, "POST", "/api/v1/import-templates", map[string]any{"name": "Tpl " + who, "object": "contacts", "mapping": []map[string]string{{"column": "Name", "field": "full_name"}}}).JSON(t, &v)
		perCaller[who]["template"] = v.ID
		// What converting a lead or revising a quote uses up.
		perCaller[who]["leads"] = sales.Create(t, "leads", map[string]any{"given_name": salesMark, "family_name": "Convert " + who, "company": salesMark + " Convert " + who}).ID()
		perCaller[who]["quotes"] = sales.Create(t, "quotes", map[string]any{"name": salesMark + " revise " + who, "account_id": acct.ID(), "currency": "EUR"}).ID()
		for k, v := range perCallerRules[who] {
			perCaller[who][k] = v
		}
	}
	shared := map[string]string{
		"accounts":      acct.ID(),
		"contacts":      contact.ID(),
		"activities":    activity.ID(),
		"tags":          tag.ID(),
		"users":         sales.UserID,
		"teams":         w.Team(t, "Victims"),
		"roles":         w.Role(t, "Victim role", map[string]any{"tags": map[string]any{"read": true, "scope": "all"}}),
		"custom_fields": "",
		"imports":       importDraft(t, sales),
		"notifications": missingID,
	}
	for k, v := range docs {
		shared[k] = v
	}
	w.CustomField(t, "accounts", "victim", "text", nil)
	var cf struct{ Data []struct{ ID string } }
	admin.Must(t, 200, "GET", "/api/v1/custom_fields", nil).JSON(t, &cf)
	shared["custom_fields"] = cf.Data[0].ID

	// trashedFor is the trashed record of object a caller restores: its
	// own, or the admin's for the callers refused.
	trashedFor := func(who, object string) string {
		if trashed[who] != nil {
			return trashed[who][object]
		}
		return trashed["admin"][object]
	}

	// pathFor fills a path's parameters for a caller: the shared fixture,
	// or the caller's own for things an allowed call removes (the refused
	// callers get the admin's, which must survive them).
	pathFor := func(who, tmpl string) string {
		own := perCaller[who]
		if own == nil {
			own = perCaller["admin"]
		}
		parts := strings.Split(strings.TrimPrefix(tmpl, "/api/v1/"), "/")
		res := parts[0]
		for i, p := range parts {
			switch p {
			case "{id}":
				switch res {
				case "attachments":
					parts[i] = own["attachment"]
				case "tokens":
					parts[i] = own["token"]
				case "views":
					parts[i] = own["view"]
				case "import-templates":
					parts[i] = own["template"]
				case "lead_score_rules", "lead_assignment_rules", "exchange_rates":
					parts[i] = own[res]
				case "leads", "quotes":
					parts[i] = shared[res]
					if len(parts) > i+1 && (parts[i+1] == "convert" || parts[i+1] == "revise") {
						parts[i] = own[res]
					} else if len(parts) > i+1 && (parts[i+1] == "restore" || parts[i+1] == "purge") {
						parts[i] = trashedFor(who, res)
					}
				default:
					parts[i] = shared[res]
					if len(parts) > i+1 && (parts[i+1] == "restore" || parts[i+1] == "purge") {
						parts[i] = trashedFor(who, res)
					}
				}
			case "{rel_id}":
				parts[i] = own[strings.TrimSuffix(res, "s")+"_rel"]
			case "{account_id}":
				parts[i] = own["account_id"]
			case "{contact_id}":
				parts[i] = contact.ID() // the shared deal's contact
			}
			if strings.HasPrefix(parts[i], "{") || parts[i] == "" {
				t.Fatalf("%s: no fixture for %s", tmpl, p)
			}
		}
		return "/api/v1/" + strings.Join(parts, "/")
	}

	// What each caller must never see in an answer.
	var acmeIDs []string
	for _, id := range []string{acct.ID(), contact.ID(), activity.ID(), tag.ID(), sales.UserID, admin.UserID, w.ID} {
		acmeIDs = append(acmeIDs, id)
	}
	for _, id := range docs {
		acmeIDs = append(acmeIDs, id)
	}
	forbidden := map[string][]string{
		"otherAdmin": append([]string{salesMark, adminMark, catalogueMark, "acme.test", "Shared tag"}, acmeIDs...),
		"otherTeam":  {salesMark, adminMark},
		"sales":      {adminMark},
	}

	// The shared records and their versions before the matrix (a quote's
	// lines already changed its totals).
	unchanged := []struct {
		object, id, field, want string
		version                 int64
	}{
		{"accounts", acct.ID(), "name", salesMark + " Inc", 0},
		{"contacts", contact.ID(), "family_name", "Person", 0},
		{"activities", activity.ID(), "subject", salesMark + " meeting", 0},
		{"tags", tag.ID(), "name", "Shared tag", 0},
		{"deals", docs["deals"], "name", salesMark + " deal SHARED", 0},
		{"leads", docs["leads"], "company", salesMark + " Lead Co SHARED", 0},
		{"quotes", docs["quotes"], "name", salesMark + " quote SHARED", 0},
		{"orders", docs["orders"], "name", salesMark + " order SHARED", 0},
		{"contracts", docs["contracts"], "name", salesMark + " contract SHARED", 0},
		{"products", docs["products"], "name", catalogueMark + " product SHARED", 0},
	}
	for i, rc := range unchanged {
		unchanged[i].version = admin.Get(t, rc.object, rc.id).Version()
	}

	ops := e.Server.API.Ops()
	seen := map[string]bool{}
	var printed []string
	for _, op := range ops {
		key := op.Method + " " + op.Path
		seen[key] = true
		want, ok := authzMatrix[key]
		if !ok {
			t.Errorf("%s is not in the authorization matrix: add its expected verdicts to authzMatrix", key)
			want = "??????"
		}
		got := map[string]byte{}
		for _, who := range matrixCallers {
			c := callers[who]
			path := pathFor(who, op.Path)
			path += matrixQuery[op.Method+" "+op.Path]
			r := call(t, c, op, path)
			v := verdict(op.Method, r.Status)
			got[who] = v
			if r.Status >= 500 {
				t.Errorf("%s as %s: %d %.300s", key, who, r.Status, r.Body)
			}
			for _, s := range forbidden[who] {
				if bytes.Contains(r.Body, []byte(s)) {
					t.Errorf("%s as %s: the answer holds %q, which %s may not see: %.300s", key, who, s, who, r.Body)
				}
			}
			if v == 'U' || v == 'F' || v == 'H' {
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Errorf("%s as %s: %d as %q, want problem+json", key, who, r.Status, ct)
				}
			}
		}
		line := make([]byte, len(matrixColumns))
		for i, who := range matrixColumns {
			line[i] = got[who]
		}
		if string(line) != want {
			t.Errorf("%s: verdicts %s, want %s (columns %s)", key, line, want, strings.Join(matrixColumns, ", "))
		}
		printed = append(printed, fmt.Sprintf("\t%q: %q,", key, line))
	}
	for key := range authzMatrix {
		if !seen[key] {
			t.Errorf("the authorization matrix lists %s, which is not an operation any more", key)
		}
	}
	if os.Getenv("RAPPORT_AUTHZ_PRINT") != "" {
		sort.Strings(printed)
		fmt.Println(strings.Join(printed, "\n"))
	}

	// Nothing was changed by a refused call, nor by the allowed ones the
	// matrix sends ({} bodies, stale If-Match): the shared records are at
	// the version they had before it, with their own names.
	for _, rc := range unchanged {
		got := admin.Get(t, rc.object, rc.id)
		if got[rc.field] != rc.want || got.Version() != rc.version {
			t.Errorf("%s %s after the matrix: %s %v, version %d, want version %d", rc.object, rc.id, rc.field, got[rc.field], got.Version(), rc.version)
		}
	}
}

// verdict names a status as the matrix does.
func verdict(method string, status int) byte {
	switch {
	case status == 401:
		return 'U'
	case status == 403:
		return 'F'
	case status == 404:
		return 'H'
	case method == "GET" && (status < 200 || status >= 300):
		return '?'
	case status >= 500:
		return '!'
	}
	return 'A'
}

// matrixQuery is the query an operation needs to get past its own
// validation to the permission checks.
var matrixQuery = map[string]string{
	"POST /api/v1/imports":               "?object=contacts",
	"GET /api/v1/views":                  "?object=accounts",
	"GET /api/v1/imports/{id}/records":   "?action=created",
	"GET /api/v1/exchange_rates/convert": "?amount=10&currency=EUR&date=2026-01-05",
}

// matrixBody is the body of operations for which {} is refused before
// the permission checks (which is fine, but says nothing about them).
func matrixBody(path string) []byte {
	switch {
	case strings.HasSuffix(path, "/bulk"):
		return []byte(`{"records":[{}]}`)
	case strings.HasSuffix(path, "/revert"):
		return []byte(`{"as_of":"2020-01-01T00:00:00Z"}`)
	// Operations that check their input before the record: a body that
	// passes those checks and names nothing real (no user, stage or line
	// of the workspace), so an allowed call changes nothing.
	case strings.HasSuffix(path, "/move"):
		return []byte(`{"stage_id":"` + missingID + `"}`)
	case strings.HasSuffix(path, "/ship"):
		return []byte(`{"items":[{"line_item_id":"` + missingID + `","quantity":"1"}]}`)
	case strings.HasSuffix(path, "/invoice") && strings.HasPrefix(path, "/api/v1/contracts/"):
		return []byte(`{"period_start":"2030-01-01","period_end":"2030-01-31"}`)
	case path == "/api/v1/quotas":
		return []byte(`{"user_id":"` + missingID + `","month":"2030-01","amount":"0"}`)
	}
	return []byte(`{}`)
}

// call sends op to path as c with a minimal body: {} for JSON bodies, a
// one-line file for uploads, and a stale If-Match on writes to a record
// (so that an allowed caller's delete, restore or purge is refused with
// 412 and leaves the record for the next caller).
func call(t *testing.T, c *servertest.Client, op api.Op, path string) *servertest.Response {
	t.Helper()
	var headers []string
	var body any
	switch {
	case op.Upload != nil || (op.Method == "POST" && strings.HasSuffix(op.Path, "/attachments")):
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		if strings.HasPrefix(op.Path, "/api/v1/imports") {
			_ = mw.WriteField("start", "false")
		}
		fw, _ := mw.CreateFormFile("file", "matrix.csv")
		fw.Write([]byte("Name,Email\nMatrix Person,matrix@example.com\n"))
		mw.Close()
		body = b.Bytes()
		headers = append(headers, "Content-Type", mw.FormDataContentType())
	case op.Body != nil:
		body = matrixBody(op.Path)
	}
	if op.ETag && op.Method != "GET" && strings.Contains(op.Path, "{id}") {
		headers = append(headers, "If-Match", `"0.stale"`)
	}
	r, err := c.Send(op.Method, path, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", op.Method, path, err)
	}
	return r
}

// importDraft uploads a small contacts file as a draft import.
func importDraft(t *testing.T, c *servertest.Client) string {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("object", "contacts")
	_ = mw.WriteField("start", "false")
	fw, _ := mw.CreateFormFile("file", "people.csv")
	fw.Write([]byte("Name,Email\nDraft Person,draft@example.com\n"))
	mw.Close()
	var out struct{ ID string }
	c.Must(t, 201, "POST", "/api/v1/imports", b.Bytes(), "Content-Type", mw.FormDataContentType()).JSON(t, &out)
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(out.ID) {
		t.Fatalf("import id %q", out.ID)
	}
	return out.ID
}

// salesDocs makes one record of each sales object: the catalogue (a
// product, a price book and its entry) as the admin, and as the Sales
// user on its account acc a lead, a deal with contact con, a draft quote
// with a line, an order with a line and a shipment, an issued invoice of
// the order with a payment, and a contract. Every name holds mark (the
// catalogue's holds catMark) and suffix.
func salesDocs(t *testing.T, admin, sales *servertest.Client, acc, con, mark, catMark, suffix string) map[string]string {
	t.Helper()
	prod := admin.Create(t, "products", map[string]any{"sku": "SKU-" + suffix, "name": catMark + " product " + suffix, "list_price": eur("10")}).ID()
	book := admin.Create(t, "price_books", map[string]any{"name": catMark + " book " + suffix, "currency": "EUR"}).ID()
	entry := admin.Create(t, "price_book_entries", map[string]any{"price_book_id": book, "product_id": prod, "unit_price": eur("9")}).ID()
	lead := sales.Create(t, "leads", map[string]any{"given_name": mark, "family_name": "Lead", "company": mark + " Lead Co " + suffix}).ID()
	deal := sales.Create(t, "deals", map[string]any{"name": mark + " deal " + suffix, "account_id": acc, "contact_ids": []string{con}, "amount": eur("500"), "close_date": "2030-01-15"}).ID()
	sales.Create(t, "line_items", map[string]any{"deal_id": deal, "product_id": prod, "quantity": "50"})
	q := sales.Create(t, "quotes", map[string]any{"name": mark + " quote " + suffix, "account_id": acc, "currency": "EUR"}).ID()
	line := sales.Create(t, "line_items", map[string]any{"quote_id": q, "product_id": prod, "quantity": "5"}).ID()
	ord := sales.Create(t, "orders", map[string]any{"name": mark + " order " + suffix, "account_id": acc, "currency": "EUR"}).ID()
	ol := sales.Create(t, "line_items", map[string]any{"order_id": ord, "product_id": prod, "quantity": "5"}).ID()
	var sh servertest.Record
	sales.Must(t, 201, "POST", "/api/v1/orders/"+ord+"/ship", map[string]any{"items": []map[string]any{{"line_item_id": ol, "quantity": "1"}}}).JSON(t, &sh)
	sl := sales.List(t, "/api/v1/shipment_lines?filter[shipment_id][eq]="+sh.ID()).Data[0].ID()
	var inv servertest.Record
	sales.Must(t, 201, "POST", "/api/v1/orders/"+ord+"/invoice", nil).JSON(t, &inv)
	sales.Must(t, 200, "PATCH", "/api/v1/invoices/"+inv.ID(), map[string]any{"status": "issued"})
	pay := sales.Create(t, "payments", map[string]any{"invoice_id": inv.ID(), "amount": eur("1"), "method": "cash", "reference": mark + " payment " + suffix}).ID()
	ct := sales.Create(t, "contracts", map[string]any{"name": mark + " contract " + suffix, "account_id": acc, "start_date": "2026-01-01", "status": "active", "value": eur("1000")}).ID()
	return map[string]string{"products": prod, "price_books": book, "price_book_entries": entry, "leads": lead, "deals": deal, "quotes": q, "line_items": line,
		"orders": ord, "shipments": sh.ID(), "shipment_lines": sl, "invoices": inv.ID(), "payments": pay, "contracts": ct}
}
