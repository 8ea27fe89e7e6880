package web_test

import (
	"testing"

	"github.com/iwoproject/iwo/web"
)

// TestRolePermissions pins which role holds which permission: revealing a
// full SSN and closing exceptions are separate questions with, today, the
// same answers.
func TestRolePermissions(t *testing.T) {
	for _, tt := range []struct {
		role           web.Role
		fullSSN, close bool
	}{
		{web.RoleHelpline, false, false},
		{web.RoleSupervisor, true, true},
		{web.RoleAdmin, true, true},
		{web.Role("nobody"), false, false},
	} {
		if got := tt.role.SeesFullSSN(); got != tt.fullSSN {
			t.Errorf("%q.SeesFullSSN() = %v, want %v", tt.role, got, tt.fullSSN)
		}
		if got := tt.role.CanCloseExceptions(); got != tt.close {
			t.Errorf("%q.CanCloseExceptions() = %v, want %v", tt.role, got, tt.close)
		}
	}
}
