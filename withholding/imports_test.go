package withholding_test

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

type listedPackage struct {
	ImportPath string
	Standard   bool
	Deps       []string
	Imports    []string
}

// listPackages runs `go list -deps` over the module and returns every package
// in it (not the standard library, not other modules).
func listPackages(t *testing.T) map[string]listedPackage {
	t.Helper()
	// -e: a package elsewhere that does not build (a missing go.sum line)
	// must not hide the import graph of the others.
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Standard,Deps,Imports", "github.com/iwoproject/iwo/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

const module = "github.com/iwoproject/iwo"

// synthPkg is the synthetic world; codecs' synth packages build on it.
const synthPkg = module + "/withholding/synth"

// excelize is the spreadsheet library report/ writes workbooks with.
const excelize = "github.com/xuri/excelize"

// calLib is the holiday library withholding/calendar may import.
const calLib = "github.com/rickar/cal/v2"

// TestImportDirection enforces the layering of STYLE.md §1: the domain uses
// only the standard library and no I/O-ish packages; codecs never reach for a
// database, the network, SFTP or the synthetic world (which their synth
// subpackages fake them with); jobs/ never pulls in the spreadsheet
// library; nothing imports cmd/ or jobs/.
func TestImportDirection(t *testing.T) {
	pkgs := listPackages(t)
	forbiddenInDomain := []string{"database/sql", "net", "net/http", "os/exec", "encoding/csv", "encoding/xml"}
	forbiddenOutsideBooks := []string{module + "/store", module + "/jobs", module + "/report", module + "/web", "database/sql"}
	forbiddenInCodecs := []string{"database/sql", "net/http", "github.com/pkg/sftp", "golang.org/x/crypto/ssh", module + "/store", module + "/jobs"}

	for path, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
		top, _, _ := strings.Cut(rel, "/")
		switch top {
		case "withholding":
			for _, d := range p.Deps {
				if !strings.Contains(strings.Split(d, "/")[0], ".") {
					continue // standard library
				}
				if path != module+"/withholding" && (d == module+"/withholding" || strings.HasPrefix(d, module+"/withholding/")) {
					continue // subpackages build on the domain and each other
				}
				// The calendar adapter wraps the holiday library, and
				// what uses the adapter gets it too; the package
				// withholding itself stays standard-library only.
				if (d == calLib || strings.HasPrefix(d, calLib+"/")) && dependsOnCalendar(path, p.Deps) {
					continue
				}
				t.Errorf("%s depends on %s; the domain may use only the standard library", path, d)
			}
			for _, d := range p.Deps {
				for _, f := range forbiddenInDomain {
					if d == f {
						t.Errorf("%s depends on %s; the domain does no I/O of that kind", path, d)
					}
				}
			}
		case "edi", "ach":
			for _, d := range p.Deps {
				for _, f := range forbiddenInCodecs {
					if d == f || strings.HasPrefix(d, f+"/") {
						t.Errorf("%s depends on %s; codecs must not", path, d)
					}
				}
				// Synthetic data lives beside what it fakes (edi/edisynth,
				// ach/achsynth), never inside the codec.
				if d == synthPkg && !strings.HasSuffix(path, "synth") {
					t.Errorf("%s depends on %s; only the codec's synth package may", path, d)
				}
			}
		case "transfer", "employer", "demo":
			// Moving files, the employer's side and the demo's world
			// are no part of the agency's books: they never reach its
			// store, jobs, reports or console.
			for _, d := range p.Deps {
				for _, f := range forbiddenOutsideBooks {
					if d == f || strings.HasPrefix(d, f+"/") {
						t.Errorf("%s depends on %s; %s/ must not", path, d, top)
					}
				}
			}
			if top == "transfer" {
				for _, d := range p.Deps {
					if d == module+"/edi" || d == module+"/ach" {
						t.Errorf("%s depends on %s; transfer moves bytes and reads no codec", path, d)
					}
				}
			}
		}
		if top == "jobs" {
			// Each step depends on small interfaces (jobs.Reports for the
			// workbooks), never on a concrete adapter's libraries.
			for _, d := range p.Deps {
				if d == excelize || strings.HasPrefix(d, excelize+"/") {
					t.Errorf("%s depends on %s; jobs/ writes workbooks through jobs.Reports", path, d)
				}
			}
		}
		if top == "cmd" {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/cmd") {
				t.Errorf("%s imports %s; nothing may import cmd/", path, imp)
			}
			// bench/ wires the real jobs to the store as cmd/ does, to
			// measure the night ("iwo bench night").
			if strings.HasPrefix(imp, module+"/jobs") && top != "jobs" && top != "web" && top != "bench" {
				t.Errorf("%s imports %s; only cmd/ (the console's run-now and the bench) may import jobs/", path, imp)
			}
		}
	}
}

// dependsOnCalendar reports whether the package path is, or builds on,
// withholding/calendar.
func dependsOnCalendar(path string, deps []string) bool {
	const calendar = module + "/withholding/calendar"
	if path == calendar {
		return true
	}
	for _, d := range deps {
		if d == calendar {
			return true
		}
	}
	return false
}

// unsafeFence is the one file that may import unsafe: STYLE.md §10 fences
// code that speed forces to be unusual in one type in one file, whose doc
// comment says why and names the benchmark that proves it.
const unsafeFence = "ach/textbuf.go"

// TestUnsafeFenced checks that no Go file in the module but unsafeFence
// imports unsafe, tests and build-tagged files included.
func TestUnsafeFenced(t *testing.T) {
	fset := token.NewFileSet()
	var importers []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != ".." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "unsafe" {
				rel, _ := filepath.Rel("..", path)
				importers = append(importers, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fence := false
	for _, f := range importers {
		if f == unsafeFence {
			fence = true
			continue
		}
		t.Errorf("%s imports unsafe; only %s may (STYLE.md §10)", f, unsafeFence)
	}
	if !fence {
		t.Errorf("%s does not import unsafe any more: update unsafeFence", unsafeFence)
	}
}
