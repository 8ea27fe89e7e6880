package withholding

import (
	"context"
	"fmt"
	"log/slog"
)

// MaskingHandler is a slog.Handler that masks SSN-like numbers
// (MaskDigitRuns) in every log line before its inner handler writes it: the
// message, string attributes, errors and Stringers, and any other value whose
// printed form holds one. Error texts quote partners' data, and a shifted
// record can put an SSN into the quoted field; masking where the line is
// written covers every caller at once. cmd/iwo wraps each logger it builds.
type MaskingHandler struct {
	inner slog.Handler
}

var _ slog.Handler = (*MaskingHandler)(nil)

// NewMaskingHandler returns h wrapped in a MaskingHandler.
func NewMaskingHandler(h slog.Handler) *MaskingHandler { return &MaskingHandler{inner: h} }

// Enabled implements slog.Handler.
func (h *MaskingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *MaskingHandler) Handle(ctx context.Context, r slog.Record) error {
	m := slog.NewRecord(r.Time, r.Level, MaskDigitRuns(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		m.AddAttrs(maskAttr(a))
		return true
	})
	return h.inner.Handle(ctx, m)
}

// WithAttrs implements slog.Handler.
func (h *MaskingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = maskAttr(a)
	}
	return &MaskingHandler{inner: h.inner.WithAttrs(masked)}
}

// WithGroup implements slog.Handler.
func (h *MaskingHandler) WithGroup(name string) slog.Handler {
	return &MaskingHandler{inner: h.inner.WithGroup(name)}
}

func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); MaskDigitRuns(s) != s {
			v = slog.StringValue(MaskDigitRuns(s))
		}
	case slog.KindGroup:
		g := v.Group()
		masked := make([]slog.Attr, len(g))
		for i, x := range g {
			masked[i] = maskAttr(x)
		}
		v = slog.GroupValue(masked...)
	case slog.KindAny:
		var s string
		switch x := v.Any().(type) {
		case error:
			// An error always becomes its masked text: handlers print
			// err.Error() anyway.
			return slog.String(a.Key, MaskDigitRuns(x.Error()))
		case fmt.Stringer:
			s = x.String()
		default:
			s = fmt.Sprintf("%+v", x)
		}
		if MaskDigitRuns(s) != s {
			v = slog.StringValue(MaskDigitRuns(s))
		}
	}
	return slog.Attr{Key: MaskDigitRuns(a.Key), Value: v}
}
