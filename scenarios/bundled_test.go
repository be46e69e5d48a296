package scenarios

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/surgeload/surge/workloads"
)

func TestBundledScenariosLoad(t *testing.T) {
	infos := Bundled()
	if len(infos) < 2 || infos[0].Name != "bbd-flash-sale" || infos[1].Name != "smoke" {
		t.Fatalf("Bundled() = %v; want bbd-flash-sale and smoke first", infos)
	}
	for _, info := range infos {
		p, err := LoadBundled(info.Name)
		if err != nil {
			t.Fatalf("LoadBundled(%s): %v", info.Name, err)
		}
		if p.Name != info.Name || info.Description == "" || p.Source != "bundled:"+info.Name {
			t.Errorf("bundled %s: name %q, description %q, source %q", info.Name, p.Name, info.Description, p.Source)
		}
		if _, err := workloads.NewProfile(p.Stages); err != nil {
			t.Errorf("bundled %s: %v", info.Name, err)
		}
	}
}

// bbd-flash-sale is the sale the README describes: a 10x surge over 60 s.
func TestFlashSaleShape(t *testing.T) {
	p, err := LoadBundled("bbd-flash-sale")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range p.Stages {
		names = append(names, st.Name)
	}
	if got := strings.Join(names, ","); got != "warm-up,pre-sale,midnight-surge,peak-hold,cool-down" {
		t.Errorf("stages %s", got)
	}
	surge := p.Stages[2]
	if surge.Duration != 60*time.Second || surge.To != 10*surge.From {
		t.Errorf("midnight-surge: %v from %v to %v; want 60s and 10x", surge.Duration, surge.From, surge.To)
	}
	if p.Duration() != 90*time.Second {
		t.Errorf("Duration() = %v; want 90s", p.Duration())
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "smoke")
	data, err := bundled.ReadFile("bundled/smoke.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), "name: smoke", "name: local", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := Resolve(file); err != nil || p.Name != "local" {
		t.Errorf("Resolve(file) = %v, %v; want the file", p, err)
	}
	if p, err := Resolve("smoke"); err != nil || p.Source != "bundled:smoke" {
		t.Errorf("Resolve(smoke) = %v, %v; want the bundled one", p, err)
	}
	_, err = Resolve("no-such")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "bbd-flash-sale, smoke") {
		t.Errorf("Resolve(no-such) = %v; want ErrNotExist listing the bundled names", err)
	}
}

func TestScale(t *testing.T) {
	p, err := LoadBundled("smoke")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Scale(2, 0.5); err != nil {
		t.Fatal(err)
	}
	if st := p.Stages[1]; st.From != 2000 || st.Duration != 4*time.Second {
		t.Errorf("scaled steady stage = %v at %v/s; want 4s at 2000/s", st.Duration, st.From)
	}
	for _, bad := range [][2]float64{{0, 1}, {1, -1}, {1, 1e-12}} {
		if err := p.Scale(bad[0], bad[1]); err == nil {
			t.Errorf("Scale(%v, %v) = nil; want an error", bad[0], bad[1])
		}
	}
}
