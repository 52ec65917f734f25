"""The hub's maps in Chromium on a phone, with tiles from a fake tile server on 127.0.0.1
(ELEARN_MAP_TILES). On the report form a tap drops a pin that fills the position, "Use my
location" and the keyboard move it, "Remove the pin" clears it, and the report keeps the
pin's position; the findings map (templates/hub/_map.html) shows each point's label as
text. axe-core finds nothing on either page, with the pin and with a popup open."""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from elearn.config import PROJECT_DIR
from elearn.dates import LONDON
from tests.e2e.conftest import WCAG_TAGS, Accessibility
from tests.e2e.helpers import follow, sign_in

REPORTER = "map.reporter@journey.example"
SHOTS = PROJECT_DIR / "test-output" / "screens" / "hub"
CITY = (51.5155, -0.0922)


def tile_png() -> bytes:
    """A 256 px tile: a pale ground with a road across it, so a screenshot reads as a map."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (242, 239, 233))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 118, 255, 138), fill=(255, 255, 255), outline=(200, 196, 188))
    draw.rectangle((0, 0, 255, 255), outline=(225, 221, 213))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class TileServer:
    """Answers every GET with the same PNG tile, and counts them."""

    def __init__(self) -> None:
        png, served = tile_png(), []

        class Tiles(BaseHTTPRequestHandler):
            def do_GET(self):
                served.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)

            def log_message(self, *args):
                pass

        self.served = served
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
        self.template = f"http://127.0.0.1:{self.http.server_port}/{{z}}/{{x}}/{{y}}.png"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


FIGURES_PAGE = """{% extends "base.html" %}{% from "hub/_map.html" import findings_map %}
{% block title %}Findings by area{% endblock %}
{% block page %}<h1 class="govuk-heading-l">Findings by area</h1>
{{ findings_map(points, id="areas-map", label="Map of the findings by area") }}{% endblock %}"""
POINTS = [
    {"lat": 51.5142, "lng": -0.0931, "label": "EC2V: 3 reports"},
    {"lat": 51.5130, "lng": -0.0830, "label": '<img src=x onerror="window.hacked=1"> EC3V'},
    {"lat": 51.5170, "lng": -0.0990, "label": "EC1A: 1 report"},
]


@pytest.fixture(scope="module")
def map_server(tmp_path_factory, chromium_path):
    """elearn with a map configured, on a database of its own (the journeys' server has
    none, and its figures count every finding): the report form, and a page marked
    `shows_map` that uses the findings_map macro, as the figures page does."""
    from flask import render_template_string
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from elearn import create_app
    from elearn.config import TestConfig
    from elearn.web.security import shows_map

    tiles = TileServer()
    config = TestConfig(tmp_path_factory.mktemp("map-instance"))
    config.ELEARN_CONTENT_DIR = PROJECT_DIR / "tests" / "fixtures" / "content"
    config.ELEARN_MAP_TILES = tiles.template
    config.ELEARN_MAP_ATTRIBUTION = "© Test tiles & friends"
    app = create_app(config)

    @app.get("/test-findings-map")
    @shows_map
    def findings_map_page():
        return render_template_string(FIGURES_PAGE, points=POINTS)

    with app.app_context():
        upgrade()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    app.config["SERVER_NAME"] = f"127.0.0.1:{http.server_port}"
    yield app, f"http://127.0.0.1:{http.server_port}", tiles
    http.shutdown()
    tiles.close()


def _reporter(app) -> None:
    from sqlalchemy.orm import Session

    from elearn.extensions import db
    from tests.conftest import Factory

    with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
        make = Factory(session)
        make.user(REPORTER, "Mo Mapper", org=make.organisation("Map Partners"))


def axe_here(page) -> list[str]:
    """axe-core's WCAG A and AA violations on the page as it is, at its present width."""
    page.evaluate(Accessibility().source)
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.html).join(' ')))",
        WCAG_TAGS,
    )


def position(page) -> tuple[float, float]:
    return float(page.input_value("#latitude")), float(page.input_value("#longitude"))


def in_the_city(latitude: float, longitude: float) -> bool:
    return 51.50 < latitude < 51.53 and -0.12 < longitude < -0.06


def test_a_pin_on_the_map_is_sent_with_the_report(map_server, page):
    app, base, tiles = map_server
    _reporter(app)
    page.set_viewport_size({"width": 375, "height": 800})
    page.context.grant_permissions(["geolocation"], origin=base)
    page.context.set_geolocation({"latitude": 51.5142, "longitude": -0.0931})
    sign_in(page, base, REPORTER)
    page.goto(f"{base}/hub/new")

    the_map = page.get_by_role("region", name="Map of the City of London: put a pin where it is")
    expect(the_map).to_be_visible()
    page.wait_for_function("document.querySelectorAll('#report-map .leaflet-tile-loaded').length")
    assert tiles.served, "the tiles came from the tile server, through the page's CSP"
    expect(page.locator("#report-map .leaflet-control-attribution")).to_contain_text(
        "© Test tiles & friends"
    )
    status = page.locator("#report-map-status")
    expect(status).to_have_text("No pin on the map.")
    remove = page.get_by_role("button", name="Remove the pin")
    expect(remove).to_be_hidden()

    # A tap drops the pin, and the hidden fields get its position.
    the_map.click(position={"x": 120, "y": 90})
    expect(status).to_contain_text("this position will be sent with the report")
    tapped = position(page)
    assert in_the_city(*tapped) and tapped[0] > CITY[0] and tapped[1] < CITY[1], tapped
    expect(page.locator("#report-map .leaflet-marker-icon")).to_have_count(1)

    # "Remove the pin" clears it; Enter on the map puts it in the map's middle.
    remove.click()
    expect(status).to_have_text("No pin on the map.")
    assert page.input_value("#latitude") == page.input_value("#longitude") == ""
    expect(page.locator("#report-map .leaflet-marker-icon")).to_have_count(0)
    the_map.focus()
    page.keyboard.press("Enter")
    expect(status).to_contain_text("Pin at 51.51550, -0.09220")

    # "Use my location" moves the pin to the phone's position.
    page.get_by_role("button", name="Use my location").click()
    expect(status).to_contain_text("Pin at 51.51420, -0.09310")
    assert position(page) == (51.5142, -0.0931)

    # The reporter taps where it really is, and sends the report.
    the_map.click(position={"x": 250, "y": 200})
    expect(status).to_contain_text("Pin at")
    chosen = position(page)
    assert in_the_city(*chosen) and chosen != (51.5142, -0.0931)
    checked = Accessibility()
    checked.check(page)
    assert checked.violations == [], "\n".join(checked.violations)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "map-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "map-1280.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})

    page.get_by_label("Sticker").check()
    page.get_by_label("What does it say or show?").fill("A sticker with a hateful slogan")
    page.get_by_label("Where is it?").fill("Wood Street, on the lamp post by the tower")
    page.get_by_label("Postcode").fill("ec2v 7ap")
    seen = datetime.now(LONDON) - timedelta(hours=1)
    page.get_by_label("Day").fill(str(seen.day))
    page.get_by_label("Month").fill(str(seen.month))
    page.get_by_label("Year").fill(str(seen.year))
    page.get_by_label("Time you saw it").fill(seen.strftime("%H:%M"))
    follow(page, page.get_by_role("button", name="Send the report"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Thank you")

    from sqlalchemy import select

    from elearn.extensions import db
    from elearn.models import Finding, User

    with app.app_context():
        reporter = db.session.scalar(select(User).where(User.email == REPORTER))
        finding = db.session.scalar(select(Finding).where(Finding.reporter_id == reporter.id))
        assert (finding.latitude, finding.longitude) == chosen
        assert finding.postcode == "EC2V 7AP"


def test_the_findings_map_draws_each_point_with_its_label_as_text(map_server, page):
    _, base, tiles = map_server
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{base}/test-findings-map")
    the_map = page.get_by_role("region", name="Map of the findings by area")
    expect(the_map).to_be_visible()
    page.wait_for_function("document.querySelectorAll('#areas-map .leaflet-tile-loaded').length")
    assert tiles.served
    circles = page.locator("#areas-map path.leaflet-interactive")
    expect(circles).to_have_count(3)
    circles.nth(1).click(force=True)
    popup = page.locator("#areas-map .leaflet-popup-content")
    expect(popup).to_have_text('<img src=x onerror="window.hacked=1"> EC3V')
    assert page.locator("#areas-map .leaflet-popup-content img").count() == 0
    assert page.evaluate("window.hacked") is None
    assert axe_here(page) == [], "the open popup, at the width it was opened at"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "findings-map-375.png"))
    page.get_by_role("button", name="Close popup").click()
    expect(popup).to_have_count(0)
    checked = Accessibility()
    checked.check(page)
    assert checked.violations == [], "\n".join(checked.violations)
