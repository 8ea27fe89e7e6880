package reconcile

import (
	"slices"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// MatchRule is one way of finding the order a payment is for.
type MatchRule string

// Match rules.
const (
	// MatchCase looks the DED02 case identifier up as an order's Remittance
	// ID, then as its IV-D case identifier.
	MatchCase MatchRule = withholding.MatchedByCase
	// MatchSSN looks the DED05 SSN up among the obligors' SSNs.
	MatchSSN MatchRule = withholding.MatchedBySSN
	// MatchNameFIPS looks the DED07 name code plus the DED08 FIPS (state
	// and county, five digits) up among the orders.
	MatchNameFIPS MatchRule = withholding.MatchedByNameFIPS
)

// IDField is an order identifier that a DED02 case identifier is looked up
// as, in the "case" rule.
type IDField string

// Identifier fields.
const (
	// IDRemittance is the order's Remittance ID (the IWO's item asking
	// for it; the IV-D case ID when none was set).
	IDRemittance IDField = "remittance_id"
	// IDCase is the IV-D case identifier.
	IDCase IDField = "case_id"
	// IDOrder is the order (court cause) number: Idaho takes "the IV-D case
	// number or court order number … at the agency's discretion", Texas the
	// OAG case or court cause number.
	IDOrder IDField = "order_id"
)

// DefaultIDOrder is the order in which DED02 is looked up: remittance ID,
// case ID, order number; each compared in NormalID form.
var DefaultIDOrder = []IDField{IDRemittance, IDCase, IDOrder}

// DefaultMatch is the default matching order: case identifier, then SSN,
// then name and FIPS.
var DefaultMatch = []MatchRule{MatchCase, MatchSSN, MatchNameFIPS}

// Defaults of Settings.
const (
	// DefaultAckDeadline is how many calendar days an employer has to
	// acknowledge an IWO (eiwo-record-layouts.md §7.2: the only timeframe
	// found is Oracle's "within 10 days"; OCSS's is unknown).
	DefaultAckDeadline = 10
	// DefaultLookback is how many calendar days of past pay dates are
	// checked for missing payments each night.
	DefaultLookback = 45
	// DefaultPayDateSlack is how many calendar days a payment's DED03 pay
	// date may differ from a scheduled pay date and still count for it
	// (employers move pay dates off weekends and holidays).
	DefaultPayDateSlack = 3
)

// Settings tune reconciliation. The zero value means every default.
type Settings struct {
	// RemitWindow is how many business days after the pay date the money
	// must arrive (0 = withholding.DefaultRemitWindow, 7).
	RemitWindow int
	// AckDeadline is how many calendar days after an IWO is sent its
	// acknowledgment must arrive (0 = DefaultAckDeadline, 10).
	AckDeadline int
	// Match is the order in which match rules are tried (nil = DefaultMatch).
	Match []MatchRule
	// IDOrder is the order in which the "case" rule looks DED02 up among
	// the orders' identifiers (nil = DefaultIDOrder); a field left out is
	// not tried.
	IDOrder []IDField
	// Tolerance is how far, in cents, a payment may be from the expected
	// per-pay amount before it is short or over (default 0: exact).
	Tolerance withholding.Cents
	// Lookback is how many days of past pay dates are checked for missing
	// payments (0 = DefaultLookback).
	Lookback int
	// PayDateSlack is how many days a received pay date may differ from the
	// scheduled one (0 = DefaultPayDateSlack; negative = must be exact).
	PayDateSlack int
}

// withDefaults returns s with zero fields replaced by their defaults.
func (s Settings) withDefaults() Settings {
	if s.RemitWindow <= 0 {
		s.RemitWindow = withholding.DefaultRemitWindow
	}
	if s.AckDeadline <= 0 {
		s.AckDeadline = DefaultAckDeadline
	}
	if len(s.IDOrder) == 0 {
		s.IDOrder = DefaultIDOrder
	}
	if len(s.Match) == 0 {
		s.Match = DefaultMatch
	}
	if s.Lookback <= 0 {
		s.Lookback = DefaultLookback
	}
	switch {
	case s.PayDateSlack == 0:
		s.PayDateSlack = DefaultPayDateSlack
	case s.PayDateSlack < 0:
		s.PayDateSlack = 0
	}
	if s.Tolerance < 0 {
		s.Tolerance = -s.Tolerance
	}
	return s
}

// Validate reports the first bad setting as an EINVALID error.
func (s Settings) Validate() error {
	if err := checkList("case identifier order", s.IDOrder, []IDField{IDRemittance, IDCase, IDOrder}, "remittance_id, case_id or order_id"); err != nil {
		return err
	}
	if err := checkList("match", s.Match, []MatchRule{MatchCase, MatchSSN, MatchNameFIPS}, "case, ssn or name_fips"); err != nil {
		return err
	}
	if s.RemitWindow < 0 || s.AckDeadline < 0 || s.Lookback < 0 {
		return withholding.Errorf(withholding.EINVALID, "remit window, ack deadline and lookback must not be negative")
	}
	return nil
}

// ParseMatch reads a comma-separated match order such as "case,ssn".
func ParseMatch(s string) ([]MatchRule, error) {
	var out []MatchRule
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(strings.ToLower(f)); f != "" {
			out = append(out, MatchRule(f))
		}
	}
	if err := (Settings{Match: out}).Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

// checkList reports, as an EINVALID error, the first element of a listed
// setting that is not one of valid (want says which are), or that is
// listed twice.
func checkList[T ~string](setting string, list, valid []T, want string) error {
	seen := map[T]bool{}
	for _, v := range list {
		if !slices.Contains(valid, v) {
			return withholding.Errorf(withholding.EINVALID, "%s: unknown %q (want %s)", setting, v, want)
		}
		if seen[v] {
			return withholding.Errorf(withholding.EINVALID, "%s: %q listed twice", setting, v)
		}
		seen[v] = true
	}
	return nil
}
