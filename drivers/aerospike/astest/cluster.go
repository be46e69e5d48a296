package astest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Cluster is several Servers on loopback sharing one store, each owning
// the partitions p with p % len(Nodes) == its index, and each listing the
// others as its peers. The client finds every node from any one seed and
// routes each key to its owner; a node refuses keys it does not own, so a
// misrouted request fails loudly.
type Cluster struct {
	Nodes []*Server
}

// NewCluster starts n nodes; Close stops them.
func NewCluster(n int, opts Options) (*Cluster, error) {
	if n < 1 || n > 64 {
		return nil, fmt.Errorf("astest: a cluster needs 1 to 64 nodes, not %d", n)
	}
	c := &Cluster{}
	var shared *store
	for i := range n {
		o := opts
		o.Addr = ""
		s, err := newServer(o, shared)
		if err != nil {
			c.Close()
			return nil, err
		}
		shared = s.store
		s.cluster, s.index = c, i
		c.Nodes = append(c.Nodes, s)
	}
	return c, nil
}

// Close stops every node.
func (c *Cluster) Close() error {
	var errs []error
	for _, s := range c.Nodes {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// partition is the partition a digest falls in.
func partition(d [20]byte) int {
	return int(uint16(d[0])|uint16(d[1])<<8) & (partitions - 1)
}

// owns reports whether this node owns partition p.
func (s *Server) owns(p int) bool {
	return s.cluster == nil || p%len(s.cluster.Nodes) == s.index
}

// peers lists the other nodes of the cluster for peers-clear-std.
func (s *Server) peers() string {
	var others []string
	if s.cluster != nil {
		for _, o := range s.cluster.Nodes {
			if o != s {
				others = append(others, fmt.Sprintf("[%s,,[%s:%d]]", o.node, o.Host(), o.port))
			}
		}
	}
	return fmt.Sprintf("1,%d,[%s]", s.port, strings.Join(others, ","))
}

// check says whether this node serves key k: its namespace exists and its
// partition is ours.
func (s *Server) check(k recordKey) byte {
	switch {
	case !slices.Contains(s.opts.Namespaces, k.ns):
		return rcInvalidNamespace
	case !s.owns(partition(k.digest)):
		return rcPartitionUnavailable
	}
	return rcOK
}
