"""A greeter whose page proves its start script ran: the script writes a file outside the
app's folder, which the app reads back."""

from pathlib import Path

from flask import Flask

app = Flask(__name__)
BOOT_FILE = Path("/var/lib/greeter/booted-by")


@app.get("/")
def index():
    booted = BOOT_FILE.read_text().strip() if BOOT_FILE.exists() else "not booted by its script"
    return f"greeter: {booted}\n"


@app.get("/health")
def health():
    return "ok"
