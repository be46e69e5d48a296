package shop

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServe measures what the shop itself costs a request, past the
// HTTP stack and with a model that never waits: the part a load test must
// not be measuring.
func BenchmarkServe(b *testing.B) {
	for _, path := range []string{"/api/products/12345", "/api/catalog?page=3&size=100", "/api/search?q=red+shoes"} {
		b.Run(path, func(b *testing.B) {
			s, err := Start(Options{Endpoints: fastModels()})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				w.Body.Reset()
				s.serveHTTP(w, req)
			}
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		})
	}
}
