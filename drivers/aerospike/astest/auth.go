package astest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/aerospike/aerospike-client-go/v7/pkg/bcrypt"
)

// Security messages (proto type 2; client admin_command.go): a 16-byte
// header with the result code at byte 1, the command at byte 2 and the
// field count at byte 3, then fields sized like AS_MSG fields.
const (
	typeAdmin      = 2
	adminHeaderLen = 16

	adminAuthenticate = 0
	adminLogin        = 20

	adminUser         = 0
	adminCredential   = 3
	adminSessionToken = 5
	adminSessionTTL   = 6

	rcSecurityNotSupported = 51
	rcSecurityNotEnabled   = 52
	rcIllegalState         = 56
	rcInvalidUser          = 60
	rcInvalidCredential    = 65
	rcNotAuthenticated     = 80
)

// credentialSalt is the fixed bcrypt salt the client hashes passwords
// with (client admin_command.go hashPassword): the credential of a user is
// bcrypt(password, credentialSalt), the same on every login.
const credentialSalt = "$2a$10$7EqJtq98hPqEX7fNZaFWoO"

// sessionTTL is how long a session token lasts, in seconds, as the real
// server's default session-ttl; the client logs in again before then.
// astest's tokens stay valid for the life of the server.
const sessionTTL = 86400

// notAuthenticated is the info answer on a connection that has not logged
// in: one line without a tab, which the client reads as a key.
const notAuthenticated = "ERROR:80:not authenticated\n"

// adminMsg is a decoded security message. Its slices alias the body it was
// decoded from.
type adminMsg struct {
	resultCode byte
	command    byte
	fields     []field
}

// field returns the data of the first field with id, or nil.
func (a *adminMsg) field(id byte) []byte {
	for _, f := range a.fields {
		if f.typ == id {
			return f.data
		}
	}
	return nil
}

// decodeAdmin decodes a security message body, appending into a's fields.
// Like decodeMsg, it checks every length, so no input makes it panic.
func decodeAdmin(b []byte, a *adminMsg) error {
	if len(b) < adminHeaderLen {
		return errTruncated
	}
	*a = adminMsg{resultCode: b[1], command: b[2], fields: a.fields[:0]}
	rest := b[adminHeaderLen:]
	for range int(b[3]) {
		id, data, tail, err := chunk(rest, 1)
		if err != nil {
			return fmt.Errorf("admin field: %w", err)
		}
		a.fields = append(a.fields, field{typ: id[0], data: data})
		rest = tail
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes after the last admin field", len(rest))
	}
	return nil
}

// appendAdmin appends a as a whole frame.
func appendAdmin(dst []byte, a *adminMsg) []byte {
	start := len(dst)
	dst = appendFrameHeader(dst, typeAdmin, 0)
	dst = append(dst, 0, a.resultCode, a.command, byte(len(a.fields)))
	dst = append(dst, make([]byte, adminHeaderLen-4)...)
	for _, f := range a.fields {
		dst = binary.BigEndian.AppendUint32(dst, uint32(1+len(f.data)))
		dst = append(append(dst, f.typ), f.data...)
	}
	return setFrameLen(dst, start)
}

// admin answers a security message. Without Options.Users every one gets
// 52 SECURITY_NOT_ENABLED, which the client takes for "no login needed",
// as from a Community server.
func (s *Server) admin(dst []byte, a *adminMsg, sess *session) []byte {
	if s.creds == nil {
		return appendAdmin(dst, &adminMsg{resultCode: rcSecurityNotEnabled})
	}
	switch a.command {
	case adminLogin:
		rc := s.login(a, sess)
		if rc != rcOK {
			return appendAdmin(dst, &adminMsg{resultCode: rc})
		}
		ttl := binary.BigEndian.AppendUint32(nil, sessionTTL)
		return appendAdmin(dst, &adminMsg{fields: []field{
			{typ: adminSessionToken, data: s.token(sess.user)}, {typ: adminSessionTTL, data: ttl}}})
	case adminAuthenticate:
		return appendAdmin(dst, &adminMsg{resultCode: s.authenticate(a, sess)})
	}
	if sess.user == "" {
		return appendAdmin(dst, &adminMsg{resultCode: rcNotAuthenticated})
	}
	return appendAdmin(dst, &adminMsg{resultCode: rcSecurityNotSupported})
}

// login checks a LOGIN's user and credential, and on success marks the
// connection logged in. The result codes are the server's: 60
// INVALID_USER for a missing or unknown user, 65 INVALID_CREDENTIAL for a
// missing or wrong password. A login on a logged-in connection starts
// over, as on the server.
func (s *Server) login(a *adminMsg, sess *session) byte {
	sess.user = ""
	user, cred := a.field(adminUser), a.field(adminCredential)
	want, known := s.creds[string(user)]
	switch {
	case len(user) == 0:
		return rcInvalidUser // PKI logins send no user; astest has no client certificates
	case cred == nil:
		return rcInvalidCredential
	case !known:
		return rcInvalidUser
	case subtle.ConstantTimeCompare(cred, want) != 1:
		return rcInvalidCredential
	}
	sess.user = string(user)
	return rcOK
}

// authenticate checks an AUTHENTICATE's session token, which the client
// sends on each new connection after its first login.
func (s *Server) authenticate(a *adminMsg, sess *session) byte {
	if sess.user != "" {
		return rcIllegalState
	}
	user, tok := a.field(adminUser), a.field(adminSessionToken)
	_, known := s.creds[string(user)]
	switch {
	case !known:
		return rcInvalidUser
	case !hmac.Equal(tok, s.token(string(user))):
		return rcInvalidCredential // the client then logs in again
	}
	sess.user = string(user)
	return rcOK
}

// token is the session token of user: an HMAC under the server's secret,
// so the server keeps no table of sessions.
func (s *Server) token(user string) []byte {
	h := hmac.New(sha256.New, s.secret[:])
	h.Write([]byte(user))
	return h.Sum(nil)
}

// hashUsers turns each clear password into the credential the client
// sends for it; nil when there are no users.
func hashUsers(users map[string]string) (map[string][]byte, error) {
	if len(users) == 0 {
		return nil, nil
	}
	creds := make(map[string][]byte, len(users))
	for user, password := range users {
		if user == "" {
			return nil, errors.New("a user has an empty name")
		}
		h, err := bcrypt.Hash(password, credentialSalt)
		if err != nil {
			return nil, fmt.Errorf("hash the password of %s: %w", user, err)
		}
		creds[user] = []byte(h)
	}
	return creds, nil
}
