package server_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestPDFWithoutCJKFont: with --pdf-cjk-font pointed at a missing file, a
// Chinese quote's PDF answers 503 problem+json naming the font (never a
// 500) and its page says so instead of offering the download; an English
// invoice for a customer with a Chinese name is still made, the Chinese
// printed as "?"; the server logs the missing font once.
func TestPDFWithoutCJKFont(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-font.ttf")
	e := servertest.NewConfigured(t, dbtest.Open(t), nil, func(c *config.Config) { c.PDFCJKFont = missing })
	e.WS = e.AddWorkspace("Acme")
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "北京客户有限公司"}).ID()
	zh := c.Create(t, "quotes", map[string]any{"name": "机柜报价", "account_id": acc, "currency": "EUR", "language": "zh"}).ID()
	c.Create(t, "line_items", map[string]any{"quote_id": zh, "name": "服务器机柜", "quantity": "1", "unit_price": eur("100")})
	for range 2 {
		p := c.Must(t, 503, "GET", "/api/v1/quotes/"+zh+"/pdf", nil).Problem(t)
		if p.Code != "unavailable" || !strings.Contains(p.Detail, missing) || !strings.Contains(p.Detail, "fonts-droid-fallback") {
			t.Fatalf("the problem: %+v", p)
		}
	}
	ord := c.Must(t, 201, "POST", "/api/v1/quotes/"+zh+"/accept", nil).Record(t)
	inv := c.Must(t, 201, "POST", "/api/v1/orders/"+ord.ID()+"/invoice", nil).Record(t)
	c.Must(t, 200, "PATCH", "/api/v1/invoices/"+inv.ID(), map[string]any{"language": "en"})
	r := c.Must(t, 200, "GET", "/api/v1/invoices/"+inv.ID()+"/pdf", nil)
	text := pdfText(t, r.Body)
	if !strings.Contains(text, "Invoice") || !strings.Contains(text, "????????") || strings.Contains(text, "北京") {
		t.Fatalf("the English invoice without the CJK font:\n%s", text)
	}
	logs := e.ErrorLogs()
	if len(logs) != 1 || !strings.Contains(logs[0], "CJK font for PDFs is missing") || !strings.Contains(logs[0], missing) {
		t.Fatalf("error logs: %q", logs)
	}

	b := e.Browser()
	b.SignIn(t, c.Email, servertest.Password)
	page := string(b.Must(t, 200, "GET", "/o/quotes/"+zh, nil).Body)
	if !strings.Contains(page, `id="sales-no-pdf"`) || strings.Contains(page, `id="sales-pdf"`) || !strings.Contains(page, missing) {
		t.Fatal("the Chinese quote's page does not say why there is no PDF")
	}
	page = string(b.Must(t, 200, "GET", "/o/invoices/"+inv.ID(), nil).Body)
	if strings.Contains(page, `id="sales-no-pdf"`) || !strings.Contains(page, `id="sales-pdf"`) {
		t.Fatal("the English invoice's page does not offer its PDF")
	}
}
