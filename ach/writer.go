package ach

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/withholding"
)

// FileHeader is what a FileWriter needs for the file header record.
type FileHeader struct {
	Destination     string    // immediate destination: the SDU's bank routing, 9 digits
	DestinationName string    // its name
	Origin          string    // immediate origin: the sender's bank routing, 9 digits
	OriginName      string    // its name
	Created         time.Time // file creation date and time
	IDModifier      byte      // A–Z or 0–9; 0 means 'A'
}

// FileWriter writes a NACHA file one batch at a time, keeping only the
// running file totals, so files of any size can be written. Records come
// from github.com/moov-io/ach types.
type FileWriter struct {
	w       *bufio.Writer
	records int
	batches int
	count   int
	hash    int64
	debit   int64
	credit  int64
	err     error
}

// NewFileWriter writes the file header and returns a writer for the batches.
func NewFileWriter(w io.Writer, h FileHeader) (*FileWriter, error) {
	fh := moov.NewFileHeader()
	fh.ImmediateDestination = h.Destination
	fh.ImmediateDestinationName = h.DestinationName
	fh.ImmediateOrigin = h.Origin
	fh.ImmediateOriginName = h.OriginName
	fh.FileCreationDate = h.Created.Format("060102")
	fh.FileCreationTime = h.Created.Format("1504")
	fh.FileIDModifier = "A"
	if h.IDModifier != 0 {
		fh.FileIDModifier = string(h.IDModifier)
	}
	if err := fh.Validate(); err != nil {
		return nil, fmt.Errorf("write file header: %w", err)
	}
	fw := &FileWriter{w: bufio.NewWriterSize(w, 64<<10)}
	fw.line(fh.String())
	return fw, fw.err
}

func (fw *FileWriter) line(s string) {
	if fw.err != nil {
		return
	}
	fw.records++
	if _, err := fw.w.WriteString(s); err != nil {
		fw.err = fmt.Errorf("write ach record: %w", err)
		return
	}
	if err := fw.w.WriteByte('\n'); err != nil {
		fw.err = fmt.Errorf("write ach record: %w", err)
	}
}

// WriteBatch creates b's control record (moov-io/ach Batch.Create, which
// also validates it) and writes the batch.
func (fw *FileWriter) WriteBatch(b moov.Batcher) error {
	if fw.err != nil {
		return fw.err
	}
	if err := b.Create(); err != nil {
		return fmt.Errorf("create batch %d: %w", fw.batches+1, err)
	}
	fw.batches++
	fw.line(b.GetHeader().String())
	for _, e := range b.GetEntries() {
		fw.line(e.String())
		fw.count++
		for _, a := range e.Addenda05 {
			fw.line(a.String())
			fw.count++
		}
		if e.Addenda98 != nil {
			fw.line(e.Addenda98.String())
			fw.count++
		}
		if e.Addenda99 != nil {
			fw.line(e.Addenda99.String())
			fw.count++
		}
	}
	bc := b.GetControl()
	fw.line(bc.String())
	fw.hash += int64(bc.EntryHash)
	fw.debit += int64(bc.TotalDebitEntryDollarAmount)
	fw.credit += int64(bc.TotalCreditEntryDollarAmount)
	return fw.err
}

// Close writes the file control record and the padding that completes the
// last block of ten, and flushes. It does not close the underlying writer.
func (fw *FileWriter) Close() error {
	if fw.err != nil {
		return fw.err
	}
	fc := moov.NewFileControl()
	fc.BatchCount = fw.batches
	fc.BlockCount = (fw.records + 1 + 9) / 10
	fc.EntryAddendaCount = fw.count
	fc.EntryHash = int(fw.hash % 10_000_000_000)
	fc.TotalDebitEntryDollarAmountInFile = int(fw.debit)
	fc.TotalCreditEntryDollarAmountInFile = int(fw.credit)
	fw.line(fc.String())
	for fw.records%10 != 0 {
		fw.line(nines94)
	}
	if fw.err != nil {
		return fw.err
	}
	if err := fw.w.Flush(); err != nil {
		return fmt.Errorf("flush ach file: %w", err)
	}
	return nil
}

// Item is one case's withholding in a remittance: one DED segment.
type Item struct {
	CaseID      withholding.RemittanceID // DED02: the IWO's Remittance ID
	PayDate     withholding.Date         // DED03
	Amount      withholding.Cents        // DED04
	SSN         withholding.SSN          // DED05
	Medical     string                   // DED06: Y, N or W ("" writes N)
	Name        string                   // DED07: 7 letters of the last name + 3 of the first; see DEDName
	FIPS        string                   // DED08, optional
	Termination bool                     // DED09
}

// DED formats the item as a DED segment with the "*" separator and "\"
// terminator; ctx selects the CCYYMMDD pay date of an X12 820.
func (it Item) DED(ctx bool) string {
	var b strings.Builder
	b.Grow(80)
	b.WriteString("DED*CS*")
	b.WriteString(string(it.CaseID))
	b.WriteByte('*')
	if ctx {
		b.WriteString(it.PayDate.Format("20060102"))
	} else {
		b.WriteString(it.PayDate.Format("060102"))
	}
	b.WriteByte('*')
	b.WriteString(strconv.FormatInt(int64(it.Amount), 10))
	b.WriteByte('*')
	b.WriteString(it.SSN.Digits())
	b.WriteByte('*')
	med := it.Medical
	if med == "" {
		med = "N"
	}
	b.WriteString(med)
	// Optional elements: write up to the last one present.
	opt := []string{it.Name, it.FIPS, ""}
	if it.Termination {
		opt[2] = "Y"
	}
	last := -1
	for i, v := range opt {
		if v != "" {
			last = i
		}
	}
	for i := 0; i <= last; i++ {
		b.WriteByte('*')
		b.WriteString(opt[i])
	}
	b.WriteByte('\\')
	return b.String()
}

// DEDName abbreviates a name for DED07: the first seven letters of the last
// name and the first three of the first name, with a comma between them
// when the last name is shorter than seven letters.
func DEDName(last, first string) string {
	l, f := letters(last), letters(first)
	if len(l) > 7 {
		l = l[:7]
	}
	if len(f) > 3 {
		f = f[:3]
	}
	if len(l) < 7 {
		return l + "," + f
	}
	return l + f
}

func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Remittance is one employer's child support payment to an SDU: the
// content of one CCD+ or CTX batch.
type Remittance struct {
	CompanyName   string // employer name for the batch header (16 characters)
	CompanyID     string // 10 characters; by convention "1"+FEIN
	ODFI          string // employer's bank routing number, 9 digits
	ODFIName      string
	SDUName       string // receiving company name
	SDURouting    string // SDU's bank routing number, 9 digits
	SDUAccount    string
	SDUBankName   string
	EffectiveDate withholding.Date
	Created       time.Time // file creation time; zero means the effective date at midnight UTC
	// CTX sends one CTX entry whose addenda carry an X12 820 with one DED
	// per item, instead of one CCD+ entry per item.
	CTX   bool
	Items []Item
	// TraceStart is the first entry sequence number (0 means 1).
	TraceStart int
}

// WriteRemittance writes r as a complete, valid NACHA file with one batch.
func WriteRemittance(w io.Writer, r Remittance) error {
	created := r.Created
	if created.IsZero() {
		created = r.EffectiveDate.Time(time.UTC)
	}
	fw, err := NewFileWriter(w, FileHeader{
		Destination: r.SDURouting, DestinationName: r.SDUBankName,
		Origin: r.ODFI, OriginName: r.ODFIName, Created: created,
	})
	if err != nil {
		return fmt.Errorf("write remittance: %w", err)
	}
	b, err := RemittanceBatch(r, 1)
	if err != nil {
		return fmt.Errorf("write remittance: %w", err)
	}
	if err := fw.WriteBatch(b); err != nil {
		return fmt.Errorf("write remittance: %w", err)
	}
	return fw.Close()
}

// RemittanceBatch builds the moov-io/ach batch for r with the given batch
// number, ready for FileWriter.WriteBatch.
func RemittanceBatch(r Remittance, number int) (moov.Batcher, error) {
	sec := moov.CCD
	if r.CTX {
		sec = moov.CTX
	}
	bh := newBatchHeader(r.CompanyName, r.CompanyID, r.ODFI, sec, r.EffectiveDate, number)
	b, err := moov.NewBatch(bh)
	if err != nil {
		return nil, fmt.Errorf("new %s batch: %w", sec, err)
	}
	seq := r.TraceStart
	if seq <= 0 {
		seq = 1
	}
	if !r.CTX {
		for _, it := range r.Items {
			e := newEntry(r.SDURouting, r.SDUAccount, it.Amount, r.SDUName, r.ODFI, seq)
			e.AddAddenda05(addenda05(it.DED(false), 1, e.TraceNumber))
			b.AddEntry(e)
			seq++
		}
		return b, nil
	}
	var total withholding.Cents
	for _, it := range r.Items {
		total += it.Amount
	}
	e := newEntry(r.SDURouting, r.SDUAccount, total, r.SDUName, r.ODFI, seq)
	text := Envelope820(r, total)
	setCTXAddenda(e, text, r.SDUName)
	b.AddEntry(e)
	return b, nil
}

func newBatchHeader(name, id, odfi, sec string, eff withholding.Date, number int) *moov.BatchHeader {
	bh := moov.NewBatchHeader()
	bh.ServiceClassCode = moov.CreditsOnly
	bh.CompanyName = name
	bh.CompanyIdentification = id
	bh.StandardEntryClassCode = sec
	bh.CompanyEntryDescription = "CHILD SUPP"
	bh.EffectiveEntryDate = eff.Format("060102")
	bh.ODFIIdentification = odfi[:8]
	bh.BatchNumber = number
	return bh
}

func newEntry(routing, account string, amount withholding.Cents, name, odfi string, seq int) *moov.EntryDetail {
	e := moov.NewEntryDetail()
	e.TransactionCode = moov.CheckingCredit
	if amount == 0 {
		// A termination notice without money (DED09 = Y, DED04 = 0).
		e.TransactionCode = moov.CheckingZeroDollarRemittanceCredit
	}
	e.SetRDFI(routing)
	e.DFIAccountNumber = account
	e.Amount = int(amount)
	e.IndividualName = name
	e.SetTraceNumber(odfi[:8], seq)
	e.AddendaRecordIndicator = 1 // every remittance entry carries addenda
	return e
}

func addenda05(text string, seq int, trace string) *moov.Addenda05 {
	a := moov.NewAddenda05()
	a.PaymentRelatedInformation = text
	a.SequenceNumber = seq
	a.EntryDetailSequenceNumber, _ = strconv.Atoi(trace[8:])
	return a
}

// setCTXAddenda cuts text into 80-character addenda and sets the CTX count.
func setCTXAddenda(e *moov.EntryDetail, text, receiver string) {
	n := 0
	for i := 0; i < len(text); i += 80 {
		n++
		e.AddAddenda05(addenda05(text[i:min(i+80, len(text))], n, e.TraceNumber))
	}
	e.SetCATXAddendaRecords(n)
	e.SetCATXReceivingCompany(receiver)
	e.AddendaRecordIndicator = 1 // SetCATXAddendaRecords stores the count here too
}

// Envelope820 returns the X12 820 (ISA through IEA, "*" and "\" delimiters)
// carrying one DED per item of r, for a CTX entry of the given total.
func Envelope820(r Remittance, total withholding.Cents) string {
	created := r.Created
	if created.IsZero() {
		created = r.EffectiveDate.Time(time.UTC)
	}
	ctl := fmt.Sprintf("%09d", (created.Unix()/60)%1_000_000_000)
	var segs []string
	seg := func(s ...string) { segs = append(segs, strings.Join(s, "*")) }
	seg("ST", "820", "0001")
	seg("BPR", "C", total.String(), "C", "ACH", "CTX", "01", r.ODFI, "DA", "", r.CompanyID, "", "01", r.SDURouting, "DA", r.SDUAccount, r.EffectiveDate.Format("20060102"))
	seg("TRN", "1", "CS"+r.EffectiveDate.Format("20060102"), r.CompanyID)
	seg("N1", "PR", clip820(r.CompanyName))
	seg("N1", "PE", clip820(r.SDUName))
	for i, it := range r.Items {
		seg("ENT", strconv.Itoa(i+1))
		segs = append(segs, strings.TrimSuffix(it.DED(true), "\\"))
	}
	seg("SE", strconv.Itoa(len(segs)+1), "0001")
	var b strings.Builder
	fmt.Fprintf(&b, "ISA*00*%-10s*00*%-10s*ZZ*%-15s*ZZ*%-15s*%s*%s*U*00401*%s*0*P*>\\",
		"", "", r.CompanyID, r.SDURouting, created.Format("060102"), created.Format("1504"), ctl)
	fmt.Fprintf(&b, "GS*RA*%s*%s*%s*%s*%s*X*004010\\", r.CompanyID, r.SDURouting, created.Format("20060102"), created.Format("1504"), strings.TrimLeft(ctl, "0"))
	for _, s := range segs {
		b.WriteString(s)
		b.WriteByte('\\')
	}
	fmt.Fprintf(&b, "GE*1*%s\\IEA*1*%s\\", strings.TrimLeft(ctl, "0"), ctl)
	return b.String()
}

func clip820(s string) string {
	s = strings.NewReplacer("*", " ", "\\", " ", ">", " ").Replace(s)
	if len(s) > 35 {
		s = s[:35]
	}
	return s
}
