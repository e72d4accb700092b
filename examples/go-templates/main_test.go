package main

import (
	"html/template"
	"testing"
)

func TestTemplatesParse(t *testing.T) {
	if _, err := template.ParseGlob("templates/*.html"); err != nil {
		t.Fatal(err)
	}
}
