package records

import (
	"bytes"
	"encoding/json"
	"slices"
)

// MarshalRecord encodes a record as the API shows it: id, the fields in
// their order, the system fields, then version. With sel non-empty only
// the selected fields (and id) are written.
func MarshalRecord(fields []Field, r *Record, sel []string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"id":`)
	writeJSON(&b, r.ID)
	for i := range fields {
		f := &fields[i]
		if len(sel) > 0 && !slices.Contains(sel, f.Name) {
			continue
		}
		b.WriteByte(',')
		writeJSON(&b, f.Name)
		b.WriteByte(':')
		writeJSON(&b, r.Values[f.Name])
	}
	if len(sel) == 0 || slices.Contains(sel, "version") {
		b.WriteString(`,"version":`)
		writeJSON(&b, r.Version)
	}
	if r.DeletedAt != nil && (len(sel) == 0 || slices.Contains(sel, "deleted_at")) {
		b.WriteString(`,"deleted_at":`)
		writeJSON(&b, FormatTime(*r.DeletedAt))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
	b.Truncate(b.Len() - 1) // Encode adds a newline
}

// Schema returns the JSON Schema of an object's records for the OpenAPI
// document. Custom fields differ per workspace, so they appear as the
// cf_ pattern.
func Schema(o *Object, forWrite bool) map[string]any {
	props := map[string]any{}
	var required []string
	add := func(f *Field) {
		if forWrite && f.ReadOnly {
			return
		}
		s := fieldSchema(f)
		if f.ReadOnly {
			s["readOnly"] = true
		}
		props[f.Name] = s
		if forWrite && f.Required {
			required = append(required, f.Name)
		}
	}
	for i := range o.Fields {
		add(&o.Fields[i])
	}
	for i := range systemFields {
		add(&systemFields[i])
	}
	if !forWrite {
		props["id"] = map[string]any{"type": "string", "format": "uuid", "readOnly": true}
		props["version"] = map[string]any{"type": "integer", "readOnly": true}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if o.Customizable {
		s["patternProperties"] = map[string]any{"^cf_[a-z0-9_]+$": map[string]any{"description": "a custom field of your workspace (see /api/v1/custom_fields)"}}
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func fieldSchema(f *Field) map[string]any {
	nullable := func(t string) any { return []string{t, "null"} }
	switch f.Type {
	case Integer:
		return map[string]any{"type": nullable("integer")}
	case Decimal, Percent:
		return map[string]any{"type": nullable("string"), "pattern": `^-?[0-9]+(\.[0-9]+)?$`, "description": "exact decimal (numbers accepted on input)"}
	case Money:
		return map[string]any{"type": nullable("object"), "properties": map[string]any{"amount": map[string]any{"type": "string"}, "currency": map[string]any{"type": "string", "pattern": "^[A-Z]{3}$"}}}
	case Date:
		return map[string]any{"type": nullable("string"), "format": "date"}
	case DateTime:
		return map[string]any{"type": nullable("string"), "format": "date-time"}
	case Boolean:
		return map[string]any{"type": nullable("boolean")}
	case EmailList:
		return map[string]any{"type": nullable("array"), "description": "e-mail addresses; the first is primary unless one says so; strings or objects",
			"items": map[string]any{"type": "object", "properties": map[string]any{"address": map[string]any{"type": "string", "format": "email"}, "label": map[string]any{"type": "string"}, "primary": map[string]any{"type": "boolean"}}}}
	case PhoneList:
		return map[string]any{"type": nullable("array"), "description": "phone numbers as typed (text); number is the E.164 form, read in the workspace's region",
			"items": map[string]any{"type": "object", "properties": map[string]any{"text": map[string]any{"type": "string"}, "number": map[string]any{"type": "string", "readOnly": true}, "label": map[string]any{"type": "string"}, "primary": map[string]any{"type": "boolean"}}}}
	case RefList:
		return map[string]any{"type": nullable("array"), "description": "ids of linked " + f.Target, "items": map[string]any{"type": "string", "format": "uuid"}}
	case MultiSelect:
		vals := make([]string, len(f.Options))
		for i, o := range f.Options {
			vals[i] = o.Value
		}
		return map[string]any{"type": nullable("array"), "items": map[string]any{"type": "string", "enum": vals}}
	case Select:
		vals := make([]any, len(f.Options))
		for i, o := range f.Options {
			vals[i] = o.Value
		}
		return map[string]any{"type": nullable("string"), "enum": append(vals, nil)}
	case Email:
		return map[string]any{"type": nullable("string"), "format": "email"}
	case URL:
		return map[string]any{"type": nullable("string"), "format": "uri"}
	case Reference, User:
		return map[string]any{"type": nullable("string"), "format": "uuid"}
	}
	s := map[string]any{"type": nullable("string"), "maxLength": f.maxLen()}
	if f.Pattern != nil {
		s["pattern"] = f.Pattern.String()
	}
	return s
}
