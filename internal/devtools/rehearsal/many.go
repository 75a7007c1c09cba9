package rehearsal

import (
	"fmt"
	"sync"
	"time"

	"github.com/crm/channel-removal/workflows"
)

// many runs f over chs, c at a time, and counts the outcomes.
func many(chs []channel, c int, f func(i int, ch channel) (string, error)) (map[string]int, time.Duration, error) {
	start := time.Now()
	outcomes := map[string]int{}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, c)
	var wg sync.WaitGroup
	for i, ch := range chs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			st, err := f(i, ch)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				st = "error"
				if firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", ch.name, err)
				}
			}
			outcomes[st]++
		}()
	}
	wg.Wait()
	return outcomes, time.Since(start), firstErr
}

func removalID(ch channel) string { return workflows.WorkflowID(ch.id) }
