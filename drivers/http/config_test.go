package http

import (
	"context"
	"crypto/tls"
	"errors"
	"syscall"
	"testing"
)

func errorsIsRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func TestNewBadConfig(t *testing.T) {
	ok := "http://127.0.0.1:1"
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"not a url", Config{BaseURL: "http://[::1"}, `http: bad http config: base url "http://[::1": parse "http://[::1": missing ']' in host`},
		{"scheme", Config{BaseURL: "ftp://h"}, `http: bad http config: base url "ftp://h": scheme "ftp": want http or https`},
		{"no scheme", Config{BaseURL: "localhost:80"}, `http: bad http config: base url "localhost:80": scheme "localhost": want http or https`},
		{"no host", Config{BaseURL: "http:///x"}, `http: bad http config: base url "http:///x": no host: want scheme://host[:port][/path]`},
		{"query", Config{BaseURL: "http://h/?a=1"}, `http: bad http config: base url "http://h/?a=1": want scheme://host[:port][/path], without user, query or fragment`},
		{"protocol", Config{BaseURL: ok, Protocol: "h3"}, `http: bad http config: protocol "h3": want http1 or http2`},
		{"connections", Config{BaseURL: ok, Connections: -1}, `http: bad http config: connections must not be negative, got -1`},
		{"timeout", Config{BaseURL: ok, Timeout: -1}, `http: bad http config: timeout must not be negative, got -1ns`},
		{"tls over http", Config{BaseURL: ok, TLS: &tls.Config{}}, `http: bad http config: tls settings for an http:// base url "http://127.0.0.1:1": use https:// or drop them`},
		{"header name", Config{BaseURL: ok, Headers: []Header{{"X Y", "1"}}}, `http: bad http config: header "X Y": not a valid header name`},
		{"header value", Config{BaseURL: ok, Headers: []Header{{"X", "a\nb"}}}, `http: bad http config: header X: value has a line break or NUL`},
		{"content-length", Config{BaseURL: ok, Ops: []*OpConfig{{Headers: []HeaderTemplate{{"content-length", LiteralTemplate("1")}}}}},
			`http: bad http config: op 0: header "content-length": set from the body, not by a header`},
		{"op header without value", Config{BaseURL: ok, Ops: []*OpConfig{{Headers: []HeaderTemplate{{Name: "X"}}}}}, `http: bad http config: op 0: header X: no value`},
		{"method", Config{BaseURL: ok, Ops: []*OpConfig{nil, {Method: "GET /"}}}, `http: bad http config: op 1: method "GET /": want a token such as GET or POST`},
		{"status", Config{BaseURL: ok, Ops: []*OpConfig{{Expect: Expect{Status: []StatusRange{{300, 200}}}}}}, `http: bad http config: op 0: expected status 300-200: want 100 <= lo <= hi <= 599`},
		{"json check", Config{BaseURL: ok, Ops: []*OpConfig{{Expect: Expect{JSON: []JSONCheck{{}}}}}}, `http: bad http config: op 0: json check without a path`},
		{"extract both", Config{BaseURL: ok, Ops: []*OpConfig{{Extract: []Extract{{JSON: &JSONPath{}, Header: "X"}}}}}, `http: bad http config: op 0: extract: want exactly one of a json path and a header`},
		{"extract neither", Config{BaseURL: ok, Ops: []*OpConfig{{Extract: []Extract{{}}}}}, `http: bad http config: op 0: extract: want exactly one of a json path and a header`},
		{"extract var", Config{BaseURL: ok, Ops: []*OpConfig{{Extract: []Extract{{Var: -1, Header: "X"}}}}}, `http: bad http config: op 0: extract into variable -1: want an index >= 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), tc.cfg)
			if !errors.Is(err, ErrBadConfig) || err.Error() != tc.want {
				t.Errorf("New: %v;\nwant %s (wrapping ErrBadConfig)", err, tc.want)
			}
		})
	}
}
