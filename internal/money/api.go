package money

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
)

// RateSchema is the JSON Schema of a Rate.
var RateSchema = api.Schema{"type": "object", "properties": api.Schema{
	"id": api.Schema{"type": "string"}, "currency": api.Schema{"type": "string", "pattern": "^[A-Z]{3}$"},
	"date": api.Schema{"type": "string", "format": "date"}, "rate": api.Schema{"type": "string", "description": "units of the workspace currency per unit of currency, an exact decimal"},
	"created_at": api.Schema{"type": "string", "format": "date-time"}, "created_by": api.Schema{"type": "string"}}}

var rateIn = api.Schema{"type": "object", "additionalProperties": false, "required": []string{"currency", "date", "rate"}, "properties": api.Schema{
	"currency": api.Schema{"type": "string", "pattern": "^[A-Z]{3}$"}, "date": api.Schema{"type": "string", "format": "date"},
	"rate": api.Schema{"type": "string", "description": "an exact decimal such as \"1.0825\""}}}

// RegisterAPI adds the exchange-rate and conversion operations.
func (s *Service) RegisterAPI(a *api.API) {
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/exchange_rates", ID: "list_exchange_rates", Tag: "exchange_rates",
		Summary: "The workspace's exchange rates, newest date first",
		Params: []api.Param{{Name: "currency", In: "query", Description: "only this currency"},
			{Name: "limit", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": 5000, "default": 500}}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"base_currency": api.Schema{"type": "string"}, "data": api.Schema{"type": "array", "items": RateSchema}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			vals, err := api.Query(r)
			if err != nil {
				return err
			}
			var f RateFilter
			if c := vals.Get("currency"); c != "" {
				if f.Currency = strings.ToUpper(c); !ValidCurrency(f.Currency) {
					return errs.Field("query.currency", "must be an ISO 4217 code like EUR")
				}
			}
			if l := vals.Get("limit"); l != "" {
				if f.Limit, err = strconv.Atoi(l); err != nil || f.Limit < 1 || f.Limit > 5000 {
					return errs.Field("query.limit", "must be between 1 and 5000")
				}
			}
			rates, err := s.ListRates(r.Context(), p, f)
			if err != nil {
				return err
			}
			base, err := s.BaseCurrency(r.Context(), s.DB, p.WorkspaceID)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"base_currency": base, "data": rates})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/exchange_rates", ID: "set_exchange_rate", Tag: "exchange_rates", Status: 201,
		Summary:     "Enter an exchange rate (admins); a rate of the same currency and date is replaced",
		Description: "rate is how many units of the workspace currency one unit of currency was worth on date; it applies from that date until the currency's next rate.",
		Body:        rateIn, Response: RateSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in RateInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			rate, err := s.SetRate(r.Context(), p, in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, rate)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/exchange_rates/import", ID: "import_exchange_rates", Tag: "exchange_rates",
		Summary: "Enter many exchange rates at once (admins): all or, when one is invalid, none",
		Body: api.Schema{"type": "object", "additionalProperties": false, "required": []string{"rates"}, "properties": api.Schema{
			"rates": api.Schema{"type": "array", "minItems": 1, "maxItems": 5000, "items": rateIn}}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": RateSchema}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in struct {
				Rates []RateInput `json:"rates"`
			}
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			rates, err := s.SetRates(r.Context(), p, in.Rates)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": rates})
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/exchange_rates/{id}", ID: "get_exchange_rate", Tag: "exchange_rates", Summary: "One exchange rate", Response: RateSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			rate, err := s.GetRate(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, rate)
			return nil
		}})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/exchange_rates/{id}", ID: "delete_exchange_rate", Tag: "exchange_rates", Summary: "Remove an exchange rate (admins)", Status: 204,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := s.DeleteRate(r.Context(), p, api.PathID(r, "id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/exchange_rates/convert", ID: "convert_amount", Tag: "exchange_rates",
		Summary: "Convert an amount into the workspace currency with the rate of a date",
		Params: []api.Param{{Name: "amount", In: "query", Required: true, Description: "an exact decimal"},
			{Name: "currency", In: "query", Required: true}, {Name: "date", In: "query", Required: true, Description: "2006-01-02"}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"amount": api.Schema{"type": "string"}, "currency": api.Schema{"type": "string"}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			vals, err := api.Query(r)
			if err != nil {
				return err
			}
			var fe []errs.FieldError
			amount, cur, date := vals.Get("amount"), strings.ToUpper(vals.Get("currency")), vals.Get("date")
			if _, ok := ParseDecimal(amount); !ok {
				fe = append(fe, errs.FieldError{Location: "query.amount", Message: "must be a decimal number like 12.50"})
			}
			if !ValidCurrency(cur) {
				fe = append(fe, errs.FieldError{Location: "query.currency", Message: "must be an ISO 4217 code like EUR"})
			}
			day, derr := time.Parse("2006-01-02", date)
			if derr != nil || day.Year() < 1900 {
				fe = append(fe, errs.FieldError{Location: "query.date", Message: "must be a date like 2026-01-31"})
			}
			if len(fe) > 0 {
				return errs.Fields(fe)
			}
			out, err := s.Convert(r.Context(), s.DB, p.WorkspaceID, amount, cur, date)
			if err != nil {
				return err
			}
			base, err := s.BaseCurrency(r.Context(), s.DB, p.WorkspaceID)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]string{"amount": out, "currency": base})
			return nil
		}})
}
