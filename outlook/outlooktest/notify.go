package outlooktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// notifyLocked posts a change notification to each subscription of mb
// whose resource covers folder, in the background.
func (s *Server) notifyLocked(mb *Mailbox, folder, id, changeType string) {
	if s.closed {
		return
	}
	for _, sub := range s.subs {
		if sub.user != mb.email || !strings.Contains(sub.ChangeType, changeType) || !covers(sub.Resource, folder) {
			continue
		}
		n := map[string]any{
			"subscriptionId": sub.ID, "subscriptionExpirationDateTime": sub.ExpirationDateTime.Format(time.RFC3339),
			"changeType": changeType, "resource": "Users/" + mb.id + "/Messages/" + id, "clientState": sub.ClientState,
			"tenantId":     "00000000-0000-0000-0000-000000000001",
			"resourceData": map[string]any{"@odata.type": "#Microsoft.Graph.Message", "@odata.id": "Users/" + mb.id + "/Messages/" + id, "id": id},
		}
		s.post(sub.NotificationURL, map[string]any{"value": []any{n}})
	}
}

// covers reports whether a subscription resource covers a folder.
func covers(resource, folder string) bool {
	r := strings.ToLower(resource)
	if !strings.Contains(r, "mailfolders") {
		return true
	}
	for _, n := range wellKnown {
		if strings.Contains(r, "'"+n+"'") || strings.Contains(r, "/"+n+"/") {
			return FolderID(n) == folder
		}
	}
	return strings.Contains(resource, folder)
}

// SendLifecycleEvent posts a lifecycle notification (event is
// "reauthorizationRequired", "subscriptionRemoved" or "missed") for
// subscription id to its lifecycleNotificationUrl and waits for the
// answer's status.
func (s *Server) SendLifecycleEvent(ctx context.Context, id, event string) (int, error) {
	s.mu.Lock()
	sub := s.subs[id]
	s.mu.Unlock()
	if sub == nil || sub.LifecycleNotificationURL == "" {
		return 0, fmt.Errorf("outlooktest: no subscription %q with a lifecycle URL", id)
	}
	body, _ := json.Marshal(map[string]any{"value": []any{map[string]any{
		"subscriptionId": id, "subscriptionExpirationDateTime": sub.ExpirationDateTime.Format(time.RFC3339),
		"lifecycleEvent": event, "resource": sub.Resource, "clientState": sub.ClientState,
		"organizationId": "00000000-0000-0000-0000-000000000001",
	}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.LifecycleNotificationURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// post delivers a notification in the background; Close waits for it.
func (s *Server) post(u string, v any) {
	body, _ := json.Marshal(v)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		if resp, err := s.hc.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()
}
