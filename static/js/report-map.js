// The map on the report form (templates/hub/new.html), only where ELEARN_MAP_TILES is
// set: tapping or clicking the map puts a pin there (dragged to move it, Enter puts it
// in the map's middle), which fills the same hidden latitude and longitude fields as
// "Use my location" (use-location.js). Loaded as an ES module with the page's nonce,
// after Leaflet (static/vendor/leaflet/). Without it the map stays hidden and the form
// is complete as it is: the place and postcode are what the reporter types.
const CITY = [51.5155, -0.0922]
const ZOOM = 15
const CLOSE_ZOOM = 17

const group = document.querySelector('[data-module="app-report-map"]')
const latitude = document.getElementById('latitude')
const longitude = document.getElementById('longitude')
const L = window.L

// Leaflet writes the attribution as HTML: the setting is text, so it is escaped first.
function asHtml (text) {
  const holder = document.createElement('span')
  holder.textContent = text
  return holder.innerHTML
}

function typedPosition () {
  const lat = Number.parseFloat(latitude.value)
  const lng = Number.parseFloat(longitude.value)
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return null
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null
  return L.latLng(lat, lng)
}

if (group && latitude && longitude && L) {
  const element = group.querySelector('.app-map__map')
  const status = document.getElementById('report-map-status')
  const remove = document.getElementById('remove-pin')
  const locationStatus = document.getElementById('location-status')
  group.hidden = false

  const map = L.map(element, { center: CITY, zoom: ZOOM, scrollWheelZoom: false })
  L.tileLayer(group.dataset.tiles, {
    attribution: asHtml(group.dataset.attribution || ''),
    maxZoom: 19
  }).addTo(map)
  let pin = null

  // The pin where the hidden fields say (or none), without writing to them.
  const show = (position) => {
    if (!position) {
      if (pin) pin.remove()
      pin = null
      remove.hidden = true
      status.textContent = 'No pin on the map.'
      return
    }
    if (!pin) {
      pin = L.marker(position, { draggable: true, keyboard: false, alt: 'The pin' }).addTo(map)
      pin.on('dragend', () => choose(pin.getLatLng()))
    } else {
      pin.setLatLng(position)
    }
    remove.hidden = false
    status.textContent = `Pin at ${position.lat.toFixed(5)}, ${position.lng.toFixed(5)}: ` +
      'this position will be sent with the report.'
  }

  // The reporter put the pin here: the fields follow, and any older word from
  // "Use my location" no longer holds.
  const choose = (position) => {
    const wrapped = position ? position.wrap() : null
    latitude.value = wrapped ? wrapped.lat.toFixed(6) : ''
    longitude.value = wrapped ? wrapped.lng.toFixed(6) : ''
    if (locationStatus) locationStatus.textContent = ''
    show(wrapped)
  }

  map.on('click', (event) => choose(event.latlng))
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target === element) {
      event.preventDefault()
      choose(map.getCenter())
    }
  })
  remove.addEventListener('click', () => {
    choose(null)
    element.focus()
  })

  // "Use my location" fills the fields and then says so in its status line: the pin
  // follows, and the map goes there.
  if (locationStatus) {
    new MutationObserver(() => {
      const position = typedPosition()
      const same = pin && position && pin.getLatLng().equals(position, 1e-6)
      if (same || (!pin && !position)) return
      show(position)
      if (position) map.setView(position, Math.max(map.getZoom(), CLOSE_ZOOM))
    }).observe(locationStatus, { childList: true, characterData: true, subtree: true })
  }

  // A form shown again with its errors keeps its position: the pin is where it was.
  const kept = typedPosition()
  if (kept) {
    show(kept)
    map.setView(kept, CLOSE_ZOOM)
  }
}
