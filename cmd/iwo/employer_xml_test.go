package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/employer"
	"github.com/iwoproject/iwo/withholding"
)

// mustXMLCopy writes the flat e-IWO file src as an XML document in dir.
func mustXMLCopy(t *testing.T, src, dir, name string) string {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var w *edi.Writer
	_, problems, err := edi.Read(bytes.NewReader(raw), src, func(rec edi.Record, rd *edi.Reader) error {
		if w == nil {
			w = edi.NewWriter(&out, edi.WriterOptions{Kind: rd.Kind(), XML: true})
		}
		return w.Write(rec)
	})
	if err != nil || len(problems) > 0 {
		t.Fatalf("read %s: %v %v", src, err, problems)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustAcks(t *testing.T, path string) []*edi.Ack {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	acks, err := employer.ReadAckFile(f, path)
	if err != nil {
		t.Fatalf("re-read %s: %v", path, err)
	}
	return acks
}

// TestEmployerXML: XML IWO files in, an XML acknowledgment out (the
// partner's "format: xml"), named as OCSS names it; iwo reads both back,
// the acknowledgment says what the flat one says for the same input, and
// remit withholds the same from XML files as from flat ones.
func TestEmployerXML(t *testing.T) {
	dir := t.TempDir()
	earlier := mustXMLCopy(t, employerData+"earlier.iwo", dir, "earlier.xml")
	received := mustXMLCopy(t, employerData+"received.iwo", dir, "IWO_20261102.XML")
	cfg := filepath.Join(dir, "employer.yml")
	if err := os.WriteFile(cfg, []byte("partners:\n  - name: state\n    role: portal\n    local: "+dir+"\n    outbox: /outbox\n    inbox: /inbox\n    archive: /inbox/archive\n    quarantine: /inbox/rejected\n    format: xml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sent := filepath.Join(dir, "sent")
	if err := os.Mkdir(sent, 0o700); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIWO(t, "employer", "ack", "--roster", employerData+"roster.csv", "--orders", earlier, received,
		"--on", "2026-11-04", "--config", cfg, "--partner", "state", "--out", sent)
	if code != 0 {
		t.Fatalf("employer ack (XML): exit %d: %s", code, stderr)
	}
	xmlAck := strings.TrimSpace(stdout)
	if !regexp.MustCompile(`^[0-9]{9}_ACK_[0-9]{14}\.XML$`).MatchString(filepath.Base(xmlAck)) {
		t.Fatalf("acknowledgment named %q, want <EIN>_ACK_<timestamp>.XML", xmlAck)
	}
	raw, err := os.ReadFile(xmlAck)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("<?xml")) {
		t.Fatalf("%s is not XML", xmlAck)
	}

	flatAck := filepath.Join(dir, "ACK_flat.txt")
	if code, _, stderr := runIWO(t, "employer", "ack", "--roster", employerData+"roster.csv", "--orders", employerData+"earlier.iwo",
		employerData+"received.iwo", "--on", "2026-11-04", "--out", flatAck); code != 0 {
		t.Fatalf("employer ack (flat): exit %d: %s", code, stderr)
	}
	if got, want := mustAcks(t, xmlAck), mustAcks(t, flatAck); !reflect.DeepEqual(got, want) {
		t.Errorf("the XML acknowledgment differs from the flat one for the same IWOs")
	}

	amounts := map[string]map[withholding.RemittanceID]withholding.Cents{}
	for _, tc := range []struct{ name, earlier, received, ack string }{
		{"flat", employerData + "earlier.iwo", employerData + "received.iwo", flatAck},
		{"xml", earlier, received, xmlAck},
	} {
		achPath := filepath.Join(dir, "CS_"+tc.name+".ach")
		code, _, stderr := runIWO(t, "employer", "remit", "--payroll", employerData+"payrun.csv",
			"--orders", tc.earlier, "--orders", tc.received, "--acks", employerData+"earlier.ack", "--acks", tc.ack,
			"--odfi", "121000248", "--out", achPath)
		if code != 0 {
			t.Fatalf("employer remit (%s): exit %d: %s", tc.name, code, stderr)
		}
		amounts[tc.name] = remitted(t, achPath)
	}
	if len(amounts["flat"]) == 0 || !reflect.DeepEqual(amounts["flat"], amounts["xml"]) {
		t.Errorf("remitted from XML files %v, from flat files %v", amounts["xml"], amounts["flat"])
	}

	t.Run("ErrBadFormat", func(t *testing.T) {
		if code, _, _ := runIWO(t, "employer", "ack", "--roster", employerData+"roster.csv", "--format", "json", received); code != 2 {
			t.Errorf("--format json: exit %d, want 2", code)
		}
	})
	t.Run("ErrMalformedXML", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.xml")
		broken := bytes.Replace(mustRead(t, received), []byte("</CaseIdentifier>"), []byte("</Case>"), 1)
		if err := os.WriteFile(bad, broken, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(bad)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = employer.ReadIWOFile(f, bad)
		es := edi.AsErrors(err)
		if !errors.Is(err, edi.ErrXML) || withholding.ErrorCode(err) != withholding.EINVALID || len(es) != 1 || es[0].File != bad || es[0].Line < 2 {
			t.Fatalf("ReadIWOFile of malformed XML: %v", err)
		}
		if code, _, _ := runIWO(t, "employer", "ack", "--roster", employerData+"roster.csv", bad); code == 0 {
			t.Error("employer ack of malformed XML succeeded")
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
