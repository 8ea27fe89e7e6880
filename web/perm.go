package web

import (
	"fmt"
	"net/http"
)

// The console's permissions to act, one method each so that a handler
// names the trust it needs and a role can gain or lose one without the
// others. Today the supervisor and admin roles hold them all; the help
// line looks up and calculates but changes nothing.

// CanWorkExceptions reports whether r may assign, resolve and dismiss
// exceptions in the work queue.
func (r Role) CanWorkExceptions() bool { return r == RoleSupervisor || r == RoleAdmin }

// CanRunJobs reports whether r may start a job by hand ("Run now").
func (r Role) CanRunJobs() bool { return r == RoleSupervisor || r == RoleAdmin }

// CanRequeueFiles reports whether r may settle a quarantined file.
func (r Role) CanRequeueFiles() bool { return r == RoleSupervisor || r == RoleAdmin }

// forbid answers a request the user's role may not make: 403 and why.
func forbid(w http.ResponseWriter, why string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintln(w, why)
}
