package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

// PopulateResult is one keyspace's populate phase: how far it got and how
// fast. It is written in results.json (Results.Populate) and, as the
// checkpoint a later populate resumes from, in populate.json. It is not
// part of any stage or SLO.
type PopulateResult struct {
	Keyspace string `json:"keyspace"`
	Target   string `json:"target"`
	Op       string `json:"op"`
	// Keys is how many keys the populate writes: 0 to Keys-1.
	Keys uint64 `json:"keys"`
	// Done is the resume point: every key below it was written (or failed
	// all its tries, counted in Errors). Done == Keys when complete.
	Done uint64 `json:"done"`
	// ResumedFrom is the Done this run started from: keys below it were
	// written by an earlier run and not written again.
	ResumedFrom uint64 `json:"resumed_from"`
	// Written counts successful writes in this run; Errors the keys whose
	// writes failed, by class.
	Written int64            `json:"written"`
	Errors  map[string]int64 `json:"errors"`
	// DurationS is this run's time on the keyspace and Rate its writes per
	// second.
	DurationS float64 `json:"duration_s"`
	Rate      float64 `json:"rate"`
	// Fingerprint identifies what was written (target, op, count, value
	// sizes, seed): a checkpoint with another fingerprint is not resumed.
	Fingerprint string `json:"fingerprint"`
}

// Complete reports whether every key was written.
func (p *PopulateResult) Complete() bool { return p.Done >= p.Keys }

// NewPopulateResult fills a PopulateResult from a populate's progress.
func NewPopulateResult(plan *scenarios.Plan, i int, from uint64, prog drivers.FillProgress) PopulateResult {
	pop := plan.Populate[i]
	r := PopulateResult{
		Keyspace: plan.Keyspaces[pop.Op.Keyspace].Name, Target: plan.Targets[pop.Op.Target].Name,
		Op: pop.Op.Kind, Keys: pop.Count, Done: prog.Done, ResumedFrom: from, Written: prog.Written,
		Errors: map[string]int64{}, DurationS: round3(prog.Elapsed.Seconds()),
		Fingerprint: PopulateFingerprint(plan, i),
	}
	for c, n := range prog.Errors {
		if n != 0 {
			r.Errors[drivers.Class(c).String()] = n
		}
	}
	r.Rate = round1(rate(float64(prog.Written+prog.Failed()), prog.Elapsed))
	return r
}

// PopulateFingerprint names what populate i of plan writes, so that a
// checkpoint is resumed only by the same populate.
func PopulateFingerprint(plan *scenarios.Plan, i int) string {
	pop := plan.Populate[i]
	t := plan.Targets[pop.Op.Target]
	return fmt.Sprintf("%s/%s %s %s keys=%d seed=%d sizes=%v",
		t.Name, t.Driver, pop.Op.Kind, plan.Keyspaces[pop.Op.Keyspace].Name, pop.Count, plan.Seed, pop.Op.Sizes)
}

// PopulateSchema is the schema of populate.json.
const PopulateSchema = "surge.populate/v1"

// PopulateCheckpoint is populate.json: where each keyspace's populate got
// to, read back by the next populate of the same scenario to resume.
type PopulateCheckpoint struct {
	Schema    string           `json:"schema"`
	Scenario  string           `json:"scenario"`
	Keyspaces []PopulateResult `json:"keyspaces"`
}

// WritePopulateCheckpoint writes c as indented JSON.
func WritePopulateCheckpoint(w io.Writer, c *PopulateCheckpoint) error {
	c.Schema = PopulateSchema
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("write populate checkpoint: %w", err)
	}
	return nil
}

// ReadPopulateCheckpoint reads populate.json.
func ReadPopulateCheckpoint(r io.Reader) (*PopulateCheckpoint, error) {
	var c PopulateCheckpoint
	if err := json.NewDecoder(r).Decode(&c); err != nil {
		return nil, fmt.Errorf("read populate checkpoint: %w", err)
	}
	if c.Schema != PopulateSchema {
		return nil, fmt.Errorf("read populate checkpoint: schema %q; want %q", c.Schema, PopulateSchema)
	}
	return &c, nil
}

// PopulateLine is the progress line of a populate in progress ("populate
// catalogue  41%  412000/1000000 keys  20000/s  0 failed  eta 29s").
func PopulateLine(r *PopulateResult) string {
	pct := 100.0
	if r.Keys > 0 {
		pct = math.Floor(100 * float64(r.Done) / float64(r.Keys))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "populate %s  %3.0f%%  %d/%d keys  %s/s", r.Keyspace, pct, r.Done, r.Keys, formatRate(r.Rate))
	fmt.Fprintf(&b, "  %d failed", r.Failed())
	if left := r.Keys - r.Done; left > 0 && r.Rate > 0 {
		eta := time.Duration(float64(left) / r.Rate * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(&b, "  eta %v", eta)
	}
	return b.String()
}

// writePopulate writes the populate section of the text summary.
func writePopulate(w io.Writer, pops []PopulateResult) {
	if len(pops) == 0 {
		return
	}
	fmt.Fprintf(w, "\npopulate (before the stages, not measured)\n")
	fmt.Fprintf(w, "  keyspace\ttarget\top\tkeys\twritten\tresumed from\tfailed\ttook\trate/s\n")
	for _, p := range pops {
		f := errorClasses(p.Errors, len(p.Errors))
		if f == "" {
			f = "0"
		}
		status := strconv.FormatUint(p.Keys, 10)
		if !p.Complete() {
			status = fmt.Sprintf("%d of %d", p.Done, p.Keys)
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%d\t%d\t%s\t%v\t%s\n", p.Keyspace, p.Target, p.Op, status,
			p.Written, p.ResumedFrom, f, secondsDuration(p.DurationS), formatRate(p.Rate))
	}
}

// Failed is the number of keys whose writes failed.
func (p *PopulateResult) Failed() int64 {
	var n int64
	for _, e := range p.Errors {
		n += e
	}
	return n
}
