package web

import "slices"

// The console's permissions to act, one method each so that a handler
// names the trust it needs and a role can gain or lose one without the
// others. Operations, supervisors and admins hold these; the help line
// looks up and calculates but changes nothing. (Revealing a whole SSN and
// administering users are SeesFullSSN and CanAdminister, in auth.go.)

// operates reports the roles that do operations' daily work.
func (r Role) operates() bool { return r == RoleOperations || r == RoleSupervisor || r == RoleAdmin }

// CanWorkExceptions reports whether r may assign, resolve and dismiss
// exceptions in the work queue.
func (r Role) CanWorkExceptions() bool { return r.operates() }

// CanRunJobs reports whether r may start a job by hand ("Run now").
func (r Role) CanRunJobs() bool { return r.operates() }

// CanRequeueFiles reports whether r may settle a quarantined file.
func (r Role) CanRequeueFiles() bool { return r.operates() }

// choice reads an optional form field whose value must be one of listed:
// nil for a blank field, ok false for a value not listed. The filter forms
// (queue, files) read their drop-downs with it.
func choice[T ~string](v string, listed []T) (p *T, ok bool) {
	if v == "" {
		return nil, true
	}
	t := T(v)
	if !slices.Contains(listed, t) {
		return nil, false
	}
	return &t, true
}
