import httptools
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def index() -> dict[str, str]:
    # httptools is imported so the image proves its compiled wheel installed.
    return {"quote": "Simplicity is prerequisite for reliability.", "parser": httptools.__name__}
