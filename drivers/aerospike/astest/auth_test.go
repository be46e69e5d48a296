package astest

import (
	"bufio"
	"encoding/binary"
	"net"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
	"github.com/aerospike/aerospike-client-go/v7/types"
)

var users = map[string]string{"surge": "s3cret", "ops": "hunter2"}

// authPolicy is a client policy that logs in as user.
func authPolicy(user, password string) *as.ClientPolicy {
	p := as.NewClientPolicy()
	p.Timeout = 5 * time.Second
	p.User, p.Password = user, password
	return p
}

// With the right password every operation works, on a single node and on
// a cluster, whose data connections present the session token.
func TestAuthLogin(t *testing.T) {
	s, err := NewServer(Options{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := as.NewClientWithPolicyAndHost(authPolicy("surge", "s3cret"), as.NewHost(s.Host(), s.Port()))
	if err != nil {
		t.Fatalf("log in with the right password: %v", err)
	}
	defer c.Close()
	k := key(t, "sku-1")
	if err := c.Put(nil, k, as.BinMap{"stock": 7}); err != nil {
		t.Fatal(err)
	}
	if err := c.Touch(nil, k); err != nil {
		t.Error(err)
	}
	if rec, err := c.Operate(nil, k, as.AddOp(as.NewBin("stock", -1)), as.GetBinOp("stock")); err != nil || rec.Bins["stock"] != 6 {
		t.Errorf("Operate = %v, %v; want stock 6", rec, err)
	}
	if rec, err := c.GetHeader(nil, k); err != nil || rec.Generation != 3 {
		t.Errorf("GetHeader = %v, %v; want generation 3", rec, err)
	}
	if ok, err := c.Exists(nil, k); !ok || err != nil {
		t.Errorf("Exists = %v, %v", ok, err)
	}
	testBatches(t, c, 12)
	if existed, err := c.Delete(nil, k); !existed || err != nil {
		t.Errorf("Delete = %v, %v", existed, err)
	}

	cl, err := NewCluster(3, Options{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	testBatches(t, clusterClient(t, cl, authPolicy("ops", "hunter2")), 30)
}

// A bad login fails the client's connect with the server's result code.
func TestAuthRefused(t *testing.T) {
	s, err := NewServer(Options{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tt := range []struct {
		name, user, password string
		want                 types.ResultCode
	}{
		{"wrong password", "surge", "guess", types.INVALID_CREDENTIAL},
		{"another user's password", "surge", "hunter2", types.INVALID_CREDENTIAL},
		{"unknown user", "nobody", "s3cret", types.INVALID_USER},
		{"no login", "", "", types.NOT_AUTHENTICATED},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := as.NewClientWithPolicyAndHost(authPolicy(tt.user, tt.password), as.NewHost(s.Host(), s.Port()))
			if err == nil {
				c.Close()
				t.Fatal("connected")
			}
			if !matches(err, tt.want) {
				t.Errorf("connect = %v; want %v", err, tt.want)
			}
		})
	}
}

// Without Users a login is answered 52 SECURITY_NOT_ENABLED, which the
// client takes for "no login needed".
func TestAuthNotEnabled(t *testing.T) {
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := as.NewClientWithPolicyAndHost(authPolicy("surge", "s3cret"), as.NewHost(s.Host(), s.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Put(nil, key(t, 1), as.BinMap{"a": 1}); err != nil {
		t.Error(err)
	}
}

// rawConn speaks frames to a server without the client.
type rawConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, s *Server) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a bound, not a synchronisation
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

// roundTrip sends frame and returns the reply's type and body.
func (rc *rawConn) roundTrip(frame []byte) (byte, []byte) {
	rc.t.Helper()
	if _, err := rc.c.Write(frame); err != nil {
		rc.t.Fatal(err)
	}
	typ, body, err := readFrame(rc.r, nil)
	if err != nil {
		rc.t.Fatal(err)
	}
	return typ, body
}

// admin sends a security message and returns the decoded reply.
func (rc *rawConn) admin(command byte, fields ...field) adminMsg {
	rc.t.Helper()
	typ, body := rc.roundTrip(appendAdmin(nil, &adminMsg{command: command, fields: fields}))
	var a adminMsg
	if err := decodeAdmin(body, &a); typ != typeAdmin || err != nil {
		rc.t.Fatalf("admin reply: type %d, %v", typ, err)
	}
	return a
}

// get sends the captured Get and returns the reply's result code.
func (rc *rawConn) get() byte {
	rc.t.Helper()
	_, body := rc.roundTrip(mustHex(rc.t, getFrame))
	return body[5]
}

// The security protocol step by step, with the server's result codes.
func TestAuthProtocol(t *testing.T) {
	s, err := NewServer(Options{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cred := s.creds["surge"]
	user := field{typ: adminUser, data: []byte("surge")}

	c := dialRaw(t, s)
	if rc := c.get(); rc != rcNotAuthenticated {
		t.Errorf("Get before login: rc %d; want 80", rc)
	}
	if typ, body := c.roundTrip(append(appendFrameHeader(nil, typeInfo, 6), "build\n"...)); typ != typeInfo || string(body) != notAuthenticated {
		t.Errorf("info before login = %d %q; want %q", typ, body, notAuthenticated)
	}
	for _, tt := range []struct {
		name    string
		command byte
		fields  []field
		want    byte
	}{
		{"login without a user", adminLogin, []field{{typ: adminCredential, data: cred}}, rcInvalidUser},
		{"login without a credential", adminLogin, []field{user}, rcInvalidCredential},
		{"login with a wrong credential", adminLogin, []field{user, {typ: adminCredential, data: s.creds["ops"]}}, rcInvalidCredential},
		{"authenticate with a forged token", adminAuthenticate, []field{user, {typ: adminSessionToken, data: []byte("forged")}}, rcInvalidCredential},
		{"authenticate an unknown user", adminAuthenticate, []field{{typ: adminUser, data: []byte("x")}}, rcInvalidUser},
		{"another command", 9, nil, rcNotAuthenticated},
	} {
		if a := c.admin(tt.command, tt.fields...); a.resultCode != tt.want {
			t.Errorf("%s: rc %d; want %d", tt.name, a.resultCode, tt.want)
		}
	}
	a := c.admin(adminLogin, user, field{typ: adminCredential, data: cred})
	token, ttl := a.field(adminSessionToken), a.field(adminSessionTTL)
	if a.resultCode != rcOK || len(token) == 0 || len(ttl) != 4 || binary.BigEndian.Uint32(ttl) <= 60 {
		t.Fatalf("login = %+v; want rc 0, a token and a TTL over a minute", a)
	}
	if rc := c.get(); rc != rcKeyNotFound {
		t.Errorf("Get after login: rc %d; want 2", rc)
	}
	if a := c.admin(adminAuthenticate, user, field{typ: adminSessionToken, data: token}); a.resultCode != rcIllegalState {
		t.Errorf("authenticate after login: rc %d; want 56", a.resultCode)
	}
	if a := c.admin(9); a.resultCode != rcSecurityNotSupported {
		t.Errorf("another command after login: rc %d; want 51", a.resultCode)
	}

	c2 := dialRaw(t, s)
	if a := c2.admin(adminAuthenticate, user, field{typ: adminSessionToken, data: token}); a.resultCode != rcOK {
		t.Errorf("authenticate with the token: rc %d; want 0", a.resultCode)
	}
	if rc := c2.get(); rc != rcKeyNotFound {
		t.Errorf("Get after authenticate: rc %d; want 2", rc)
	}
}
