module example.com/go-embeds-frontend

go 1.22
