package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// purgeGraph is one workspace holding every record object with every
// link the schema has between them.
type purgeGraph struct {
	c                                 *servertest.Client
	tag, acc, prospect, branch        string
	pc, ac                            string // the prospect's and the customer's contacts
	lead, cdeal, qdeal, dealLine      string // cdeal: the lead's deal, on the prospect
	task, renewalTask                 string
	prod, book, entry                 string
	q1, q2, q1Line, q2Line            string // q2 is q1's revision, accepted
	order, orderLine                  string
	contract, shipment, shipLine      string
	inv, invLine, pay, cinv, cinvLine string // cinv: the contract's invoice
	versions                          map[string]int64
}

func newPurgeGraph(t *testing.T, e *servertest.Env, name string) *purgeGraph {
	t.Helper()
	c := e.AddWorkspace(name).Admin
	g := &purgeGraph{c: c, versions: map[string]int64{}}
	id := func(r servertest.Record) string { t.Helper(); return r.ID() }
	g.tag = id(c.CreateTag(t, "Key"))
	g.acc = id(c.Create(t, "accounts", map[string]any{"name": "Customer", "tag_ids": []any{g.tag}}))
	g.prospect = id(c.Create(t, "accounts", map[string]any{"name": "Prospect"}))
	g.branch = id(c.Create(t, "accounts", map[string]any{"name": "Prospect Branch", "parent_id": g.prospect}))
	g.pc = id(c.Create(t, "contacts", map[string]any{"given_name": "Pia", "family_name": "Prospect", "account_id": g.prospect}))
	g.ac = id(c.Create(t, "contacts", map[string]any{"given_name": "Carl", "family_name": "Customer", "account_id": g.acc}))
	g.lead = id(c.Create(t, "leads", map[string]any{"given_name": "Pia", "family_name": "Prospect", "company": "Prospect"}))
	var conv struct {
		DealID string `json:"deal_id"`
	}
	c.Must(t, 200, "POST", "/api/v1/leads/"+g.lead+"/convert", map[string]any{"account_id": g.prospect, "contact_id": g.pc,
		"deal": map[string]any{"amount": "500", "currency": "EUR", "close_date": "2030-06-30"}}).JSON(t, &conv)
	g.cdeal = conv.DealID
	g.prod = id(c.Create(t, "products", map[string]any{"sku": "W-1", "name": "Widget"}))
	g.book = id(c.Create(t, "price_books", map[string]any{"name": "Retail", "currency": "EUR"}))
	g.entry = id(c.Create(t, "price_book_entries", map[string]any{"price_book_id": g.book, "product_id": g.prod, "unit_price": eur("10")}))
	g.qdeal = id(c.Create(t, "deals", map[string]any{"name": "Widgets", "account_id": g.acc, "amount": eur("10"), "contact_ids": []any{g.ac}}))
	g.dealLine = id(c.Create(t, "line_items", map[string]any{"deal_id": g.qdeal, "product_id": g.prod, "name": "Widget", "quantity": "1", "unit_price": eur("10")}))
	g.task = id(c.Create(t, "activities", map[string]any{"type": "note", "subject": "Everything", "account_ids": []any{g.acc}, "contact_ids": []any{g.ac},
		"lead_ids": []any{g.lead}, "deal_ids": []any{g.qdeal}}))
	g.q1 = id(c.Create(t, "quotes", map[string]any{"name": "Widgets", "account_id": g.acc, "contact_id": g.ac, "deal_id": g.qdeal, "price_book_id": g.book, "currency": "EUR"}))
	g.q1Line = id(c.Create(t, "line_items", map[string]any{"quote_id": g.q1, "product_id": g.prod, "name": "Widget", "quantity": "2", "unit_price": eur("10")}))
	g.q2 = id(c.Must(t, 201, "POST", "/api/v1/quotes/"+g.q1+"/revise", nil).Record(t))
	g.q2Line = c.List(t, "/api/v1/line_items?filter[quote_id][eq]="+g.q2).IDs()[0]
	g.order = id(c.Must(t, 201, "POST", "/api/v1/quotes/"+g.q2+"/accept", nil).Record(t))
	g.orderLine = c.List(t, "/api/v1/line_items?filter[order_id][eq]="+g.order).IDs()[0]
	today := e.Clock.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }
	g.contract = id(c.Create(t, "contracts", map[string]any{"name": "Support", "account_id": g.acc, "start_date": day(-300), "end_date": day(20),
		"value": eur("3650"), "status": "active", "reminder_days": 30}))
	e.RunJob(t, "contract_renewals")
	g.renewalTask, _ = c.Get(t, "contracts", g.contract)["renewal_task_id"].(string)
	c.Must(t, 200, "PATCH", "/api/v1/orders/"+g.order, map[string]any{"contract_id": g.contract})
	g.shipment = id(c.Must(t, 201, "POST", "/api/v1/orders/"+g.order+"/ship", map[string]any{"items": []map[string]any{{"line_item_id": g.orderLine, "quantity": "1"}}}).Record(t))
	g.shipLine = c.List(t, "/api/v1/shipment_lines?filter[shipment_id][eq]="+g.shipment).IDs()[0]
	g.inv = id(c.Must(t, 201, "POST", "/api/v1/orders/"+g.order+"/invoice", nil).Record(t))
	g.invLine = c.List(t, "/api/v1/line_items?filter[invoice_id][eq]="+g.inv).IDs()[0]
	c.Must(t, 200, "PATCH", "/api/v1/invoices/"+g.inv, map[string]any{"status": "issued"})
	g.pay = id(c.Create(t, "payments", map[string]any{"invoice_id": g.inv, "amount": eur("5"), "method": "card"}))
	g.cinv = id(c.Must(t, 201, "POST", "/api/v1/contracts/"+g.contract+"/invoice", map[string]any{"period_start": day(-300), "period_end": day(-270)}).Record(t))
	g.cinvLine = c.List(t, "/api/v1/line_items?filter[invoice_id][eq]="+g.cinv).IDs()[0]
	for _, must := range []string{g.renewalTask, g.cdeal, g.q2Line} {
		if must == "" {
			t.Fatalf("the graph is missing a link: %+v", g)
		}
	}
	return g
}

// trash moves records to the trash, in order.
func (g *purgeGraph) trash(t *testing.T, refs ...string) {
	t.Helper()
	for i := 0; i < len(refs); i += 2 {
		g.c.Must(t, 204, "DELETE", "/api/v1/"+refs[i]+"/"+refs[i+1], nil)
	}
}

// remember notes records' versions before the purge.
func (g *purgeGraph) remember(t *testing.T, refs ...string) {
	t.Helper()
	for i := 0; i < len(refs); i += 2 {
		g.versions[refs[i+1]] = g.c.Get(t, refs[i], refs[i+1]).Version()
	}
}

// gone asserts records are purged: neither readable nor in the trash.
func (g *purgeGraph) gone(t *testing.T, refs ...string) {
	t.Helper()
	for i := 0; i < len(refs); i += 2 {
		g.c.Must(t, 404, "GET", "/api/v1/"+refs[i]+"/"+refs[i+1], nil)
		if slices.Contains(g.c.List(t, "/api/v1/"+refs[i]+"/trash").IDs(), refs[i+1]) {
			t.Errorf("%s %s is still in the trash", refs[i], refs[i+1])
		}
	}
}

// inTrash asserts records were kept in the trash, restorable.
func (g *purgeGraph) inTrash(t *testing.T, refs ...string) {
	t.Helper()
	for i := 0; i < len(refs); i += 2 {
		if !slices.Contains(g.c.List(t, "/api/v1/"+refs[i]+"/trash").IDs(), refs[i+1]) {
			t.Errorf("%s %s is not in the trash", refs[i], refs[i+1])
		}
	}
}

// cleared asserts a live record no longer names the purged one in
// field, with a new version (so a new ETag).
func (g *purgeGraph) cleared(t *testing.T, object, id, field string) {
	t.Helper()
	got := g.c.Get(t, object, id)
	if v := got[field]; v != nil && fmt.Sprint(v) != "[]" {
		t.Errorf("%s %s still has %s = %v", object, id, field, v)
	}
	if old, ok := g.versions[id]; ok && got.Version() <= old {
		t.Errorf("%s %s: version %d after its link was cleared, was %d", object, id, got.Version(), old)
	}
}

// has asserts a live record still names what it named.
func (g *purgeGraph) has(t *testing.T, object, id, field, want string) {
	t.Helper()
	if got := g.c.Get(t, object, id)[field]; got != want {
		t.Errorf("%s %s: %s = %v, want %s", object, id, field, got, want)
	}
}

// TestPurgeEveryObject: every record object, with all its links, can be
// trashed and purged on both databases without the purge failing.
// Parts go with their record; records that only named the purged one
// stay, no longer naming it, with a new version; a record that
// documents must go on naming (an account with sales documents, an
// order with shipments, an invoice with payments) stays in the trash,
// restorable, and the purge of everything else goes on. Before
// migration 0012 purging an order, invoice, contract, product, price
// book, account, contact, lead or activity failed on a foreign key and
// stopped the job.
func TestPurgeEveryObject(t *testing.T) {
	e := servertest.New(t)
	cases := []struct {
		name  string
		trash func(t *testing.T, g *purgeGraph)
		check func(t *testing.T, g *purgeGraph)
	}{
		{"tags", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "tags", g.tag)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "tags", g.tag)
			g.cleared(t, "accounts", g.acc, "tag_ids")
		}},
		{"an account that documents name is kept", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "accounts", g.acc)
		}, func(t *testing.T, g *purgeGraph) {
			g.inTrash(t, "accounts", g.acc)
			for _, d := range [][2]string{{"quotes", g.q2}, {"orders", g.order}, {"contracts", g.contract}, {"invoices", g.inv}, {"payments", g.pay}} {
				g.has(t, d[0], d[1], "account_id", g.acc)
			}
			g.c.Must(t, 200, "POST", "/api/v1/accounts/"+g.acc+"/restore", nil)
		}},
		{"an account with its documents trashed too", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "payments", g.pay)
			g.c.Must(t, 200, "PATCH", "/api/v1/invoices/"+g.inv, map[string]any{"status": "void"})
			g.trash(t, "shipments", g.shipment, "invoices", g.inv, "invoices", g.cinv, "orders", g.order,
				"contracts", g.contract, "quotes", g.q1, "quotes", g.q2, "accounts", g.acc)
			g.remember(t, "contacts", g.ac, "deals", g.qdeal)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "payments", g.pay, "shipments", g.shipment, "shipment_lines", g.shipLine, "invoices", g.inv, "invoices", g.cinv,
				"orders", g.order, "contracts", g.contract, "quotes", g.q1, "quotes", g.q2, "accounts", g.acc,
				"line_items", g.orderLine, "line_items", g.invLine, "line_items", g.q2Line)
			g.cleared(t, "contacts", g.ac, "account_id")
			g.cleared(t, "deals", g.qdeal, "account_id")
			g.cleared(t, "activities", g.task, "account_ids")
		}},
		{"an account without documents", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "accounts", g.prospect)
			g.remember(t, "accounts", g.branch, "contacts", g.pc, "leads", g.lead, "deals", g.cdeal)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "accounts", g.prospect)
			g.cleared(t, "accounts", g.branch, "parent_id")
			g.cleared(t, "contacts", g.pc, "account_id")
			g.cleared(t, "leads", g.lead, "account_id")
			g.cleared(t, "deals", g.cdeal, "account_id")
		}},
		{"contacts", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "contacts", g.pc, "contacts", g.ac)
			g.remember(t, "leads", g.lead, "quotes", g.q1, "quotes", g.q2)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "contacts", g.pc, "contacts", g.ac)
			g.cleared(t, "leads", g.lead, "contact_id")
			g.cleared(t, "quotes", g.q1, "contact_id")
			g.cleared(t, "quotes", g.q2, "contact_id")
			g.cleared(t, "deals", g.qdeal, "contact_ids")
			g.cleared(t, "activities", g.task, "contact_ids")
		}},
		{"activities", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "activities", g.task, "activities", g.renewalTask)
			g.remember(t, "contracts", g.contract)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "activities", g.task, "activities", g.renewalTask)
			g.cleared(t, "contracts", g.contract, "renewal_task_id")
		}},
		{"leads", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "leads", g.lead)
			g.remember(t, "deals", g.cdeal)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "leads", g.lead)
			g.cleared(t, "deals", g.cdeal, "lead_id")
		}},
		{"deals", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "deals", g.cdeal, "deals", g.qdeal)
			g.remember(t, "leads", g.lead, "quotes", g.q1)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "deals", g.cdeal, "deals", g.qdeal, "line_items", g.dealLine)
			g.cleared(t, "leads", g.lead, "deal_id") // no foreign key: leads_deal
			g.cleared(t, "quotes", g.q1, "deal_id")
			g.cleared(t, "activities", g.task, "deal_ids")
		}},
		{"products", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "products", g.prod)
			g.remember(t, "line_items", g.dealLine, "line_items", g.q1Line, "line_items", g.orderLine, "line_items", g.invLine)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "products", g.prod, "price_book_entries", g.entry)
			for _, l := range []string{g.dealLine, g.q1Line, g.orderLine, g.invLine} {
				g.cleared(t, "line_items", l, "product_id")
				g.has(t, "line_items", l, "name", "Widget")
			}
		}},
		{"price books", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "price_books", g.book)
			g.remember(t, "quotes", g.q1)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "price_books", g.book, "price_book_entries", g.entry)
			g.cleared(t, "quotes", g.q1, "price_book_id")
		}},
		{"price book entries", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "price_book_entries", g.entry)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "price_book_entries", g.entry)
			g.c.Get(t, "products", g.prod)
		}},
		{"quotes", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "quotes", g.q1, "quotes", g.q2)
			g.remember(t, "orders", g.order)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "quotes", g.q1, "quotes", g.q2, "line_items", g.q1Line, "line_items", g.q2Line)
			g.cleared(t, "orders", g.order, "quote_id")
			g.c.Get(t, "line_items", g.orderLine)
		}},
		{"a superseded quote revision", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "quotes", g.q1)
			g.remember(t, "quotes", g.q2)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "quotes", g.q1)
			g.cleared(t, "quotes", g.q2, "previous_id") // no foreign key: quotes_previous
		}},
		{"an order with shipments is kept", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "orders", g.order)
		}, func(t *testing.T, g *purgeGraph) {
			g.inTrash(t, "orders", g.order)
			g.has(t, "shipments", g.shipment, "order_id", g.order)
			g.has(t, "shipment_lines", g.shipLine, "line_item_id", g.orderLine)
		}},
		{"an order with its shipment trashed too", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "shipments", g.shipment, "orders", g.order)
			g.remember(t, "invoices", g.inv, "quotes", g.q2)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "orders", g.order, "line_items", g.orderLine, "shipments", g.shipment, "shipment_lines", g.shipLine)
			g.cleared(t, "invoices", g.inv, "order_id")
			g.cleared(t, "quotes", g.q2, "order_id") // no foreign key: quotes_order
			g.has(t, "invoices", g.inv, "status", "partially_paid")
			g.c.Get(t, "line_items", g.invLine)
		}},
		{"shipments", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "shipments", g.shipment)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "shipments", g.shipment, "shipment_lines", g.shipLine)
			g.c.Get(t, "line_items", g.orderLine)
		}},
		{"shipment lines", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "shipment_lines", g.shipLine)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "shipment_lines", g.shipLine)
		}},
		{"line items", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "line_items", g.dealLine, "line_items", g.cinvLine)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "line_items", g.dealLine, "line_items", g.cinvLine)
		}},
		{"contracts", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "contracts", g.contract)
			g.remember(t, "orders", g.order, "invoices", g.cinv)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "contracts", g.contract)
			g.cleared(t, "orders", g.order, "contract_id") // no foreign key: orders_contract
			g.cleared(t, "invoices", g.cinv, "contract_id")
			g.c.Get(t, "activities", g.renewalTask)
		}},
		{"invoices", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "payments", g.pay)
			g.c.Must(t, 200, "PATCH", "/api/v1/invoices/"+g.inv, map[string]any{"status": "void"})
			g.trash(t, "invoices", g.inv, "invoices", g.cinv)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "invoices", g.inv, "invoices", g.cinv, "payments", g.pay, "line_items", g.invLine, "line_items", g.cinvLine)
			g.c.Get(t, "orders", g.order)
			g.c.Get(t, "contracts", g.contract)
		}},
		{"payments", func(t *testing.T, g *purgeGraph) {
			g.trash(t, "payments", g.pay)
		}, func(t *testing.T, g *purgeGraph) {
			g.gone(t, "payments", g.pay)
			g.has(t, "invoices", g.inv, "status", "issued")
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newPurgeGraph(t, e, fmt.Sprintf("Purge %d", i))
			tc.trash(t, g)
			e.Clock.Advance(31 * 24 * time.Hour)
			e.RunJob(t, "purge_trash")
			tc.check(t, g)
		})
	}
}

// TestPurgeNow: a record in the trash is deleted for good at once
// through the API and the trash page. A refused purge answers 409
// naming why (the page shows the reason in the reader's language and
// keeps the record in the trash), never a 500; a stale ETag answers
// 412, a record not in the trash 404.
func TestPurgeNow(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Still Billed"}).ID()
	q := c.Create(t, "quotes", map[string]any{"name": "Offer", "account_id": acc, "currency": "EUR"}).ID()
	c.Must(t, 404, "POST", "/api/v1/accounts/"+acc+"/purge", nil)
	c.Must(t, 204, "DELETE", "/api/v1/accounts/"+acc, nil)
	p := c.Must(t, 409, "POST", "/api/v1/accounts/"+acc+"/purge", nil).Problem(t)
	if p.Detail != "1 quotes, orders, contracts, invoices or payments still name this account (some may be in the trash); it is kept until they are deleted." {
		t.Fatalf("the refusal does not say why: %+v", p)
	}
	c.Must(t, 412, "POST", "/api/v1/accounts/"+acc+"/purge", nil, "If-Match", `"stale.1"`)

	b := e.Browser()
	b.SignIn(t, "admin@acme.test", servertest.Password)
	r := b.Must(t, 303, "POST", "/o/accounts/"+acc+"/purge", "_etag=", "Content-Type", "application/x-www-form-urlencoded", "Cookie", "lang=es")
	if loc := r.Header.Get("Location"); loc != "/o/accounts/trash" {
		t.Fatalf("a refused purge went to %s", loc)
	}
	if body := string(b.Must(t, 200, "GET", "/o/accounts/trash", nil, "Cookie", "lang=es").Body); !strings.Contains(body, "todavía nombran esta cuenta") || !strings.Contains(body, "Eliminar definitivamente") {
		t.Fatalf("the trash page does not show the refusal in Spanish:\n%s", body)
	}
	if !slices.Contains(c.List(t, "/api/v1/accounts/trash").IDs(), acc) {
		t.Fatal("the refused account left the trash")
	}

	// Once the quote is gone, the account goes too.
	c.Must(t, 204, "DELETE", "/api/v1/quotes/"+q, nil)
	c.Must(t, 204, "POST", "/api/v1/quotes/"+q+"/purge", nil)
	b.Must(t, 303, "POST", "/o/accounts/"+acc+"/purge", "_etag=", "Content-Type", "application/x-www-form-urlencoded")
	c.Must(t, 404, "POST", "/api/v1/accounts/"+acc+"/restore", nil)
	if tr := c.List(t, "/api/v1/accounts/trash").IDs(); len(tr) != 0 {
		t.Fatalf("the trash after the purge: %v", tr)
	}
	// Each purge by hand is in the audit log, by object and id, newest
	// first, with who did it; the refused ones are not.
	log := auditEvents(t, c, "?event=record_purged")
	var got []string
	for _, ev := range log.Data {
		if ev.Email != "admin@acme.test" || ev.UserIDJSON != c.UserID {
			t.Errorf("purge logged as %s (%s)", ev.Email, ev.UserIDJSON)
		}
		got = append(got, ev.Detail)
	}
	if want := []string{"accounts " + acc, "quotes " + q}; !slices.Equal(got, want) {
		t.Fatalf("audit log of purges %q, want %q", got, want)
	}
	if page := string(b.Must(t, 200, "GET", "/settings/audit?event=record_purged", nil, "Cookie", "lang=es").Body); !strings.Contains(page, "Registro eliminado definitivamente") || !strings.Contains(page, "quotes "+q) {
		t.Fatal("the audit page does not show the purges in Spanish")
	}
}

// TestPurgeJobCarriesOn: a record whose purge fails (here a foreign key
// the purge does not know, as a later migration might add) stays in the
// trash; the job goes on with the others, in the same object and after
// it, finishes, and logs the failure with ids only.
func TestPurgeJobCarriesOn(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	ctx := t.Context()
	typ := "TEXT"
	if e.Server.DB.Dialect == "postgres" {
		typ = "UUID"
	}
	if _, err := e.Server.DB.Exec(ctx, "CREATE TABLE purge_pins (workspace_id "+typ+" NOT NULL, account_id "+typ+" NOT NULL, FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id))"); err != nil {
		t.Fatal(err)
	}
	var accs []string
	for i := range 3 {
		accs = append(accs, c.Create(t, "accounts", map[string]any{"name": fmt.Sprintf("Secret Name %d", i)}).ID())
	}
	pinned := accs[1]
	if _, err := e.Server.DB.Exec(ctx, "INSERT INTO purge_pins (workspace_id, account_id) VALUES (?, ?)", e.WS.ID, pinned); err != nil {
		t.Fatal(err)
	}
	tag := c.CreateTag(t, "Purged after accounts").ID()
	for _, a := range accs {
		c.Must(t, 204, "DELETE", "/api/v1/accounts/"+a, nil)
	}
	c.Must(t, 204, "DELETE", "/api/v1/tags/"+tag, nil)
	e.Clock.Advance(31 * 24 * time.Hour)
	e.RunJob(t, "purge_trash")

	if tr := c.List(t, "/api/v1/accounts/trash").IDs(); len(tr) != 1 || tr[0] != pinned {
		t.Fatalf("the accounts' trash after the purge: %v, want only %s", tr, pinned)
	}
	c.Must(t, 404, "POST", "/api/v1/tags/"+tag+"/restore", nil)
	logs := e.ErrorLogs()
	if len(logs) != 1 || !strings.Contains(logs[0], "id="+pinned) || !strings.Contains(logs[0], "object=accounts") || strings.Contains(logs[0], "Secret") {
		t.Fatalf("the failure's log: %q", logs)
	}
	// The API's purge of the same record is a 4xx too.
	c.Must(t, 422, "POST", "/api/v1/accounts/"+pinned+"/purge", nil)
	// Next run, the pin gone, it goes.
	if _, err := e.Server.DB.Exec(ctx, "DELETE FROM purge_pins"); err != nil {
		t.Fatal(err)
	}
	e.RunJob(t, "purge_trash")
	if tr := c.List(t, "/api/v1/accounts/trash").IDs(); len(tr) != 0 {
		t.Fatalf("the trash after the pin went: %v", tr)
	}
}

// TestPurgeClearsCustomReferences: a reference custom field naming a
// record that is deleted for good is emptied, with a new version, in
// every object that has one — by hand and by the hourly purge alike —
// while a reference to another record stays.
func TestPurgeClearsCustomReferences(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	onDeals := e.WS.CustomField(t, "deals", "champion", "reference", map[string]any{"target": "contacts"})
	onContacts := e.WS.CustomField(t, "contacts", "referred_by", "reference", map[string]any{"target": "contacts"})
	gone := c.Create(t, "contacts", map[string]any{"given_name": "Ines", "family_name": "Purged"}).ID()
	kept := c.Create(t, "contacts", map[string]any{"given_name": "Olga", "family_name": "Stays"}).ID()
	d1 := c.Create(t, "deals", map[string]any{"name": "Names the purged", onDeals: gone})
	d2 := c.Create(t, "deals", map[string]any{"name": "Names another", onDeals: kept})
	c1 := c.Create(t, "contacts", map[string]any{"given_name": "Referred", "family_name": "One", onContacts: gone})

	c.Must(t, 204, "DELETE", "/api/v1/contacts/"+gone, nil)
	c.Must(t, 204, "POST", "/api/v1/contacts/"+gone+"/purge", nil)
	for _, r := range []struct {
		object string
		rec    servertest.Record
		field  string
		want   any
	}{{"deals", d1, onDeals, nil}, {"deals", d2, onDeals, kept}, {"contacts", c1, onContacts, nil}} {
		got := c.Get(t, r.object, r.rec.ID())
		if got[r.field] != r.want {
			t.Errorf("%s %s: %s = %v, want %v", r.object, r.rec.ID(), r.field, got[r.field], r.want)
		}
		changed := r.want == nil
		if v := fmt.Sprint(got["version"]); (v != fmt.Sprint(r.rec["version"])) != changed {
			t.Errorf("%s %s: version %v, was %v", r.object, r.rec.ID(), v, r.rec["version"])
		}
	}

	// The hourly purge does the same.
	c.Must(t, 204, "DELETE", "/api/v1/contacts/"+kept, nil)
	e.Clock.Advance(40 * 24 * time.Hour)
	if _, err := e.Server.Records.PurgeTrash(t.Context(), e.Clock.Now().Add(-30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := c.Get(t, "deals", d2.ID()); got[onDeals] != nil {
		t.Fatalf("after the hourly purge the deal still names %v", got[onDeals])
	}
}
