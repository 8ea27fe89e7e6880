package web

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/iwoproject/iwo/withholding"
)

// bootstrapUsers adds each of users the store does not have yet. The store
// is the truth for accounts: a user already in it keeps its stored
// password, role and state, whatever the configuration says, so that
// "iwo user disable" or "iwo user reset" is not undone by a restart.
func bootstrapUsers(ctx context.Context, accounts withholding.UserService, users []User, log *slog.Logger) error {
	for i, u := range users {
		if u.Name == "" || !u.Role.Valid() || u.PasswordHash == "" {
			return fmt.Errorf("web: users[%d]: needs a name, a role (helpline, operations, supervisor, admin) and a password hash", i)
		}
		_, err := accounts.FindUserByName(ctx, u.Name)
		switch withholding.ErrorCode(err) {
		case "":
			continue
		case withholding.ENOTFOUND:
		default:
			return fmt.Errorf("web: find user %s: %w", u.Name, err)
		}
		err = accounts.CreateUser(ctx, &withholding.User{Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash})
		if withholding.ErrorCode(err) == withholding.ECONFLICT {
			continue // another instance added it first
		} else if err != nil {
			return fmt.Errorf("web: add user %s: %w", u.Name, err)
		}
		log.Info("console user added from the configuration", "user", u.Name, "role", string(u.Role))
	}
	return nil
}
