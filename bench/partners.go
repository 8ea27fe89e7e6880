package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/ach/achsynth"
	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/withholding"
)

// iwoFile is an IWO file the agency delivered, and the inbox where the
// partner it went to leaves its acknowledgments.
type iwoFile struct {
	path, inbox string
}

// writeAcks answers up to n of the IWOs in files with edi.Responder, as
// employers would, and leaves one acknowledgment file per IWO file in its
// partner's inbox. The IWOs answered are the first of each file, an equal
// share of n per file (ackShare). It returns the number of ACK records
// written (acknowledgments and EMP notices).
func writeAcks(files []iwoFile, n int, created time.Time, seed uint64) (int, error) {
	share := ackShare(files, n)
	return answerFiles(files, "ACK", created, seed, func() (int, func(int, *edi.IWO) bool) {
		take := min(share, n)
		n -= take
		return take, func(at int, _ *edi.IWO) bool { return at < share }
	})
}

// ackShare is how many IWOs of each file writeAcks answers.
func ackShare(files []iwoFile, n int) int {
	if len(files) == 0 {
		return 0
	}
	return (n + len(files) - 1) / len(files)
}

// writeEarlierAcks answers, in files of their own, the IWOs in files whose
// case is in paying and that writeAcks(files, n) leaves: the orders whose
// payments the typical night brings were accepted by their employers in the
// week before it, as employers withhold on orders they have accepted.
func writeEarlierAcks(files []iwoFile, n int, paying map[withholding.CaseID]bool, created time.Time, seed uint64) (int, error) {
	share := ackShare(files, n)
	return answerFiles(files, "ACK_EARLIER", created, seed+uint64(len(files)), func() (int, func(int, *edi.IWO) bool) {
		return -1, func(at int, r *edi.IWO) bool { return at >= share && paying[r.CaseID] }
	})
}

// answerFiles answers the IWOs of each of files, as each says when called
// for the next file (at most n of them, those pick takes; see answer), in a
// file PREFIX_NNNN.ack of the file's inbox, and returns the ACK records
// written.
func answerFiles(files []iwoFile, prefix string, created time.Time, seed uint64, each func() (n int, pick func(at int, r *edi.IWO) bool)) (int, error) {
	written := 0
	for i, f := range files {
		n, pick := each()
		out := filepath.Join(f.inbox, fmt.Sprintf("%s_%04d.ack", prefix, i+1))
		c, err := answer(f.path, out, n, pick, created, seed+uint64(i))
		written += c
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// answer writes an acknowledgment file to out answering the IWOs of the IWO
// file in that pick takes (by their place in the file, from 0), at most n
// of them (n < 0: every one picked). No file is written when none is.
func answer(in, out string, n int, pick func(at int, r *edi.IWO) bool, created time.Time, seed uint64) (int, error) {
	if n == 0 {
		return 0, nil
	}
	f, err := os.Open(in)
	if err != nil {
		return 0, fmt.Errorf("answer IWOs: %w", err)
	}
	defer f.Close()
	rd := edi.NewReader(bufio.NewReaderSize(f, 256<<10), in)
	resp := edisynth.NewResponder(seed)
	on := withholding.DateOf(created)
	// Each answer is written as its IWO is read: a first night's file
	// holds up to a hundred thousand IWOs, and their answers held
	// together took a gigabyte.
	written := 0
	err = writeFile(out, func(w io.Writer) error {
		var wr *edi.Writer
		var fips string
		at := 0
		for answered := 0; n < 0 || answered < n; {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", in, err)
			}
			switch r := rec.(type) {
			case *edi.Header:
				if !r.IsBatch() {
					fips = r.FIPS
				}
			case *edi.IWO:
				at++
				if !pick(at-1, r) {
					continue
				}
				if wr == nil {
					wr = edi.NewWriter(w, edi.WriterOptions{Kind: edi.KindAck, FIPS: fips, Created: created, Sequence: seed % 10_000_000, File: out})
				}
				o := resp.Decide(r)
				recs := []edi.Record{resp.Answer(r, o, on)}
				if notice := resp.Notice(r, o, on); notice != nil {
					recs = append(recs, notice)
				}
				for _, a := range recs {
					if err := wr.Write(a); err != nil {
						return err
					}
					written++
				}
				answered++
			}
		}
		if wr == nil {
			return nil
		}
		return wr.Close()
	})
	if err == nil && written == 0 {
		// Nothing answered: no file, as an employer with nothing to say
		// sends none.
		err = os.Remove(out)
	}
	return written, err
}

// ctxEvery makes one employer batch in ctxEvery a CTX entry (an X12 820
// with a DED per payment) instead of CCD+ entries; ctxItems is the most
// DEDs one CTX entry carries.
const (
	ctxEvery = 10
	ctxItems = 30
)

// writeRemittances writes the payers' payments into files ACH files in
// dir, each employer's payments of a file in one batch (or CTX entries of
// up to ctxItems DEDs), effective on eff for the pay date pay, and
// returns the money the bank credited: what the books must say was
// received.
func writeRemittances(dir string, payers []payer, files int, names map[withholding.FEIN]string, pay, eff withholding.Date, created time.Time) (withholding.Cents, error) {
	sortPayers(payers)
	files = max(1, min(files, len(payers)))
	r8 := "12100035"
	odfi := r8 + strconv.Itoa(moov.CalculateCheckDigit(r8))
	var total withholding.Cents
	batches := 0
	for fi := range files {
		part := payers[len(payers)*fi/files : len(payers)*(fi+1)/files]
		path := filepath.Join(dir, fmt.Sprintf("PAY_%05d.ach", fi+1))
		err := writeFile(path, func(w io.Writer) error {
			fw, err := ach.NewFileWriter(w, ach.FileHeader{
				Destination: achsynth.SDURouting, DestinationName: "SDU BANK",
				Origin: odfi, OriginName: "ACH OPERATOR", Created: created,
			})
			if err != nil {
				return err
			}
			for len(part) > 0 {
				fein := part[0].fein
				end := 1
				for end < len(part) && part[end].fein == fein {
					end++
				}
				batches++
				ctx := batches%ctxEvery == 0
				if ctx {
					end = min(end, ctxItems)
				}
				rem := ach.Remittance{
					CompanyName: names[fein], CompanyID: "1" + string(fein), ODFI: odfi,
					SDUName: achsynth.SDUName, SDURouting: achsynth.SDURouting, SDUAccount: achsynth.SDUAccount,
					EffectiveDate: eff, Created: created, CTX: ctx,
				}
				for _, p := range part[:end] {
					rem.Items = append(rem.Items, ach.Item{
						CaseID: p.remitID, PayDate: pay, Amount: p.amount, SSN: p.ssn,
						Medical: "N", Name: ach.DEDName(p.last, p.first), FIPS: p.fips,
					})
					total += p.amount
				}
				b, err := ach.RemittanceBatch(rem, batches)
				if err != nil {
					return err
				}
				if err := fw.WriteBatch(b); err != nil {
					return err
				}
				part = part[end:]
			}
			return fw.Close()
		})
		if err != nil {
			return 0, err
		}
	}
	return total, nil
}

// writeFile writes a partner's file under a hidden name and renames it
// into place when complete, as a partner's upload would appear.
func writeFile(path string, body func(io.Writer) error) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	err = body(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
