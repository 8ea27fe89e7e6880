package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in throttling. Each failed sign-in takes a token from the typed
// user name's bucket and from the client address's bucket; a sign-in is
// not even tried while either is empty. A name allows a few mistakes and
// then one try a minute, however many addresses a guesser uses; an
// address (an office behind one NAT holds many agents) allows more.
const (
	userBurst    = 5
	userInterval = time.Minute
	addrBurst    = 30
	addrInterval = 10 * time.Second
	// maxThrottled bounds the buckets kept; past it, full buckets (no
	// recent failures) are dropped, as they would allow as much as a new
	// one.
	maxThrottled = 10000
)

// throttle holds the buckets of failed sign-ins. It is safe for
// concurrent use.
type throttle struct {
	now   func() time.Time
	mu    sync.Mutex
	users map[string]*rate.Limiter
	addrs map[string]*rate.Limiter
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, users: map[string]*rate.Limiter{}, addrs: map[string]*rate.Limiter{}}
}

// allow reports whether a sign-in as user from addr may be tried now.
func (t *throttle) allow(user, addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if l := t.users[user]; l != nil && l.TokensAt(now) < 1 {
		return false
	}
	if l := t.addrs[addr]; l != nil && l.TokensAt(now) < 1 {
		return false
	}
	return true
}

// fail records a failed sign-in as user from addr.
func (t *throttle) fail(user, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	take(t.users, user, rate.Every(userInterval), userBurst, now)
	take(t.addrs, addr, rate.Every(addrInterval), addrBurst, now)
}

func take(m map[string]*rate.Limiter, key string, every rate.Limit, burst int, now time.Time) {
	l := m[key]
	if l == nil {
		if len(m) >= maxThrottled {
			for k, old := range m {
				if old.TokensAt(now) >= float64(old.Burst()) {
					delete(m, k)
				}
			}
		}
		l = rate.NewLimiter(every, burst)
		m[key] = l
	}
	l.AllowN(now, 1)
}
