package astest

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// partitions is the number of partitions of every Aerospike namespace.
const partitions = 4096

// features is what the node claims: the client refuses a node without
// pscans (it takes it for a server older than 4.9).
const features = "pscans;pquery;query-show;batch-any;batch-index;replicas;peers;float;geo;cdt-list;cdt-map"

// info answers an info request: one "name\tvalue\n" line per command, in
// request order (the client parses the partition-map answer positionally).
// Unknown commands get the server's own error line.
func (s *Server) info(req []byte) []byte {
	var out bytes.Buffer
	for _, cmd := range strings.Split(strings.TrimSuffix(string(req), "\n"), "\n") {
		if cmd == "" {
			continue
		}
		out.WriteString(cmd)
		out.WriteByte('\t')
		out.WriteString(s.infoValue(cmd))
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func (s *Server) infoValue(cmd string) string {
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
		return s.peers()
	case "replicas":
		return s.replicas()
	}
	return "ERROR:4:unrecognized command"
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
