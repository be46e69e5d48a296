package wire_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/drivers"
)

// benchOps is the number of ops in the benchmarks' reports.
const benchOps = 10

// spreadHist returns a histogram of log-normal values around
// medianMicros, recorded until it has about 200 non-zero buckets, as one
// interval of a busy op gives.
func spreadHist(r *rand.Rand, medianMicros float64) *hdrhistogram.Histogram {
	h := drivers.NewHistogram()
	var w wire.Hist
	for len(w.Idx) < 200 {
		for range 20 {
			v := int64(medianMicros * math.Exp(0.5*r.NormFloat64()))
			if err := h.RecordValues(max(v, 1), 1+r.Int64N(50)); err != nil {
				panic(err)
			}
		}
		w.From(h)
	}
	return h
}

// benchInterval returns a driver interval of benchOps ops, each with
// latency, service and lag histograms of about 200 buckets.
func benchInterval() *drivers.Interval {
	r := rand.New(rand.NewPCG(7, 8))
	iv := &drivers.Interval{Seq: 99, Start: 99 * time.Second, End: 100 * time.Second}
	for op := range benchOps {
		o := drivers.OpInterval{
			Stage: 1, Op: op, Count: 20_000, Completed: 19_950,
			Latency: spreadHist(r, 2000), Service: spreadHist(r, 1800), Lag: spreadHist(r, 150),
		}
		o.Errors[drivers.ClassTimeout] = 40
		o.Errors[drivers.ClassHTTP503] = 10
		iv.Ops = append(iv.Ops, o)
	}
	iv.Stages = []drivers.StageInterval{{Stage: 1, Scheduled: 20_000 * benchOps}}
	return iv
}

func BenchmarkReportUnmarshal(b *testing.B) {
	var in wire.Report
	in.FromInterval(benchInterval(), 300*time.Millisecond)
	body := in.Marshal(nil)
	var r wire.Report
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := r.Unmarshal(body); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchOps)/b.Elapsed().Seconds(), "op-intervals/s")
}

// BenchmarkReportMerge is the coordinator's work per report: decode it
// and add its histograms to the run's.
func BenchmarkReportMerge(b *testing.B) {
	var in wire.Report
	in.FromInterval(benchInterval(), 300*time.Millisecond)
	body := in.Marshal(nil)
	dst := make([]*hdrhistogram.Histogram, 3*benchOps)
	for i := range dst {
		dst[i] = drivers.NewHistogram()
	}
	var r wire.Report
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Unmarshal(body); err != nil {
			b.Fatal(err)
		}
		for i := range r.Ops {
			o := &r.Ops[i]
			o.Latency.AddTo(dst[3*i])
			o.Service.AddTo(dst[3*i+1])
			o.Lag.AddTo(dst[3*i+2])
		}
	}
	b.ReportMetric(float64(b.N*benchOps)/b.Elapsed().Seconds(), "op-intervals/s")
}

func BenchmarkHistAddTo(b *testing.B) {
	var h wire.Hist
	h.From(spreadHist(rand.New(rand.NewPCG(9, 10)), 2000))
	dst := drivers.NewHistogram()
	b.ReportAllocs()
	for b.Loop() {
		if dropped := h.AddTo(dst); dropped != 0 {
			b.Fatalf("AddTo dropped %d", dropped)
		}
	}
	b.ReportMetric(float64(len(h.Idx)), "buckets/hist")
}

// BenchmarkReportFromInterval is the driver's work per interval: read
// its histograms and encode the report.
func BenchmarkReportFromInterval(b *testing.B) {
	iv := benchInterval()
	var r wire.Report
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		r.FromInterval(iv, 300*time.Millisecond)
		buf = wire.AppendFrame(buf[:0], &r)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(b.N*benchOps)/b.Elapsed().Seconds(), "op-intervals/s")
}
