package api

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crm/channel-removal/api/openapi"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/contract"
)

type document struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas struct {
			ProblemCode struct {
				Enum []string `json:"enum"`
			} `json:"ProblemCode"`
		} `json:"schemas"`
		Examples map[string]struct {
			Value struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
				Title  string `json:"title"`
			} `json:"value"`
		} `json:"examples"`
	} `json:"components"`
}

func readDocument(t *testing.T) document {
	t.Helper()
	raw, err := openapi.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var d document
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// TestEveryRouteIsInTheContract: each route Gin serves is an operation of
// the document, and each operation of the document a route Gin serves.
func TestEveryRouteIsInTheContract(t *testing.T) {
	d := readDocument(t)
	served := map[string]bool{}
	for _, r := range New(Config{}).engine.Routes() {
		path := ginParam.ReplaceAllString(r.Path, "{$1}")
		op := strings.ToLower(r.Method) + " " + path
		served[op] = true
		if _, ok := d.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in api/openapi", r.Method, path)
		}
	}
	for path, item := range d.Paths {
		for method := range item {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			if !served[method+" "+path] {
				t.Errorf("api/openapi describes %s %s, which no route serves", strings.ToUpper(method), path)
			}
		}
	}
}

// TestEveryProblemCodeIsInTheContract: the document's problem codes are
// the domain's, mapped once in problems.go, and each code's example has the
// status and title problems.go gives it.
func TestEveryProblemCodeIsInTheContract(t *testing.T) {
	d := readDocument(t)
	var codes []string
	for c := range problems {
		codes = append(codes, string(c))
	}
	slices.Sort(codes)
	documented := slices.Sorted(slices.Values(d.Components.Schemas.ProblemCode.Enum))
	if !slices.Equal(codes, documented) {
		t.Fatalf("problem codes:\n  problems.go %v\n  api/openapi %v", codes, documented)
	}
	for name, ex := range d.Components.Examples {
		p, ok := problems[domain.Code(ex.Value.Code)]
		if !ok || name != ex.Value.Code || p.Status != ex.Value.Status || p.Title != ex.Value.Title {
			t.Errorf("example %s: %+v, problems.go says %+v", name, ex.Value, p)
		}
	}
}

// TestTheContractIsServed: GET /openapi.json answers the document, which is
// valid OpenAPI 3.1, and its own answer validates against it.
func TestTheContractIsServed(t *testing.T) {
	srv := httptest.NewServer(New(Config{}).Handler())
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	want, _ := openapi.JSON()
	if res.StatusCode != 200 || string(body) != string(want) || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var head struct {
		OpenAPI string `json:"openapi"`
	}
	if json.Unmarshal(body, &head); head.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", head.OpenAPI)
	}
	c, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(res.Request, res.StatusCode, res.Header, body); err != nil {
		t.Fatal(err)
	}
}
