// Package wire is the protocol between a surge coordinator and its
// drivers: the framing, the messages and their binary encoding.
//
// A connection opens with an 8-byte preamble from each side: "SURGE", a
// zero byte and the protocol [Version] (big-endian uint16). The preamble
// and the [Refuse] message keep their form in every version, so peers of
// different versions can always tell each other why they part. After the
// preamble both sides exchange frames: a 4-byte big-endian length, a
// [Type] byte and the message body. Bodies are sequences of varints,
// length-prefixed strings and fixed 8-byte floats in a fixed field order;
// a new field means a new Version.
//
// Histograms travel sparse ([Hist]): the non-zero buckets of surge's one
// histogram geometry as (index, count) pairs, so that merging a report
// costs time in the buckets that hold values, not in the geometry's 23,552
// buckets, and so that the merge is exact.
//
// Every decoder checks lengths and bounds and returns an error on any input
// it cannot represent; it never panics (see the fuzz tests).
package wire
