package astest

import (
	"fmt"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
)

// putKeys writes n keys "k0".."k<n-1>" with bins {"i": i, "s": "v<i>"}.
func putKeys(t *testing.T, c *as.Client, n int) []*as.Key {
	t.Helper()
	keys := make([]*as.Key, n)
	for i := range keys {
		keys[i] = key(t, fmt.Sprintf("k%d", i))
		if err := c.Put(nil, keys[i], as.BinMap{"i": i, "s": fmt.Sprintf("v%d", i)}); err != nil {
			t.Fatalf("put k%d: %v", i, err)
		}
	}
	return keys
}

// checkBatch asserts that records come back in key order, nil where the
// key is missing (every third key was deleted).
func checkBatch(t *testing.T, what string, recs []*as.Record, bins int) {
	t.Helper()
	for i, r := range recs {
		switch {
		case i%3 == 2 && r != nil:
			t.Errorf("%s: key %d was deleted but came back: %v", what, i, r.Bins)
		case i%3 != 2 && r == nil:
			t.Errorf("%s: key %d is missing", what, i)
		case i%3 != 2 && (len(r.Bins) != bins || (bins > 0 && r.Bins["i"] != i)):
			t.Errorf("%s: key %d = %v; want %d bins with i=%d", what, i, r.Bins, bins, i)
		}
	}
}

func testBatches(t *testing.T, c *as.Client, n int) {
	keys := putKeys(t, c, n)
	for i := 2; i < n; i += 3 {
		if _, err := c.Delete(nil, keys[i]); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := c.BatchGet(nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	checkBatch(t, "BatchGet", recs, 2)
	if recs, err = c.BatchGet(nil, keys, "i"); err != nil {
		t.Fatal(err)
	}
	checkBatch(t, "BatchGet(i)", recs, 1)
	if recs, err = c.BatchGetHeader(nil, keys); err != nil {
		t.Fatal(err)
	}
	checkBatch(t, "BatchGetHeader", recs, 0)
	exists, err := c.BatchExists(nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range exists {
		if ok != (i%3 != 2) {
			t.Errorf("BatchExists[%d] = %v", i, ok)
		}
	}
	// One key per node is sent as a plain read, not a batch message.
	if recs, err = c.BatchGet(nil, keys[:1]); err != nil || recs[0] == nil || recs[0].Bins["i"] != 0 {
		t.Errorf("BatchGet of one key = %v, %v", recs, err)
	}
}

func TestBatchGet(t *testing.T) {
	c, _ := newClient(t, Options{})
	testBatches(t, c, 30)
}

// A 3-node cluster: the client discovers every node from one seed, routes
// each key to the node that owns its partition (a node refuses any other),
// and batches spanning nodes come back whole and in order.
func TestCluster(t *testing.T) {
	cl, err := NewCluster(3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	policy := as.NewClientPolicy()
	policy.Timeout = 5 * time.Second
	c, err := as.NewClientWithPolicyAndHost(policy, as.NewHost(cl.Nodes[0].Host(), cl.Nodes[0].Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := len(c.GetNodes()); got != 3 {
		t.Fatalf("the client sees %d nodes; want 3", got)
	}
	testBatches(t, c, 60)
	for i, s := range cl.Nodes {
		if s.Requests() == 0 {
			t.Errorf("node %d served no request: keys were not spread by partition", i)
		}
	}
}
