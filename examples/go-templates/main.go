// A small site that renders its pages from templates/ and serves static/ from disk, both
// read when the program runs, so the image must carry them beside the binary.
package main

import (
	"html/template"
	"log"
	"net/http"
	"os"
)

func main() {
	pages := template.Must(template.ParseGlob("templates/*.html"))
	http.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir("static"))))
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if err := pages.ExecuteTemplate(w, "index.html", map[string]string{"Title": "Rendered from templates/"}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Printf("listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
