package capacity

import (
	"io"
	"testing"
)

func BenchmarkAnalyze(b *testing.B) {
	s, f := workedExample()
	o := workedOptions()
	b.ReportAllocs()
	for b.Loop() {
		Analyze(s, f, o)
	}
}

func BenchmarkAnalyzeNoBootstrap(b *testing.B) {
	s, f := workedExample()
	o := workedOptions()
	o.Bootstrap = -1
	b.ReportAllocs()
	for b.Loop() {
		Analyze(s, f, o)
	}
}

func BenchmarkWriteText(b *testing.B) {
	r := workedReport(b, true)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteText(io.Discard, r, TextOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteYAML(b *testing.B) {
	r := workedReport(b, true)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteYAML(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
