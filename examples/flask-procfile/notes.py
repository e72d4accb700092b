"""A note counter that writes where real apps write: a log file under logs/ and a SQLite
database beside the code, both in its working folder."""

import logging
import os
import sqlite3

from flask import Flask

os.makedirs("logs", exist_ok=True)
logging.basicConfig(filename="logs/notes.log", level=logging.INFO)
log = logging.getLogger("notes")

app = Flask(__name__)


def db():
    conn = sqlite3.connect("notes.db")
    conn.execute("create table if not exists visits (at text default current_timestamp)")
    return conn


@app.get("/")
def index():
    with db() as conn:
        conn.execute("insert into visits default values")
        count = conn.execute("select count(*) from visits").fetchone()[0]
    log.info("visit %d", count)
    return f"notes: {count} visits, logged to logs/notes.log\n"


@app.get("/health")
def health():
    return "ok"


if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", 5000)))
