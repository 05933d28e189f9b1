package orders

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/web"
)

// PDF writes a quote's or an invoice's PDF in the document's language
// and returns a file name for it.
func (s *Service) PDF(ctx context.Context, p *auth.Principal, object, id string, tr Translate, w io.Writer) (string, error) {
	d, name, err := s.Document(ctx, p, object, id, tr)
	if err != nil {
		return "", err
	}
	if err := s.Fonts.Render(w, d); err != nil {
		return "", err
	}
	return name, nil
}

// Document gathers what a quote's or an invoice's PDF shows.
func (s *Service) Document(ctx context.Context, p *auth.Principal, object, id string, tr Translate) (*Doc, string, error) {
	if object != "quotes" && object != "invoices" {
		return nil, "", errs.ErrNotFound
	}
	r, err := s.Records.Get(ctx, p, object, id, records.GetOptions{})
	if err != nil {
		return nil, "", err
	}
	lang := str(r, "language")
	if lang != "es" && lang != "zh" {
		lang = "en"
	}
	t := func(key string, args ...any) string { return tr(lang, key, args...) }
	date := func(v string) string {
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return v
		}
		return web.FormatDate(lang, d, time.UTC)
	}
	mny := func(m records.MoneyValue) string { return web.FormatMoney(lang, m.Amount, m.Currency) }
	d := &Doc{Lang: lang, Created: s.Now()}
	var wsName string
	_ = s.DB.QueryRow(ctx, "SELECT name FROM workspaces WHERE id = ?", p.WorkspaceID).Scan(&wsName)
	d.Company = wsName
	number := str(r, "number")
	col := "invoice_id"
	if object == "quotes" {
		rev, _ := r.Values["revision"].(int64)
		d.Title = t("orders.pdf.quote_title", "Number", number)
		if rev > 1 {
			d.Title = t("orders.pdf.quote_title_rev", "Number", number, "Rev", rev)
		}
		col = "quote_id"
		d.Facts = [][2]string{{t("orders.field.issued_on"), date(str(r, "issued_on"))}, {t("orders.field.valid_until"), date(str(r, "valid_until"))}}
		d.NotesHdr = t("orders.field.terms")
		d.Notes = str(r, "terms")
	} else {
		d.Title = t("orders.pdf.invoice_title", "Number", number)
		d.Facts = [][2]string{{t("orders.field.issue_date"), date(str(r, "issue_date"))}, {t("orders.field.due_date"), date(str(r, "due_date"))}}
		if ps, pe := str(r, "period_start"), str(r, "period_end"); ps != "" && pe != "" {
			d.Facts = append(d.Facts, [2]string{t("orders.pdf.period"), date(ps) + " – " + date(pe)})
		}
		d.NotesHdr = t("orders.field.notes")
		d.Notes = str(r, "notes")
	}
	// The customer: their name and billing address, read as the document
	// shows them even where the caller's scope would not list the account.
	var acc struct{ name, street, city, region, postal, country sql.NullString }
	_ = s.DB.QueryRow(ctx, "SELECT name, billing_street, billing_city, billing_region, billing_postal_code, billing_country FROM accounts WHERE workspace_id = ? AND id = ?",
		p.WorkspaceID, str(r, "account_id")).Scan(&acc.name, &acc.street, &acc.city, &acc.region, &acc.postal, &acc.country)
	d.To = append(d.To, acc.name.String)
	if cid := str(r, "contact_id"); cid != "" {
		var cn sql.NullString
		_ = s.DB.QueryRow(ctx, "SELECT name FROM contacts WHERE workspace_id = ? AND id = ?", p.WorkspaceID, cid).Scan(&cn)
		if cn.String != "" {
			d.To = append(d.To, t("orders.pdf.attention", "Name", cn.String))
		}
	}
	for _, l := range []string{acc.street.String, strings.TrimSpace(strings.Join(nonEmpty(acc.postal.String, acc.city.String, acc.region.String), " ")), acc.country.String} {
		if l != "" {
			d.To = append(d.To, l)
		}
	}
	d.Heads = [7]string{"#", t("orders.pdf.item"), t("orders.field.quantity"), t("orders.field.unit_price"), t("orders.pdf.discount"), t("orders.pdf.tax"), t("orders.pdf.amount")}
	page, err := s.Records.List(ctx, p, "line_items", records.ListQuery{Filters: []records.Filter{{Field: col, Op: records.OpEq, Value: id}}, Sort: "position", Limit: records.MaxLimit})
	if err != nil {
		return nil, "", err
	}
	for _, l := range page.Records {
		qty := web.FormatNumber(lang, str(l, "quantity"))
		if u := str(l, "unit"); u != "" {
			qty += " " + u
		}
		disc := ""
		if pct := str(l, "discount_percent"); pct != "" && pct != "0" {
			disc = web.FormatNumber(lang, pct) + "%"
		} else if m := moneyOf(l, "line_discount"); m.Amount != "" {
			if a, _ := parseAmount(m.Amount); a.Sign() != 0 {
				disc = mny(m)
			}
		}
		tax := ""
		if tr := str(l, "tax_rate"); tr != "" {
			tax = web.FormatNumber(lang, tr) + "%"
		}
		d.Lines = append(d.Lines, DocLine{Name: str(l, "name"), Description: str(l, "description"), Quantity: qty,
			UnitPrice: mny(moneyOf(l, "unit_price")), Discount: disc, TaxRate: tax,
			Amount: mny(records.MoneyValue{Amount: subtract(moneyOf(l, "line_subtotal").Amount, moneyOf(l, "line_discount").Amount, str(r, "currency")), Currency: str(r, "currency")})})
	}
	d.Totals = [][2]string{{t("orders.field.subtotal"), mny(moneyOf(r, "subtotal"))}}
	if a, _ := parseAmount(moneyOf(r, "discount_total").Amount); a.Sign() != 0 {
		d.Totals = append(d.Totals, [2]string{t("orders.field.discount_total"), "−" + mny(moneyOf(r, "discount_total"))})
	}
	d.Totals = append(d.Totals, [2]string{t("orders.field.tax_total"), mny(moneyOf(r, "tax_total"))})
	if object == "invoices" {
		if a, _ := parseAmount(moneyOf(r, "amount_paid").Amount); a.Sign() != 0 {
			d.Totals = append(d.Totals, [2]string{t("orders.field.grand_total"), mny(moneyOf(r, "grand_total"))}, [2]string{t("orders.field.amount_paid"), mny(moneyOf(r, "amount_paid"))})
			d.Totals = append(d.Totals, [2]string{t("orders.field.balance"), mny(moneyOf(r, "balance"))})
		} else {
			d.Totals = append(d.Totals, [2]string{t("orders.field.grand_total"), mny(moneyOf(r, "grand_total"))})
		}
	} else {
		d.Totals = append(d.Totals, [2]string{t("orders.field.grand_total"), mny(moneyOf(r, "grand_total"))})
	}
	d.Footer = t("orders.pdf.footer", "Number", number, "Company", wsName)
	name := number
	if rev, _ := r.Values["revision"].(int64); object == "quotes" && rev > 1 {
		name = fmt.Sprintf("%s-r%d", number, rev)
	}
	return d, name + ".pdf", nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func subtract(a, b, cur string) string {
	x, _ := parseAmount(a)
	y, _ := parseAmount(b)
	return formatAmount(x.Sub(x, y), cur)
}
