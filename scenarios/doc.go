// Package scenarios reads scenario files: the YAML schema (version 1), a
// strict loader whose every complaint names file:line:col, what was
// expected and, for misspellings, what was probably meant, and the
// compilation of a valid scenario into a [Plan] of workloads objects. It also
// embeds the bundled scenarios.
//
// In the DESIGN.md data flow it is the first step: scenario.yaml →
// scenarios.Load → Plan → coordinator.
package scenarios
