package api

import (
	"net/http"
	"strconv"
	"strings"
)

// ProblemSchema is the schema of every error response.
var ProblemSchema = Schema{
	"type": "object",
	"properties": Schema{
		"type":       Schema{"type": "string"},
		"title":      Schema{"type": "string"},
		"status":     Schema{"type": "integer"},
		"detail":     Schema{"type": "string"},
		"code":       Schema{"type": "string"},
		"request_id": Schema{"type": "string"},
		"errors": Schema{"type": "array", "items": Schema{"type": "object", "properties": Schema{
			"location": Schema{"type": "string", "description": "the bad field, e.g. body.name or query.filter[name][eq]"},
			"message":  Schema{"type": "string"},
		}}},
	},
}

// OpenAPI returns the OpenAPI 3.1 document of every registered operation.
func (a *API) OpenAPI(version string) map[string]any {
	paths := map[string]any{}
	for _, op := range a.Ops() {
		item, _ := paths[op.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.Path] = item
		}
		o := map[string]any{"operationId": op.ID, "summary": op.Summary, "tags": []string{op.Tag}}
		if op.Description != "" {
			o["description"] = op.Description
		}
		var params []any
		for _, p := range op.Params {
			s := p.Schema
			if s == nil {
				s = Schema{"type": "string"}
			}
			params = append(params, map[string]any{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path", "description": p.Description, "schema": s})
		}
		for _, seg := range strings.Split(op.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				name := strings.Trim(seg, "{}")
				found := false
				for _, p := range op.Params {
					found = found || p.Name == name
				}
				if !found {
					params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": Schema{"type": "string", "format": "uuid"}})
				}
			}
		}
		if op.ETag && (op.Method == http.MethodPatch || op.Method == http.MethodDelete || op.Method == http.MethodPut) {
			params = append(params, map[string]any{"name": "If-Match", "in": "header", "description": "the ETag you read; a stale one answers 412 and writes nothing", "schema": Schema{"type": "string"}})
		}
		if op.Method == http.MethodPost && !op.Public && op.Upload == nil {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "description": "a retry with the same key answers the first response and writes nothing twice", "schema": Schema{"type": "string", "maxLength": 255}})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.Body != nil {
			o["requestBody"] = map[string]any{"required": !op.BodyOptional, "content": map[string]any{"application/json": map[string]any{"schema": op.Body}}}
		}
		if op.Upload != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{"schema": op.Upload}}}
		}
		resp := map[string]any{"description": http.StatusText(op.Status)}
		switch {
		case len(op.Produces) > 0:
			schema := op.Response
			if schema == nil {
				schema = Schema{"type": "string", "format": "binary"}
			}
			content := map[string]any{}
			for _, t := range op.Produces {
				content[t] = map[string]any{"schema": schema}
			}
			resp["content"] = content
		case op.Response != nil:
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": op.Response}}
		}
		if op.ETag && op.Method != http.MethodDelete {
			resp["headers"] = map[string]any{"ETag": map[string]any{"schema": Schema{"type": "string"}}}
		}
		problem := map[string]any{"content": map[string]any{"application/problem+json": map[string]any{"schema": Schema{"$ref": "#/components/schemas/Problem"}}}}
		responses := map[string]any{strconv.Itoa(op.Status): resp}
		add := func(code int, desc string) {
			r := map[string]any{"description": desc}
			for k, v := range problem {
				r[k] = v
			}
			responses[strconv.Itoa(code)] = r
		}
		if !op.Public {
			add(401, "not signed in")
			add(403, "the role does not allow it")
		}
		if strings.Contains(op.Path, "{") {
			add(404, "no such record in your workspace and scope")
		}
		if op.Body != nil || op.Upload != nil || op.Method == http.MethodGet {
			add(400, "malformed request")
			add(422, "invalid fields")
		}
		if op.Upload != nil {
			add(413, "the file is larger than the limit")
			add(415, "not multipart/form-data")
		}
		if op.ETag && op.Method != http.MethodGet && (op.Method != http.MethodPost || strings.Contains(op.Path, "{")) {
			add(412, "stale If-Match")
		}
		for code, desc := range op.Problems {
			add(code, desc)
		}
		o["responses"] = responses
		if !op.Public {
			o["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
		}
		item[strings.ToLower(op.Method)] = o
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": a.title, "version": version,
			"description": "Every list takes filter[field][op]=value (eq, ne, lt, lte, gt, gte, contains, in, empty), sort=field or -field, limit (1-500, default 50), cursor and fields. Errors are RFC 9457 problem+json."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": map[string]any{"Problem": ProblemSchema},
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "an API token made in Settings → API tokens or with `rapport token create`"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "rapport_session"},
			},
		},
	}
}
