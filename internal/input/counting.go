package input

import "io"

// CountingReader reads through R and counts the bytes read in N.
type CountingReader struct {
	R io.Reader
	N int64
}

// Read reads from R and adds what it read to N.
func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}

// CountingWriter writes through W and counts the bytes written in N.
type CountingWriter struct {
	W io.Writer
	N int64
}

// Write writes to W and adds what it wrote to N.
func (c *CountingWriter) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.N += int64(n)
	return n, err
}
