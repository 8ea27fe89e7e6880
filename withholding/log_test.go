package withholding_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

type stringer string

func (s stringer) String() string { return string(s) }

func TestMaskingHandler(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			var h slog.Handler = slog.NewTextHandler(&b, nil)
			if format == "json" {
				h = slog.NewJSONHandler(&b, nil)
			}
			log := slog.New(withholding.NewMaskingHandler(h)).With("partner", "bank 900110001")
			log.WithGroup("g").Error("file 900110002 quarantined",
				"err", fmt.Errorf("read: %w", errors.New(`Amount: "900110003 " is not a number`)),
				"note", "dashed 900-11-0004",
				"who", stringer("ssn 900110005"),
				"list", []string{"900110006"},
				slog.Group("inner", "v", "900110007"),
				"trace", "091000010000001",
				"ssn", withholding.SSN("900110008"),
				"n", 900110009,
			)
			out := b.String()
			for i := 1; i <= 8; i++ {
				if ssn := fmt.Sprintf("90011000%d", i); strings.Contains(out, ssn) || !strings.Contains(out, "***-**-000"+fmt.Sprint(i)) {
					t.Errorf("log line shows %s or does not mask it:\n%s", ssn, out)
				}
			}
			if !strings.Contains(out, "091000010000001") {
				t.Errorf("trace number masked:\n%s", out)
			}
			// Numbers are not text: a logged int is a count, not quoted input.
			if !strings.Contains(out, "900110009") {
				t.Errorf("integer attribute changed:\n%s", out)
			}
		})
	}
}
