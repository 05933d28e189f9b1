package activities

import "encoding/json"

func jsonOf(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
