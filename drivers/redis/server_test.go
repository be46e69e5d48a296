package redis

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/rueidis"

	"github.com/surgeload/surge/drivers/redis/redistest"
)

// raw returns a plain rueidis client to s, closed at cleanup, for checking
// what Client.Do did.
func raw(tb testing.TB, s *redistest.Server, password string) rueidis.Client {
	tb.Helper()
	rc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{s.Addr}, Password: password,
		ForceSingleClient: true, DisableCache: true})
	if err != nil {
		tb.Fatalf("raw client to %s: %v", s.Addr, err)
	}
	tb.Cleanup(rc.Close)
	return rc
}

// info returns the integer fields of INFO section.
func info(tb testing.TB, rc rueidis.Client, section string) map[string]int64 {
	tb.Helper()
	txt, err := rc.Do(context.Background(), rc.B().Info().Section(section).Build()).ToString()
	if err != nil {
		tb.Fatalf("INFO %s: %v", section, err)
	}
	m := map[string]int64{}
	for line := range strings.SplitSeq(txt, "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if n, err := strconv.ParseInt(v, 10, 64); ok && err == nil {
			m[k] = n
		}
	}
	return m
}
