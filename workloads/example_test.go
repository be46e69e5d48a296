package workloads_test

import (
	"fmt"
	"time"

	"github.com/surgeload/surge/workloads"
)

func ExampleNewZipf() {
	// YCSB's default skew over a thousand keys, unscrambled so that the
	// hottest keys are the first ones.
	z, err := workloads.NewZipf(1000, 0.99, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := workloads.NewRand(1, 0) // seed 1, stream 0
	const draws = 100_000
	counts := make([]int, 1000)
	for range draws {
		counts[z.Next(r)]++
	}
	top10 := 0
	for k := range 10 {
		top10 += counts[k]
	}
	fmt.Printf("key 0: %.1f%%\n", 100*float64(counts[0])/draws)
	fmt.Printf("key 1: %.1f%%\n", 100*float64(counts[1])/draws)
	fmt.Printf("keys 0-9: %.0f%%\n", 100*float64(top10)/draws)
	// Output:
	// key 0: 13.2%
	// key 1: 6.3%
	// keys 0-9: 40%
}

func ExampleNewMix() {
	ops := []string{"read", "update", "delete"}
	m, err := workloads.NewMix([]float64{90, 9, 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := workloads.NewRand(1, 0)
	counts := make([]int, m.Len())
	for range 10_000 {
		counts[m.Pick(r)]++
	}
	for i, name := range ops {
		fmt.Printf("%-6s share %.2f picked %d\n", name, m.Share(i), counts[i])
	}
	// Output:
	// read   share 0.90 picked 8978
	// update share 0.09 picked 935
	// delete share 0.01 picked 87
}

func ExampleNewSchedule() {
	p, err := workloads.NewProfile([]workloads.Stage{
		{Name: "warm", Duration: time.Second, From: 4, To: 4},
		{Name: "ramp", Duration: time.Second, From: 4, To: 8},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v, %.0f ops expected\n", p.Duration(), p.Work(p.Duration()))
	// Two lanes deal out the ops of one evenly paced schedule.
	for lane := range 2 {
		s := workloads.NewSchedule(p, workloads.NewRand(1, uint64(lane)), lane, 2)
		fmt.Printf("lane %d:", lane)
		for {
			t, stage, ok := s.Next()
			if !ok {
				break
			}
			fmt.Printf(" %v(%s)", t, p.Stages()[stage].Name)
		}
		fmt.Println()
	}
	// Output:
	// 2s, 10 ops expected
	// lane 0: 0s(warm) 500ms(warm) 1s(ramp) 1.414213562s(ramp) 1.732050808s(ramp)
	// lane 1: 250ms(warm) 750ms(warm) 1.224744871s(ramp) 1.58113883s(ramp) 1.870828693s(ramp)
}
