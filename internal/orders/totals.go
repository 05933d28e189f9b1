package orders

import (
	"math/big"

	"github.com/rapport-crm/rapport/internal/errs"
)

// Line is what a line item's totals are computed from: exact decimal
// texts, empty for none.
type Line struct {
	Quantity        string
	UnitPrice       string
	DiscountPercent string
	DiscountAmount  string
	TaxRate         string
	Currency        string
}

// LineTotals are a line's computed amounts, each rounded to the
// currency's minor units: the total is net + tax, net is subtotal −
// discount.
type LineTotals struct {
	Subtotal string
	Discount string
	Tax      string
	Total    string
}

var hundred = big.NewRat(100, 1)

// Compute returns the line's totals, or field errors (locations under
// body.) when its numbers are out of range. Each amount is rounded per
// line, halves away from zero, to the currency's minor units, so the
// document totals are sums of what the lines show.
func (l Line) Compute() (LineTotals, error) {
	var fe []errs.FieldError
	bad := func(field, msg string) { fe = append(fe, errs.FieldError{Location: "body." + field, Message: msg}) }
	num := func(field, s string) *big.Rat {
		r, ok := parseAmount(s)
		if !ok {
			bad(field, "must be a decimal number")
			return new(big.Rat)
		}
		return r
	}
	qty := num("quantity", l.Quantity)
	price := num("unit_price", l.UnitPrice)
	pct := num("discount_percent", l.DiscountPercent)
	damt := num("discount_amount", l.DiscountAmount)
	rate := num("tax_rate", l.TaxRate)
	if l.Quantity == "" || qty.Sign() <= 0 {
		bad("quantity", "must be more than 0")
	}
	if price.Sign() < 0 {
		bad("unit_price", "must not be negative")
	}
	if pct.Sign() < 0 || pct.Cmp(hundred) > 0 {
		bad("discount_percent", "must be between 0 and 100")
	}
	if rate.Sign() < 0 || rate.Cmp(hundred) > 0 {
		bad("tax_rate", "must be between 0 and 100")
	}
	if damt.Sign() < 0 {
		bad("discount_amount", "must not be negative")
	}
	if l.DiscountPercent != "" && l.DiscountAmount != "" && pct.Sign() != 0 && damt.Sign() != 0 {
		bad("discount_amount", "give a discount percent or an amount, not both")
	}
	if len(fe) > 0 {
		return LineTotals{}, errs.Fields(fe)
	}
	places := MinorUnits(l.Currency)
	gross := roundTo(new(big.Rat).Mul(qty, price), places)
	var disc *big.Rat
	if pct.Sign() != 0 {
		disc = roundTo(new(big.Rat).Quo(new(big.Rat).Mul(gross, pct), hundred), places)
	} else {
		disc = roundTo(damt, places)
	}
	if disc.Cmp(gross) > 0 {
		return LineTotals{}, errs.Field("body.discount_amount", "must not be more than the line's amount (quantity × unit price)")
	}
	net := new(big.Rat).Sub(gross, disc)
	tax := roundTo(new(big.Rat).Quo(new(big.Rat).Mul(net, rate), hundred), places)
	total := new(big.Rat).Add(net, tax)
	return LineTotals{Subtotal: formatAmount(gross, l.Currency), Discount: formatAmount(disc, l.Currency),
		Tax: formatAmount(tax, l.Currency), Total: formatAmount(total, l.Currency)}, nil
}

// DocTotals are a quote's, order's or invoice's totals: the sums of its
// lines' amounts.
type DocTotals struct {
	Currency string
	Subtotal string
	Discount string
	Tax      string
	Total    string
}

// Sum adds up lines' totals in currency.
func Sum(currency string, lines []LineTotals) DocTotals {
	var sub, disc, tax, tot big.Rat
	add := func(acc *big.Rat, s string) {
		if r, ok := parseAmount(s); ok {
			acc.Add(acc, r)
		}
	}
	for _, l := range lines {
		add(&sub, l.Subtotal)
		add(&disc, l.Discount)
		add(&tax, l.Tax)
		add(&tot, l.Total)
	}
	return DocTotals{Currency: currency, Subtotal: formatAmount(&sub, currency), Discount: formatAmount(&disc, currency),
		Tax: formatAmount(&tax, currency), Total: formatAmount(&tot, currency)}
}
