import os

from flask import Flask


def create_app():
    app = Flask(__name__)
    app.config["TITLE"] = os.environ.get("NOTES_TITLE", "Notes")

    @app.get("/")
    def index():
        return {"title": app.config["TITLE"]}

    @app.get("/health")
    def health():
        return {"ok": True}

    return app
