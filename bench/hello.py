"""A minimal Flask app, served and loaded exactly like elearn, as the yardstick."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, world"
