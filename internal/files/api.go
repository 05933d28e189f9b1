package files

import (
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
)

var attachmentSchema = api.Schema{"type": "object", "properties": api.Schema{
	"id": api.Schema{"type": "string", "format": "uuid"}, "object": api.Schema{"type": "string"}, "record_id": api.Schema{"type": "string", "format": "uuid"},
	"name": api.Schema{"type": "string"}, "content_type": api.Schema{"type": "string"}, "size": api.Schema{"type": "integer"}, "sha256": api.Schema{"type": "string"},
	"created_at": api.Schema{"type": "string", "format": "date-time"}, "created_by": api.Schema{"type": "string"}}}

// RegisterAPI adds attachment operations for each object.
func (s *Service) RegisterAPI(a *api.API, objects []string) {
	for _, object := range objects {
		base := "/api/v1/" + object + "/{id}/attachments"
		a.Handle(api.Op{Method: "GET", Path: base, ID: "attachments_" + object, Tag: object, Summary: "The files attached to a record of " + object,
			Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": attachmentSchema}}},
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				out, err := s.List(r.Context(), p, object, api.PathID(r, "id"))
				if err != nil {
					return err
				}
				api.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
				return nil
			}})
		a.Handle(api.Op{Method: "POST", Path: base, ID: "attach_" + object, Tag: object, Status: 201, Response: attachmentSchema,
			Summary:     "Attach a file to a record of " + object,
			Description: "Send multipart/form-data with the file in the part named file. The size limit is set by --max-upload (25 MiB by default).",
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				att, err := s.UploadRequest(w, r, p, object)
				if err != nil {
					return err
				}
				api.WriteJSON(w, http.StatusCreated, att)
				return nil
			}})
	}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/attachments/{id}", ID: "download_attachment", Tag: "attachments", Summary: "Download an attached file (for users who can read its record)",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			return s.Serve(w, r, p, api.PathID(r, "id"))
		}})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/attachments/{id}", ID: "delete_attachment", Tag: "attachments", Status: 204, Summary: "Remove an attached file",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := s.Delete(r.Context(), p, api.PathID(r, "id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
}

// uploadFrom reads the multipart part named "file" of a request.
func (s *Service) UploadRequest(w http.ResponseWriter, r *http.Request, p *auth.Principal, object string) (*Attachment, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, errs.E(errs.Unsupported, "Send the file as multipart/form-data in a part named file.")
	}
	limit := s.MaxSize
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errs.E(errs.BadRequest, "The multipart body could not be read.")
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, errs.E(errs.TooLarge, "The file is larger than %d bytes.", limit)
			}
			return nil, errs.Field("body.file", "is required")
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		defer part.Close()
		return s.Upload(r.Context(), p, object, r.PathValue("id"), part.FileName(), part)
	}
}

// Serve writes an attachment as a download. Content that a browser
// could run (HTML, SVG, scripts) is always sent as a download, never
// shown inline.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request, p *auth.Principal, id string) error {
	a, f, err := s.Open(r.Context(), p, id)
	if err != nil {
		return err
	}
	defer f.Close()
	disp := "attachment"
	switch a.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf":
		disp = "inline"
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Content-Disposition", disp+"; filename*=UTF-8''"+url.PathEscape(a.Name))
	w.Header().Set("ETag", `"`+a.SHA256+`"`)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", a.CreatedAt, f)
	return nil
}
