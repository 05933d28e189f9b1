package server_test

import (
	"bytes"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestImportPages drives the import screens as a browser: upload, the
// mapping screen with the proposed targets and the first rows as they
// will be stored, a field error for a bad choice, a dry run, the real
// run, the progress fragment, the report download and undo — in Spanish
// for one page, to see the strings are translated.
func TestImportPages(t *testing.T) {
	e := servertest.New(t)
	b := e.Browser()
	b.SignIn(t, "admin@acme.test", servertest.Password)
	b.Must(t, 200, "GET", "/imports", nil)
	if page := string(b.Must(t, 200, "GET", "/o/contacts", nil).Body); !strings.Contains(page, `href="/imports/new?object=contacts"`) {
		t.Fatal("the contacts list has no import button")
	}
	b.Must(t, 200, "GET", "/imports/new?object=contacts", nil)
	// A bad file is refused under the file field, with 422.
	send := func(name, content string) *servertest.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("object", "contacts")
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(content))
		mw.Close()
		return b.Do(t, "POST", "/imports/new", buf.Bytes(), "Content-Type", mw.FormDataContentType())
	}
	if r := send("empty.csv", ""); r.Status != 422 || !strings.Contains(string(r.Body), `id="f-file-error"`) {
		t.Fatalf("empty upload: %d", r.Status)
	}
	r := send("people.csv", peopleCSV)
	if r.Status != 303 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	id := strings.TrimPrefix(loc, "/imports/")
	page := string(b.Must(t, 200, "GET", loc, nil).Body)
	for _, want := range []string{`name="m.2"`, `<option value="emails" selected>`, `<option value="account" selected>`, "ana@globex.example", "Ana López", `id="btn-dry-run"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the mapping screen lacks %q", want)
		}
	}
	// The third row is refused already in the preview.
	if !regexp.MustCompile(`badge-danger">Refused`).MatchString(page) {
		t.Error("the preview does not show the bad row refused")
	}
	form := url.Values{"col.0": {"First Name"}, "m.0": {"given_name"}, "col.1": {"Last Name"}, "m.1": {"family_name"}, "col.2": {"Email"}, "m.2": {"emails"},
		"col.3": {"Phone"}, "m.3": {"phones"}, "col.4": {"Company"}, "m.4": {"account"}, "mode": {"upsert"}, "key": {""}, "duplicates": {"skip"}, "create_accounts": {"1"}}
	// Upsert without a key: the error is under the key's field.
	bad := form
	bad.Set("run", "dry")
	r = b.Do(t, "POST", "/imports/"+id+"/start", bad.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != 422 || !strings.Contains(string(r.Body), `id="f-key-error"`) {
		t.Fatalf("upsert without key: %d", r.Status)
	}
	form.Set("mode", "create")
	form.Set("run", "dry")
	form.Set("template_name", "Simple people")
	b.Must(t, 303, "POST", "/imports/"+id+"/start", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	runImports(t, e)
	page = string(b.Must(t, 200, "GET", loc, nil).Body)
	if !strings.Contains(page, `data-status="done"`) || !strings.Contains(page, `id="btn-run-real"`) || strings.Contains(page, "hx-trigger") {
		t.Fatalf("the dry run's report: %s", page)
	}
	var tpls struct{ Data []struct{ Name string } }
	e.WS.Admin.Must(t, 200, "GET", "/api/v1/import-templates", nil).JSON(t, &tpls)
	if len(tpls.Data) != 1 || tpls.Data[0].Name != "Simple people" {
		t.Fatalf("saved template %+v", tpls.Data)
	}
	// For real: while queued the status polls; when done the counts show.
	b.Must(t, 303, "POST", "/imports/"+id+"/start", url.Values{"run": {"real"}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if frag := string(b.Must(t, 200, "GET", "/imports/"+id+"/progress", nil).Body); !strings.Contains(frag, `hx-trigger="every 1s"`) || strings.Contains(frag, "<html") {
		t.Fatalf("the progress fragment while queued: %s", frag)
	}
	runImports(t, e)
	frag := string(b.Must(t, 200, "GET", "/imports/"+id+"/progress", nil).Body)
	if strings.Contains(frag, "hx-trigger") || !strings.Contains(frag, `id="btn-undo"`) || !strings.Contains(frag, "not-an-email") {
		t.Fatalf("the finished fragment: %s", frag)
	}
	if csv := b.Must(t, 200, "GET", "/imports/"+id+"/errors.csv", nil); !strings.Contains(string(csv.Body), "not-an-email") {
		t.Fatal("the report download")
	}
	// In Spanish.
	es := string(b.Must(t, 200, "GET", loc, nil, "Cookie", "lang=es").Body)
	if !strings.Contains(es, "Deshacer esta importación") || !strings.Contains(es, "Rechazada") {
		t.Fatal("the status page in Spanish")
	}
	b.Must(t, 303, "POST", "/imports/"+id+"/undo", nil, "Content-Type", "application/x-www-form-urlencoded")
	runImports(t, e)
	if page := string(b.Must(t, 200, "GET", "/imports", nil).Body); !strings.Contains(page, `data-status="undone"`) {
		t.Fatal("the list after undo")
	}
	// Another user's import is not found.
	other := e.Browser()
	e.WS.UserWithEmail(t, "sam@acme.test", "sales")
	other.SignIn(t, "sam@acme.test", servertest.Password)
	other.Must(t, 404, "GET", loc, nil)
}
