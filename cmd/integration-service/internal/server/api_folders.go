package server

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/actionrun"
	"github.com/ucsp/integration/store"
)

// foldersAPI serves GET /api/v1/integrations/{id}/folders: the folders
// of the integration's mailbox, as its connector lists them
// (connector/actionrun's Folders).
type foldersAPI struct {
	runner *actionrun.Runner
	logger *slog.Logger
}

// folderList is the body of GET .../folders.
type folderList struct {
	Folders []connector.Folder `json:"folders"`
}

// list: GET /api/v1/integrations/{id}/folders
func (h *foldersAPI) list(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !store.ValidID(id) {
		notFound(w, r, "integration")
		return
	}
	fs, err := h.runner.Folders(r.Context(), TenantID(r.Context()), id)
	if err != nil {
		actionError(w, r, h.logger, err, "")
		return
	}
	if fs == nil {
		fs = []connector.Folder{}
	}
	writeJSON(w, http.StatusOK, folderList{Folders: fs})
}
