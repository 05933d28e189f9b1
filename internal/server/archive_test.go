package server_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/archive"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestWorkspaceExportAPI: an admin downloads the whole workspace as an
// archive, with a token or from the Settings page's button in a browser
// session; anyone else is refused; the operation is in the OpenAPI
// document as a zip download.
func TestWorkspaceExportAPI(t *testing.T) {
	e := servertest.New(t)
	admin := e.WS.Admin
	admin.Create(t, "contacts", map[string]any{"given_name": "Ana", "family_name": "Export"})
	r := admin.Must(t, 200, "GET", "/api/v1/workspace/export", nil)
	if ct := r.Header.Get("Content-Type"); ct != "application/zip" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="rapport-Acme-`) || !strings.Contains(cd, ".zip") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	m, err := archive.ReadManifest(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatalf("the download is no archive: %v", err)
	}
	if m.Workspace.ID != e.WS.ID || m.Workspace.Name != "Acme" || m.RapportVersion != "test" {
		t.Fatalf("manifest names %+v, version %q", m.Workspace, m.RapportVersion)
	}
	contacts := -1
	for _, tb := range m.Tables {
		if tb.Name == "contacts" {
			contacts = int(tb.Rows)
		}
		if _, excluded := archive.Excluded[tb.Name]; excluded {
			t.Errorf("the archive holds %s, which must not travel", tb.Name)
		}
	}
	if contacts != 1 {
		t.Fatalf("the archive holds %d contacts, want 1", contacts)
	}

	// Everyone else: 403 for a user of any other role, 401 for nobody.
	for _, role := range []string{"manager", "sales", "read_only"} {
		r := e.WS.User(t, role).Must(t, 403, "GET", "/api/v1/workspace/export", nil)
		if p := r.Problem(t); p.Status != 403 {
			t.Fatalf("%s: problem %+v", role, p)
		}
	}
	e.Anonymous().Must(t, 401, "GET", "/api/v1/workspace/export", nil)

	// The Settings page offers the button to admins; the link works with
	// the browser's session.
	b := e.Browser()
	b.SignIn(t, "admin@acme.test", servertest.Password)
	page := string(b.Must(t, 200, "GET", "/settings/workspace", nil).Body)
	if !strings.Contains(page, `href="/api/v1/workspace/export"`) || !strings.Contains(page, "Export the whole workspace") {
		t.Fatal("Settings → Workspace lacks the export button")
	}
	if r := b.Must(t, 200, "GET", "/api/v1/workspace/export", nil); r.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download from the session: %q", r.Header.Get("Content-Type"))
	}
	b.Must(t, 200, "PATCH", "/api/v1/me", map[string]any{"language": "es"})
	if page := string(b.Must(t, 200, "GET", "/settings/workspace", nil).Body); !strings.Contains(page, "Exportar todo el espacio de trabajo") {
		t.Fatal("the export button is not in Spanish")
	}

	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	e.Anonymous().Must(t, 200, "GET", "/api/v1/openapi.json", nil).JSON(t, &doc)
	op, ok := doc.Paths["/api/v1/workspace/export"]["get"]
	if !ok || op.Responses["200"].Content["application/zip"] == nil || op.Responses["403"].Content == nil {
		t.Fatalf("OpenAPI document: %+v", doc.Paths["/api/v1/workspace/export"])
	}
}
