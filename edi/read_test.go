package edi_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/edi"
)

func TestReadFile(t *testing.T) {
	path := filepath.Join("testdata", "iwo-seed1.golden")
	t.Run("OK", func(t *testing.T) {
		var lines []int
		var iwos int
		h, problems, err := edi.ReadFile(path, "iwo.txt", func(rec edi.Record, rd *edi.Reader) error {
			lines = append(lines, rd.Line())
			if _, ok := rec.(*edi.IWO); ok {
				iwos++
			}
			return nil
		})
		if err != nil || problems != nil {
			t.Fatalf("ReadFile(%s): %v %v", path, problems, err)
		}
		if h == nil || h.IsBatch() || h.FIPS == "" {
			t.Errorf("ReadFile(%s): header %+v, want the file header", path, h)
		}
		if len(lines) != 68 || lines[0] != 1 || lines[67] != 68 || iwos == 0 {
			t.Errorf("ReadFile(%s): visited %d lines (%d IWOs), want 68 in order", path, len(lines), iwos)
		}
	})
	t.Run("ErrProblems", func(t *testing.T) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		bad := strings.Replace(string(data), "\nDTL", "\nXYZ", 1) // a record of no known type
		_, problems, err := edi.Read(strings.NewReader(bad), "bad.txt", nil)
		if err != nil || len(problems) == 0 || problems[0].File != "bad.txt" || problems[0].Line < 2 {
			t.Errorf("Read(bad.txt): problems %v, err %v; want problems naming the file and line", problems, err)
		}
		n := 0
		stop := errors.New("stop")
		_, err = edi.Stream(strings.NewReader(bad), "bad.txt", nil, func(es edi.Errors) error { n += len(es); return stop })
		if !errors.Is(err, stop) || n == 0 {
			t.Errorf("Stream(bad.txt) with a problem func that stops: %v after %d problems, want stop", err, n)
		}
	})
	t.Run("ErrVisit", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		_, _, err := edi.ReadFile(path, "iwo.txt", func(edi.Record, *edi.Reader) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("ReadFile with a visit that stops: %v after %d calls, want stop after 1", err, calls)
		}
	})
	t.Run("ErrOpen", func(t *testing.T) {
		if _, _, err := edi.ReadFile(filepath.Join(t.TempDir(), "none"), "none", nil); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadFile(missing): %v, want ErrNotExist", err)
		}
	})
}
