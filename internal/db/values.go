package db

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// IDText reads an id column: text on SQLite, a UUID on PostgreSQL; ""
// for NULL.
func IDText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case [16]byte:
		return uuid.UUID(x).String()
	}
	return fmt.Sprint(v)
}

// DayText reads a date column as YYYY-MM-DD: text on SQLite, a time on
// PostgreSQL; "" for NULL.
func DayText(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.Format("2006-01-02")
	case string:
		return x[:min(len(x), 10)]
	case []byte:
		return string(x[:min(len(x), 10)])
	}
	return ""
}
