// Package apisample is a package for TestAPIListing: its exported API is
// worked out by hand in the test.
package apisample

import "fmt"

// Answer is an untyped constant.
const Answer = 42

// Kind is a named type with a method.
type Kind int

// Typed is a typed constant, listed with its type.
const Typed Kind = 1

const hidden = 0

// Default is a variable.
var Default Kind

// String is an exported method.
func (Kind) String() string { return "kind" }

func (Kind) private() {}

// Alias is an alias type.
type Alias = map[string]int

// Shape is an interface with a method and an embedded interface.
type Shape interface {
	Area() float64
	fmt.Stringer
	secret()
}

// Square has exported and unexported fields, one of a function type.
type Square struct {
	Side       float64
	Name, note string
	Next       *Square
	OnDraw     func(scale float64) error
}

// NewSquare is a constructor: listed with its type.
func NewSquare(side float64) *Square { return &Square{Side: side} }

// Area is a pointer method.
func (s *Square) Area() float64 { return s.Side * s.Side }

// Pair has grouped parameters and named results.
func Pair(a, b int, s string) (n int, err error) { return a + b, nil }

// Take has a function parameter with names and a variadic one.
func Take(f func(x, y int) bool, rest ...string) {}

func internal() {}
