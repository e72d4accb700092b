import os

from fastapi import FastAPI

app = FastAPI(title="bim FastAPI example")


@app.get("/")
def root():
    return {"hello": os.getenv("GREETING", "world")}


@app.get("/health")
def health():
    return {"ok": True}
