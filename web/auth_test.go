package web_test

import (
	"testing"

	"github.com/iwoproject/iwo/web"
)

// TestRolePermissions pins which role holds which permission: each role
// may do what the one below it may, and more.
func TestRolePermissions(t *testing.T) {
	for _, tt := range []struct {
		role                  web.Role
		fullSSN, close, admin bool
	}{
		{web.RoleHelpline, false, false, false},
		{web.RoleOperations, false, true, false},
		{web.RoleSupervisor, true, true, false},
		{web.RoleAdmin, true, true, true},
		{web.Role("nobody"), false, false, false},
	} {
		if got := tt.role.Valid(); got != (tt.role != "nobody") {
			t.Errorf("%q.Valid() = %v", tt.role, got)
		}
		if got := tt.role.CanAdminister(); got != tt.admin {
			t.Errorf("%q.CanAdminister() = %v, want %v", tt.role, got, tt.admin)
		}
		if got := tt.role.SeesFullSSN(); got != tt.fullSSN {
			t.Errorf("%q.SeesFullSSN() = %v, want %v", tt.role, got, tt.fullSSN)
		}
		// Working exceptions, running jobs and settling files are
		// operations' daily work, apart from seeing a whole SSN.
		for what, got := range map[string]bool{"CanWorkExceptions": tt.role.CanWorkExceptions(),
			"CanRunJobs": tt.role.CanRunJobs(), "CanRequeueFiles": tt.role.CanRequeueFiles()} {
			if got != tt.close {
				t.Errorf("%q.%s() = %v, want %v", tt.role, what, got, tt.close)
			}
		}
	}
}
