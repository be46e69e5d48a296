package http

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is an HTTP target: where it is, how to connect, and the ops the
// scenario runs against it. It is independent of the scenarios package;
// cmd/surge builds it from a scenario's http target.
type Config struct {
	// BaseURL is scheme://host[:port][/base/path], scheme http or https.
	// Each op's path is appended to its path.
	BaseURL string
	// Headers are sent on every request with these values; an op's header
	// of the same name replaces one of these.
	Headers []Header
	// Protocol is "http1" (the default, also "") or "http2". HTTP/2 over
	// http:// is h2c with prior knowledge; over https:// it is negotiated
	// with ALPN, and a server that does not offer h2 fails [New].
	Protocol string
	// TLS configures https (roots, client certificate, the name to verify,
	// insecure skip verify); nil means the system roots and no client
	// certificate, and an empty ServerName the BaseURL's host. It is an
	// error with an http:// BaseURL. New does not change it.
	TLS *tls.Config
	// Connections is the size of the connection pool to the host: with
	// HTTP/1.1 the most requests in flight at once (more wait for a free
	// connection, within Timeout); with HTTP/2 the most connections, each
	// carrying many streams. 0 means 64.
	Connections int
	// ConnectTimeout bounds each dial and TLS handshake; 0 means 5s.
	ConnectTimeout time.Duration
	// Timeout bounds each whole exchange, from waiting for a connection to
	// reading the last byte of the response; 0 means 10s.
	Timeout time.Duration
	// Seed seeds the per-op draws of keyspace placeholders together with
	// [drivers.Op.Seq].
	Seed uint64
	// Scope is the scope of the cookies this target keeps in a journey's
	// [drivers.Session]; it sends only the cookies of its own scope. The
	// target's name is a good scope.
	Scope string
	// Ops holds the ops by [drivers.Op.Index]; a nil entry is an op of
	// another target, which Do refuses.
	Ops []*OpConfig
}

// Header is a request header with a fixed value.
type Header struct{ Name, Value string }

// OpConfig is one op of the scenario as this target runs it.
type OpConfig struct {
	// Method is the request method; "" means GET.
	Method string
	// Path is the path and query, appended to the BaseURL's path; nil or
	// empty means the BaseURL's path alone ("/" if it has none). Rendered journey variables are
	// percent-encoded; the template's own text is sent as written.
	Path *Template
	// Headers are this op's headers, after [Config.Headers].
	Headers []HeaderTemplate
	// Body is the request body; nil means none.
	Body *Template
	// Expect is what a successful response looks like.
	Expect Expect
	// Extract sets journey variables from the response; it applies only to
	// journey steps (an op with a [drivers.Session]) and is ignored
	// otherwise.
	Extract []Extract
}

// HeaderTemplate is a request header whose value is rendered per op.
// Rendered journey variables must not hold line breaks.
type HeaderTemplate struct {
	Name  string
	Value *Template
}

// Expect is what a successful response looks like; a response that
// differs fails the op.
type Expect struct {
	// Status holds the expected status codes; nil means 200 to 399. Any
	// other status fails with its [drivers.StatusClass].
	Status []StatusRange
	// JSON are fields the response body must have, as JSON; a missing or
	// different field fails with class check_failed.
	JSON []JSONCheck
	// Contains is a string the body must contain; "" means no check.
	Contains string
}

// StatusRange is the status codes Lo to Hi, inclusive.
type StatusRange struct{ Lo, Hi int }

// JSONCheck requires the field at Path to exist and, when HasEquals, its
// text to equal Equals: a string's contents without its quotes and with
// escapes decoded, a number, true, false or null as written (an object or
// array compares as written too).
type JSONCheck struct {
	Path      *JSONPath
	Equals    string
	HasEquals bool
}

// Extract sets journey variable Var (an index into [drivers.Session.Vars])
// from the response: from the JSON field at JSON (its text as
// [JSONCheck.Equals] compares it) or from the header named Header; exactly
// one of the two. A missing field or header fails the op with class
// check_failed.
type Extract struct {
	Var    int
	JSON   *JSONPath
	Header string
}

// ErrBadConfig reports a [Config] that cannot be run; New wraps it with
// what is wrong.
var ErrBadConfig = errors.New("bad http config")

// Defaults of [Config].
const (
	defaultConnections    = 64
	defaultConnectTimeout = 5 * time.Second
	defaultTimeout        = 10 * time.Second
	userAgent             = "surge"
)

// origin is where a Config points: the parts of BaseURL a request needs.
type origin struct {
	https    bool
	http2    bool
	addr     string // host:port to dial
	host     string // the Host header: BaseURL's host as written
	hostname string // without port or brackets
	prefix   string // scheme://host, before the path in a fasthttp request URI
	basePath string // BaseURL's path without its trailing slash
	rawPath  string // BaseURL's path as written, "/" for none: the path of an op without one
}

// parseBase validates cfg's URL and protocol.
func parseBase(cfg *Config) (origin, error) {
	var o origin
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return o, fmt.Errorf("base url %q: %w", cfg.BaseURL, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return o, fmt.Errorf("base url %q: scheme %q: want http or https", cfg.BaseURL, u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return o, fmt.Errorf("base url %q: no host: want scheme://host[:port][/path]", cfg.BaseURL)
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return o, fmt.Errorf("base url %q: want scheme://host[:port][/path], without user, query or fragment", cfg.BaseURL)
	}
	o.https = u.Scheme == "https"
	port := u.Port()
	if port == "" {
		port = "80"
		if o.https {
			port = "443"
		}
	}
	o.hostname = u.Hostname()
	o.addr = net.JoinHostPort(o.hostname, port)
	o.host = u.Host
	o.prefix = u.Scheme + "://" + u.Host
	o.rawPath = u.EscapedPath()
	if o.rawPath == "" {
		o.rawPath = "/"
	}
	o.basePath = strings.TrimRight(o.rawPath, "/")
	switch cfg.Protocol {
	case "", "http1":
	case "http2":
		o.http2 = true
	default:
		return o, fmt.Errorf("protocol %q: want http1 or http2", cfg.Protocol)
	}
	return o, nil
}

// tlsConfig returns the TLS client configuration of an https origin:
// cfg.TLS, or the system roots, verifying the base URL's host unless it
// names another server.
func tlsConfig(cfg *Config, o origin) (*tls.Config, error) {
	if !o.https {
		if cfg.TLS != nil {
			return nil, fmt.Errorf("tls settings for an http:// base url %q: use https:// or drop them", cfg.BaseURL)
		}
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLS != nil {
		tc = cfg.TLS.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = o.hostname
	}
	return tc, nil
}

// defaults checks cfg's numbers and fills in their defaults.
func (cfg *Config) defaults() error {
	switch {
	case cfg.Connections < 0:
		return fmt.Errorf("connections must not be negative, got %d", cfg.Connections)
	case cfg.ConnectTimeout < 0:
		return fmt.Errorf("connect timeout must not be negative, got %v", cfg.ConnectTimeout)
	case cfg.Timeout < 0:
		return fmt.Errorf("timeout must not be negative, got %v", cfg.Timeout)
	}
	if cfg.Connections == 0 {
		cfg.Connections = defaultConnections
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	return nil
}

// op is an [OpConfig] compiled for Do.
type op struct {
	method    string
	path      *Template // nil: the base path alone
	slash     bool      // put a '/' between the base path and the rendered path
	headers   []header
	body      *Template // nil: no body
	status    []StatusRange
	json      []jsonCheck
	contains  []byte
	containsE error
	extract   []extract
}

// header is a request header of an op: a default or the op's own.
type header struct {
	name  string // canonical (Content-Type)
	value *Template
	vals  []string // net/http's value of a literal header, shared by all requests
	host  bool     // the Host header, sent as the request's host
}

// jsonCheck is a [JSONCheck] with its failure preallocated.
type jsonCheck struct {
	JSONCheck
	missing error
}

// extract is an [Extract] with its failure preallocated.
type extract struct {
	Extract
	header  string // canonical
	missing error
}

// compileOps validates cfg.Ops and compiles them with cfg's default
// headers.
func compileOps(cfg *Config, o origin) ([]*op, error) {
	defaults := make([]HeaderTemplate, 0, len(cfg.Headers)+1)
	for _, h := range cfg.Headers {
		ht := HeaderTemplate{Name: h.Name, Value: LiteralTemplate(h.Value)}
		if err := checkHeaderTemplate(ht); err != nil {
			return nil, err
		}
		defaults = append(defaults, ht)
	}
	ops := make([]*op, len(cfg.Ops))
	for i, oc := range cfg.Ops {
		if oc == nil {
			continue
		}
		c, err := compileOp(oc, defaults, o)
		if err != nil {
			return nil, fmt.Errorf("op %d: %w", i, err)
		}
		ops[i] = c
	}
	return ops, nil
}

func compileOp(oc *OpConfig, defaults []HeaderTemplate, o origin) (*op, error) {
	c := &op{method: oc.Method, path: oc.Path, body: oc.Body, status: oc.Expect.Status}
	if c.method == "" {
		c.method = "GET"
	}
	if !isToken(c.method) {
		return nil, fmt.Errorf("method %q: want a token such as GET or POST", oc.Method)
	}
	if c.path != nil && len(c.path.parts) == 0 {
		c.path = nil // an empty path is no path: the base path as written
	}
	c.slash = true
	if c.path != nil && c.path.parts[0].kind == partText {
		first := oc.Path.parts[0].text[0]
		c.slash = first != '/' && (first != '?' || o.basePath == "")
	}
	var err error
	if c.headers, err = compileHeaders(defaults, oc.Headers); err != nil {
		return nil, err
	}
	for _, r := range c.status {
		if r.Lo < 100 || r.Hi > 599 || r.Lo > r.Hi {
			return nil, fmt.Errorf("expected status %d-%d: want 100 <= lo <= hi <= 599", r.Lo, r.Hi)
		}
	}
	for _, jc := range oc.Expect.JSON {
		if jc.Path == nil {
			return nil, errors.New("json check without a path")
		}
		c.json = append(c.json, jsonCheck{JSONCheck: jc, missing: checkErr("json field " + jc.Path.src + " missing")})
	}
	if s := oc.Expect.Contains; s != "" {
		c.contains, c.containsE = []byte(s), checkErr("body does not contain "+strconv.Quote(s))
	}
	for _, e := range oc.Extract {
		x, err := compileExtract(e)
		if err != nil {
			return nil, err
		}
		c.extract = append(c.extract, x)
	}
	return c, nil
}

// compileHeaders merges an op's headers after the defaults, an op header
// replacing a default of the same name, and adds User-Agent unless one is
// given.
func compileHeaders(defaults, own []HeaderTemplate) ([]header, error) {
	var out []header
	add := func(h HeaderTemplate, replace bool) {
		name := textproto.CanonicalMIMEHeaderKey(h.Name)
		if replace {
			out = slices.DeleteFunc(out, func(h header) bool { return h.name == name })
		}
		hd := header{name: name, value: h.Value, host: name == "Host"}
		if s, ok := h.Value.literal(); ok {
			hd.vals = []string{s}
		}
		out = append(out, hd)
	}
	for _, h := range defaults {
		add(h, false)
	}
	for _, h := range own {
		if err := checkHeaderTemplate(h); err != nil {
			return nil, err
		}
		add(h, true)
	}
	if slices.ContainsFunc(out, func(h header) bool { return h.name == "User-Agent" }) {
		return out, nil
	}
	return append(out, header{name: "User-Agent", value: LiteralTemplate(userAgent), vals: []string{userAgent}}), nil
}

// checkHeader checks a request header name.
// checkHeaderTemplate checks a header's name and, when it is literal, its
// value.
func checkHeaderTemplate(h HeaderTemplate) error {
	if err := checkHeader(h.Name); err != nil {
		return fmt.Errorf("header %q: %w", h.Name, err)
	}
	if h.Value == nil {
		return fmt.Errorf("header %s: no value", h.Name)
	}
	if s, ok := h.Value.literal(); ok && strings.ContainsAny(s, "\r\n\x00") {
		return fmt.Errorf("header %s: value has a line break or NUL", h.Name)
	}
	return nil
}

func checkHeader(name string) error {
	if !isToken(name) {
		return errors.New("not a valid header name")
	}
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Content-Length", "Transfer-Encoding":
		return errors.New("set from the body, not by a header")
	}
	return nil
}

func compileExtract(e Extract) (extract, error) {
	x := extract{Extract: e}
	switch {
	case e.Var < 0:
		return x, fmt.Errorf("extract into variable %d: want an index >= 0", e.Var)
	case (e.JSON == nil) == (e.Header == ""):
		return x, errors.New("extract: want exactly one of a json path and a header")
	case e.JSON != nil:
		x.missing = checkErr("json field " + e.JSON.src + " missing")
	default:
		if !isToken(e.Header) {
			return x, fmt.Errorf("extract header %q: not a valid header name", e.Header)
		}
		x.header = textproto.CanonicalMIMEHeaderKey(e.Header)
		x.missing = checkErr("response has no header " + x.header)
	}
	return x, nil
}

// isToken reports whether s is an RFC 9110 token, what methods and header
// names are made of.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
