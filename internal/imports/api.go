package imports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/dataio"
	"github.com/rapport-crm/rapport/internal/errs"
)

var (
	columnSchema = api.Schema{"type": "object", "properties": api.Schema{"column": api.Schema{"type": "string", "description": "a header of the file"},
		"field": api.Schema{"type": "string", "description": "a field of the object, a special target (full_name, account, account_domain, tags, owner_email, parent, contact_emails, account_names, id), or empty to leave the column out"}}}
	countsSchema = api.Schema{"type": "object", "properties": api.Schema{"total": intSchema, "done": intSchema, "created": intSchema, "updated": intSchema,
		"unchanged": intSchema, "skipped": intSchema, "rejected": intSchema, "duplicates": intSchema, "accounts_created": intSchema, "tags_created": intSchema}}
	intSchema   = api.Schema{"type": "integer"}
	strSchema   = api.Schema{"type": "string"}
	issueSchema = api.Schema{"type": "object", "properties": api.Schema{"row": intSchema, "line": intSchema,
		"kind":   api.Schema{"type": "string", "enum": []string{IssueError, IssueDuplicate, IssueSkipped, IssueWarning}},
		"column": strSchema, "value": strSchema, "reason": strSchema, "record_id": strSchema}}
	batchSchema = api.Schema{"type": "object", "properties": api.Schema{
		"id": api.Schema{"type": "string", "format": "uuid"}, "owner_id": strSchema, "object": strSchema, "file_name": strSchema, "file_size": intSchema,
		"format":   api.Schema{"type": "string", "enum": []string{FormatCSV, FormatXLSX, FormatVCard, FormatICal}},
		"encoding": strSchema, "delimiter": strSchema, "sheet": strSchema, "mapping": api.Schema{"type": "array", "items": columnSchema},
		"mode":       api.Schema{"type": "string", "enum": []string{ModeCreate, ModeUpdate, ModeUpsert}},
		"key":        strSchema,
		"duplicates": api.Schema{"type": "string", "enum": []string{DupSkip, DupUpdate, DupCreate}}, "create_accounts": api.Schema{"type": "boolean"},
		"dry_run": api.Schema{"type": "boolean"},
		"status":  api.Schema{"type": "string", "enum": []string{StatusDraft, StatusQueued, StatusRunning, StatusDone, StatusFailed, StatusCancelled, StatusUndoing, StatusUndone}},
		"error":   strSchema, "rows": countsSchema, "checkpoint": api.Schema{"type": "integer", "description": "the last row whose chunk is committed"},
		"created_at": api.Schema{"type": "string", "format": "date-time"}, "started_at": api.Schema{"type": "string", "format": "date-time"},
		"finished_at":     api.Schema{"type": "string", "format": "date-time"},
		"rows_per_second": api.Schema{"type": "number"}, "seconds_left": api.Schema{"type": "number", "description": "-1 when unknown"},
		"issues":       api.Schema{"type": "array", "items": issueSchema, "description": "the first rows with errors"},
		"would_update": api.Schema{"type": "array", "items": api.Schema{"type": "object", "properties": api.Schema{"row": intSchema, "record_id": strSchema, "object": strSchema}}, "description": "a dry run: the first records it would update"},
	}}
	optionsSchema = api.Schema{"type": "object", "additionalProperties": false, "properties": api.Schema{
		"mapping":         api.Schema{"type": "array", "items": columnSchema},
		"template":        api.Schema{"type": "string", "description": "an import template's id or name: its mapping and options, for what the request does not set"},
		"mode":            api.Schema{"type": "string", "enum": []string{ModeCreate, ModeUpdate, ModeUpsert}},
		"key":             api.Schema{"type": "string", "description": "id, email, phone, domain, external_id, name or a custom field"},
		"duplicates":      api.Schema{"type": "string", "enum": []string{DupSkip, DupUpdate, DupCreate}, "description": "what a row that likely duplicates a record does"},
		"create_accounts": api.Schema{"type": "boolean", "description": "create the accounts rows name that do not exist (default true for contacts)"},
		"dry_run":         api.Schema{"type": "boolean", "description": "validate and report, writing nothing"},
		"encoding":        api.Schema{"type": "string", "description": "utf-8, utf-16, utf-16le, utf-16be, gb18030, windows-1252; empty detects it"},
		"delimiter":       api.Schema{"type": "string", "description": `",", ";", "|" or "tab"; empty detects it`},
		"sheet":           api.Schema{"type": "string", "description": "the XLSX sheet; empty is the first"},
	}}
	targetSchema  = api.Schema{"type": "object", "properties": api.Schema{"name": strSchema, "field": api.Schema{"type": "boolean"}, "multi": api.Schema{"type": "boolean"}, "custom": api.Schema{"type": "boolean"}}}
	previewSchema = api.Schema{"type": "object", "properties": api.Schema{"format": strSchema, "encoding": strSchema, "delimiter": strSchema, "sheet": strSchema,
		"sheets": api.Schema{"type": "array", "items": strSchema}, "header": api.Schema{"type": "array", "items": strSchema},
		"rows":    api.Schema{"type": "array", "items": api.Schema{"type": "array", "items": strSchema}},
		"samples": api.Schema{"type": "array", "items": api.Schema{"type": "array", "items": strSchema}},
		"mapping": api.Schema{"type": "array", "items": columnSchema}, "targets": api.Schema{"type": "array", "items": targetSchema},
		"keys":     api.Schema{"type": "array", "items": strSchema},
		"stored":   api.Schema{"type": "array", "items": api.Schema{"type": "object", "properties": api.Schema{"row": intSchema, "action": strSchema, "record_id": strSchema, "values": api.Schema{"type": "object"}, "issues": api.Schema{"type": "array", "items": issueSchema}}}},
		"warnings": api.Schema{"type": "array", "items": strSchema}}}
	templateSchema = api.Schema{"type": "object", "properties": api.Schema{"id": strSchema, "object": strSchema, "name": strSchema, "mapping": api.Schema{"type": "array", "items": columnSchema},
		"mode": strSchema, "key": strSchema, "duplicates": strSchema, "create_accounts": api.Schema{"type": "boolean"}, "created_by": strSchema,
		"created_at": api.Schema{"type": "string", "format": "date-time"}, "updated_at": api.Schema{"type": "string", "format": "date-time"}}}
	templateInput = api.Schema{"type": "object", "additionalProperties": false, "properties": api.Schema{"object": strSchema, "name": strSchema,
		"mapping": api.Schema{"type": "array", "items": columnSchema}, "mode": strSchema, "key": strSchema, "duplicates": strSchema, "create_accounts": api.Schema{"type": "boolean"}}}
)

// batchView is a batch as GET answers it: with the first errors, and for
// a dry run the first records it would update.
type batchView struct {
	*Batch
	Issues      []Issue       `json:"issues"`
	WouldUpdate []WouldUpdate `json:"would_update,omitempty"`
}

// RegisterAPI adds the REST operations of imports and import templates.
func (s *Service) RegisterAPI(a *api.API) {
	s.init()
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/imports", ID: "create_import", Tag: "imports", Status: http.StatusCreated, Response: batchSchema,
		Summary: "Upload a file to import (CSV, XLSX, vCard or iCalendar) and, unless start is false, start importing it",
		Description: "multipart/form-data: the options as form fields (object is required and comes before the file part, or as ?object=), then the file in the part named file. " +
			"mapping is a JSON array of {column, field}; without it the mapping proposed from the file's header is used. The answer is the batch: poll GET /api/v1/imports/{id} for its progress. " +
			"The file is stored streaming; the size limit is --max-import (1 GiB by default).",
		Params: []api.Param{{Name: "object", In: "query", Description: "the object to import into, when not a form field"}},
		Upload: api.Schema{"type": "object", "required": []string{"file"}, "properties": api.Schema{
			"object": strSchema, "file": api.Schema{"type": "string", "format": "binary"},
			"start":   api.Schema{"type": "boolean", "default": true, "description": "false keeps the batch a draft, for GET preview and POST start"},
			"mapping": api.Schema{"type": "string", "description": "JSON array of {column, field}"}, "template": strSchema, "mode": strSchema, "key": strSchema,
			"duplicates": strSchema, "create_accounts": api.Schema{"type": "boolean"}, "dry_run": api.Schema{"type": "boolean"},
			"encoding": strSchema, "delimiter": strSchema, "sheet": strSchema}},
		Handler: s.createHandler})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/imports", ID: "list_imports", Tag: "imports", Summary: "List imports, newest first (yours; an admin's: the workspace's)",
		Params:   []api.Param{{Name: "limit", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": batchSchema}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			v, err := api.Query(r)
			if err != nil {
				return err
			}
			limit, err := intParam(v, "limit", 1, 200)
			if err != nil {
				return err
			}
			out, err := s.List(r.Context(), p, limit)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/imports/{id}", ID: "get_import", Tag: "imports", Response: batchSchema,
		Summary: "An import's status, counts, rate, time left, first errors and (dry run) the records it would update",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			b, err := s.Get(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			v := batchView{Batch: b}
			if v.Issues, err = s.Issues(r.Context(), p, b.ID, IssueError, 20); err != nil {
				return err
			}
			if b.DryRun {
				if v.WouldUpdate, err = s.Touched(r.Context(), p, b.ID, "would_update", 20); err != nil {
					return err
				}
			}
			api.WriteJSON(w, http.StatusOK, v)
			return nil
		}})
	previewOp := func(method string) api.Op {
		op := api.Op{Method: method, Path: "/api/v1/imports/{id}/preview", ID: strings.ToLower(method) + "_import_preview", Tag: "imports", Response: previewSchema,
			Summary: "How the file reads (encoding, delimiter, sheet), its columns with samples and proposed targets, and its first rows as they would be stored; writes nothing",
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				var opts Options
				if r.Method == http.MethodPost {
					if err := api.Decode(w, r, &opts); err != nil {
						return err
					}
				} else {
					v, err := api.Query(r)
					if err != nil {
						return err
					}
					for k, dst := range map[string]**string{"encoding": &opts.Encoding, "delimiter": &opts.Delimiter, "sheet": &opts.Sheet, "template": &opts.Template} {
						if v.Has(k) {
							val := v.Get(k)
							*dst = &val
						}
					}
				}
				pv, err := s.Preview(r.Context(), p, api.PathID(r, "id"), opts)
				if err != nil {
					return queryLocations(err, r.Method)
				}
				api.WriteJSON(w, http.StatusOK, pv)
				return nil
			}}
		if method == http.MethodPost {
			op.Body = optionsSchema
		} else {
			op.Params = []api.Param{{Name: "encoding", In: "query"}, {Name: "delimiter", In: "query"}, {Name: "sheet", In: "query"}, {Name: "template", In: "query"}}
		}
		return op
	}
	a.Handle(previewOp(http.MethodGet))
	a.Handle(previewOp(http.MethodPost))
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/imports/{id}/start", ID: "start_import", Tag: "imports", Status: http.StatusAccepted, Body: optionsSchema, Response: batchSchema,
		Summary: "Start a draft import (or run a finished dry run for real) with a mapping and options; it runs in the background",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var opts Options
			if err := api.Decode(w, r, &opts); err != nil {
				return err
			}
			b, err := s.Start(r.Context(), p, api.PathID(r, "id"), opts)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusAccepted, b)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/imports/{id}/cancel", ID: "cancel_import", Tag: "imports", Response: batchSchema,
		Summary: "Cancel an import: a draft or queued one at once, a running one after its current chunk (what it wrote stays, and can be undone)",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			b, err := s.Cancel(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, b)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/imports/{id}/undo", ID: "undo_import", Tag: "imports", Status: http.StatusAccepted, Response: batchSchema,
		Summary: "Undo a whole import in the background: records it created go to the trash, records it changed get their values back from history",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			b, err := s.Undo(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusAccepted, b)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/imports/{id}/issues", ID: "import_issues", Tag: "imports",
		Summary: "An import's report in row order: rejected rows (column, value, reason), duplicates, skipped rows, warnings",
		Params: []api.Param{{Name: "kind", In: "query", Schema: api.Schema{"type": "string", "enum": []string{IssueError, IssueDuplicate, IssueSkipped, IssueWarning}}},
			{Name: "limit", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": issueSchema}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			v, err := api.Query(r)
			if err != nil {
				return err
			}
			kind := v.Get("kind")
			if kind != "" && kind != IssueError && kind != IssueDuplicate && kind != IssueSkipped && kind != IssueWarning {
				return errs.Field("query.kind", "must be error, duplicate, skipped or warning")
			}
			limit, err := intParam(v, "limit", 1, 1000)
			if err != nil {
				return err
			}
			out, err := s.Issues(r.Context(), p, api.PathID(r, "id"), kind, limit)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/imports/{id}/errors.csv", ID: "import_report_csv", Tag: "imports",
		Summary: "The whole report as CSV (row, line, kind, column, value, reason, record_id), to fix the file and import the rows again",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			return s.WriteReport(w, r, p, api.PathID(r, "id"))
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/imports/{id}/records", ID: "import_records", Tag: "imports",
		Summary: "The records an import created or updated, or a dry run would update, in row order",
		Params: []api.Param{{Name: "action", In: "query", Required: true, Schema: api.Schema{"type": "string", "enum": []string{"created", "updated", "would_update"}}},
			{Name: "limit", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": api.Schema{"type": "object", "properties": api.Schema{"row": intSchema, "record_id": strSchema, "object": strSchema}}}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			v, err := api.Query(r)
			if err != nil {
				return err
			}
			action := v.Get("action")
			if action != "created" && action != "updated" && action != "would_update" {
				return errs.Field("query.action", "must be created, updated or would_update")
			}
			limit, err := intParam(v, "limit", 1, 1000)
			if err != nil {
				return err
			}
			out, err := s.Touched(r.Context(), p, api.PathID(r, "id"), action, limit)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
			return nil
		}})

	s.registerBulk(a)

	base := "/api/v1/import-templates"
	a.Handle(api.Op{Method: "GET", Path: base, ID: "list_import_templates", Tag: "imports", Summary: "List import templates (saved mappings), of one object or all",
		Params:   []api.Param{{Name: "object", In: "query"}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": templateSchema}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			v, err := api.Query(r)
			if err != nil {
				return err
			}
			out, err := s.Templates(r.Context(), p, v.Get("object"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: base, ID: "create_import_template", Tag: "imports", Status: http.StatusCreated, Body: templateInput, Response: templateSchema,
		Summary: "Save a mapping and its options as a named template",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in TemplateInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			t, err := s.SaveTemplate(r.Context(), p, "", in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, t)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: base + "/{id}", ID: "get_import_template", Tag: "imports", Summary: "Get an import template", Response: templateSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			t, err := s.GetTemplate(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, t)
			return nil
		}})
	a.Handle(api.Op{Method: "PATCH", Path: base + "/{id}", ID: "update_import_template", Tag: "imports", Body: templateInput, Response: templateSchema,
		Summary: "Change an import template",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in TemplateInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			t, err := s.SaveTemplate(r.Context(), p, api.PathID(r, "id"), in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, t)
			return nil
		}})
	a.Handle(api.Op{Method: "DELETE", Path: base + "/{id}", ID: "delete_import_template", Tag: "imports", Status: http.StatusNoContent, Summary: "Delete an import template",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := s.DeleteTemplate(r.Context(), p, api.PathID(r, "id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
}

func intParam(v url.Values, name string, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errs.Field("query."+name, fmt.Sprintf("must be a whole number from %d to %d", lo, hi))
	}
	return n, nil
}

// queryLocations names query parameters, not body members, in the field
// errors of a GET.
func queryLocations(err error, method string) error {
	e, ok := errs.As(err)
	if !ok || method != http.MethodGet {
		return err
	}
	for i := range e.Fields {
		e.Fields[i].Location = strings.Replace(e.Fields[i].Location, "body.", "query.", 1)
	}
	return e
}

// maxFormField bounds a form field of the upload (a mapping of a wide
// file included).
const maxFormField = 1 << 20

// createHandler streams a multipart upload: the option fields, then the
// file, which goes to disk as it arrives.
func (s *Service) createHandler(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return errs.E(errs.Unsupported, "Send the file as multipart/form-data, in a part named file.")
	}
	if r.ContentLength > s.maxSize()+maxFormField*4 {
		return tooLarge(s.maxSize())
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxSize()+maxFormField*4)
	mr, err := r.MultipartReader()
	if err != nil {
		return errs.E(errs.BadRequest, "The multipart body could not be read.")
	}
	fields := map[string]string{}
	q := r.URL.Query()
	if q.Get("object") != "" {
		fields["object"] = q.Get("object")
	}
	var b *Batch
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return tooLarge(s.maxSize())
			}
			return errs.E(errs.BadRequest, "The multipart body could not be read.")
		}
		name := part.FormName()
		if name == "file" {
			if b != nil {
				part.Close()
				return errs.Field("body.file", "must be sent once")
			}
			if fields["object"] == "" {
				part.Close()
				return errs.Field("body.object", "is required, before the file part (or as ?object=)")
			}
			b, err = s.Upload(r.Context(), p, fields["object"], part.FileName(), part)
			part.Close()
			if err != nil {
				return err
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		part.Close()
		if err != nil {
			return errs.E(errs.BadRequest, "The multipart body could not be read.")
		}
		if len(v) > maxFormField {
			return errs.Field("body."+name, "is too long")
		}
		fields[name] = string(v)
	}
	if b == nil {
		return errs.Field("body.file", "is required")
	}
	opts, start, fe := formOptions(fields)
	if len(fe) > 0 {
		s.discard(r, b)
		return errs.Fields(fe)
	}
	if start {
		if _, err := s.Start(r.Context(), p, b.ID, opts); err != nil {
			s.discard(r, b)
			return err
		}
	} else if opts != (Options{}) {
		// A draft keeps the options given, for the mapping screen.
		fe := opts.apply(b, "body.")
		if len(fe) == 0 {
			err = s.saveOptions(r.Context(), s.DB, b)
		}
		if len(fe) > 0 || err != nil {
			s.discard(r, b)
			if err != nil {
				return err
			}
			return errs.Fields(fe)
		}
	}
	out, err := s.Get(r.Context(), p, b.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/imports/"+b.ID)
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

// discard removes a batch refused at upload, and its file.
func (s *Service) discard(r *http.Request, b *Batch) {
	ctx := r.Context()
	s.DB.Exec(ctx, "DELETE FROM imports WHERE id = ? AND status = ?", b.ID, StatusDraft)
	removeFile(b)
}

// formOptions reads the options of an upload's form fields.
func formOptions(f map[string]string) (Options, bool, []errs.FieldError) {
	var o Options
	var fe []errs.FieldError
	str := func(k string, dst **string) {
		if v, ok := f[k]; ok {
			*dst = &v
		}
	}
	boolean := func(k string, dst **bool) {
		v, ok := f[k]
		if !ok {
			return
		}
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			fe = append(fe, errs.FieldError{Location: "body." + k, Message: "must be true or false"})
			return
		}
		*dst = &b
	}
	str("mode", &o.Mode)
	str("key", &o.Key)
	str("duplicates", &o.DupPolicy)
	str("encoding", &o.Encoding)
	str("delimiter", &o.Delimiter)
	str("sheet", &o.Sheet)
	str("template", &o.Template)
	boolean("create_accounts", &o.CreateAccounts)
	boolean("dry_run", &o.DryRun)
	if m, ok := f["mapping"]; ok {
		var cols []Column
		dec := json.NewDecoder(strings.NewReader(m))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cols); err != nil {
			fe = append(fe, errs.FieldError{Location: "body.mapping", Message: `must be a JSON array of {"column": …, "field": …}`})
		} else {
			o.Mapping = &cols
		}
	}
	start := true
	var sp *bool
	boolean("start", &sp)
	if sp != nil {
		start = *sp
	}
	known := map[string]bool{"object": true, "file": true, "mode": true, "key": true, "duplicates": true, "encoding": true, "delimiter": true, "sheet": true,
		"template": true, "create_accounts": true, "dry_run": true, "mapping": true, "start": true}
	for k := range f {
		if !known[k] {
			fe = append(fe, errs.FieldError{Location: "body." + k, Message: "is not a known field"})
		}
	}
	return o, start, fe
}

// WriteReport answers a batch's whole report as a CSV download.
func (s *Service) WriteReport(w http.ResponseWriter, r *http.Request, p *auth.Principal, id string) error {
	b, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(b.FileName, ".csv")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name+"-report.csv"))
	w.Header().Set("Cache-Control", "no-store")
	if err := s.report(r.Context(), b.ID, w); err != nil {
		// The header is sent: all that is left is to stop.
		s.Log.Error("import report", "import", b.ID, "err", err)
	}
	return nil
}

// Report writes a batch's whole report as CSV to w (with a byte order
// mark, so spreadsheets read it as UTF-8).
func (s *Service) Report(ctx context.Context, p *auth.Principal, id string, w io.Writer) error {
	b, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	return s.report(ctx, b.ID, w)
}

func (s *Service) report(ctx context.Context, id string, w io.Writer) error {
	cw := dataio.NewCSVWriter(w, dataio.CSVWriterOptions{BOM: true})
	if err := cw.WriteHeader([]string{"row", "line", "kind", "column", "value", "reason", "record_id"}); err != nil {
		return err
	}
	err := s.issues(ctx, id, "", 0, func(is Issue) error {
		return cw.WriteRow([]string{strconv.FormatInt(is.Row, 10), strconv.FormatInt(is.Line, 10), is.Kind, is.Column, is.Value, is.Reason, is.RecordID})
	})
	if err != nil {
		return err
	}
	return cw.Close()
}
