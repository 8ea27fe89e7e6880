package web

import (
	"crypto/rand"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

func bcryptCompare(hash, password string) error {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
}

// dummyHashOnce makes the hash a sign-in for an unknown or disabled user is
// compared against, so that it takes as long as one for a real user: with
// the cost HashPassword uses, of a random password nobody knows. It is made
// once per process (the first console built pays for it), not kept in the
// source, where its password would be no secret.
var dummyHashOnce = sync.OnceValue(func() string {
	pw := make([]byte, 32)
	_, _ = rand.Read(pw) // crypto/rand.Read never fails
	h, err := bcrypt.GenerateFromPassword(pw, bcrypt.DefaultCost)
	if err != nil {
		panic("web: make dummy password hash: " + err.Error())
	}
	return string(h)
})
