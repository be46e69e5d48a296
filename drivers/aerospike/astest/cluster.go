package astest

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
)

// Cluster is several Servers on loopback sharing one store, each owning
// the partitions p with p % len(Nodes) == its index, and each listing the
// others as its peers. The client finds every node from any one seed and
// routes each key to its owner; a node refuses keys it does not own, so a
// misrouted request fails loudly.
type Cluster struct {
	Nodes []*Server
}

// NewCluster starts n nodes; Close stops them. Node i listens on the host
// of opts.Addr and its port plus i, or on a free port when that port is 0
// or Addr is "". Node i draws its faults and its capacity model from
// opts.Seed+i and Model.Seed+i, so nodes do not fail in lockstep.
func NewCluster(n int, opts Options) (*Cluster, error) {
	if n < 1 || n > 64 {
		return nil, fmt.Errorf("astest: a cluster needs 1 to 64 nodes, not %d", n)
	}
	defaults(&opts)
	host, port, err := splitAddr(opts.Addr)
	if err != nil {
		return nil, err
	}
	if port != 0 && port+n-1 > 65535 {
		return nil, fmt.Errorf("astest: %d nodes from port %d run past port 65535", n, port)
	}
	sh, err := newShared(&opts)
	if err != nil {
		return nil, fmt.Errorf("astest: %w", err)
	}
	c := &Cluster{}
	for i := range n {
		s, err := newServer(nodeOptions(opts, host, port, i), sh)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("astest: node %d of %d: %w", i+1, n, err)
		}
		s.cluster, s.index = c, i
		c.Nodes = append(c.Nodes, s)
	}
	// Serve only once every node is in Nodes, which owns and peers read.
	for _, s := range c.Nodes {
		s.start()
	}
	return c, nil
}

// nodeOptions are the options of node i.
func nodeOptions(opts Options, host string, port, i int) Options {
	o := opts
	if port != 0 {
		port += i
	}
	o.Addr = net.JoinHostPort(host, strconv.Itoa(port))
	o.Seed += uint64(i)
	if opts.Model != nil {
		m := *opts.Model
		m.Seed += uint64(i)
		o.Model = &m
	}
	return o
}

// splitAddr splits a listen address; a missing port is port 0.
func splitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("astest: listen address: %w", err)
	}
	if p == "" {
		return host, 0, nil
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("astest: listen address %s: bad port %q", addr, p)
	}
	return host, port, nil
}

// SetFaults sets the same faults on every node; see [Server.SetFaults].
// It is safe while the cluster serves.
func (c *Cluster) SetFaults(f Faults) {
	for _, s := range c.Nodes {
		s.SetFaults(f)
	}
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
