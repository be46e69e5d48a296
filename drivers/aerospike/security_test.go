package aerospike

import (
	"context"
	"crypto/tls"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/aerospike/astest"
)

func TestAuth(t *testing.T) {
	const password = "hunter2-s3cret"
	s := newServer(t, astest.Options{Users: map[string]string{"alice": password}})
	tests := []struct {
		name, user, password string
		wantAuthErr          bool
	}{
		{"right password", "alice", password, false},
		{"wrong password", "alice", "hunter3-s3cret", true},
		{"unknown user", "mallory", password, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(s)
			cfg.User, cfg.Password = tt.user, tt.password
			cfg.ConnectTimeout = 2 * time.Second
			c, err := New(context.Background(), cfg, allOps)
			if !tt.wantAuthErr {
				if err != nil {
					t.Fatalf("New = %v; want success", err)
				}
				defer c.Close()
				mustRun(t, c, opPut, 1, 10, drivers.ClassOK)
				mustRun(t, c, opGet, 1, 0, drivers.ClassOK)
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("New succeeded; want an authentication error")
			}
			if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "authentication failed") {
				t.Errorf("New = %v; want ErrAuth, saying authentication failed", err)
			}
			if !strings.Contains(err.Error(), s.Addr()) || !strings.Contains(err.Error(), tt.user) {
				t.Errorf("New = %v; want it to name %s and the user", err, s.Addr())
			}
			if strings.Contains(err.Error(), tt.password) {
				t.Errorf("New = %v; shows the password", err)
			}
			t.Log(err)
		})
	}
}

// testPKI is astest.NewTLS, with the client's configuration trusting it.
func testPKI(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	server, roots, err := astest.NewTLS()
	if err != nil {
		t.Fatal(err)
	}
	return server, &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
}

func TestTLS(t *testing.T) {
	serverTLS, clientTLS := testPKI(t)
	s := newServer(t, astest.Options{TLS: serverTLS, Users: map[string]string{"alice": "s3cret"}})
	port := strconv.Itoa(s.Port())
	tests := []struct {
		name  string
		host  string
		tls   *tls.Config
		works bool
	}{
		{"TLS name in the host", "127.0.0.1:astest:" + port, clientTLS, true},
		{"the IP as the name", "127.0.0.1:" + port, clientTLS, true},
		{"wrong TLS name", "127.0.0.1:other:" + port, clientTLS, false},
		{"plain TCP to a TLS node", "127.0.0.1:" + port, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Hosts: []string{tt.host}, Namespace: "test", TLS: tt.tls, User: "alice", Password: "s3cret",
				MaxRetries: -1, ConnectTimeout: time.Second}
			c, err := New(context.Background(), cfg, allOps)
			if !tt.works {
				if err == nil {
					c.Close()
					t.Fatal("New succeeded; want an error")
				}
				if !strings.Contains(err.Error(), "127.0.0.1:"+port) {
					t.Errorf("New = %v; want it to name the host", err)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatalf("New = %v", err)
			}
			defer c.Close()
			mustRun(t, c, opPut, 5, 100, drivers.ClassOK)
			mustRun(t, c, opBatchGet, 5, 0, drivers.ClassOK)
		})
	}
}
