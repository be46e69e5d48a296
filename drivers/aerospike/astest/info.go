package astest

import (
	"bytes"
	"encoding/base64"
	"net"
	"strconv"
	"strings"
)

// partitions is the number of partitions of every Aerospike namespace.
const partitions = 4096

// features is what the node claims: the client refuses a node without
// pscans (it takes it for a server older than 4.9).
const features = "pscans;pquery;query-show;batch-any;batch-index;replicas;peers;float;geo;cdt-list;cdt-map"

// infoFrame appends the answer to an info request as a whole frame. A
// connection that has not logged in, when the server has users, gets the
// server's not-authenticated line instead.
func (s *Server) infoFrame(dst, req []byte, sess *session) []byte {
	var resp []byte
	if s.creds != nil && sess.user == "" {
		resp = []byte(notAuthenticated)
	} else {
		resp = s.info(req, sess.local)
	}
	return append(appendFrameHeader(dst, typeInfo, len(resp)), resp...)
}

// info answers an info request: one "name\tvalue\n" line per command, in
// request order (the client parses the partition-map answer positionally).
// Unknown commands get the server's own error line. local is the IP the
// client reached this node on, which the node advertises when it listens
// on every interface.
func (s *Server) info(req []byte, local string) []byte {
	var out bytes.Buffer
	for _, cmd := range strings.Split(strings.TrimSuffix(string(req), "\n"), "\n") {
		if cmd == "" {
			continue
		}
		out.WriteString(cmd)
		out.WriteByte('\t')
		out.WriteString(s.infoValue(cmd, local))
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func (s *Server) infoValue(cmd, local string) string {
	switch cmd {
	case "build":
		return "8.1.2.0"
	case "edition":
		return "surge astest"
	case "node":
		return s.node
	case "partition-generation", "peers-generation":
		return "1"
	case "features":
		return features
	case "cluster-name":
		return s.opts.ClusterName
	case "namespaces":
		return strings.Join(s.opts.Namespaces, ";")
	case "peers-clear-std", "peers-clear-alt":
		return s.peers(local, false)
	case "peers-tls-std", "peers-tls-alt":
		return s.peers(local, true)
	case "service-clear-std", "service-clear-alt":
		return s.service(local, false)
	case "service-tls-std", "service-tls-alt":
		return s.service(local, true)
	case "replicas":
		return s.replicas()
	}
	return "ERROR:4:unrecognized command"
}

// advertised is the address a client reaches s on: its listen address, or
// local (the address this request came in on) when s listens on every
// interface, since every node of a Cluster runs on the same machine.
func (s *Server) advertised(local string) string {
	host := s.Host()
	if s.ip.IsUnspecified() {
		host = local
	}
	return net.JoinHostPort(host, strconv.Itoa(s.port))
}

// service is this node's own address for service-{clear,tls}-std, or ""
// for the transport it does not serve. The client asks only when it seeds
// from a non-loopback address, and takes any address other than the seed
// for a load balancer, hence the address of this connection.
func (s *Server) service(local string, tls bool) string {
	if tls != (s.opts.TLS != nil) {
		return ""
	}
	return s.advertised(local)
}

// peers lists the other nodes of the cluster for peers-{clear,tls}-std:
// generation, default port (this node's; every host carries its own),
// then [node, TLS name, [host:port]] per peer. A node lists no peers for the
// transport it does not serve.
func (s *Server) peers(local string, tls bool) string {
	var b strings.Builder
	b.WriteString("1," + strconv.Itoa(s.port) + ",[")
	if s.cluster != nil && tls == (s.opts.TLS != nil) {
		first := true
		for _, o := range s.cluster.Nodes {
			if o == s {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString("[" + o.node + "," + o.tlsName + ",[" + o.advertised(local) + "]]")
		}
	}
	b.WriteByte(']')
	return b.String()
}

// replicas is the partition map: every namespace, AP (regime 0), one
// replica, with this node's partitions set in the bitmap (most significant
// bit first).
func (s *Server) replicas() string {
	owned := make([]byte, partitions/8)
	for p := range partitions {
		if s.owns(p) {
			owned[p>>3] |= 0x80 >> (p & 7)
		}
	}
	bitmap := base64.StdEncoding.EncodeToString(owned)
	parts := make([]string, len(s.opts.Namespaces))
	for i, ns := range s.opts.Namespaces {
		parts[i] = ns + ":0,1," + bitmap
	}
	return strings.Join(parts, ";")
}
