package employer

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

// Received is one e-IWO file as an employer received it.
type Received struct {
	Name        string
	FIPS        string // the sending state's FIPS code (5 digits), from the file header
	FileControl string
	IWOs        []*edi.IWO
}

// ReadIWOFile reads a received IWO (FHI) file, flat or XML (told apart by
// content, edi.ReadAny), checking it as a receiver does. A file with problems is refused whole: the error is edi.Errors
// listing every problem ("FILE:LINE: RECORD ELEMENT: reason"), and the
// employer should not answer any record of it.
func ReadIWOFile(r io.Reader, name string) (*Received, error) {
	f := &Received{Name: name}
	var kind edi.Kind
	header, problems, err := edi.ReadAny(r, name, func(rec edi.Record, rd *edi.Reader) error {
		kind, f.FileControl = rd.Kind(), rd.FileControlNumber()
		if v, ok := rec.(*edi.IWO); ok {
			f.IWOs = append(f.IWOs, v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read IWO file %s: %w", name, err)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if header != nil {
		f.FIPS = header.FIPS
	}
	if kind != edi.KindIWO {
		return nil, fmt.Errorf("read %s: a %s file, not an IWO (FHI) file: %w", name, kind, edi.ErrStructure)
	}
	return f, nil
}

// ReadAckFile reads an acknowledgment (FHA) file, flat or XML, e.g. one
// this employer sent earlier, and returns its records. Files with problems are refused
// like in ReadIWOFile.
func ReadAckFile(r io.Reader, name string) ([]*edi.Ack, error) {
	var acks []*edi.Ack
	var kind edi.Kind
	_, problems, err := edi.ReadAny(r, name, func(rec edi.Record, rd *edi.Reader) error {
		kind = rd.Kind()
		if a, ok := rec.(*edi.Ack); ok {
			acks = append(acks, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read acknowledgment file %s: %w", name, err)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if kind != edi.KindAck {
		return nil, fmt.Errorf("read %s: a %s file, not an acknowledgment (FHA) file: %w", name, kind, edi.ErrStructure)
	}
	return acks, nil
}

// Book is the orders an employer has in effect: the IWOs it accepted, in
// the order it accepted them. An order is identified by its case and
// issuing state (spec §8.3 item 7: an ORG must not match an active order
// for the same case and issuing state).
type Book struct {
	orders   map[orderKey]*edi.IWO
	seq      map[orderKey]int
	lumps    map[orderKey]*edi.IWO
	ended    map[orderKey]ending
	tracking map[withholding.TrackingID]bool
	n        int
}

// ending is a case a TRM ended: the TRM and the terms it ended (nil when
// no ORG or AMD was in effect).
type ending struct {
	trm, last *edi.IWO
}

type orderKey struct {
	caseID withholding.CaseID
	state  string
}

func keyOf(d *edi.IWO) orderKey { return orderKey{d.CaseID, d.IssuingState} }

// NewBook returns an empty Book.
func NewBook() *Book {
	return &Book{
		orders:   map[orderKey]*edi.IWO{},
		seq:      map[orderKey]int{},
		lumps:    map[orderKey]*edi.IWO{},
		ended:    map[orderKey]ending{},
		tracking: map[withholding.TrackingID]bool{},
	}
}

// Apply puts an accepted IWO into effect: ORG and AMD set the order for
// its case (an AMD replaces the terms), TRM ends it, LUM records a
// lump-sum order beside it.
func (b *Book) Apply(d *edi.IWO) {
	b.tracking[d.TrackingID] = true
	k := keyOf(d)
	switch d.Action {
	case withholding.ActionOriginal, withholding.ActionAmend:
		if _, ok := b.orders[k]; !ok {
			b.n++
			b.seq[k] = b.n
		}
		b.orders[k] = d
		delete(b.ended, k)
	case withholding.ActionTerminate:
		b.ended[k] = ending{trm: d, last: b.orders[k]}
		delete(b.orders, k)
		delete(b.seq, k)
		delete(b.lumps, k)
	case withholding.ActionLumpSum:
		b.lumps[k] = d
	}
}

// Active returns the order in effect for d's case and issuing state, or nil.
func (b *Book) Active(d *edi.IWO) *edi.IWO { return b.orders[keyOf(d)] }

// Seen reports whether an IWO with this tracking identifier was applied.
func (b *Book) Seen(id withholding.TrackingID) bool { return b.tracking[id] }

// Len returns the number of orders in effect.
func (b *Book) Len() int { return len(b.orders) }

// ForEmployee returns the orders in effect for the employee with ssn, in
// the order they came into effect (the calculator breaks ties by order).
func (b *Book) ForEmployee(ssn withholding.SSN) []*edi.IWO {
	var out []*edi.IWO
	for _, d := range b.orders {
		if d.Employee.SSN == ssn {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(x, y *edi.IWO) int { return b.seq[keyOf(x)] - b.seq[keyOf(y)] })
	return out
}

// endedFor returns the TRMs that ended the cases of the employee with ssn
// (the latest IWO of each such case), with the terms each ended, in case
// order.
func (b *Book) endedFor(ssn withholding.SSN) []ending {
	var out []ending
	for _, e := range b.ended {
		if e.trm.Employee.SSN == ssn {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(x, y ending) int { return strings.Compare(string(x.trm.CaseID), string(y.trm.CaseID)) })
	return out
}

// LumpSums returns the LUM orders in effect for the employee with ssn.
func (b *Book) LumpSums(ssn withholding.SSN) []*edi.IWO {
	var out []*edi.IWO
	for _, d := range b.lumps {
		if d.Employee.SSN == ssn {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(x, y *edi.IWO) int {
		if x.CaseID < y.CaseID {
			return -1
		} else if x.CaseID > y.CaseID {
			return 1
		}
		return 0
	})
	return out
}

// LoadBook builds the book from IWO files accepted earlier, in the order
// given. IWOs that acks rejected (by tracking identifier) are left out, so
// a clerk can pass the IWO files received together with the
// acknowledgment files sent for them.
func LoadBook(files []*Received, acks []*edi.Ack) *Book {
	rejected := map[withholding.TrackingID]bool{}
	for _, a := range acks {
		if a.Action != withholding.ActionEmployer && a.Status == withholding.DispRejected {
			rejected[a.TrackingID] = true
		}
	}
	b := NewBook()
	for _, f := range files {
		for _, d := range f.IWOs {
			if rejected[d.TrackingID] || b.Seen(d.TrackingID) {
				continue
			}
			b.Apply(d)
		}
	}
	return b
}
