package store

import (
	"context"
	"iter"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

var (
	briefOrderSelect = "SELECT id, " + strings.Join(briefOrderCols, ", ") + " FROM orders"
	// briefPackedSelect is briefOrderSelect's row packed in one value
	// (packed.go), on SQLite.
	briefPackedSelect = "SELECT " + packedCols(append([]string{"id"}, briefOrderCols...)) + " FROM orders"
	// briefAt are the places of briefOrderCols in orderCols.
	briefAt = orderColumns(briefOrderCols)
)

// eachBriefOrder streams a Brief listing (the conditions and order in
// rest) into one Order and one set of scan destinations, overwritten for
// every row: reconciliation reads every order each night and keeps a few
// fields of each, and a fresh Order and 48 destinations a row were 2.3 KB
// of garbage an order (iwo bench night, 120,000 orders).
func (d *DB) eachBriefOrder(ctx context.Context, rest string, args ...any) iter.Seq2[*withholding.Order, error] {
	return func(yield func(*withholding.Order, error) bool) {
		var o withholding.Order
		var children string // not a brief column
		dest := orderDestsAt(&o, &children, briefAt)
		scan := func(s interface{ Scan(...any) error }) (*withholding.Order, error) {
			o = withholding.Order{}
			if err := s.Scan(dest...); err != nil {
				return nil, err
			}
			return &o, nil
		}
		sel := briefOrderSelect
		if d.dialect == dialectSQLite {
			sets, err := packedDests(dest)
			if err != nil {
				yield(nil, err)
				return
			}
			var row string
			sel, scan = briefPackedSelect, func(s interface{ Scan(...any) error }) (*withholding.Order, error) {
				o = withholding.Order{}
				if err := s.Scan(&row); err != nil {
					return nil, err
				}
				if err := unpack(row, sets); err != nil {
					return nil, err
				}
				return &o, nil
			}
		}
		for v, err := range queryEach(ctx, d, "find orders", scan, sel+rest, args...) {
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}
