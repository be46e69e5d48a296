package scenarios

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/surgeload/surge/workloads"
)

// HTTPTarget configures an HTTP service reached by [drivers/http].
type HTTPTarget struct {
	// BaseURL is scheme://host[:port][/path]; "" when Embedded is set.
	BaseURL string
	// Embedded, when set, has surge run start its built-in sale services
	// (surge target http) on a free loopback port and aim at them.
	Embedded *EmbeddedShop
	// Headers are sent with every request.
	Headers        []Header
	TLS            *TLS
	Protocol       string        // "http1" (default) or "http2"
	Connections    int           // connection pool size; 0 = the driver's default
	ConnectTimeout time.Duration // default 5s
	Timeout        time.Duration // per request; default 10s
}

// EmbeddedShop shapes the built-in sale services: catalog size, stock, and
// per-endpoint capacity models and faults.
type EmbeddedShop struct {
	Products, Stock int     // 0 = the service's defaults
	Scale           float64 // multiplies every endpoint's servers; 0 = 1
	ErrorRate       float64 // extra fraction of requests answered 500
	// Endpoints overrides the capacity model of endpoints by name (see
	// ShopEndpoints).
	Endpoints map[string]SimTarget
}

// ShopEndpoints are the endpoints of the built-in sale services.
var ShopEndpoints = []string{"catalog", "search", "product", "inventory", "cart", "checkout"}

// Header is one HTTP header with a literal value.
type Header struct{ Name, Value string }

// HTTPOp holds the options of an HTTP request op.
type HTTPOp struct {
	Method string
	// Path is the path and query, after the base URL's path.
	Path    workloads.Template
	Headers []HeaderTemplate
	// Body is nil for a request without one; a body_file is a template of
	// literal text.
	Body *workloads.Template
	// Status lists the expected statuses; nil means 200-399.
	Status []StatusRange
	// JSON lists fields the response body must have, and values.
	JSON []JSONCheck
	// Contains, if set, must appear in the response body.
	Contains string
	// Extract sets journey variables from the response.
	Extract []Extract
}

// HeaderTemplate is a request header whose value is a template.
type HeaderTemplate struct {
	Name  string
	Value workloads.Template
}

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct{ Lo, Hi int }

// JSONCheck is a field the response's JSON body must have; when HasEquals
// is set its value, as text, must be Equals.
type JSONCheck struct {
	Path      workloads.JSONPath
	Equals    string
	HasEquals bool
}

// Extract sets journey variable Var (an index into [Journey.Vars]) from a
// JSON field or a response header.
type Extract struct {
	Var    int
	JSON   workloads.JSONPath
	Header string
}

var httpSpec = driverSpec{
	targetKeys: []string{"base_url", "embedded", "headers", "tls", "protocol", "connections",
		"connect_timeout", "timeout"},
	required: []string{"base_url"},
	kinds:    []string{"request"},
	opKeys:   []string{"method", "path", "query", "headers", "body", "body_file", "expect", "extract"},
	opNeeds:  map[string]string{"request": "path"},
	keyless:  true,
	target:   httpTarget,
	op:       httpOp,
}

// embeddedURL is the base_url that starts the built-in sale services.
const embeddedURL = "embedded"

func httpTarget(d *decoder, what string, f map[string]*yaml.Node, t *Target) {
	h := &HTTPTarget{ConnectTimeout: 5 * time.Second, Timeout: 10 * time.Second, Protocol: "http1"}
	if n := f["base_url"]; n != nil {
		if s, ok := d.str(n, what+": base_url"); ok && s == embeddedURL {
			h.Embedded = &EmbeddedShop{}
		} else if ok {
			h.BaseURL = d.baseURL(n, what+": base_url", s)
		}
	}
	if n := f["embedded"]; n != nil {
		if h.Embedded == nil {
			d.errorf(n, "%s: embedded applies to base_url: %s, the built-in sale services", what, embeddedURL)
		} else {
			h.Embedded = d.embeddedShop(n, what+": embedded")
		}
	}
	if n := f["headers"]; n != nil {
		for _, e := range d.headerEntries(n, what+": headers") {
			if v, ok := d.str(e.val, what+": headers: "+e.key.Value); ok {
				h.Headers = append(h.Headers, Header{Name: e.key.Value, Value: v})
			}
		}
	}
	if n := f["tls"]; n != nil {
		h.TLS = d.tlsOptions(n, what+": tls", true)
		if h.TLS != nil && strings.HasPrefix(h.BaseURL, "http://") {
			d.errorf(n, "%s: tls applies to an https:// base_url", what)
		}
	}
	if n := f["protocol"]; n != nil {
		h.Protocol, _ = d.oneOf(n, what+": protocol", []string{"http1", "http2"})
	}
	if n := f["connections"]; n != nil {
		if d.nonNegative(n, what+": connections", &h.Connections) && h.Connections == 0 {
			d.errorf(n, "%s: connections: expected at least 1", what)
		}
	}
	d.timeout(f["connect_timeout"], what+": connect_timeout", &h.ConnectTimeout)
	d.timeout(f["timeout"], what+": timeout", &h.Timeout)
	t.HTTP = h
}

// baseURL checks an http(s) base URL.
func (d *decoder) baseURL(n *yaml.Node, what, s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		d.errorf(n, "%s: %v", what, err)
	case u.Scheme != "http" && u.Scheme != "https":
		d.errorf(n, "%s: expected an http:// or https:// URL (or %s), got %q", what, embeddedURL, s)
	case u.Host == "":
		d.errorf(n, "%s: expected a host in %q", what, s)
	case u.RawQuery != "" || u.Fragment != "":
		d.errorf(n, "%s: a base URL has no query or fragment; put them in the ops' path", what)
	default:
		return strings.TrimSuffix(s, "/")
	}
	return ""
}

func (d *decoder) embeddedShop(n *yaml.Node, what string) *EmbeddedShop {
	e := &EmbeddedShop{}
	f, ok := d.fields(n, what, []string{"products", "stock", "scale", "error_rate", "endpoints"}, nil)
	if !ok {
		return e
	}
	if n := f["products"]; n != nil {
		if v, ok := d.keyCount(n, what+": products"); ok && (v < 1 || v > 100_000_000) {
			d.errorf(n, "%s: products: expected 1 to 100M, got %d", what, v)
		} else {
			e.Products = int(v)
		}
	}
	if n := f["stock"]; n != nil {
		if d.nonNegative(n, what+": stock", &e.Stock) && e.Stock == 0 {
			d.errorf(n, "%s: stock: expected at least 1 per product", what)
		}
	}
	if n := f["scale"]; n != nil {
		if v, ok := d.number(n, what+": scale"); ok && v <= 0 {
			d.errorf(n, "%s: scale: expected a multiplier above 0, got %v", what, v)
		} else {
			e.Scale = v
		}
	}
	if n := f["error_rate"]; n != nil {
		e.ErrorRate, _ = d.fraction(n, what+": error_rate")
	}
	if n := f["endpoints"]; n != nil {
		e.Endpoints = map[string]SimTarget{}
		for _, ep := range d.named(n, what+": endpoints") {
			if !slices.Contains(ShopEndpoints, ep.key.Value) {
				d.errorf(ep.key, "%s: unknown endpoint %q: want one of %s", what, ep.key.Value, strings.Join(ShopEndpoints, ", "))
				continue
			}
			epWhat := what + ": endpoint " + ep.key.Value
			ef, ok := d.fields(ep.val, epWhat, simTargetKeys, nil)
			if !ok {
				continue
			}
			var t Target
			simTarget(d, epWhat, ef, &t)
			e.Endpoints[ep.key.Value] = *t.Sim
		}
	}
	return e
}

// headerNameRE is an HTTP field name (RFC 9110 token).
var headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// headerEntries reads a mapping of header name: value and checks the names.
func (d *decoder) headerEntries(n *yaml.Node, what string) []entry {
	es, _ := d.entries(n, what)
	for _, e := range es {
		if !headerNameRE.MatchString(e.key.Value) {
			d.errorf(e.key, "%s: %q is not an HTTP header name", what, e.key.Value)
		}
	}
	return es
}

var methodRE = regexp.MustCompile(`^[A-Z]+$`)

func httpOp(d *decoder, what string, f map[string]*yaml.Node, op *Op) {
	h := &HTTPOp{Method: "GET"}
	if n := f["method"]; n != nil {
		if s, ok := d.str(n, what+": method"); ok && !methodRE.MatchString(s) {
			d.errorf(n, "%s: method: expected an upper-case HTTP method like GET or POST, got %q", what, s)
		} else {
			h.Method = s
		}
	}
	if n := f["path"]; n != nil {
		if s, ok := d.str(n, what+": path"); ok {
			if !strings.HasPrefix(s, "/") {
				d.errorf(n, "%s: path: expected a path starting with /, got %q", what, s)
			}
			if n := f["query"]; n != nil {
				s += d.query(n, what+": query", s)
			}
			h.Path = d.template(n, what+": path", s, op)
		}
	} else if n := f["query"]; n != nil {
		d.errorf(n, "%s: query needs a path", what)
	}
	if n := f["headers"]; n != nil {
		for _, e := range d.headerEntries(n, what+": headers") {
			if v, ok := d.str(e.val, what+": headers: "+e.key.Value); ok {
				h.Headers = append(h.Headers, HeaderTemplate{Name: e.key.Value,
					Value: d.template(e.val, what+": headers: "+e.key.Value, v, op)})
			}
		}
	}
	if n := f["body"]; n != nil {
		if s, ok := d.str(n, what+": body"); ok {
			t := d.template(n, what+": body", s, op)
			h.Body = &t
		}
		if f["body_file"] != nil {
			d.errorf(f["body_file"], "%s: give body or body_file, not both", what)
		}
	} else if n := f["body_file"]; n != nil {
		if s, ok := d.str(n, what+": body_file"); ok {
			h.Body = d.bodyFile(n, what+": body_file", s)
		}
	}
	if h.Body != nil && !slices.ContainsFunc(h.Headers, func(x HeaderTemplate) bool { return strings.EqualFold(x.Name, "Content-Type") }) {
		if b := strings.TrimSpace(h.Body.String()); strings.HasPrefix(b, "{") || strings.HasPrefix(b, "[") {
			h.Headers = append(h.Headers, HeaderTemplate{Name: "Content-Type",
				Value: workloads.Template{Parts: []workloads.TemplatePart{{Text: "application/json"}}}})
		}
	}
	if n := f["expect"]; n != nil {
		d.expect(n, what+": expect", h)
	}
	if n := f["extract"]; n != nil {
		h.Extract = d.extract(n, what+": extract")
	}
	op.HTTP = h
}

// query renders a query mapping as the rest of a path template.
func (d *decoder) query(n *yaml.Node, what, path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var b strings.Builder
	es, _ := d.entries(n, what)
	for _, e := range es {
		v, ok := d.str(e.val, what+": "+e.key.Value)
		if !ok {
			continue
		}
		b.WriteString(sep + url.QueryEscape(e.key.Value) + "=" + v)
		sep = "&"
	}
	return b.String()
}

// maxBodyFile bounds a request body read from a file.
const maxBodyFile = 16 << 20

// bodyFile reads a body file, relative to the scenario's directory.
func (d *decoder) bodyFile(n *yaml.Node, what, name string) *workloads.Template {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(d.file), name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		d.errorf(n, "%s: %v", what, err)
		return nil
	}
	if len(data) > maxBodyFile {
		d.errorf(n, "%s: %s is %d bytes; a request body is at most %d", what, name, len(data), maxBodyFile)
		return nil
	}
	return &workloads.Template{Parts: []workloads.TemplatePart{{Text: string(data)}}}
}

// template parses a template and checks its names against what op can
// draw: seq, key and its keyspace, the other keyspaces, value with a value
// size, and the variables of the journey being read.
func (d *decoder) template(n *yaml.Node, what, src string, op *Op) workloads.Template {
	t := workloads.ParseTemplate(src)
	for _, name := range t.Names() {
		if msg := d.scope.resolve(name, op); msg != "" {
			d.errorf(n, "%s: %s", what, msg)
		}
	}
	return t
}

// resolve returns "" when a template may use name in op, else why not.
func (s *opScope) resolve(name string, op *Op) string {
	p := s.plan
	switch {
	case name == "seq":
		return ""
	case name == "key" || name == "value":
		if name == "key" && op.Keyspace < 0 {
			return "{key} needs the op to have a keyspace"
		}
		if name == "value" && op.Sizes == nil {
			return "{value} needs the op to have a value_size"
		}
		return ""
	case slices.Contains(s.vars, name):
		return ""
	}
	if k := slices.IndexFunc(p.Keyspaces, func(k Keyspace) bool { return k.Name == name }); k >= 0 {
		if _, seq := p.Keyspaces[k].Keys.(*workloads.Sequential); seq && k != op.Keyspace {
			return fmt.Sprintf("{%s} draws from a sequential keyspace, which only the op's own keyspace may be", name)
		}
		return ""
	}
	want := "seq, key, value"
	if ks := names(p.Keyspaces, func(k Keyspace) string { return k.Name }); len(ks) > 0 {
		want += ", a keyspace (" + strings.Join(ks, ", ") + ")"
	}
	if s.journey {
		if len(s.vars) > 0 {
			want += " or a journey variable (" + strings.Join(s.vars, ", ") + ")"
		} else {
			want += " or a journey variable (set one with extract)"
		}
	}
	return fmt.Sprintf("unknown placeholder {%s}: want %s%s", name, want, suggest(name, append(append([]string{"seq", "key", "value"}, s.vars...), names(p.Keyspaces, func(k Keyspace) string { return k.Name })...)))
}

func (d *decoder) expect(n *yaml.Node, what string, h *HTTPOp) {
	f, ok := d.fields(n, what, []string{"status", "json", "exists", "contains"}, nil)
	if !ok {
		return
	}
	if n := f["status"]; n != nil {
		items := []*yaml.Node{n}
		if n = resolve(n); n.Kind == yaml.SequenceNode {
			items = n.Content
		}
		for _, item := range items {
			if s, ok := d.str(item, what+": status"); ok {
				if r, err := parseStatus(s); err != nil {
					d.errorf(item, "%s: status: %v", what, err)
				} else {
					h.Status = append(h.Status, r)
				}
			}
		}
	}
	if n := f["json"]; n != nil {
		es, _ := d.entries(n, what+": json")
		for _, e := range es {
			path := d.jsonPath(e.key, what+": json", e.key.Value)
			if v, ok := d.str(e.val, what+": json: "+e.key.Value); ok && path != nil {
				h.JSON = append(h.JSON, JSONCheck{Path: path, Equals: v, HasEquals: true})
			}
		}
	}
	if n := f["exists"]; n != nil {
		if n = resolve(n); n.Kind != yaml.SequenceNode {
			d.errorf(n, "%s: exists: expected a list of JSON paths like [cart_id, items.0.sku]", what)
		} else {
			for _, item := range n.Content {
				if s, ok := d.str(item, what+": exists"); ok {
					if path := d.jsonPath(item, what+": exists", s); path != nil {
						h.JSON = append(h.JSON, JSONCheck{Path: path})
					}
				}
			}
		}
	}
	if n := f["contains"]; n != nil {
		if s, ok := d.str(n, what+": contains"); ok && s == "" {
			d.errorf(n, "%s: contains: expected some text", what)
		} else {
			h.Contains = s
		}
	}
}

// parseStatus reads 200, 2xx or 200-299.
func parseStatus(s string) (StatusRange, error) {
	bad := fmt.Errorf("expected a status code (404), a class (2xx) or a range (200-299) within 100-599, got %q", s)
	var r StatusRange
	switch lo, hi, isRange := strings.Cut(s, "-"); {
	case isRange:
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a > b {
			return r, bad
		}
		r = StatusRange{a, b}
	case len(s) == 3 && strings.HasSuffix(s, "xx") && s[0] >= '1' && s[0] <= '5':
		c := int(s[0]-'0') * 100
		r = StatusRange{c, c + 99}
	default:
		c, err := strconv.Atoi(s)
		if err != nil {
			return r, bad
		}
		r = StatusRange{c, c}
	}
	if r.Lo < 100 || r.Hi > 599 {
		return r, bad
	}
	return r, nil
}

func (d *decoder) jsonPath(n *yaml.Node, what, s string) workloads.JSONPath {
	p, err := workloads.ParseJSONPath(s)
	if err != nil {
		d.errorf(n, "%s: %v", what, err)
		return nil
	}
	return p
}

// extract reads {var: {json: path} | {header: name}}; only journey steps
// keep variables.
func (d *decoder) extract(n *yaml.Node, what string) []Extract {
	if !d.scope.journey {
		d.errorf(n, "%s: only journey steps extract variables; a mix op has no later step to use them", what)
		return nil
	}
	var out []Extract
	for _, e := range d.named(n, what) {
		f, ok := d.fields(e.val, what+": "+e.key.Value, []string{"json", "header"}, nil)
		if !ok {
			continue
		}
		x := Extract{Var: slices.Index(d.scope.vars, e.key.Value)}
		switch js, hd := f["json"], f["header"]; {
		case (js == nil) == (hd == nil):
			d.errorf(e.val, "%s: %s: expected one of json or header", what, e.key.Value)
			continue
		case js != nil:
			if s, ok := d.str(js, what+": json"); ok {
				x.JSON = d.jsonPath(js, what+": json", s)
			}
		default:
			if s, ok := d.str(hd, what+": header"); ok {
				if !headerNameRE.MatchString(s) {
					d.errorf(hd, "%s: header: %q is not an HTTP header name", what, s)
				}
				x.Header = s
			}
		}
		out = append(out, x)
	}
	return out
}
