package web

import (
	"fmt"
	"net/http"
)

// protect wraps the console's routes with what every response needs:
// cross-origin protection for every state-changing request, and headers
// that keep pages out of frames, caches and other sites' referrers.
//
// The session cookie is SameSite=Strict, but "same site" includes other
// ports and sibling hosts of the agency's domain, and a sign-in form is
// posted before there is any cookie (login CSRF). http.CrossOriginProtection
// refuses a POST whose Sec-Fetch-Site or Origin says another origin sent
// it, whatever cookies it carries; requests from programs that send
// neither header (curl, tests) have no victim's browser to borrow. No
// per-form token is needed on top: every browser that runs the console's
// forms sends one of the two headers.
func (s *Server) protect(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("console cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "addr", s.clientAddr(r))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintln(w, "Refused: this request came from another site.")
	}))
	h = cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		// Page URLs name orders and employers: another site need not
		// learn them from a followed link.
		hd.Set("Referrer-Policy", "same-origin")
		if s.secure(r) {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}
