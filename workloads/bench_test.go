package workloads

import (
	"testing"
	"time"
)

// sink keeps benchmark results alive.
var sink uint64

func benchKeys(b *testing.B, k Keys) {
	b.Helper()
	r := NewRand(1, 0)
	b.ReportAllocs()
	var s uint64
	for b.Loop() {
		s += k.Next(r)
	}
	sink = s
}

func BenchmarkUniform(b *testing.B) {
	u, _ := NewUniform(1_000_000)
	benchKeys(b, u)
}

func BenchmarkZipf(b *testing.B) {
	z, _ := NewZipf(1_000_000, 0.99, false)
	benchKeys(b, z)
}

func BenchmarkZipfScrambled(b *testing.B) {
	z, _ := NewZipf(1_000_000, 0.99, true)
	benchKeys(b, z)
}

func BenchmarkZipfTheta1_2(b *testing.B) {
	z, _ := NewZipf(1_000_000, 1.2, false)
	benchKeys(b, z)
}

func BenchmarkHotspot(b *testing.B) {
	h, _ := NewHotspot(1_000_000, 0.2, 0.8)
	benchKeys(b, h)
}

func BenchmarkLatest(b *testing.B) {
	l, _ := NewLatest(1_000_000, 0.99)
	benchKeys(b, l)
}

func BenchmarkSequential(b *testing.B) {
	s, _ := NewSequential(1_000_000)
	benchKeys(b, s)
}

func BenchmarkMixPick(b *testing.B) {
	m, _ := NewMix([]float64{50, 30, 10, 5, 3, 2})
	r := NewRand(1, 0)
	b.ReportAllocs()
	var s int
	for b.Loop() {
		s += m.Pick(r)
	}
	sink = uint64(s)
}

func BenchmarkBuckets(b *testing.B) {
	sz, _ := NewBuckets([]int{100, 1024, 4096, 65536}, []float64{80, 15, 4, 1})
	r := NewRand(1, 0)
	b.ReportAllocs()
	var s int
	for b.Loop() {
		s += sz.Next(r)
	}
	sink = uint64(s)
}

func BenchmarkNewZipfHugeN(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewZipf(10_000_000_000, 0.99, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScheduleNext(b *testing.B) {
	for _, arrival := range []struct {
		name string
		a    Arrival
	}{{"uniform", Uniform}, {"poisson", Poisson}} {
		b.Run(arrival.name, func(b *testing.B) {
			stages := []Stage{
				{Duration: time.Minute, From: 1000, To: 1e6},
				{Duration: time.Hour, From: 1e6, To: 1e6},
				{Duration: time.Hour, From: 1e6, To: 1e5, Steps: 10},
			}
			for i := range stages {
				stages[i].Arrival = arrival.a
			}
			p, err := NewProfile(stages)
			if err != nil {
				b.Fatal(err)
			}
			s := NewSchedule(p, NewRand(1, 0), 0, 1)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := s.Next(); !ok {
					s = NewSchedule(p, NewRand(1, 0), 0, 1)
				}
			}
		})
	}
}
