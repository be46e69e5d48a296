package http

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/drivers"
)

func TestKeepCookie(t *testing.T) {
	start := []drivers.Cookie{{Scope: "a", Name: "sid", Value: "1"}, {Scope: "b", Name: "sid", Value: "2"}}
	for _, tc := range []struct {
		name, line string
		want       []drivers.Cookie
	}{
		{"new", "lang=en; Path=/; HttpOnly", append(start[:2:2], drivers.Cookie{Scope: "a", Name: "lang", Value: "en"})},
		{"replace", "sid=9; Secure", []drivers.Cookie{{Scope: "a", Name: "sid", Value: "9"}, {Scope: "b", Name: "sid", Value: "2"}}},
		{"quoted", `q="x y"`, append(start[:2:2], drivers.Cookie{Scope: "a", Name: "q", Value: "x y"})},
		{"spaces", "  k =  v  ; Path=/", append(start[:2:2], drivers.Cookie{Scope: "a", Name: "k", Value: "v"})},
		{"empty value deletes", "sid=", start[1:]},
		{"max-age 0 deletes", "sid=1; Max-Age=0", start[1:]},
		{"negative max-age deletes", "sid=1; max-age=-1", start[1:]},
		{"past expires deletes", "sid=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", start[1:]},
		{"max-age wins over expires", "sid=3; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60", []drivers.Cookie{{Scope: "a", Name: "sid", Value: "3"}, {Scope: "b", Name: "sid", Value: "2"}}},
		{"future expires keeps", "sid=4; Expires=Fri, 01 Jan 2100 00:00:00 GMT", []drivers.Cookie{{Scope: "a", Name: "sid", Value: "4"}, {Scope: "b", Name: "sid", Value: "2"}}},
		{"bad max-age ignored", "sid=5; Max-Age=soon", []drivers.Cookie{{Scope: "a", Name: "sid", Value: "5"}, {Scope: "b", Name: "sid", Value: "2"}}},
		{"deleting a missing cookie", "nope=; Max-Age=0", start},
		{"no equals sign", "garbage", start},
		{"bad name", "a b=1", start},
		{"empty name", "=1", start},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &drivers.Session{Cookies: append([]drivers.Cookie(nil), start...)}
			keepCookie(s, "a", []byte(tc.line))
			if diff := cmp.Diff(tc.want, s.Cookies); diff != "" {
				t.Errorf("after Set-Cookie %q, cookies (-want +got):\n%s", tc.line, diff)
			}
		})
	}
}

func TestAppendCookies(t *testing.T) {
	s := &drivers.Session{Cookies: []drivers.Cookie{{Scope: "a", Name: "x", Value: "1"}, {Scope: "b", Name: "y", Value: "2"}, {Scope: "a", Name: "z", Value: "3"}}}
	if got := string(appendCookies(nil, 0, s, "a")); got != "x=1; z=3" {
		t.Errorf("cookies of scope a = %q; want %q", got, "x=1; z=3")
	}
	if got := string(appendCookies([]byte("pre"), 3, s, "b")); got != "prey=2" {
		t.Errorf("cookies of scope b after pre = %q; want %q", got, "prey=2")
	}
	if got := string(appendCookies([]byte("own=0"), 0, s, "b")); got != "own=0; y=2" {
		t.Errorf("cookies of scope b after own=0 = %q; want %q", got, "own=0; y=2")
	}
}

// FuzzKeepCookie checks that any Set-Cookie value leaves a session valid:
// other scopes untouched, no empty cookie, one cookie per name.
func FuzzKeepCookie(f *testing.F) {
	for _, s := range []string{"sid=1; Path=/; HttpOnly", `q="x"`, "sid=; Max-Age=0", "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "=;;=", "k=v; max-age=9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		other := drivers.Cookie{Scope: "b", Name: "sid", Value: "2"}
		s := &drivers.Session{Cookies: []drivers.Cookie{{Scope: "a", Name: "sid", Value: "1"}, other}}
		keepCookie(s, "a", []byte(line))
		names := map[string]bool{}
		kept := false
		for _, c := range s.Cookies {
			if c == other {
				kept = true
				continue
			}
			if c.Scope != "a" || c.Value == "" || names[c.Name] {
				t.Fatalf("after Set-Cookie %q: cookies %q", line, s.Cookies)
			}
			names[c.Name] = true
		}
		if !kept {
			t.Fatalf("after Set-Cookie %q: scope b lost its cookie: %q", line, s.Cookies)
		}
	})
}
