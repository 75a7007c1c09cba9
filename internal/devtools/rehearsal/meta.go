package rehearsal

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/crm/channel-removal/internal/devtools/graphsim"
)

// graphDoor is one worker's way to the Graph simulator. Armed, it holds the
// next call until released, and says that it holds one: the rehearsal kills
// the worker that made it. A held call whose caller died is dropped, as a
// request that never reached Meta.
type graphDoor struct {
	worker int
	sim    *graphsim.Sim
	srv    *httptest.Server

	mu      sync.Mutex
	armed   bool
	holding chan int // the door's worker, once a call is held
	release chan struct{}
}

func newGraphDoors(sim *graphsim.Sim, n int) []*graphDoor {
	var ds []*graphDoor
	for i := 0; i < n; i++ {
		d := &graphDoor{worker: i, sim: sim}
		d.srv = httptest.NewServer(d)
		ds = append(ds, d)
	}
	return ds
}

func (d *graphDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	armed, holding, release := d.armed, d.holding, d.release
	d.armed = false
	d.mu.Unlock()
	if armed {
		holding <- d.worker
		<-release
		time.Sleep(100 * time.Millisecond) // the kill's connection reset arrives
		if r.Context().Err() != nil {
			return
		}
	}
	d.sim.ServeHTTP(w, r)
}

// holdNext arms every door for its next call; the returned channel gives the
// worker whose call is held, and release lets it (and disarms the others).
func holdNext(doors []*graphDoor) (held <-chan int, release func()) {
	h, rel := make(chan int, len(doors)), make(chan struct{})
	for _, d := range doors {
		d.mu.Lock()
		d.armed, d.holding, d.release = true, h, rel
		d.mu.Unlock()
	}
	var once sync.Once
	return h, func() {
		once.Do(func() {
			for _, d := range doors {
				d.mu.Lock()
				d.armed = false
				d.mu.Unlock()
			}
			close(rel)
		})
	}
}
