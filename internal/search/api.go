package search

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
)

// RegisterAPI adds GET /api/v1/search.
func (s *Searcher) RegisterAPI(a *api.API) {
	hit := api.Schema{"type": "object", "properties": api.Schema{"object": api.Schema{"type": "string"}, "id": api.Schema{"type": "string", "format": "uuid"},
		"title": api.Schema{"type": "string"}, "subtitle": api.Schema{"type": "string"}, "score": api.Schema{"type": "number"}}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/search", ID: "search", Tag: "search",
		Summary: "Find records across objects by name, e-mail, phone in any format or company: word prefixes, one typo, accents optional, Chinese names and words",
		Params: []api.Param{{Name: "q", In: "query", Required: true, Description: "what to find"},
			{Name: "objects", In: "query", Description: "comma-separated objects to search (default: all)"},
			{Name: "limit", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}},
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": hit}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			vals, err := api.Query(r)
			if err != nil {
				return err
			}
			var opts Options
			if o := vals.Get("objects"); o != "" {
				opts.Objects = strings.Split(o, ",")
			}
			if l := vals.Get("limit"); l != "" {
				if opts.Limit, err = strconv.Atoi(l); err != nil || opts.Limit < 1 {
					return errs.Field("query.limit", "must be between 1 and 100")
				}
			}
			hits, err := s.Search(r.Context(), p, vals.Get("q"), opts)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": hits})
			return nil
		}})
}
