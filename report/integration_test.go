//go:build integration

package report_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/iwoproject/iwo/report"
)

// TestIntegrationLibreOffice renders the operations workbook to PDF with
// LibreOffice, proving a real spreadsheet program opens it.
func TestIntegrationLibreOffice(t *testing.T) {
	bin, err := exec.LookPath("libreoffice")
	if err != nil {
		if bin, err = exec.LookPath("soffice"); err != nil {
			t.Fatal("libreoffice is not installed (Debian package libreoffice-calc); make integration needs it")
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ops.xlsx")
	if _, err := report.WriteOperations(path, operationsInput(t)); err != nil {
		t.Fatalf("WriteOperations: %v", err)
	}
	out := filepath.Join(dir, "pdf")
	profile := "file://" + filepath.Join(dir, "lo-profile")
	cmd := exec.Command(bin, "-env:UserInstallation="+profile, "--headless", "--convert-to", "pdf", "--outdir", out, path)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, msg)
	}
	fi, err := os.Stat(filepath.Join(out, "ops.pdf"))
	if err != nil {
		t.Fatalf("no PDF from libreoffice: %v\n%s", err, msg)
	}
	if fi.Size() < 1000 {
		t.Errorf("PDF is %d bytes; want a rendered workbook", fi.Size())
	}
}
