package fanbench

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateAPI = flag.Bool("update", false, "rewrite testdata/api/*.txt from the packages' exported API")

// publicPackages are the module's public packages, each with the golden
// listing of its exported API. A new public package is one row.
var publicPackages = []struct{ dir, golden string }{
	{".", "testdata/api/fanbench.txt"},
	{"fanout", "testdata/api/fanout.txt"},
	{"cmdline", "testdata/api/cmdline.txt"},
}

// TestExportedAPI compares each public package's exported API (names,
// signatures without parameter names, exported struct fields and
// interface methods, in the listing apiListing prints) with its committed
// golden listing, so that an accidental change of the public surface
// fails. A deliberate one is made with `go test -run TestExportedAPI
// -update .` and the diff reviewed (docs/library.md: Public API).
func TestExportedAPI(t *testing.T) {
	for _, p := range publicPackages {
		t.Run(p.dir, func(t *testing.T) {
			got, err := apiListing(p.dir)
			if err != nil {
				t.Fatal(err)
			}
			if *updateAPI {
				if err := os.WriteFile(p.golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(p.golden)
			if err != nil {
				t.Fatalf("%v (go test -run TestExportedAPI -update . writes it)", err)
			}
			if got != string(want) {
				t.Errorf("the exported API of %s is not %s's (go test -run TestExportedAPI -update . rewrites it after a deliberate change):\n--- got\n%s\n--- want\n%s", p.dir, p.golden, got, want)
			}
		})
	}
}

// TestAPIListing checks the listing itself on a package written for it
// (testdata/apisample), whose listing is worked out by hand below:
// unexported names, fields and methods are left out (a line says a type
// has some), parameter names are dropped and grouped parameters repeated,
// and a type's constants, variables and constructors follow it, as go doc
// groups them.
func TestAPIListing(t *testing.T) {
	got, err := apiListing(filepath.Join("testdata", "apisample"))
	if err != nil {
		t.Fatal(err)
	}
	want := `package apisample

const Answer = 42

func Pair(int, int, string) (int, error)
func Take(func(int, int) bool, ...string)

type Alias = map[string]int

type Kind int
const Typed Kind = 1
var Default Kind
func (Kind) String() string

type Shape interface
	Area() float64
	fmt.Stringer
	(unexported methods)

type Square struct
	Side float64
	Name string
	Next *Square
	OnDraw func(float64) error
	(unexported fields)
func NewSquare(float64) *Square
func (*Square) Area() float64
`
	if got != want {
		t.Errorf("listing:\n%s\nwant:\n%s", got, want)
	}
}

// apiListing is the exported API of the package in dir: one line per
// constant, variable and function, then each type with its exported
// fields or methods (indented) and its functions and methods.
func apiListing(dir string) (string, error) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			return "", err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("no Go files in %s", dir)
	}
	pkg, err := doc.NewFromFiles(fset, files, "example.com/"+files[0].Name.Name)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n", pkg.Name)
	section := func(lines []string) {
		if len(lines) > 0 {
			b.WriteString("\n" + strings.Join(lines, "\n") + "\n")
		}
	}
	var values []string
	for _, kind := range []struct {
		word string
		vs   []*doc.Value
	}{{"const", pkg.Consts}, {"var", pkg.Vars}} {
		values = values[:0]
		for _, v := range kind.vs {
			values = append(values, valueLines(fset, kind.word, v)...)
		}
		section(values)
	}
	var funcs []string
	for _, f := range pkg.Funcs {
		funcs = append(funcs, funcLine(fset, f))
	}
	section(funcs)
	for _, t := range pkg.Types {
		// The type, then (as go doc groups them) its constants,
		// variables, functions and methods.
		lines := typeLines(fset, t.Decl)
		for _, v := range t.Consts {
			lines = append(lines, valueLines(fset, "const", v)...)
		}
		for _, v := range t.Vars {
			lines = append(lines, valueLines(fset, "var", v)...)
		}
		for _, f := range t.Funcs {
			lines = append(lines, funcLine(fset, f))
		}
		for _, m := range t.Methods {
			lines = append(lines, funcLine(fset, m))
		}
		section(lines)
	}
	return b.String(), nil
}

// valueLines lists one exported constant or variable declaration.
func valueLines(fset *token.FileSet, word string, v *doc.Value) []string {
	var out []string
	for _, spec := range v.Decl.Specs {
		vs := spec.(*ast.ValueSpec)
		for i, name := range vs.Names {
			if !name.IsExported() {
				continue
			}
			line := word + " " + name.Name
			if vs.Type != nil {
				line += " " + exprString(fset, vs.Type)
			}
			if i < len(vs.Values) {
				line += " = " + exprString(fset, vs.Values[i])
			}
			out = append(out, line)
		}
	}
	return out
}

// funcLine is a function or method with its signature.
func funcLine(fset *token.FileSet, f *doc.Func) string {
	d := f.Decl
	recv := ""
	if d.Recv != nil && len(d.Recv.List) == 1 {
		recv = "(" + exprString(fset, d.Recv.List[0].Type) + ") "
	}
	return "func " + recv + d.Name.Name + strings.TrimPrefix(exprString(fset, d.Type), "func")
}

// typeLines is a type's declaration: its exported fields (struct) or
// methods and embedded interfaces (interface), one per indented line, and
// a line saying when it has unexported ones.
func typeLines(fset *token.FileSet, decl *ast.GenDecl) []string {
	var out []string
	for _, spec := range decl.Specs {
		ts := spec.(*ast.TypeSpec)
		eq := " "
		if ts.Assign.IsValid() {
			eq = " = "
		}
		switch t := ts.Type.(type) {
		case *ast.StructType:
			out = append(out, "type "+ts.Name.Name+" struct")
			out = append(out, fieldLines(fset, t.Fields, false)...)
			if t.Incomplete {
				out = append(out, "\t(unexported fields)")
			}
		case *ast.InterfaceType:
			out = append(out, "type "+ts.Name.Name+" interface")
			out = append(out, fieldLines(fset, t.Methods, true)...)
			if t.Incomplete { // it cannot be implemented outside its package
				out = append(out, "\t(unexported methods)")
			}
		default:
			out = append(out, "type "+ts.Name.Name+eq+exprString(fset, ts.Type))
		}
	}
	return out
}

// fieldLines lists the exported fields of a struct or methods of an
// interface (go/doc has removed the unexported ones), and its embedded
// types. A struct field of a function type keeps its "func".
func fieldLines(fset *token.FileSet, fl *ast.FieldList, methods bool) []string {
	var out []string
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			out = append(out, "\t"+exprString(fset, f.Type))
			continue
		}
		for _, n := range f.Names {
			if ft, ok := f.Type.(*ast.FuncType); ok && methods {
				out = append(out, "\t"+n.Name+strings.TrimPrefix(exprString(fset, ft), "func"))
			} else {
				out = append(out, "\t"+n.Name+" "+exprString(fset, f.Type))
			}
		}
	}
	return out
}

// exprString prints an expression with the parameter and result names of
// every function type in it dropped (a grouped a, b int becomes int, int):
// names are not part of the API.
func exprString(fset *token.FileSet, e ast.Expr) string {
	ast.Inspect(e, func(n ast.Node) bool {
		if ft, ok := n.(*ast.FuncType); ok {
			ft.Params = unnamed(ft.Params)
			ft.Results = unnamed(ft.Results)
		}
		return true
	})
	var buf bytes.Buffer
	if err := printer.Fprint(&buf, fset, e); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return buf.String()
}

// unnamed is fl without names, each grouped field repeated.
func unnamed(fl *ast.FieldList) *ast.FieldList {
	if fl == nil {
		return nil
	}
	out := &ast.FieldList{Opening: fl.Opening, Closing: fl.Closing}
	for _, f := range fl.List {
		for range max(1, len(f.Names)) {
			out.List = append(out.List, &ast.Field{Type: f.Type})
		}
	}
	return out
}
