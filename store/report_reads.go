package store

import (
	"context"
	"iter"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// EachException streams the exceptions matching filter in its Sort order
// (by ID when Sort is empty), holding one row at a time: the report job
// goes through a state's backlog of open exceptions (half a million at
// the state-sized bench) twice, and held whole they were most of its
// memory. Stopping the loop early releases the query. EINVALID for an
// unknown sort.
func (d *DB) EachException(ctx context.Context, filter withholding.ExceptionFilter) iter.Seq2[*withholding.Exception, error] {
	rest, w, err := d.exceptionQuery(filter)
	if err != nil {
		return func(yield func(*withholding.Exception, error) bool) { yield(nil, err) }
	}
	return queryEachPacked(ctx, d, "find exceptions", scanException, exceptionSelectCols, rest, w.args...)
}

// exceptionQuery is the query of the exceptions matching filter, in its
// Sort order, after its SELECT list (exceptionSelectCols), and its
// conditions. EINVALID for an unknown sort.
func (d *DB) exceptionQuery(filter withholding.ExceptionFilter) (string, *where, error) {
	order := "id"
	if filter.Sort != "" {
		o, ok := exceptionOrders[filter.Sort]
		if !ok {
			return "", nil, withholding.Errorf(withholding.EINVALID, "exception sort %q unknown", filter.Sort)
		}
		order = o
	}
	w := d.exceptionWhere(filter)
	if filter.Type != nil {
		w.add("type = ?", string(*filter.Type))
	}
	return " FROM exceptions" + w.String() + " ORDER BY " + order + d.page(filter.Offset, filter.Limit), w, nil
}

// EmployersWithIWOs returns the employers with an IWO sent or
// acknowledged in (after, through], in FEIN order: the employers the
// report job's statements rule takes from the IWOs. One DISTINCT query, so
// that the statements need not read the night's IWOs (a state's first
// night sends a million) to learn a few thousand employers.
func (d *DB) EmployersWithIWOs(ctx context.Context, after, through time.Time) ([]withholding.FEIN, error) {
	a, t := d.timeArg(after), d.timeArg(through)
	return queryValues(ctx, d, "find employers with IWOs", func(s interface{ Scan(...any) error }) (*withholding.FEIN, error) {
		var f withholding.FEIN
		return &f, s.Scan(&f)
	}, `SELECT DISTINCT fein FROM documents
		WHERE (sent_at > ? AND sent_at <= ?) OR (acknowledged_at > ? AND acknowledged_at <= ?)
		ORDER BY fein`, a, t, a, t)
}
