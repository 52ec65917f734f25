// "Use my location" on the report form (templates/hub/new.html). Loaded as an ES module
// with the page's nonce. Without it the button stays hidden and the form works as it
// is: the place and postcode are what the reporter types. The phone is asked where it
// is only when the reporter presses the button.
const group = document.querySelector('[data-module="app-use-location"]')
const latitude = document.getElementById('latitude')
const longitude = document.getElementById('longitude')

if (group && latitude && longitude && 'geolocation' in navigator) {
  const button = group.querySelector('button')
  const status = group.querySelector('[aria-live]')
  group.hidden = false
  button.addEventListener('click', () => {
    status.textContent = 'Finding where you are…'
    navigator.geolocation.getCurrentPosition(
      (position) => {
        latitude.value = position.coords.latitude.toFixed(6)
        longitude.value = position.coords.longitude.toFixed(6)
        status.textContent = 'Your location will be sent with the report. Still give the place and postcode.'
      },
      () => {
        latitude.value = ''
        longitude.value = ''
        status.textContent = 'Your location could not be found. Give the place and postcode instead.'
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    )
  })
}
