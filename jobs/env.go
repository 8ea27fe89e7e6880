package jobs

import (
	"log/slog"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// Env is what every job takes from its surroundings: the clock, the
// agency's time zone and the logger. The wiring (cmd/iwo's buildScheduler,
// which the demo runs too) builds one and embeds the same value in every
// job and in the Exchange, so that they cannot disagree on the time or the
// day. The zero value is time.Now, UTC and slog.Default.
type Env struct {
	// Clock is the clock; time.Now when nil.
	Clock func() time.Time
	// Location is the agency's time zone: run dates, document dates and
	// the days exceptions open on are its calendar days. UTC when nil.
	Location *time.Location
	// Logger receives the jobs' lines; slog.Default when nil.
	Logger *slog.Logger
}

// Now returns the time by the clock.
func (e Env) Now() time.Time {
	if e.Clock == nil {
		return time.Now()
	}
	return e.Clock()
}

// Loc returns the agency's time zone.
func (e Env) Loc() *time.Location {
	if e.Location == nil {
		return time.UTC
	}
	return e.Location
}

// Log returns the logger.
func (e Env) Log() *slog.Logger {
	if e.Logger == nil {
		return slog.Default()
	}
	return e.Logger
}

// Today returns the agency's calendar day now.
func (e Env) Today() withholding.Date { return withholding.DateOf(e.Now().In(e.Loc())) }
