package customers

import (
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

var candidateSchema = api.Schema{"type": "object", "properties": api.Schema{
	"id": api.Schema{"type": "string", "format": "uuid"}, "title": api.Schema{"type": "string"}, "subtitle": api.Schema{"type": "string"},
	"score":   api.Schema{"type": "number", "minimum": 0, "maximum": 1},
	"reasons": api.Schema{"type": "array", "items": api.Schema{"type": "string", "enum": []string{ReasonSameEmail, ReasonSamePhone, ReasonSameDomain, ReasonSameName, ReasonSimilarName, ReasonSameAccount}}}}}

// RegisterAPI adds the REST operations of duplicates, relationships,
// memberships and the account tree.
func (s *Service) RegisterAPI(a *api.API) {
	for _, object := range []string{"accounts", "contacts"} {
		base := "/api/v1/" + object
		a.Handle(api.Op{Method: "GET", Path: base + "/duplicates", ID: "duplicates_" + object, Tag: object,
			Summary: "Scan the workspace for groups of likely duplicate " + object + ", best first, with scores and reasons",
			Params:  []api.Param{{Name: "limit", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}},
			Response: api.Schema{"type": "object", "properties": api.Schema{
				"groups":  api.Schema{"type": "array", "items": api.Schema{"type": "object", "properties": api.Schema{"score": api.Schema{"type": "number"}, "reasons": api.Schema{"type": "array", "items": api.Schema{"type": "string"}}, "records": api.Schema{"type": "array", "items": candidateSchema}}}},
				"total":   api.Schema{"type": "integer"},
				"skipped": api.Schema{"type": "integer", "description": "keys shared by too many records to compare pair by pair"}}},
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				vals, err := api.Query(r)
				if err != nil {
					return err
				}
				limit := 0
				if l := vals.Get("limit"); l != "" {
					if limit, err = strconv.Atoi(l); err != nil || limit < 1 {
						return errs.Field("query.limit", "must be between 1 and 1000")
					}
				}
				res, err := s.Scan(r.Context(), p, object, limit)
				if err != nil {
					return err
				}
				api.WriteJSON(w, http.StatusOK, res)
				return nil
			}})
		a.Handle(api.Op{Method: "POST", Path: base + "/duplicates/check", ID: "check_duplicates_" + object, Tag: object,
			Summary:  "Find the records a record being created or edited would likely duplicate (send its fields; exclude_id when editing)",
			Params:   []api.Param{{Name: "exclude_id", In: "query", Description: "the id of the record being edited"}},
			Body:     api.Schema{"type": "object", "description": "the record's fields, as for create"},
			Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": candidateSchema}}},
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				in, err := api.DecodeObject(w, r)
				if err != nil {
					return err
				}
				c, err := s.Check(r.Context(), p, object, in, r.URL.Query().Get("exclude_id"))
				if err != nil {
					return err
				}
				api.WriteJSON(w, http.StatusOK, map[string]any{"data": c})
				return nil
			}})
		relSchema := api.Schema{"type": "object", "properties": api.Schema{"id": api.Schema{"type": "string"}, "type": api.Schema{"type": "string"}, "other_id": api.Schema{"type": "string"},
			"other_title": api.Schema{"type": "string"}, "note": api.Schema{"type": "string"}, "inverse": api.Schema{"type": "boolean", "description": "entered from the other record; type is shown as its inverse"}, "created_at": api.Schema{"type": "string", "format": "date-time"}}}
		types := []string{}
		for _, t := range RelTypes[object] {
			types = append(types, t.Value)
		}
		a.Handle(api.Op{Method: "GET", Path: base + "/{id}/relationships", ID: "relationships_" + object, Tag: object,
			Summary:  "List a record's relationships with other " + object + ", each as this record sees it",
			Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": relSchema}}},
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				out, err := s.Relationships(r.Context(), p, object, api.PathID(r, "id"))
				if err != nil {
					return err
				}
				api.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
				return nil
			}})
		a.Handle(api.Op{Method: "POST", Path: base + "/{id}/relationships", ID: "add_relationship_" + object, Tag: object, Status: 201,
			Summary: "Relate a record to another of " + object + " (the other shows the inverse)",
			Body: api.Schema{"type": "object", "required": []string{"type", "other_id"}, "additionalProperties": false, "properties": api.Schema{
				"type": api.Schema{"type": "string", "enum": types}, "other_id": api.Schema{"type": "string", "format": "uuid"}, "note": api.Schema{"type": "string", "maxLength": 500}}},
			Response: relSchema,
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				var in RelationshipInput
				if err := api.Decode(w, r, &in); err != nil {
					return err
				}
				out, err := s.AddRelationship(r.Context(), p, object, api.PathID(r, "id"), in)
				if err != nil {
					return err
				}
				api.WriteJSON(w, http.StatusCreated, out)
				return nil
			}})
		a.Handle(api.Op{Method: "DELETE", Path: base + "/{id}/relationships/{rel_id}", ID: "delete_relationship_" + object, Tag: object, Status: 204,
			Summary: "Remove a relationship",
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				if err := s.DeleteRelationship(r.Context(), p, object, api.PathID(r, "id"), api.PathID(r, "rel_id")); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}})
	}
	memSchema := api.Schema{"type": "object", "properties": api.Schema{"account_id": api.Schema{"type": "string"}, "contact_id": api.Schema{"type": "string"}, "title": api.Schema{"type": "string"}, "role": api.Schema{"type": "string"}, "primary": api.Schema{"type": "boolean"}}}
	memList := api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": memSchema}}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/contacts/{id}/accounts", ID: "contact_accounts", Tag: "contacts", Summary: "The accounts a contact belongs to, with roles", Response: memList,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			out, err := s.ContactAccounts(r.Context(), p, api.PathID(r, "id"), 500)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
			return nil
		}})
	roles := make([]string, len(ContactRoles))
	for i, o := range ContactRoles {
		roles[i] = o.Value
	}
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/contacts/{id}/accounts", ID: "add_contact_account", Tag: "contacts", Status: 204,
		Summary: "Add a contact to an account with a role (or change the role); primary makes it the contact's account",
		Body: api.Schema{"type": "object", "required": []string{"account_id"}, "additionalProperties": false, "properties": api.Schema{
			"account_id": api.Schema{"type": "string", "format": "uuid"}, "role": api.Schema{"type": "string", "enum": append(roles, "")}, "primary": api.Schema{"type": "boolean"}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in MembershipInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			if err := s.AddMembership(r.Context(), p, api.PathID(r, "id"), in); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/contacts/{id}/accounts/{account_id}", ID: "remove_contact_account", Tag: "contacts", Status: 204,
		Summary: "Remove a contact from an account",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := s.RemoveMembership(r.Context(), p, api.PathID(r, "id"), api.PathID(r, "account_id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/accounts/{id}/contacts", ID: "account_contacts", Tag: "accounts", Summary: "The contacts of an account, with roles", Response: memList,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			out, err := s.AccountContacts(r.Context(), p, api.PathID(r, "id"), 500)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
			return nil
		}})
	node := api.Schema{"type": "object", "properties": api.Schema{"id": api.Schema{"type": "string"}, "name": api.Schema{"type": "string"}, "contacts": api.Schema{"type": "integer"}, "activities": api.Schema{"type": "integer"},
		"total_contacts": api.Schema{"type": "integer"}, "total_activities": api.Schema{"type": "integer"}, "current": api.Schema{"type": "boolean"}, "children": api.Schema{"type": "array", "items": api.Schema{"type": "object"}}}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/accounts/{id}/tree", ID: "account_tree", Tag: "accounts", Summary: "The account hierarchy from the top ancestor, with counts rolled up to each parent", Response: node,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			out, err := s.Tree(r.Context(), p, api.PathID(r, "id"))
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, out)
			return nil
		}})
	_ = records.NewID
}
