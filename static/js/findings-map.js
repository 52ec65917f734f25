// Read-only maps of findings (templates/hub/_map.html `findings_map`), only where
// ELEARN_MAP_TILES is set: a circle for each point, its label in a popup, the map fitted
// to the points. Loaded as an ES module with the page's nonce, after Leaflet
// (static/vendor/leaflet/). The labels may be what someone typed: they are set as text,
// never as HTML. Without the script the maps stay hidden; the page's table says the same.
const CITY = [51.5155, -0.0922]
const L = window.L

function asHtml (text) {
  const holder = document.createElement('span')
  holder.textContent = text
  return holder.innerHTML
}

function pointsOf (holder) {
  const script = document.getElementById(holder.dataset.points)
  let points = []
  try {
    points = JSON.parse(script ? script.textContent : '[]')
  } catch (error) {
    console.warn('findings-map: the points could not be read', error)
  }
  return (Array.isArray(points) ? points : []).filter((point) =>
    point && Number.isFinite(point.lat) && Number.isFinite(point.lng) &&
    Math.abs(point.lat) <= 90 && Math.abs(point.lng) <= 180
  )
}

function popup (label) {
  const text = document.createElement('p')
  text.className = 'govuk-body-s govuk-!-margin-0'
  text.textContent = String(label ?? '')
  return text
}

function draw (holder) {
  holder.hidden = false
  const element = holder.querySelector('.app-map__map')
  const map = L.map(element, { center: CITY, zoom: 14, scrollWheelZoom: false })
  L.tileLayer(holder.dataset.tiles, {
    attribution: asHtml(holder.dataset.attribution || ''),
    maxZoom: 19
  }).addTo(map)
  const points = pointsOf(holder)
  const markers = points.map((point) =>
    L.circleMarker([point.lat, point.lng], {
      radius: 8,
      color: '#0b0c0c',
      weight: 2,
      fillColor: '#a6192e',
      fillOpacity: 0.8
    }).bindPopup(popup(point.label)).addTo(map)
  )
  if (markers.length === 1) {
    map.setView(markers[0].getLatLng(), 16)
  } else if (markers.length > 1) {
    map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [24, 24], maxZoom: 17 })
  }
}

if (L) {
  document.querySelectorAll('[data-module="app-findings-map"]').forEach(draw)
}
