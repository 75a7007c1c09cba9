package deploy

import (
	"os"
	"regexp"
	"testing"
)

// TestTheBalancerStreamsExports: nginx buffers a response to its disk (up to
// 1 GiB by default) when the client reads slower than the API writes, which
// would keep a copy of the customers' data on the balancer and hide a slow
// client from the API's pace bound. The export's location turns it off.
func TestTheBalancerStreamsExports(t *testing.T) {
	raw, err := os.ReadFile("lb.conf")
	if err != nil {
		t.Fatal(err)
	}
	loc := regexp.MustCompile(`(?s)location ~ \^/v1/channels/\[\^/\]\+/export\$ \{([^}]*)\}`).FindSubmatch(raw)
	if loc == nil {
		t.Fatal("lb.conf has no location for the export")
	}
	for _, want := range []string{`proxy_buffering off;`, `proxy_max_temp_file_size 0;`, `proxy_pass $api;`} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).Match(loc[1]) {
			t.Errorf("the export's location lacks %q", want)
		}
	}
}
