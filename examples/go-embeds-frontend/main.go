// A Go server that carries its Vite front end inside its binary.
package main

import (
	"io/fs"
	"log"
	"net/http"
	"os"

	"example.com/go-embeds-frontend/web"
)

func main() {
	site, err := fs.Sub(web.Dist, "dist")
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	http.Handle("/", http.FileServer(http.FS(site)))
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
