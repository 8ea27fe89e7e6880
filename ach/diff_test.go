package ach_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/ach/achsynth"
)

// knownDifferences are moov-io/ach test files on which iwo deliberately
// reaches another verdict than moov-io/ach's Reader (docs/ach.md lists them
// too). The test fails if a listed file stops differing, so the list stays
// true.
var knownDifferences = map[string]string{
	"20180713-IAT.ach":                    "debit (27) in a credits-only (220) batch: NACHA service class rule; moov-io/ach does not apply it to IAT",
	"20180716-IAT-A17-A18.ach":            "debit (27) in a credits-only (220) batch (as above)",
	"20180716-IAT-A17.ach":                "debit (27) in a credits-only (220) batch (as above)",
	"NACHA_SAMPLE_TEL_REVERSAL.ach":       "iwo does not apply SEC-specific rules to SECs that are not remittances (TEL debits); the entries come out as kind other",
	"adv.ach":                             "ADV (ACH operator accounting advice) has another entry layout and is never a remittance: refused, not misread",
	"flattenADVBatchesOneBatchHeader.ach": "ADV refused (as above)",
	"txp-debit.ach":                       "a record longer than 94 characters is refused; moov-io/ach truncates it silently",
}

// moovTestdata returns the .ach files of moov-io/ach's own test data.
func moovTestdata(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/moov-io/ach").Output()
	if err != nil {
		t.Fatalf("find moov-io/ach module: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "test", "testdata", "*.ach"))
	if err != nil || len(files) < 50 {
		t.Fatalf("moov-io/ach test data: %d files, err %v", len(files), err)
	}
	return files
}

// entryView is what both readers must agree on for each entry.
type entryView struct {
	amount int
	trace  string
	// addenda is each addenda 05's payment related information, trimmed,
	// followed by "|". moov-io/ach trims leading and trailing spaces of each
	// addenda (which loses a space at a CTX chunk boundary); iwo keeps the
	// 80 characters exactly, so the comparison trims both sides per addenda.
	addenda string
}

func moovView(data []byte) ([]entryView, error) {
	f, err := moov.NewReader(bytes.NewReader(data)).Read()
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		return nil, err
	}
	var out []entryView
	for _, b := range f.Batches {
		for _, e := range b.GetEntries() {
			var txt strings.Builder
			for _, a := range e.Addenda05 {
				txt.WriteString(strings.TrimSpace(a.PaymentRelatedInformation))
				txt.WriteByte('|')
			}
			out = append(out, entryView{e.Amount, e.TraceNumber, txt.String()})
		}
	}
	for _, b := range f.IATBatches {
		for _, e := range b.Entries {
			out = append(out, entryView{e.Amount, e.TraceNumber, ""})
		}
	}
	return out, nil
}

func iwoView(name string, data []byte) ([]entryView, error) {
	r := ach.NewReader(bytes.NewReader(data), ach.Options{Name: name})
	var out []entryView
	for e, err := range r.Entries() {
		if err != nil {
			return out, err
		}
		var txt strings.Builder
		for _, a := range e.Addenda {
			if a.Type == "05" {
				txt.WriteString(strings.TrimSpace(a.Text))
				txt.WriteByte('|')
			}
		}
		if e.Batch.SEC == moov.IAT {
			txt.Reset()
		}
		out = append(out, entryView{int(e.Amount), string(e.Trace), txt.String()})
	}
	return out, nil
}

// compareReaders checks that both readers accept or both reject data, and
// that accepted files give the same entries.
func compareReaders(t *testing.T, name string, data []byte, wantDiff bool) {
	t.Helper()
	mv, merr := moovView(data)
	iv, ierr := iwoView(name, data)
	if ierr != nil {
		var fe *ach.FileError
		if !errors.As(ierr, &fe) || !errors.Is(ierr, ach.ErrInvalidFile) {
			t.Errorf("%s: iwo error %v is not a *FileError wrapping ErrInvalidFile", name, ierr)
		}
	}
	if wantDiff {
		if (merr == nil) == (ierr == nil) {
			t.Errorf("%s: listed as a known difference but both readers now say valid=%v; update knownDifferences and docs/ach.md", name, merr == nil)
		}
		return
	}
	if (merr == nil) != (ierr == nil) {
		t.Errorf("%s: moov-io/ach valid=%v (%v), iwo valid=%v (%v)", name, merr == nil, firstLine(merr), ierr == nil, firstLine(ierr))
		return
	}
	if merr != nil {
		return
	}
	if len(mv) != len(iv) {
		t.Errorf("%s: moov-io/ach %d entries, iwo %d", name, len(mv), len(iv))
		return
	}
	for i := range mv {
		if mv[i] != iv[i] {
			a, b := mv[i].addenda, iv[i].addenda
			k := 0
			for k < len(a) && k < len(b) && a[k] == b[k] {
				k++
			}
			t.Errorf("%s: entry %d: moov-io/ach %d %s addenda …%q, iwo %d %s addenda …%q", name, i,
				mv[i].amount, mv[i].trace, a[max(0, k-10):min(len(a), k+10)], iv[i].amount, iv[i].trace, b[max(0, k-10):min(len(b), k+10)])
		}
	}
}

func firstLine(err error) string {
	if err == nil {
		return "ok"
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func TestDifferentialMoovTestdata(t *testing.T) {
	seen := map[string]bool{}
	for _, path := range moovTestdata(t) {
		name := filepath.Base(path)
		seen[name] = true
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		compareReaders(t, name, data, knownDifferences[name] != "")
	}
	for name := range knownDifferences {
		if !seen[name] {
			t.Errorf("knownDifferences lists %s, which is not in moov-io/ach's test data", name)
		}
	}
}

// generated returns files of every shape the generator makes.
func generated(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, tc := range []struct {
		name string
		o    achsynth.Options
	}{
		{"ccd-one", achsynth.Options{Count: 1, Seed: 1, Clean: true}},
		{"ccd-clean", achsynth.Options{Count: 500, Seed: 2, Clean: true}},
		{"ccd-mixed", achsynth.Options{Count: 3000, Seed: 3}},
		{"ccd-mixed-2", achsynth.Options{Count: 3000, Seed: 11}},
		{"ctx-one", achsynth.Options{Count: 1, Seed: 4, CTX: true, Clean: true}},
		{"ctx-mixed", achsynth.Options{Count: 400, Seed: 5, CTX: true}},
	} {
		var b bytes.Buffer
		if _, err := achsynth.Generate(&b, tc.o); err != nil {
			t.Fatalf("generate %s: %v", tc.name, err)
		}
		out[tc.name] = b.Bytes()
	}
	return out
}

// corruptions break a valid file structurally; both readers must reject.
var corruptions = []struct {
	name string
	fn   func(lines []string) []string
}{
	{"entry-hash", func(l []string) []string { return editRecord(l, '8', 10, "9999999999") }},
	{"batch-count", func(l []string) []string { return editRecord(l, '8', 4, "999999") }},
	{"batch-credits", func(l []string) []string { return editRecord(l, '8', 32, "000000000001") }},
	{"file-credits", func(l []string) []string { return editRecord(l, '9', 43, "000000000001") }},
	{"check-digit", func(l []string) []string {
		for i, s := range l {
			if s[0] == '6' {
				d := (s[11]-'0'+1)%10 + '0'
				l[i] = s[:11] + string(d) + s[12:]
				break
			}
		}
		return l
	}},
	{"no-batch-control", func(l []string) []string {
		for i, s := range l {
			if s[0] == '8' {
				return append(l[:i:i], l[i+1:]...)
			}
		}
		return l
	}},
	{"no-file-control", func(l []string) []string {
		for i, s := range l {
			if s[0] == '9' && s[1] != '9' {
				return l[:i]
			}
		}
		return l
	}},
}

// editRecord overwrites at position pos of the first record of type typ.
func editRecord(lines []string, typ byte, pos int, v string) []string {
	for i, s := range lines {
		if s[0] == typ && !strings.HasPrefix(s, "9999") {
			lines[i] = s[:pos] + v + s[pos+len(v):]
			return lines
		}
	}
	return lines
}

func TestDifferentialGenerated(t *testing.T) {
	for name, data := range generated(t) {
		compareReaders(t, name, data, false)
		// The same file with CRLF line ends and with no line breaks at all.
		compareReaders(t, name+"-crlf", bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), false)
		compareReaders(t, name+"-unbroken", bytes.ReplaceAll(data, []byte("\n"), nil), false)
		for _, c := range corruptions {
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			bad := []byte(strings.Join(c.fn(lines), "\n") + "\n")
			if _, err := iwoView(name, bad); err == nil {
				t.Errorf("%s with %s: iwo accepted it", name, c.name)
			}
			compareReaders(t, name+"-"+c.name, bad, false)
		}
	}
}
