"""The map where the deployment sets a tile server (ELEARN_MAP_TILES, docs/hub.md "Map"):
none anywhere without one, the report form's pin and the read-only findings map with
one, and the tile server in img-src only on a page that shows a map."""

from __future__ import annotations

import json
import re

import pytest
from flask import render_template_string

from elearn import create_app
from elearn.config import TestConfig, map_tile_source

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION = "© OpenStreetMap contributors"
STRICT_IMAGES = "img-src 'self' data:"


@pytest.fixture
def reporter(make):
    return make.user(full_name="Rhea Porter", org=make.organisation("Ours"))


@pytest.fixture
def tiles(app, monkeypatch):
    monkeypatch.setitem(app.config, "ELEARN_MAP_TILES", TILES)
    monkeypatch.setitem(app.config, "ELEARN_MAP_ATTRIBUTION", ATTRIBUTION)


def image_sources(page) -> str:
    policy = page.response.headers["Content-Security-Policy"]
    return next(part for part in policy.split("; ") if part.startswith("img-src"))


def test_without_tiles_the_report_form_has_no_map_and_loads_no_leaflet(browser, reporter):
    browser.sign_in(reporter)
    page = browser.get("/hub/new")
    html = page.response.get_data(as_text=True)
    assert page.soup.find(attrs={"data-module": "app-report-map"}) is None
    assert "vendor/leaflet" not in html and "report-map" not in html
    assert image_sources(page) == STRICT_IMAGES
    assert "Postcode" in page.text() and "Where is it?" in page.text()


def test_with_tiles_the_report_form_has_a_map_its_csp_lets_the_tiles_in(browser, reporter, tiles):
    browser.sign_in(reporter)
    page = browser.get("/hub/new")
    group = page.soup.find(attrs={"data-module": "app-report-map"})
    assert group.has_attr("hidden"), "shown by its script only"
    assert group["data-tiles"] == TILES and group["data-attribution"] == ATTRIBUTION
    region = group.find(id="report-map")
    assert region["role"] == "region"
    assert region["aria-label"] == "Map of the City of London: put a pin where it is"
    assert region["aria-describedby"] == "report-map-hint"
    assert "The pin's position is sent with the report" in group.get_text()
    assert group.find("button", id="remove-pin").get_text() == "Remove the pin"
    leaflet = page.soup.find("script", src="/static/vendor/leaflet/leaflet.js")
    assert leaflet is not None and not leaflet.has_attr("type"), "a plain script, nonce'd"
    assert page.soup.find("script", src="/static/js/report-map.js")["type"] == "module"
    assert page.soup.find("link", href="/static/vendor/leaflet/leaflet.css") is not None
    assert image_sources(page) == "img-src 'self' data: https://tile.openstreetmap.org"
    policy = page.response.headers["Content-Security-Policy"]
    assert policy.count("tile.openstreetmap.org") == 1, "nothing else opened to it"


@pytest.mark.parametrize("path", ["/hub", "/my-training", "/courses"])
def test_with_tiles_other_pages_keep_the_strict_image_policy(browser, reporter, tiles, path):
    browser.sign_in(reporter)
    page = browser.get(path)
    assert image_sources(page) == STRICT_IMAGES
    assert "vendor/leaflet" not in page.response.get_data(as_text=True)


def test_a_form_sent_back_with_errors_keeps_the_map_and_the_position(browser, reporter, tiles):
    browser.sign_in(reporter)
    form = browser.get("/hub/new")
    page = browser.post(
        "/hub/new",
        {
            "form_id": form.soup.find("input", {"name": "form_id"})["value"],
            "latitude": "51.515300",
            "longitude": "-0.093100",
        },
        status=400,
    )
    assert page.soup.find(id="report-map") is not None
    assert page.soup.find("input", {"name": "latitude"})["value"] == "51.515300"
    assert image_sources(page) == "img-src 'self' data: https://tile.openstreetmap.org"


def test_the_attribution_is_text(browser, reporter, tiles, app, monkeypatch):
    monkeypatch.setitem(app.config, "ELEARN_MAP_ATTRIBUTION", '<img src=x onerror="alert(1)">')
    browser.sign_in(reporter)
    page = browser.get("/hub/new")
    html = page.response.get_data(as_text=True)
    assert "<img src=x" not in html
    assert 'data-attribution="&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"' in html


@pytest.mark.parametrize(
    ("template", "source"),
    [
        (TILES, "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}{r}.png", "https://*.tile.example.org"),
        (
            "https://tiles.example.org:8443/map?z={z}&x={x}&y={y}&key=abc",
            "https://tiles.example.org:8443",
        ),
        ("http://127.0.0.1:8123/{z}/{x}/{y}.png", "http://127.0.0.1:8123"),
        ("http://localhost/{z}/{x}/{y}.png", "http://localhost"),
    ],
)
def test_a_tile_address_gives_the_csp_source_of_its_server(template, source):
    assert map_tile_source(template) == source


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("http://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://"),
        ("https://tile.openstreetmap.org/{z}/{x}.png", "{y} missing"),
        ("https://tile.openstreetmap.org/{z}/{x}/{y}/{id}.png", "may hold only"),
        ("https://x.org; script-src *;/{z}/{x}/{y}", "spaces"),
        ("https://x.org;script-src/{z}/{x}/{y}", "server's address"),
        ("https://user@x.org/{z}/{x}/{y}", "server's address"),
        ("https://a.{s}.x.org/{z}/{x}/{y}", "server's address"),
        ("javascript:alert(1)//{z}{x}{y}", "server's address"),
        ("tile.openstreetmap.org/{z}/{x}/{y}.png", "server's address"),
    ],
)
def test_a_bad_tile_address_is_refused_at_start_up(tmp_path, monkeypatch, template, problem):
    monkeypatch.setenv("ELEARN_MAP_TILES", template)
    monkeypatch.setenv("ELEARN_MAP_ATTRIBUTION", ATTRIBUTION)
    with pytest.raises(RuntimeError, match="ELEARN_MAP_TILES is not a tile address") as refused:
        create_app(TestConfig(tmp_path))
    assert problem in str(refused.value)


def test_tiles_without_an_attribution_are_refused_at_start_up(tmp_path, monkeypatch):
    monkeypatch.setenv("ELEARN_MAP_TILES", TILES)
    monkeypatch.delenv("ELEARN_MAP_ATTRIBUTION", raising=False)
    with pytest.raises(RuntimeError, match="ELEARN_MAP_ATTRIBUTION must say whose map it is"):
        create_app(TestConfig(tmp_path))


def test_the_settings_are_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ELEARN_MAP_TILES", f" {TILES} ")
    monkeypatch.setenv("ELEARN_MAP_ATTRIBUTION", ATTRIBUTION)
    config = TestConfig(tmp_path)
    config.check()
    assert (config.ELEARN_MAP_TILES, config.ELEARN_MAP_ATTRIBUTION) == (TILES, ATTRIBUTION)
    monkeypatch.delenv("ELEARN_MAP_TILES")
    assert TestConfig(tmp_path).ELEARN_MAP_TILES == "", "no map unless set"


# --- the read-only map macro (for the figures) -------------------------------------------

MACRO = '{% from "hub/_map.html" import findings_map %}{{ findings_map(points, **options) }}'
HOSTILE = "</script><script>alert('x')</script> & <b>bold</b>"


def render_map(app, path: str, points: list[dict], **options) -> str:
    with app.test_request_context(path):
        return render_template_string(MACRO, points=points, options=options)


def test_the_findings_map_is_nothing_without_tiles(app):
    assert render_map(app, "/hub/new", [{"lat": 51.5, "lng": -0.09, "label": "x"}]).strip() == ""


def test_the_findings_map_carries_its_points_as_escaped_json(app, tiles):
    points = [
        {"lat": 51.5142, "lng": -0.0931, "label": HOSTILE},
        {"lat": 51.5163, "lng": -0.0815, "label": "EC3V: 2 reports"},
    ]
    html = render_map(app, "/hub/new", points, id="figures-map", label="Reports by area")
    assert "</script><script>" not in html and "<b>" not in html
    data = re.search(
        r'<script type="application/json" id="figures-map-points" nonce="[^"]+">(.*?)</script>',
        html,
        re.S,
    ).group(1)
    assert json.loads(data) == points, "the labels come back exactly as typed"
    assert 'id="figures-map" role="region" aria-label="Reports by area"' in html
    assert 'data-points="figures-map-points"' in html
    assert '<script type="module" src="/static/js/findings-map.js" nonce=' in html
    assert '<script src="/static/vendor/leaflet/leaflet.js" nonce=' in html


def test_a_page_not_marked_shows_map_cannot_show_one(app, tiles):
    with pytest.raises(RuntimeError, match="mark its view with @shows_map"):
        render_map(app, "/hub", [])


def test_the_findings_map_script_sets_labels_as_text():
    from elearn.config import PROJECT_DIR

    script = (PROJECT_DIR / "static" / "js" / "findings-map.js").read_text()
    assert "textContent = String(label" in script
    assert "innerHTML =" not in script and "bindPopup(popup(" in script
