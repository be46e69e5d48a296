package workloads

import (
	"math"
	"strings"
	"testing"
)

func TestWeightErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name    string
		weights []float64
		want    string
	}{
		{"none", nil, "none given; want at least one"},
		{"all zero", []float64{0, 0}, "weights sum to 0; want a positive sum"},
		{"negative", []float64{1, -1}, "weight 1 is -1; want a finite number >= 0"},
		{"NaN", []float64{nan}, "weight 0 is NaN"},
		{"Inf", []float64{1, 2, inf}, "weight 2 is +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewMix(tt.weights)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mix: ") {
				t.Errorf("NewMix(%v) error = %v; want one starting \"mix: \" and containing %q", tt.weights, err, tt.want)
			}
			sizes := make([]int, len(tt.weights))
			_, err = NewBuckets(sizes, tt.weights)
			if tt.weights != nil && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("NewBuckets(%v) error = %v; want one containing %q", tt.weights, err, tt.want)
			}
		})
	}
}

func TestSizesErrors(t *testing.T) {
	tests := []struct {
		name string
		err  func() error
		want string
	}{
		{"uniform min negative", func() error { _, err := NewUniformSize(-1, 5); return err }, "min -1 is negative; want 0 <= min <= max"},
		{"uniform max below min", func() error { _, err := NewUniformSize(5, 4); return err }, "max 4 is below min 5"},
		{"buckets length mismatch", func() error { _, err := NewBuckets([]int{1, 2}, []float64{1}); return err }, "2 sizes but 1 weights"},
		{"buckets empty", func() error { _, err := NewBuckets(nil, nil); return err }, "no sizes; want at least one"},
		{"buckets negative size", func() error { _, err := NewBuckets([]int{1, -2}, []float64{1, 1}); return err }, "size 1 is -2; want >= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.err(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v; want one containing %q", err, tt.want)
			}
		})
	}
}

// TestAliasTableExact checks Vose's construction without sampling: the
// probability a table gives index i, (keep_i + sum of (1-keep_j) over
// columns j aliased to i) / n, must equal i's share.
func TestAliasTableExact(t *testing.T) {
	tests := [][]float64{
		{1},
		{1, 1, 1},
		{90, 10},
		{0, 5, 0, 1, 3},
		{1e-300, 1, 1e300},
		{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1},
	}
	for _, ws := range tests {
		tab, err := newAliasTable(ws)
		if err != nil {
			t.Fatal(err)
		}
		n := float64(len(ws))
		got := make([]float64, len(ws))
		for i, c := range tab.cells {
			keep := float64(c.keep) / 0x1p64
			got[i] += keep / n
			got[c.alias] += (1 - keep) / n
		}
		want := normalised(ws)
		for i := range ws {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Errorf("weights %v: index %d has probability %v; want %v", ws, i, got[i], want[i])
			}
			if ws[i] == 0 && got[i] != 0 {
				t.Errorf("weights %v: index %d has weight 0 but probability %v; want 0", ws, i, got[i])
			}
		}
	}
}

func TestMixFit(t *testing.T) {
	tests := [][]float64{
		{1},
		{90, 10},
		{70, 20, 5, 4, 1},
		{0, 3, 0, 1},
		{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
	}
	for i, ws := range tests {
		m, err := NewMix(ws)
		if err != nil {
			t.Fatal(err)
		}
		r := NewRand(10, uint64(i))
		counts := make([]int, m.Len())
		for range 200_000 {
			counts[m.Pick(r)]++
		}
		checkFit(t, counts, normalised(ws))
	}
}

func TestMixShareAndLen(t *testing.T) {
	m, err := NewMix([]float64{3, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Len(); got != 3 {
		t.Errorf("Len() = %d; want 3", got)
	}
	for i, want := range []float64{0.75, 0, 0.25} {
		if got := m.Share(i); got != want {
			t.Errorf("Share(%d) = %v; want %v", i, got, want)
		}
	}
}

func TestBucketsFit(t *testing.T) {
	sizes := []int{100, 4096, 65536, 7}
	weights := []float64{90, 9, 1, 0}
	b, err := NewBuckets(sizes, weights)
	if err != nil {
		t.Fatal(err)
	}
	index := map[int]int{100: 0, 4096: 1, 65536: 2, 7: 3}
	r := NewRand(11, 0)
	counts := make([]int, len(sizes))
	for range 200_000 {
		counts[index[b.Next(r)]]++
	}
	checkFit(t, counts, normalised(weights))
}

func TestBucketsCopiesSizes(t *testing.T) {
	sizes := []int{42}
	b, _ := NewBuckets(sizes, []float64{1})
	sizes[0] = 1
	if got := b.Next(NewRand(1, 0)); got != 42 {
		t.Errorf("Next() after the caller changed its slice = %d; want 42", got)
	}
}

func TestUniformSizeFit(t *testing.T) {
	s, err := NewUniformSize(10, 19)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRand(12, 0)
	counts := make([]int, 10)
	for range 100_000 {
		v := s.Next(r)
		if v < 10 || v > 19 {
			t.Fatalf("Next() = %d; want within [10, 19]", v)
		}
		counts[v-10]++
	}
	checkFit(t, counts, normalised([]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}))

	one, _ := NewUniformSize(5, 5)
	if got := one.Next(r); got != 5 {
		t.Errorf("NewUniformSize(5, 5).Next() = %d; want 5", got)
	}
	full, _ := NewUniformSize(0, math.MaxInt)
	if got := full.Next(r); got < 0 {
		t.Errorf("NewUniformSize(0, MaxInt).Next() = %d; want >= 0", got)
	}
}

func TestFixed(t *testing.T) {
	tests := []struct {
		f    Fixed
		want int
	}{{0, 0}, {512, 512}, {-3, 0}}
	for _, tt := range tests {
		var s Sizes = tt.f
		if got := s.Next(nil); got != tt.want {
			t.Errorf("Fixed(%d).Next() = %d; want %d", tt.f, got, tt.want)
		}
	}
}

func TestPickAndSizesDoNotAllocate(t *testing.T) {
	m, _ := NewMix([]float64{1, 2, 3})
	b, _ := NewBuckets([]int{1, 2}, []float64{1, 1})
	u, _ := NewUniformSize(1, 100)
	r := NewRand(1, 0)
	if a := testing.AllocsPerRun(100, func() { m.Pick(r) }); a != 0 {
		t.Errorf("Mix.Pick allocates %v times per call; want 0", a)
	}
	for _, s := range []Sizes{b, u, Fixed(100000)} {
		if a := testing.AllocsPerRun(100, func() { s.Next(r) }); a != 0 {
			t.Errorf("%T.Next allocates %v times per call; want 0", s, a)
		}
	}
}
