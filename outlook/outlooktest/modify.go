package outlooktest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The Graph error codes of refused request bodies.
const (
	// CodeRequestBodyRead is the code of a body Graph cannot read as
	// the resource: an unknown property, a value of the wrong type or
	// not in the enumeration.
	CodeRequestBodyRead = "RequestBodyRead"
	// CodeInvalidRequest is the code of a request missing what it needs.
	CodeInvalidRequest = "ErrorInvalidRequest"
	// CodeInvalidIDMalformed is the code of an id that is no id.
	CodeInvalidIDMalformed = "ErrorInvalidIdMalformed"
)

func bodyReadError(msg string) graphError {
	return graphError{status: http.StatusBadRequest, code: CodeRequestBodyRead, message: msg}
}

// readObject reads a JSON object body (application/json) into its
// properties.
func readObject(r *http.Request) (map[string]json.RawMessage, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return nil, graphError{status: http.StatusUnsupportedMediaType, code: "UnsupportedMediaType", message: "Content-Type " + ct + " is not supported"}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return nil, badRequest("reading the body: " + err.Error())
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, badRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	return obj, nil
}

// odataType checks an "@odata.type" property against want.
func odataType(raw json.RawMessage, want string) error {
	var t string
	if json.Unmarshal(raw, &t) != nil || !strings.EqualFold(strings.TrimPrefix(t, "#"), strings.TrimPrefix(want, "#")) {
		return bodyReadError("A type named '" + strings.Trim(string(raw), `"`) + "' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.")
	}
	return nil
}

// messagePatch is what PATCH /me/messages/{id} may change here.
type messagePatch struct {
	isRead, flagged *bool
	categories      *[]string
	importance      *string
}

// parseMessagePatch reads a PATCH body as Graph does: only properties of
// message, each of its type; flag a followupFlag whose flagStatus is
// notFlagged, complete or flagged.
func parseMessagePatch(obj map[string]json.RawMessage) (messagePatch, error) {
	var p messagePatch
	if len(obj) == 0 {
		return p, graphError{status: http.StatusBadRequest, code: CodeInvalidRequest, message: "The request body has no property to update."}
	}
	for k, raw := range obj {
		switch k {
		case "@odata.type":
			if err := odataType(raw, "#microsoft.graph.message"); err != nil {
				return p, err
			}
		case "isRead":
			var b bool
			if json.Unmarshal(raw, &b) != nil {
				return p, bodyReadError("Cannot convert the literal '" + string(raw) + "' to the expected type 'Edm.Boolean'.")
			}
			p.isRead = &b
		case "flag":
			var f map[string]json.RawMessage
			if json.Unmarshal(raw, &f) != nil || f == nil {
				return p, bodyReadError("An unexpected '" + string(raw) + "' node was found when reading from the JSON reader. A 'StartObject' node was expected.")
			}
			for fk, fv := range f {
				switch fk {
				case "@odata.type":
					if err := odataType(fv, "#microsoft.graph.followupFlag"); err != nil {
						return p, err
					}
				case "flagStatus":
					var st string
					_ = json.Unmarshal(fv, &st)
					switch st {
					case "flagged", "notFlagged", "complete":
						on := st == "flagged"
						p.flagged = &on
					default:
						return p, bodyReadError("Cannot convert the literal '" + string(fv) + "' to the expected type 'microsoft.graph.followupFlagStatus'.")
					}
				default:
					return p, bodyReadError("The property '" + fk + "' does not exist on type 'microsoft.graph.followupFlag'. Make sure to only use property names that are defined by the type or mark the type as open type.")
				}
			}
		case "categories":
			var c []string
			if json.Unmarshal(raw, &c) != nil {
				return p, bodyReadError("Cannot convert the literal '" + string(raw) + "' to the expected type 'Collection(Edm.String)'.")
			}
			p.categories = &c
		case "importance":
			var v string
			_ = json.Unmarshal(raw, &v)
			if !slices.Contains([]string{"low", "normal", "high"}, v) {
				return p, bodyReadError("Cannot convert the literal '" + string(raw) + "' to the expected type 'microsoft.graph.importance'.")
			}
			p.importance = &v
		default:
			return p, bodyReadError("The property '" + k + "' does not exist on type 'microsoft.graph.message'. Make sure to only use property names that are defined by the type or mark the type as open type.")
		}
	}
	return p, nil
}

// patchMessage serves PATCH /me/messages/{id} (isRead, flag, categories,
// importance): 200 with the message; the change is in the folder's
// next delta round.
func (s *Server) patchMessage(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	p, err := parseMessagePatch(obj)
	if err != nil {
		return err
	}
	m, err := s.lookup(mb, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	if p.isRead != nil {
		m.read = *p.isRead
	}
	if p.flagged != nil {
		m.flagged = *p.flagged
	}
	if p.categories != nil {
		m.categories = slices.Clone(*p.categories)
	}
	if p.importance != nil {
		m.importance = *p.importance
	}
	m.changeKey++
	m.modified = s.opts.Now().UTC().Truncate(time.Second)
	mb.recordLocked(m.folder, m, "updated")
	body := m.wire(r, nil)
	s.mu.Unlock()
	body["@odata.context"] = s.URL + "/v1.0/$metadata#users('" + mb.id + "')/messages/$entity"
	writeJSON(w, http.StatusOK, body)
	return nil
}

// moveMessage serves POST /me/messages/{id}/move {"destinationId"} (a
// folder id or well-known name): 201 with the message in its new folder
// (with a new id unless immutable ids were asked for); delta rounds
// report it removed from the old folder and new in the other.
func (s *Server) moveMessage(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	var dest string
	for k, raw := range obj {
		// Action parameters are matched without regard to case:
		// msgraph-sdk-go sends "DestinationId", as Graph's metadata
		// names it, the documentation "destinationId".
		if !strings.EqualFold(k, "destinationId") {
			return bodyReadError("The parameter '" + k + "' in the request payload is not a valid parameter for the operation 'move'.")
		}
		if json.Unmarshal(raw, &dest) != nil {
			return bodyReadError("Cannot convert the literal '" + string(raw) + "' to the expected type 'Edm.String'.")
		}
	}
	if dest == "" {
		return graphError{status: http.StatusBadRequest, code: CodeInvalidRequest, message: "Value cannot be null. Parameter name: DestinationId"}
	}
	m, err := s.lookup(mb, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	fid, ok := mb.resolveLocked(dest)
	if !ok {
		s.mu.Unlock()
		if !strings.HasPrefix(dest, "AAMk") && !strings.HasPrefix(dest, "AQMk") {
			return graphError{status: http.StatusBadRequest, code: CodeInvalidIDMalformed, message: "Id is malformed."}
		}
		return notFound("destination folder")
	}
	if m.folder != fid {
		old := m.folder
		m.folder = fid
		m.changeKey++
		m.modified = s.opts.Now().UTC().Truncate(time.Second)
		mb.recordLocked(old, m, "deleted")
		mb.recordLocked(fid, m, "created")
	}
	body := m.wire(r, nil)
	s.mu.Unlock()
	body["@odata.context"] = s.URL + "/v1.0/$metadata#users('" + mb.id + "')/messages/$entity"
	writeJSON(w, http.StatusCreated, body)
	return nil
}
