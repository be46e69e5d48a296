package shop

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
)

// funnel is the package doc's reference mix, in requests per 100.
var funnel = map[string]int{"catalog": 20, "search": 15, "product": 35, "inventory": 15, "cart": 10, "checkout": 5}

// TestDefaultModelsSaturate checks the package doc's sizing in virtual
// time: the reference funnel at 2,000 requests/s sheds nothing anywhere,
// and at 20,000/s it saturates search and checkout, and only them.
func TestDefaultModelsSaturate(t *testing.T) {
	for _, total := range []int{2000, 20000} {
		for _, name := range Endpoints {
			rate := total * funnel[name] / 100
			wantShed := total == 20000 && (name == "search" || name == "checkout")
			t.Run(name+"@"+itoa(int64(total)), func(t *testing.T) {
				shed := offer(t, DefaultModel(name), rate, 3*time.Second)
				if (shed > 0) != wantShed {
					t.Errorf("%s at %d/s (%d/s in all) shed %d in 3s; want shedding %v", name, rate, total, shed, wantShed)
				}
			})
		}
	}
}

// offer sends rate ops/s evenly to a model for d of virtual time and
// returns how many it shed.
func offer(t *testing.T, cfg sim.Config, rate int, d time.Duration) int64 {
	var shed atomic.Int64
	synctest.Test(t, func(t *testing.T) {
		model, err := sim.New(cfg, drivers.WallClock())
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		period := time.Second / time.Duration(rate)
		for i := range int(d / period) {
			time.Sleep(period)
			wg.Go(func() {
				err := model.Do(context.Background(), &drivers.Op{Seq: uint64(i)})
				if errors.Is(err, drivers.ErrOverload) {
					shed.Add(1)
				}
			})
		}
		wg.Wait()
	})
	return shed.Load()
}
