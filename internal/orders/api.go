package orders

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

var recordSchema = api.Schema{"type": "object", "description": "the record, as GET on its object answers"}

var dealOutcomeSchema = api.Schema{"type": "object", "properties": api.Schema{
	"id":         api.Schema{"type": "string", "format": "uuid", "description": "the deal"},
	"won":        api.Schema{"type": "boolean", "description": "the deal is in its pipeline's won stage now"},
	"stage_name": api.Schema{"type": "string"},
	"reason":     api.Schema{"type": "string", "description": "why the deal did not move"},
	"errors": api.Schema{"type": "array", "description": "the fields the won stage requires that the deal lacks", "items": api.Schema{"type": "object", "properties": api.Schema{
		"location": api.Schema{"type": "string"}, "message": api.Schema{"type": "string"}}}}}}

// bufferedWriter keeps an answer to add to it before it is sent.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedWriter) WriteHeader(status int)      { b.status = status }

// withMember adds a member to a JSON object.
func withMember(obj []byte, name string, v any) ([]byte, error) {
	obj = bytes.TrimRight(obj, "\n ")
	if len(obj) < 2 || obj[len(obj)-1] != '}' {
		return nil, fmt.Errorf("add %s: not a JSON object", name)
	}
	m, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("add %s: %w", name, err)
	}
	out := append([]byte{}, obj[:len(obj)-1]...)
	if len(bytes.TrimSpace(out)) > 1 {
		out = append(out, ',')
	}
	out = append(out, '"')
	out = append(out, name...)
	out = append(out, '"', ':')
	out = append(out, m...)
	return append(out, '}', '\n'), nil
}

var amountsSchema = api.Schema{"type": "array", "items": api.Schema{"type": "object", "properties": api.Schema{
	"amount": api.Schema{"type": "string"}, "currency": api.Schema{"type": "string"}}}}

// writeRecord answers with one record as the engine's API does.
func (s *Service) writeRecord(w http.ResponseWriter, r *http.Request, p *auth.Principal, rec *records.Record, status int) error {
	return s.Records.WriteRecord(w, r, p, rec, status)
}

// RegisterAPI adds the operations beyond each object's record routes:
// accepting and revising quotes, PDFs, shipping and invoicing orders,
// invoicing contract periods, the overdue list and an account's facts.
func (s *Service) RegisterAPI(a *api.API, tr func() Translate) {
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/quotes/{id}/accept", ID: "accept_quote", Tag: "quotes", Status: http.StatusCreated, ETag: true,
		Summary: "Accept a quote, which makes its order (with a copy of its lines) and moves the quote's deal to its pipeline's won stage; answers with the order",
		Description: "The same happens when a quote's status is set to accepted. Send If-Match with the quote's ETag to accept only the version you saw. " +
			"For a quote made for a deal the answer's deal_outcome says whether the deal moved to the won stage and, when a stage rule refused it " +
			"(a field the stage requires, a deal outside your scope), why: the order is made all the same.",
		Response: api.Schema{"type": "object", "description": "the order, as GET on orders answers, with deal_outcome for a quote of a deal",
			"properties": api.Schema{"deal_outcome": dealOutcomeSchema}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			ord, deal, err := s.Accept(r.Context(), p, api.PathID(r, "id"), r.Header.Get("If-Match"))
			if err != nil {
				return err
			}
			if deal == nil {
				return s.writeRecord(w, r, p, ord, http.StatusCreated)
			}
			rw := &bufferedWriter{header: w.Header()}
			if err := s.writeRecord(rw, r, p, ord, http.StatusCreated); err != nil {
				return err
			}
			out, err := withMember(rw.body.Bytes(), "deal_outcome", deal)
			if err != nil {
				return err
			}
			w.WriteHeader(rw.status)
			_, _ = w.Write(out)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/quotes/{id}/revise", ID: "revise_quote", Tag: "quotes", Status: http.StatusCreated,
		Summary:  "Make the next revision of a quote: a draft with the same number and a copy of its lines; the quote it replaces becomes superseded",
		Response: recordSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			q, err := s.Revise(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			return s.writeRecord(w, r, p, q, http.StatusCreated)
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/deals/{id}/quote", ID: "quote_deal", Tag: "deals", Status: http.StatusCreated,
		Summary: "Make a draft quote for a deal, with a copy of the deal's line items: same products, quantities, prices, discounts and taxes, so the quote's totals are the deal's",
		Description: "The quote is in the currency of the deal's lines (else its amount's, else the workspace's), for the deal's account and, when the deal has exactly one contact, " +
			"that contact; the body may set any of these. A deal without an account needs account_id. Add the deal's products as line_items with deal_id.",
		Body: api.Schema{"type": "object", "additionalProperties": false, "properties": api.Schema{
			"name":          api.Schema{"type": "string", "description": "the quote's subject; the deal's name by default"},
			"account_id":    api.Schema{"type": "string", "format": "uuid", "description": "the deal's account by default"},
			"contact_id":    api.Schema{"type": "string", "format": "uuid"},
			"price_book_id": api.Schema{"type": "string", "format": "uuid", "description": "a price book in the quote's currency, for lines added later"},
			"valid_until":   api.Schema{"type": "string", "format": "date"},
			"language":      api.Schema{"type": "string", "enum": []string{"en", "es", "zh"}}}},
		BodyOptional: true,
		Response:     recordSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in QuoteFromDealInput
			if r.ContentLength != 0 {
				if err := api.Decode(w, r, &in); err != nil {
					return err
				}
			}
			q, err := s.QuoteFromDeal(r.Context(), p, api.PathID(r, "id"), in)
			if err != nil {
				return err
			}
			return s.writeRecord(w, r, p, q, http.StatusCreated)
		}})
	for _, object := range []string{"quotes", "invoices"} {
		a.Handle(api.Op{Method: "GET", Path: "/api/v1/" + object + "/{id}/pdf", ID: "pdf_" + object, Tag: object,
			Summary: "The " + object[:len(object)-1] + " as a PDF, in its language (Chinese with an embedded CJK font subset)",
			Description: "Chinese text needs the CJK font (--pdf-cjk-font, RAPPORT_PDF_CJK_FONT, or Debian's fonts-droid-fallback). Without it a document in Chinese answers 503 naming the font; " +
				"a document in English or Spanish is still made, any Chinese characters in it (a customer's name) printed as ?.",
			Produces: []string{"application/pdf"},
			Problems: map[int]string{http.StatusServiceUnavailable: "the document is in Chinese and the CJK font is missing"},
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				var buf bytes.Buffer
				name, err := s.PDF(r.Context(), p, object, api.PathID(r, "id"), tr(), &buf)
				if err != nil {
					return err
				}
				w.Header().Set("Content-Type", "application/pdf")
				w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
				w.Header().Set("Cache-Control", "no-store")
				_, _ = w.Write(buf.Bytes())
				return nil
			}})
	}
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/orders/{id}/ship", ID: "ship_order", Tag: "orders", Status: http.StatusCreated,
		Summary: "Ship some or all of an order's lines in one step: a shipment and its lines; the order's fulfilment follows",
		Body: api.Schema{"type": "object", "required": []string{"items"}, "additionalProperties": false, "properties": api.Schema{
			"carrier": api.Schema{"type": "string"}, "tracking_number": api.Schema{"type": "string"}, "shipped_on": api.Schema{"type": "string", "format": "date"},
			"items": api.Schema{"type": "array", "items": api.Schema{"type": "object", "required": []string{"line_item_id", "quantity"}, "properties": api.Schema{
				"line_item_id": api.Schema{"type": "string", "format": "uuid"}, "quantity": api.Schema{"type": "string", "description": "a decimal, at most what is left to ship"}}}}}},
		Response: recordSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in ShipInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			sh, err := s.Ship(r.Context(), p, api.PathID(r, "id"), in)
			if err != nil {
				return err
			}
			return s.writeRecord(w, r, p, sh, http.StatusCreated)
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/orders/{id}/invoice", ID: "invoice_order", Tag: "orders", Status: http.StatusCreated,
		Summary:  "Make a draft invoice of an order, with a copy of its lines",
		Response: recordSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			inv, err := s.InvoiceOrder(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			return s.writeRecord(w, r, p, inv, http.StatusCreated)
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/contracts/{id}/invoice", ID: "invoice_contract", Tag: "contracts", Status: http.StatusCreated,
		Summary: "Make a draft invoice of a period of a contract: one line, the contract's value prorated by days over its term",
		Body: api.Schema{"type": "object", "required": []string{"period_start", "period_end"}, "additionalProperties": false, "properties": api.Schema{
			"period_start": api.Schema{"type": "string", "format": "date"}, "period_end": api.Schema{"type": "string", "format": "date"}}},
		Response: recordSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in PeriodInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			inv, err := s.InvoiceContract(r.Context(), p, api.PathID(r, "id"), in)
			if err != nil {
				return err
			}
			return s.writeRecord(w, r, p, inv, http.StatusCreated)
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/invoices/overdue", ID: "overdue_invoices", Tag: "invoices",
		Summary:  "Issued invoices past their due date with a balance left, oldest due first",
		Params:   []api.Param{{Name: "limit", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": records.MaxLimit, "default": records.MaxLimit}}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": recordSchema}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			vals, err := api.Query(r)
			if err != nil {
				return err
			}
			limit := 0
			if l := vals.Get("limit"); l != "" {
				if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > records.MaxLimit {
					return errs.Field("query.limit", "must be between 1 and 500")
				}
			}
			recs, err := s.Overdue(r.Context(), p, limit)
			if err != nil {
				return err
			}
			o, _ := s.Records.Object("invoices")
			fields, err := s.Records.Fields(r.Context(), s.DB, p.WorkspaceID, o)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			b.WriteString(`{"data":[`)
			for i, rec := range recs {
				if i > 0 {
					b.WriteByte(',')
				}
				b.Write(records.MarshalRecord(fields, rec, nil))
			}
			b.WriteString("]}\n")
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(b.Bytes())
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/accounts/{id}/sales", ID: "account_sales", Tag: "accounts",
		Summary: "An account's revenue to date, payments, open and overdue balance (per currency) and its open quotes, orders and invoices",
		Response: api.Schema{"type": "object", "properties": api.Schema{"revenue": amountsSchema, "paid": amountsSchema, "open_balance": amountsSchema, "overdue": amountsSchema,
			"open_invoices": api.Schema{"type": "integer"}, "overdue_invoices": api.Schema{"type": "integer"}, "open_orders": api.Schema{"type": "integer"}, "open_quotes": api.Schema{"type": "integer"}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			f, err := s.AccountFacts(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, f)
			return nil
		}})
}
