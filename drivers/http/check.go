package http

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/surgeload/surge/drivers"
)

// response is what the checks and extraction read of a response, whichever
// client received it.
type response interface {
	// header returns the first value of the header with the canonical name,
	// nil if there is none.
	header(name string) []byte
	// keepCookies stores the response's Set-Cookie headers in s under
	// scope.
	keepCookies(s *drivers.Session, scope string)
}

// checkResponse applies o's expectations to the response of status and
// body, then, for a journey step, keeps its cookies and extracts its
// variables. It allocates only on failure and for the variables it sets.
func (c *Client) checkResponse(o *op, op *drivers.Op, status int, body []byte, r response) error {
	if op.Session != nil {
		r.keepCookies(op.Session, c.scope)
	}
	if !statusOK(o.status, status) {
		return statusErr(status)
	}
	for i := range o.json {
		if err := o.json[i].check(body); err != nil {
			return err
		}
	}
	if o.contains != nil && !bytes.Contains(body, o.contains) {
		return o.containsE
	}
	if op.Session == nil {
		return nil
	}
	for i := range o.extract {
		if err := o.extract[i].apply(op.Session, body, r); err != nil {
			return err
		}
	}
	return nil
}

// statusOK reports whether status is in ranges, or in 200-399 for none.
func statusOK(ranges []StatusRange, status int) bool {
	if ranges == nil {
		return status >= 200 && status <= 399
	}
	for _, r := range ranges {
		if status >= r.Lo && status <= r.Hi {
			return true
		}
	}
	return false
}

// statusError is an unexpected status code.
type statusError int

func (e statusError) Error() string { return "unexpected status " + strconv.Itoa(int(e)) }

// statusErrs holds the error of each status code a server can send, so
// that a failing status does not allocate: an overloaded target answers
// 503 at full rate.
var statusErrs = func() (t [600]*drivers.Error) {
	for code := 100; code < len(t); code++ {
		t[code] = &drivers.Error{Class: drivers.StatusClass(code), Err: statusError(code)}
	}
	return t
}()

func statusErr(code int) error {
	if code >= 0 && code < len(statusErrs) && statusErrs[code] != nil {
		return statusErrs[code]
	}
	return &drivers.Error{Class: drivers.StatusClass(code), Err: statusError(code)}
}

// checkErr returns a check_failed error with message msg.
func checkErr(msg string) error {
	return &drivers.Error{Class: drivers.ClassCheck, Err: &templateError{msg}}
}

func (jc *jsonCheck) check(body []byte) error {
	v, ok := jc.Path.lookup(body)
	if !ok {
		return jc.missing
	}
	if jc.HasEquals && !scalarEquals(v, jc.Equals) {
		got, _ := scalarText(v)
		return &drivers.Error{Class: drivers.ClassCheck,
			Err: fmt.Errorf("json field %s is %s, want %q", jc.Path.src, strconv.Quote(clip(got)), jc.Equals)}
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}

// apply sets the journey variable of e from the response.
func (e *extract) apply(s *drivers.Session, body []byte, r response) error {
	if e.Var >= len(s.Vars) || e.Var >= len(s.Set) {
		return &drivers.Error{Class: drivers.ClassCheck,
			Err: fmt.Errorf("extract into variable %d: the journey has %d", e.Var, len(s.Vars))}
	}
	if e.JSON == nil {
		v := r.header(e.header)
		if len(v) == 0 {
			return e.missing
		}
		if string(v) != s.Vars[e.Var] || !s.Set[e.Var] {
			s.SetVar(e.Var, string(v))
		}
		return nil
	}
	raw, ok := e.JSON.lookup(body)
	if !ok {
		return e.missing
	}
	v, ok := scalarText(raw)
	if !ok {
		return &drivers.Error{Class: drivers.ClassCheck, Err: fmt.Errorf("json field %s: malformed string", e.JSON.src)}
	}
	s.SetVar(e.Var, v)
	return nil
}
