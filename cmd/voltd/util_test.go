package main

import (
	"io"
	"os"
	"sync"
)

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func writeFile(name, s string) error { return os.WriteFile(name, []byte(s), 0o600) }
