package memory

import (
	"testing"
	"time"
)

func TestAddMonthsKeepsTheDayOrTakesTheLast(t *testing.T) {
	jan31 := time.Date(2027, 1, 31, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{jan31, 1, time.Date(2027, 2, 28, 9, 30, 0, 0, time.UTC)},
		{jan31, 2, time.Date(2027, 3, 31, 9, 30, 0, 0, time.UTC)},
		{jan31, 3, time.Date(2027, 4, 30, 9, 30, 0, 0, time.UTC)},
		{time.Date(2028, 1, 31, 0, 0, 0, 0, time.UTC), 1, time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), 2, time.Date(2027, 1, 22, 12, 0, 0, 0, time.UTC)},
	} {
		if got := addMonths(tc.from, tc.n); !got.Equal(tc.want) {
			t.Errorf("addMonths(%v, %d) = %v, want %v", tc.from, tc.n, got, tc.want)
		}
	}
}
