package records

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
)

var listParams = []api.Param{
	{Name: "filter[field][op]", In: "query", Description: "filter on any field: op is eq, ne, lt, lte, gt, gte, contains, in (comma-separated) or empty (true/false)"},
	{Name: "sort", In: "query", Description: "a field name, - in front for descending"},
	{Name: "limit", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": MaxLimit, "default": DefaultLimit}},
	{Name: "cursor", In: "query", Description: "next_cursor of the previous page"},
	{Name: "fields", In: "query", Description: "comma-separated fields to return"},
	{Name: "q", In: "query", Description: "text to find in the record's title"},
}

// RegisterAPI adds the REST operations of every registered object and of
// custom fields.
func (e *Engine) RegisterAPI(a *api.API) {
	for _, o := range e.Objects() {
		if len(o.Incoming) > 0 {
			// Before the generic /{id} routes' documentation order; the
			// mux prefers the literal path either way.
			e.registerMerge(a, o)
		}
		e.registerObject(a, o)
	}
	e.registerCustomFieldsAPI(a)
	e.registerViewsAPI(a)
}

func (e *Engine) registerObject(a *api.API, o *Object) {
	base := "/api/v1/" + o.Name
	rec := Schema(o, false)
	write := Schema(o, true)
	patch := Schema(o, true)
	delete(patch, "required")
	page := api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": rec}, "next_cursor": api.Schema{"type": "string"}}}
	tag := o.Name
	a.Handle(api.Op{Method: "GET", Path: base, ID: "list_" + o.Name, Tag: tag, Summary: "List " + o.Name, Params: listParams, Response: page,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			vals, err := api.Query(r)
			if err != nil {
				return err
			}
			q, err := ParseListQuery(vals)
			if err != nil {
				return err
			}
			pg, err := e.List(r.Context(), p, o.Name, q)
			if err != nil {
				return err
			}
			writePage(w, pg, q.Fields)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: base + "/count", ID: "count_" + o.Name, Tag: tag,
		Summary:  "Count the " + o.Name + " a list's filters match: exact up to 10,000, then an estimate (PostgreSQL) or \"at least 10,000\" (SQLite), said by kind",
		Params:   append([]api.Param{{Name: "trash", In: "query", Description: "true to count the trash"}}, listParams[0], listParams[5]),
		Response: api.Schema{"type": "object", "properties": api.Schema{"value": api.Schema{"type": "integer"}, "kind": api.Schema{"type": "string", "enum": []string{"exact", "at_least", "estimate", "unknown"}}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			vals, err := api.Query(r)
			if err != nil {
				return err
			}
			trash := vals.Get("trash") == "true"
			vals.Del("trash")
			q, err := ParseListQuery(vals)
			if err != nil {
				return err
			}
			c, err := e.Count(r.Context(), p, o.Name, q, trash)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, c)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: base + "/batch", ID: "batch_" + o.Name, Tag: tag,
		Summary: "Apply one action to up to 500 records of " + o.Name + " at once — assign an owner, add or remove tags, move to the trash — all or nothing",
		Body: api.Schema{"type": "object", "required": []string{"ids", "action"}, "additionalProperties": false, "properties": api.Schema{
			"ids":      api.Schema{"type": "array", "items": api.Schema{"type": "string", "format": "uuid"}, "minItems": 1, "maxItems": MaxBatch},
			"action":   api.Schema{"type": "string", "enum": []string{BatchAssignOwner, BatchAddTags, BatchRemoveTags, BatchDelete}},
			"owner_id": api.Schema{"type": "string", "format": "uuid", "description": "with assign_owner"},
			"tag_ids":  api.Schema{"type": "array", "items": api.Schema{"type": "string", "format": "uuid"}, "description": "with add_tags and remove_tags"}}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"changed": api.Schema{"type": "integer"}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in BatchInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			res, err := e.Batch(r.Context(), p, o.Name, in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, res)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: base, ID: "create_" + o.Name, Tag: tag, Summary: "Create a record of " + o.Name, Body: write, Status: 201, Response: rec, ETag: true,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			in, err := api.DecodeObject(w, r)
			if err != nil {
				return err
			}
			rc, err := e.Create(r.Context(), p, o.Name, in)
			if err != nil {
				return err
			}
			w.Header().Set("Location", base+"/"+rc.ID)
			return e.writeRecord(w, r, p, o, rc, http.StatusCreated, nil)
		}})
	a.Handle(api.Op{Method: "GET", Path: base + "/trash", ID: "trash_" + o.Name, Tag: tag, Summary: "List " + o.Name + " in the trash (purged after 30 days)", Params: listParams, Response: page,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			vals, err := api.Query(r)
			if err != nil {
				return err
			}
			q, err := ParseListQuery(vals)
			if err != nil {
				return err
			}
			pg, err := e.Trash(r.Context(), p, o.Name, q)
			if err != nil {
				return err
			}
			writePage(w, pg, q.Fields)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: base + "/{id}", ID: "get_" + o.Name, Tag: tag, Summary: "Read a record of " + o.Name, Response: rec, ETag: true,
		Params: []api.Param{{Name: "fields", In: "query", Description: "comma-separated fields to return"},
			{Name: "as_of", In: "query", Description: "an RFC 3339 time: the record as it was then, rebuilt from its history (no ETag)"}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if s := r.URL.Query().Get("as_of"); s != "" {
				t, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					return errs.Field("query.as_of", "must be a time like 2026-01-31T00:00:00Z")
				}
				rc, err := e.AsOf(r.Context(), p, o.Name, api.PathID(r, "id"), t)
				if err != nil {
					return err
				}
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Cache-Control", "no-store")
				_, _ = w.Write(MarshalRecord(rc.fields, rc, splitList(r.URL.Query().Get("fields"))))
				return nil
			}
			rc, err := e.Get(r.Context(), p, o.Name, api.PathID(r, "id"), GetOptions{})
			if err != nil {
				return err
			}
			if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, rc.ETag()) {
				w.Header().Set("ETag", rc.ETag())
				w.WriteHeader(http.StatusNotModified)
				return nil
			}
			return e.writeRecord(w, r, p, o, rc, http.StatusOK, splitList(r.URL.Query().Get("fields")))
		}})
	a.Handle(api.Op{Method: "PATCH", Path: base + "/{id}", ID: "update_" + o.Name, Tag: tag, Summary: "Change fields of a record of " + o.Name, Body: patch, Response: rec, ETag: true,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			in, err := api.DecodeObject(w, r)
			if err != nil {
				return err
			}
			rc, err := e.Update(r.Context(), p, o.Name, api.PathID(r, "id"), r.Header.Get("If-Match"), in)
			if err != nil {
				return err
			}
			return e.writeRecord(w, r, p, o, rc, http.StatusOK, nil)
		}})
	a.Handle(api.Op{Method: "DELETE", Path: base + "/{id}", ID: "delete_" + o.Name, Tag: tag, Summary: "Move a record of " + o.Name + " to the trash", Status: 204, ETag: true,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := e.Delete(r.Context(), p, o.Name, api.PathID(r, "id"), r.Header.Get("If-Match")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: base + "/{id}/restore", ID: "restore_" + o.Name, Tag: tag, Summary: "Restore a record of " + o.Name + " from the trash", Response: rec, ETag: true,
		Description: "Send If-Match with the ETag of the record as the trash lists it to restore only the version you saw; a stale one answers 412.",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			rc, err := e.Restore(r.Context(), p, o.Name, api.PathID(r, "id"), r.Header.Get("If-Match"))
			if err != nil {
				return err
			}
			return e.writeRecord(w, r, p, o, rc, http.StatusOK, nil)
		}})
	a.Handle(api.Op{Method: "POST", Path: base + "/{id}/purge", ID: "purge_" + o.Name, Tag: tag, Summary: "Delete a record of " + o.Name + " in the trash for good, now rather than after 30 days", Status: 204, ETag: true,
		Description: "Parts go with the record (a document's lines, a shipment's lines, a price book's prices); records that only named it stay and no longer name it. " +
			"A record that documents must go on naming (an account named by quotes, orders, contracts, invoices or payments; an invoice with payments; an order with shipments; a shipped order line) answers 409 with the reason and stays in the trash. " +
			"Send If-Match with the ETag of the record as the trash lists it to purge only the version you saw; a stale one answers 412.",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := e.Purge(r.Context(), p, o.Name, api.PathID(r, "id"), r.Header.Get("If-Match")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	change := api.Schema{"type": "object", "properties": api.Schema{
		"id": api.Schema{"type": "string"}, "change_set": api.Schema{"type": "string"}, "action": api.Schema{"type": "string", "enum": []string{"create", "update", "delete", "restore", "merge", ActionErase}},
		"field": api.Schema{"type": "string"}, "origin": api.Schema{"type": "string", "description": "revert, merge, merged_from:ID or import when the change was not a plain edit"}, "old_value": api.Schema{}, "new_value": api.Schema{}, "changed_at": api.Schema{"type": "string", "format": "date-time"}, "changed_by": api.Schema{"type": "string"}}}
	a.Handle(api.Op{Method: "POST", Path: base + "/{id}/revert", ID: "revert_" + o.Name, Tag: tag, ETag: true,
		Summary:  "Put a record of " + o.Name + " back as it was at as_of, or undo one change (change_id); the revert is itself a change in history",
		Body:     api.Schema{"type": "object", "properties": api.Schema{"as_of": api.Schema{"type": "string", "format": "date-time"}, "change_id": api.Schema{"type": "string", "format": "uuid"}}, "additionalProperties": false},
		Response: rec,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in RevertInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			rc, err := e.Revert(r.Context(), p, o.Name, api.PathID(r, "id"), r.Header.Get("If-Match"), in)
			if err != nil {
				return err
			}
			return e.writeRecord(w, r, p, o, rc, http.StatusOK, nil)
		}})
	a.Handle(api.Op{Method: "GET", Path: base + "/{id}/history", ID: "history_" + o.Name, Tag: tag, Summary: "The history of every change of a record of " + o.Name,
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": change}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			h, err := e.History(r.Context(), p, o.Name, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": h})
			return nil
		}})
}

// WriteRecord answers with rec as the engine's API does (its ETag, all
// its fields), for the operations modules add beside the engine's.
func (e *Engine) WriteRecord(w http.ResponseWriter, r *http.Request, p *auth.Principal, rec *Record, status int) error {
	o, err := e.Object(rec.Object)
	if err != nil {
		return err
	}
	return e.writeRecord(w, r, p, o, rec, status, nil)
}

func (e *Engine) writeRecord(w http.ResponseWriter, r *http.Request, p *auth.Principal, o *Object, rc *Record, status int, sel []string) error {
	fields := rc.fields
	if fields == nil {
		var err error
		if fields, err = e.Fields(r.Context(), e.DB, p.WorkspaceID, o); err != nil {
			return err
		}
	}
	for _, s := range sel {
		if _, ok := fieldByName(fields, s); !ok && s != "id" && s != "version" {
			return errs.Field("query.fields", "names no field of "+o.Name+": "+s)
		}
	}
	w.Header().Set("ETag", rc.ETag())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(MarshalRecord(fields, rc, sel))
	return nil
}

func writePage(w http.ResponseWriter, pg *Page, sel []string) {
	var b bytes.Buffer
	b.WriteString(`{"data":[`)
	for i, r := range pg.Records {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(MarshalRecord(pg.Fields, r, sel))
	}
	b.WriteString(`],"next_cursor":`)
	writeJSON(&b, pg.NextCursor)
	b.WriteString("}\n")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

func (e *Engine) registerCustomFieldsAPI(a *api.API) {
	opt := api.Schema{"type": "object", "properties": api.Schema{"value": api.Schema{"type": "string"}, "labels": api.Schema{"type": "object", "additionalProperties": api.Schema{"type": "string"}}}}
	types := make([]string, len(FieldTypes))
	for i, t := range FieldTypes {
		types[i] = string(t)
	}
	cf := api.Schema{"type": "object", "properties": api.Schema{
		"id": api.Schema{"type": "string", "readOnly": true}, "object": api.Schema{"type": "string"}, "name": api.Schema{"type": "string", "description": "snake_case; stored and returned with the cf_ prefix"},
		"type": api.Schema{"type": "string", "enum": types}, "labels": api.Schema{"type": "object", "properties": api.Schema{"en": api.Schema{"type": "string"}, "es": api.Schema{"type": "string"}, "zh": api.Schema{"type": "string"}}},
		"required": api.Schema{"type": "boolean"}, "options": api.Schema{"type": "array", "items": opt}, "target": api.Schema{"type": "string", "description": "object of a reference field"}, "position": api.Schema{"type": "integer"}}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/custom_fields", ID: "list_custom_fields", Tag: "custom_fields", Summary: "List custom fields",
		Params:   []api.Param{{Name: "object", In: "query", Description: "only the fields of this object"}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": cf}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			out, err := e.ListCustomFields(r.Context(), p, strings.TrimSpace(r.URL.Query().Get("object")))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/custom_fields", ID: "create_custom_field", Tag: "custom_fields", Summary: "Add a custom field (admins)", Body: cf, Status: 201, Response: cf,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in CustomFieldInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			out, err := e.CreateCustomField(r.Context(), p, in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, out)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/custom_fields/{id}", ID: "get_custom_field", Tag: "custom_fields", Summary: "Read a custom field", Response: cf,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			out, err := e.GetCustomField(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, out)
			return nil
		}})
	a.Handle(api.Op{Method: "PATCH", Path: "/api/v1/custom_fields/{id}", ID: "update_custom_field", Tag: "custom_fields", Summary: "Change a custom field's labels, options, required flag or position (admins)", Body: cf, Response: cf,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in CustomFieldInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			out, err := e.UpdateCustomField(r.Context(), p, api.PathID(r, "id"), in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, out)
			return nil
		}})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/custom_fields/{id}", ID: "delete_custom_field", Tag: "custom_fields", Summary: "Remove a custom field (admins)", Status: 204,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := e.DeleteCustomField(r.Context(), p, api.PathID(r, "id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
}

// registerMerge adds POST /api/v1/{object}/merge for objects whose
// references a merge knows how to move.
func (e *Engine) registerMerge(a *api.API, o *Object) {
	rec := Schema(o, false)
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/" + o.Name + "/merge", ID: "merge_" + o.Name, Tag: o.Name,
		Summary: "Merge records of " + o.Name + " into one: choose each field's value; activities, links, relationships, attachments and history move to the survivor; the others go to the trash",
		Body: api.Schema{"type": "object", "required": []string{"survivor_id", "merged_ids"}, "additionalProperties": false, "properties": api.Schema{
			"survivor_id": api.Schema{"type": "string", "format": "uuid"},
			"merged_ids":  api.Schema{"type": "array", "items": api.Schema{"type": "string", "format": "uuid"}, "minItems": 1, "maxItems": 20},
			"values":      api.Schema{"type": "object", "description": "the value each field keeps; by default the survivor's, else the first merged record's; lists are united"}}},
		Response: rec,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in MergeInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			rc, err := e.Merge(r.Context(), p, o.Name, in)
			if err != nil {
				return err
			}
			return e.writeRecord(w, r, p, o, rc, http.StatusOK, nil)
		}})
}
