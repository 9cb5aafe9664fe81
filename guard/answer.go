package guard

import "encoding/json"

// accepted reports whether a RemoteStopTransaction answer is Accepted.
func accepted(raw json.RawMessage) bool {
	var ans struct {
		Status string `json:"status"`
	}
	return json.Unmarshal(raw, &ans) == nil && ans.Status == "Accepted"
}
