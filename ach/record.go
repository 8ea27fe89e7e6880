package ach

import (
	"time"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/withholding"
)

// RecordLength is the width of every NACHA record.
const RecordLength = moov.RecordLength

// Record names used in errors.
const (
	recFile         = "File"
	recFileHeader   = "FileHeader"
	recBatchHeader  = "BatchHeader"
	recEntry        = "EntryDetail"
	recAddenda      = "Addenda"
	recBatchControl = "BatchControl"
	recFileControl  = "FileControl"
)

// BatchHeader is a batch header record (type 5). Its string fields are
// slices of Record, with trailing spaces removed.
type BatchHeader struct {
	Line             int
	Record           string           // the 94-character record
	ServiceClass     int              // 2–4: 200 mixed, 220 credits, 225 debits, 280 ADV
	CompanyName      string           // 5–20
	Discretionary    string           // 21–40
	CompanyID        string           // 41–50: employer ID, by convention "1"+FEIN
	SEC              string           // 51–53: CCD, CTX, PPD, COR…
	EntryDescription string           // 54–63
	DescriptiveDate  string           // 64–69
	EffectiveDate    withholding.Date // 70–75 YYMMDD; zero when blank or invalid
	ODFI             string           // 80–87: first 8 digits of every trace
	Number           int              // 88–94

	iat bool // an IAT (or IATCOR) batch: another header layout

	// effectiveProblem is set when EffectiveDate is blank or invalid: a
	// problem of every payment of the batch.
	effectiveProblem string

	feinVal withholding.FEIN // feinOf(CompanyID), when feinSet
	feinSet bool
}

// Entry is an entry detail record (type 6) with its addenda. Its string
// fields are slices of Record. Entries yields them complete; inside
// Payments the reader leaves Account, Identification, Name and
// Discretionary empty, since no payment needs them.
type Entry struct {
	Line             int
	Batch            *BatchHeader
	Record           string            // the 94-character record
	TransactionCode  int               // 2–3
	RDFI             string            // 4–12: routing number with its check digit
	Account          string            // 13–29
	Amount           withholding.Cents // 30–39
	Identification   string            // 40–54
	Name             string            // 55–76 (CCD), 59–74 (CTX)
	AddendaCount     int               // CTX 55–58: addenda records that follow
	Discretionary    string            // 77–78
	AddendaIndicator byte              // 79: '0' or '1'
	Trace            withholding.TraceNumber

	// Addenda are the entry's addenda records in file order.
	Addenda []Addenda
	one     [1]Addenda // backing store for the usual single addenda
}

// Addenda is an addenda record (type 7).
type Addenda struct {
	Line     int
	Record   string // the 94-character record
	Type     string // 2–3: 05, 98, 99…
	Text     string // 4–83 for type 05: payment related information, untrimmed
	Sequence int    // 84–87 for type 05
}

// ReturnCode returns the return reason (R01…) of an addenda 99 or the change
// code (C01…) of an addenda 98, or "".
func (a *Addenda) ReturnCode() string {
	if a.Type == "99" || a.Type == "98" {
		return trimRight(a.Record[3:6])
	}
	return ""
}

// PaymentText returns the addenda text: the 80-character payment related
// information for type 05, the record after the type code otherwise.
func (e *Entry) PaymentText() string {
	switch len(e.Addenda) {
	case 0:
		return ""
	case 1:
		return e.Addenda[0].Text
	}
	n := 0
	for i := range e.Addenda {
		n += len(e.Addenda[i].Text)
	}
	b := make([]byte, 0, n)
	for i := range e.Addenda {
		b = append(b, e.Addenda[i].Text...)
	}
	return string(b)
}

// IsCredit reports whether transaction code tc moves money to the receiver.
func IsCredit(tc int) bool {
	switch tc {
	case moov.CheckingReturnNOCCredit, moov.CheckingCredit, moov.CheckingPrenoteCredit, moov.CheckingZeroDollarRemittanceCredit,
		moov.SavingsReturnNOCCredit, moov.SavingsCredit, moov.SavingsPrenoteCredit, moov.SavingsZeroDollarRemittanceCredit,
		moov.GLReturnNOCCredit, moov.GLCredit, moov.GLPrenoteCredit, moov.GLZeroDollarRemittanceCredit,
		moov.LoanReturnNOCCredit, moov.LoanCredit, moov.LoanPrenoteCredit, moov.LoanZeroDollarRemittanceCredit:
		return true
	}
	return false
}

// IsDebit reports whether transaction code tc takes money from the receiver.
func IsDebit(tc int) bool {
	switch tc {
	case moov.CheckingReturnNOCDebit, moov.CheckingDebit, moov.CheckingPrenoteDebit, moov.CheckingZeroDollarRemittanceDebit,
		moov.SavingsReturnNOCDebit, moov.SavingsDebit, moov.SavingsPrenoteDebit, moov.SavingsZeroDollarRemittanceDebit,
		moov.GLReturnNOCDebit, moov.GLDebit, moov.GLPrenoteDebit, moov.GLZeroDollarRemittanceDebit,
		moov.LoanDebit, moov.LoanReturnNOCDebit:
		return true
	}
	return false
}

// IsPrenote reports whether tc is a zero-dollar pre-notification.
func IsPrenote(tc int) bool {
	switch tc {
	case moov.CheckingPrenoteCredit, moov.CheckingPrenoteDebit, moov.SavingsPrenoteCredit, moov.SavingsPrenoteDebit,
		moov.GLPrenoteCredit, moov.GLPrenoteDebit, moov.LoanPrenoteCredit:
		return true
	}
	return false
}

// digits parses s as an unsigned decimal number; ok is false unless every
// byte is a digit. NACHA records are mostly numeric fields: from eight
// digits on, eight at a time are checked and converted with word
// arithmetic, the first len%8 as a word that overlaps the next.
func digits(s string) (int64, bool) {
	const zeros = 0x3030303030303030
	n := len(s)
	if n < 8 {
		if n == 0 {
			return 0, false
		}
		var v int64
		for i := 0; i < n; i++ {
			c := s[i] - '0'
			if c > 9 {
				return 0, false
			}
			v = v*10 + int64(c)
		}
		return v, true
	}
	head := n & 7
	var v uint64
	if head != 0 {
		// The first head bytes, moved to the top of the word, below them
		// '0's.
		x := le64(s)<<((8-head)*8) | zeros>>(head*8)
		d, ok := eightDigits(x)
		if !ok {
			return 0, false
		}
		v = d
	}
	for i := head; i < n; i += 8 {
		d, ok := eightDigits(le64(s[i:]))
		if !ok {
			return 0, false
		}
		v = v*100_000_000 + d
	}
	return int64(v), true
}

// le64 loads the first eight bytes of s as a little-endian word (one
// load: the compiler combines the byte reads).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// eightDigits converts eight ASCII digits loaded by le64 (the first digit
// in the low byte) to their value; ok is false if any byte is not a digit.
func eightDigits(x uint64) (uint64, bool) {
	const (
		hiNibbles = 0xF0F0F0F0F0F0F0F0
		zeros     = 0x3030303030303030
		sixes     = 0x0606060606060606
	)
	// Every byte is 0x30–0x3F, and adding 6 leaves it below 0x40
	// (so 0x30–0x39); no carry crosses a byte.
	if x&hiNibbles != zeros || (x+sixes)&hiNibbles != zeros {
		return 0, false
	}
	x -= zeros
	x = (x * 10) + (x >> 8)                                // pairs of digits in every other byte
	x = ((x & 0x000000FF000000FF) * (100 + 1000000<<32)) + // pairs to fours, then to eight
		(((x >> 16) & 0x000000FF000000FF) * (1 + 10000<<32))
	return x >> 32, true
}

// trimRight removes trailing spaces without allocating, eight at a time
// where it can (addenda text is often half spaces).
func trimRight(s string) string {
	i := len(s)
	for i >= 8 && le64(s[i-8:i]) == spaces8 {
		i -= 8
	}
	for i > 0 && s[i-1] == ' ' {
		i--
	}
	return s[:i]
}

const spaces8 = 0x2020202020202020

// trimSpace removes leading and trailing spaces without allocating.
func trimSpace(s string) string {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return trimRight(s[i:])
}

// yymmdd parses a six-digit date with the NACHA pivot (YY < 70 is 20YY).
func yymmdd(s string) (withholding.Date, bool) {
	if len(s) != 6 {
		return withholding.Date{}, false
	}
	v, ok := digits(s)
	if !ok {
		return withholding.Date{}, false
	}
	yy, mm, dd := int(v/10000), int(v/100%100), int(v%100)
	y := 1900 + yy
	if yy < 70 {
		y = 2000 + yy
	}
	return validDate(y, mm, dd)
}

// ccyymmdd parses an eight-digit date.
func ccyymmdd(s string) (withholding.Date, bool) {
	if len(s) != 8 {
		return withholding.Date{}, false
	}
	v, ok := digits(s)
	if !ok {
		return withholding.Date{}, false
	}
	return validDate(int(v/10000), int(v/100%100), int(v%100))
}

var monthDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func validDate(y, m, d int) (withholding.Date, bool) {
	if y < 1 || m < 1 || m > 12 || d < 1 || d > monthDays[m] {
		return withholding.Date{}, false
	}
	if m == 2 && d == 29 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		return withholding.Date{}, false
	}
	return withholding.Date{Year: y, Month: time.Month(m), Day: d}, true
}
