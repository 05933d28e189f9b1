package server

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/web"
)

// The exchange-rates settings page: everyone reads the rates their
// totals are converted with; admins enter and remove them.

func (s *Server) registerRatePages() {
	m := s.Mux
	m.Handle("GET /settings/exchange_rates", s.page(s.ratesPage))
	m.Handle("POST /settings/exchange_rates", s.page(s.ratesPage))
	m.Handle("POST /settings/exchange_rates/{id}/delete", s.action(func(r *http.Request, p *auth.Principal) error {
		return s.Money.DeleteRate(r.Context(), p, r.PathValue("id"))
	}, "money.rate_deleted", func(*http.Request) string { return "/settings/exchange_rates" }))
}

func (s *Server) ratesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	d := newSettings("exchange_rates")
	status := http.StatusOK
	if r.Method == http.MethodPost {
		for _, k := range []string{"currency", "date", "rate"} {
			d.Values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
		_, err := s.Money.SetRate(ctx, p, money.RateInput{Currency: d.Values["currency"], Date: d.Values["date"], Rate: d.Values["rate"]})
		if err != nil {
			if !s.formFailed(r, d, err) {
				return err
			}
			status = http.StatusUnprocessableEntity
		} else {
			s.flash(r, web.FlashSuccess, s.t(r, "money.rate_saved"))
			http.Redirect(w, r, "/settings/exchange_rates", http.StatusSeeOther)
			return nil
		}
	}
	f := money.RateFilter{Currency: strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("currency")))}
	if !money.ValidCurrency(f.Currency) {
		f.Currency = ""
	}
	rates, err := s.Money.ListRates(ctx, p, f)
	if err != nil {
		return err
	}
	base, err := s.Money.BaseCurrency(ctx, s.DB, p.WorkspaceID)
	if err != nil {
		return err
	}
	d.Items, d.Extra["Base"], d.Extra["Currency"] = rates, base, f.Currency
	s.renderSettings(w, r, p, status, "sales/rates", "money.exchange_rates", d)
	return nil
}
