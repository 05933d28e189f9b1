package imports

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/match"
	"github.com/rapport-crm/rapport/internal/records"
)

// MaxBulk is how many records one bulk request takes.
const MaxBulk = 1000

// BulkInput is a JSON bulk write: records to create, or to upsert on a
// key.
type BulkInput struct {
	Mode    string           `json:"mode"` // create (default) or upsert
	Key     string           `json:"key"`  // upsert: id, email, phone, domain, external_id, a unique or custom field
	Records []map[string]any `json:"records"`
}

// BulkOutcome is what happened to one record of a bulk write.
type BulkOutcome struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Action string `json:"action"` // created, updated, unchanged
}

// BulkResult answers a bulk write.
type BulkResult struct {
	Data      []BulkOutcome `json:"data"`
	Created   int           `json:"created"`
	Updated   int           `json:"updated"`
	Unchanged int           `json:"unchanged"`
}

// Bulk writes up to MaxBulk records of object in one transaction, all
// or nothing: each through the record engine (validation, history with
// origin "bulk", search terms, duplicate keys), created, or with mode
// upsert updated when the key finds a record (a later record with the
// same key as an earlier one of the request updates it). Any refused
// record refuses the whole request, naming every bad field as
// body.records[N].field.
func (s *Service) Bulk(ctx context.Context, p *auth.Principal, object string, in BulkInput) (*BulkResult, error) {
	s.init()
	o, err := s.Records.Object(object)
	if err != nil {
		return nil, err
	}
	var fe []errs.FieldError
	if in.Mode == "" {
		in.Mode = ModeCreate
	}
	if in.Mode != ModeCreate && in.Mode != ModeUpsert {
		fe = append(fe, errs.FieldError{Location: "body.mode", Message: "must be create or upsert"})
	}
	if len(in.Records) == 0 || len(in.Records) > MaxBulk {
		fe = append(fe, errs.FieldError{Location: "body.records", Message: fmt.Sprintf("must hold 1 to %d records", MaxBulk)})
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	need := []auth.Action{auth.ActCreate}
	if in.Mode == ModeUpsert {
		need = append(need, auth.ActUpdate)
	}
	for _, a := range need {
		if !p.Can(o.Name, a) {
			return nil, errs.E(errs.Forbidden, "You may not %s %s.", a, o.Name)
		}
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.DeferForeignKeys(ctx); err != nil {
		return nil, err
	}
	w, err := s.Records.NewWriter(ctx, tx, p, o.Name, "bulk")
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(in.Records))
	hits := map[string][]string{}
	if in.Mode == ModeUpsert {
		if !hasKey(keyTargets(o.Name, w.Fields()), in.Key) {
			return nil, errs.Field("body.key", "must be one of: "+strings.Join(keyTargets(o.Name, w.Fields()), ", "))
		}
		var vals []string
		seen := map[string]bool{}
		for i, rec := range in.Records {
			k, msg := bulkKey(w, in.Key, rec)
			if msg != "" {
				fe = append(fe, errs.FieldError{Location: fmt.Sprintf("body.records[%d].%s", i, keyField(in.Key)), Message: msg})
				continue
			}
			keys[i] = k
			if k != "" && !seen[k] {
				seen[k] = true
				vals = append(vals, k)
			}
		}
		if len(vals) > 0 {
			switch in.Key {
			case "email", "phone", "domain":
				hits, err = s.Customers.LookupKeys(ctx, tx, p.WorkspaceID, o.Name, in.Key, vals)
			default:
				hits, err = s.Records.Lookup(ctx, tx, p, o.Name, in.Key, vals)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	res := &BulkResult{Data: []BulkOutcome{}}
	mine := map[string]string{} // key → record this request created
	staged := false
	for i, rec := range in.Records {
		loc := fmt.Sprintf("body.records[%d].", i)
		target := ""
		if k := keys[i]; k != "" {
			switch ids := hits[k]; {
			case len(ids) > 1:
				fe = append(fe, errs.FieldError{Location: loc + keyField(in.Key), Message: fmt.Sprintf("matches %d records by %s; the key must identify one", len(ids), in.Key)})
				continue
			case len(ids) == 1:
				target = ids[0]
			default:
				target = mine[k]
			}
		}
		if target != "" {
			if staged && mine[keys[i]] == target {
				if err := w.Flush(ctx, tx); err != nil {
					return nil, err
				}
				staged = false
			}
			r, changed, err := w.Update(ctx, tx, target, records.Input(rec))
			if err != nil {
				if bad, ok := bulkErrors(err, loc); ok {
					fe = append(fe, bad...)
					continue
				}
				return nil, err
			}
			action := "unchanged"
			if changed {
				action = "updated"
				res.Updated++
			} else {
				res.Unchanged++
			}
			res.Data = append(res.Data, BulkOutcome{Index: i, ID: r.ID, Action: action})
			continue
		}
		r, err := w.Create(ctx, tx, records.Input(rec))
		if err != nil {
			if bad, ok := bulkErrors(err, loc); ok {
				fe = append(fe, bad...)
				continue
			}
			return nil, err
		}
		staged = true
		if keys[i] != "" {
			mine[keys[i]] = r.ID
		}
		res.Created++
		res.Data = append(res.Data, BulkOutcome{Index: i, ID: r.ID, Action: "created"})
	}
	if len(fe) > 0 {
		if len(fe) > 200 {
			fe = fe[:200]
		}
		return nil, &errs.Error{Code: errs.Invalid, Message: "Some records are refused; nothing was written.", Fields: fe}
	}
	if err := w.Flush(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("bulk %s: %w", o.Name, err)
	}
	return res, nil
}

// keyField names the field of a record that holds a key's value.
func keyField(key string) string {
	switch key {
	case "email":
		return "emails"
	case "phone":
		return "phones"
	}
	return key
}

// bulkKey returns a record's key value, normalised as the look-up
// compares it.
func bulkKey(w *records.Writer, key string, rec map[string]any) (string, string) {
	v, ok := rec[keyField(key)]
	if key == "domain" && !ok {
		v, ok = rec["website"]
	}
	if !ok || v == nil {
		if key == "id" {
			return "", "is required to upsert by id"
		}
		return "", ""
	}
	switch key {
	case "email", "phone":
		f, ok := w.Field(keyField(key))
		if !ok {
			return "", "is not a field"
		}
		c, msg := f.Normalize(v)
		if msg != "" {
			return "", msg
		}
		if key == "email" {
			if items, _ := c.([]records.EmailItem); len(items) > 0 {
				return match.EmailKey(items[0].Address), ""
			}
			return "", ""
		}
		if items, _ := c.([]records.PhoneItem); len(items) > 0 {
			return items[0].Number, ""
		}
		return "", ""
	case "domain":
		s, _ := v.(string)
		return match.Domain(s), ""
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	default:
		s = fmt.Sprint(x)
	}
	return records.KeyValue(w.Fields(), key, s)
}

// bulkErrors puts a record's field errors under its place in the
// request; ok is false for an error that is not about the record.
func bulkErrors(err error, loc string) ([]errs.FieldError, bool) {
	e, ok := errs.As(err)
	if !ok || (e.Code != errs.Invalid && e.Code != errs.NotFound && e.Code != errs.Conflict) {
		return nil, false
	}
	if e.Code == errs.NotFound {
		return []errs.FieldError{{Location: strings.TrimSuffix(loc, "."), Message: "names no record you may change"}}, true
	}
	if len(e.Fields) == 0 {
		return []errs.FieldError{{Location: strings.TrimSuffix(loc, "."), Message: e.Message}}, true
	}
	out := make([]errs.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = errs.FieldError{Location: loc + strings.TrimPrefix(f.Location, "body."), Message: f.Message}
	}
	return out, true
}

// registerBulk adds POST /api/v1/{object}/bulk for every object.
func (s *Service) registerBulk(a *api.API) {
	for _, o := range s.Records.Objects() {
		object := o.Name
		a.Handle(api.Op{Method: "POST", Path: "/api/v1/" + object + "/bulk", ID: "bulk_" + object, Tag: object,
			Summary: fmt.Sprintf("Create, or upsert on a key, up to %d records of %s in one request, all or nothing", MaxBulk, object),
			Description: "Every record goes through the same validation as a single create or update; one refused record refuses the request, " +
				"its field errors named body.records[N].field, and nothing is written. With mode upsert, a record whose key finds a record updates it.",
			Body: api.Schema{"type": "object", "additionalProperties": false, "required": []string{"records"}, "properties": api.Schema{
				"mode":    api.Schema{"type": "string", "enum": []string{ModeCreate, ModeUpsert}, "default": ModeCreate},
				"key":     api.Schema{"type": "string", "description": "upsert: id, email, phone, domain, external_id, or a unique or custom field"},
				"records": api.Schema{"type": "array", "minItems": 1, "maxItems": MaxBulk, "items": api.Schema{"type": "object"}}}},
			Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": api.Schema{"type": "object", "properties": api.Schema{
				"index": intSchema, "id": strSchema, "action": api.Schema{"type": "string", "enum": []string{"created", "updated", "unchanged"}}}}},
				"created": intSchema, "updated": intSchema, "unchanged": intSchema}},
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				body, err := api.DecodeObject(w, r)
				if err != nil {
					return err
				}
				in, err := bulkInput(body)
				if err != nil {
					return err
				}
				res, err := s.Bulk(r.Context(), p, object, in)
				if err != nil {
					return err
				}
				api.WriteJSON(w, http.StatusOK, res)
				return nil
			}})
	}
}

// bulkInput reads a bulk body decoded with exact numbers.
func bulkInput(body map[string]any) (BulkInput, error) {
	var in BulkInput
	var fe []errs.FieldError
	for k, v := range body {
		switch k {
		case "mode", "key":
			s, ok := v.(string)
			if !ok {
				fe = append(fe, errs.FieldError{Location: "body." + k, Message: "must be a string"})
				continue
			}
			if k == "mode" {
				in.Mode = s
			} else {
				in.Key = s
			}
		case "records":
			list, ok := v.([]any)
			if !ok {
				fe = append(fe, errs.FieldError{Location: "body.records", Message: "must be an array of objects"})
				continue
			}
			for i, x := range list {
				m, ok := x.(map[string]any)
				if !ok {
					fe = append(fe, errs.FieldError{Location: fmt.Sprintf("body.records[%d]", i), Message: "must be an object"})
					continue
				}
				in.Records = append(in.Records, m)
			}
		default:
			fe = append(fe, errs.FieldError{Location: "body." + k, Message: "is not a known field"})
		}
	}
	if len(fe) > 0 {
		return in, errs.Fields(fe)
	}
	return in, nil
}
