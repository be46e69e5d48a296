package http

import (
	"bytes"
	nethttp "net/http"
	"strconv"
	"time"

	"github.com/surgeload/surge/drivers"
)

// keepCookie stores the cookie of one Set-Cookie header value in s under
// scope: "name=value" followed by attributes, of which only Max-Age and
// Expires matter here. A cookie with an empty value, a Max-Age of 0 or
// less, or an Expires in the past deletes the cookie. A cookie that is
// already kept with the same value costs nothing; a malformed one is
// ignored, as a browser does.
func keepCookie(s *drivers.Session, scope string, line []byte) {
	pair, attrs, _ := bytes.Cut(line, []byte{';'})
	name, value, ok := bytes.Cut(pair, []byte{'='})
	name, value = bytes.TrimSpace(name), bytes.TrimSpace(value)
	if !ok || len(name) == 0 || !isToken(string(name)) {
		return
	}
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = value[1 : len(value)-1]
	}
	if expired(attrs) {
		value = nil
	}
	s.SetCookie(scope, name, value)
}

// expired reports whether the attributes of a Set-Cookie header delete the
// cookie: Max-Age, when present, decides; Expires otherwise.
func expired(attrs []byte) bool {
	var expires []byte
	for len(attrs) > 0 {
		var attr []byte
		attr, attrs, _ = bytes.Cut(attrs, []byte{';'})
		k, v, _ := bytes.Cut(attr, []byte{'='})
		k, v = bytes.TrimSpace(k), bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("max-age")):
			if n, err := strconv.Atoi(string(v)); err == nil {
				return n <= 0
			}
		case bytes.EqualFold(k, []byte("expires")):
			expires = v
		}
	}
	if expires == nil {
		return false
	}
	t, err := nethttp.ParseTime(string(expires))
	return err == nil && t.Before(time.Now())
}

// appendCookies appends the Cookie header value of the cookies s keeps
// under scope to dst, whose header value starts at dst[start].
func appendCookies(dst []byte, start int, s *drivers.Session, scope string) []byte {
	for _, c := range s.Cookies {
		if c.Scope != scope {
			continue
		}
		if len(dst) > start {
			dst = append(dst, "; "...)
		}
		dst = append(dst, c.Name...)
		dst = append(dst, '=')
		dst = append(dst, c.Value...)
	}
	return dst
}
