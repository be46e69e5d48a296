package scenarios

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestKVTargets(t *testing.T) {
	env := map[string]string{"AS_HOSTS": "10.0.0.1,10.0.0.2:3100"}
	p, err := Load("testdata/kv.yaml", WithEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }))
	if err != nil {
		t.Fatal(err)
	}
	wantAS := &AerospikeTarget{
		Hosts: []string{"10.0.0.1:3000", "10.0.0.2:3100", "[::1]:3000"}, Namespace: "test", Set: "products",
		User: "surge", Password: Secret{Env: "AS_PASSWORD"}, TLS: &TLS{CA: "ca.pem", ServerName: "as-1"},
		ClusterName: "sale", ConnectionQueueSize: 256, MinConnections: 8, ConnectTimeout: 2 * time.Second,
		TotalTimeout: 50 * time.Millisecond, SocketTimeout: 20 * time.Millisecond, MaxRetries: 1,
		RackAware: true, RackID: 2, KeyType: "string", KeyPrefix: "sku:",
	}
	if d := cmp.Diff(wantAS, p.Targets[0].Aerospike); d != "" {
		t.Errorf("aerospike target (-want +got):\n%s", d)
	}
	wantRedis := &RedisTarget{Addrs: []string{"127.0.0.1:6379"}, User: "default", Password: Secret{File: "/run/secrets/redis"},
		DB: 3, Connections: 4, Pipeline: 1, DialTimeout: 5 * time.Second, Timeout: 100 * time.Millisecond, KeyPrefix: "cart:"}
	if d := cmp.Diff(wantRedis, p.Targets[1].Redis); d != "" {
		t.Errorf("redis target (-want +got):\n%s", d)
	}
	type opView struct {
		Kind      string
		Batch     int
		Aerospike *AerospikeOp
		Redis     *RedisOp
	}
	var got []opView
	for _, op := range p.Ops {
		got = append(got, opView{op.Kind, op.Batch, op.Aerospike, op.Redis})
	}
	want := []opView{
		{"get", 0, &AerospikeOp{Bins: []string{"price", "stock"}}, nil},
		{"operate", 0, &AerospikeOp{Bin: "stock", Delta: -1, TTL: time.Hour}, nil},
		{"batch-get", 24, &AerospikeOp{}, nil},
		{"set", 0, nil, &RedisOp{TTL: 30 * time.Minute}},
		{"mget", defaultBatch, nil, nil},
		{"expire", 0, nil, &RedisOp{TTL: 1500 * time.Millisecond}},
		{"hincrby", 0, nil, &RedisOp{Delta: 3}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ops (-want +got):\n%s", d)
	}
	if len(p.Populate) != 2 {
		t.Fatalf("populate has %d entries; want 2", len(p.Populate))
	}
	a, c := p.Populate[0], p.Populate[1]
	if a.Op.Name != "populate:catalogue" || a.Op.Kind != "put" || a.Op.Target != 0 || a.Op.Keyspace != 0 ||
		a.Count != 10000 || a.Rate != 5000 || a.Concurrency != 16 || a.Op.Sizes == nil ||
		!cmp.Equal(a.Op.Aerospike, &AerospikeOp{NoExpire: true, SendKey: true}) {
		t.Errorf("populate catalogue = %+v (%+v)", a, a.Op.Aerospike)
	}
	if c.Op.Kind != "hset" || c.Op.Target != 1 || c.Op.Keyspace != 1 || c.Count != 500 || c.Rate != 0 ||
		c.Concurrency != defaultPopulateConcurrency || !cmp.Equal(c.Op.Redis, &RedisOp{Field: "items"}) {
		t.Errorf("populate carts = %+v (%+v)", c, c.Op.Redis)
	}
}

func TestExpand(t *testing.T) {
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"HOST": "10.1.1.1", "EMPTY": ""}[k]
		return v, ok
	}
	for _, tc := range []struct {
		in, want, err string
		noEnv         bool
	}{
		{in: "plain", want: "plain"},
		{in: "${HOST}:3000", want: "10.1.1.1:3000"},
		{in: "${HOST:-127.0.0.1}", want: "10.1.1.1"},
		{in: "${MISSING:-127.0.0.1}", want: "127.0.0.1"},
		{in: "${EMPTY:-x}", want: "x"},
		{in: "${HOST}", noEnv: true, err: "environment variable HOST is not set, and ${HOST} has no default (write ${HOST:-value}, or pass --env HOST=value)"},
		{in: "$$5 and $x", want: "$5 and $x"},
		{in: "${HOST", err: `"${HOST" has a "${" with no closing "}"`},
		{in: "${BAD NAME}", err: "${BAD NAME}: expected an environment variable name of letters, digits and '_'"},
		{in: "${}", err: "${}: expected an environment variable name of letters, digits and '_'"},
	} {
		d := newDecoder("x.yaml", []Option{WithEnv(env)})
		if tc.noEnv {
			d = newDecoder("x.yaml", nil)
		}
		got, err := d.expand(tc.in)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("expand(%q) error = %v; want %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
