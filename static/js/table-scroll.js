// Wide tables scroll sideways inside their own region (.app-table-scroll, see
// frontend/scss/components/_table-scroll.scss). When a table is wider than its region,
// mark the region, the edges with more table beyond them (a shadow is drawn there) and
// say so above it. The region's width is given to CSS, which keeps the table's caption
// within it.
// Watched for size changes, so turning a phone or zooming updates the hint.

const HINT_CLASS = 'app-table-scroll__hint'

function hintFor (region) {
  const previous = region.previousElementSibling
  if (previous && previous.classList.contains(HINT_CLASS)) {
    return previous
  }
  const hint = document.createElement('p')
  hint.className = HINT_CLASS
  hint.textContent = 'Scroll sideways to see the whole table'
  hint.hidden = true
  region.before(hint)
  return hint
}

// Which edges have more table beyond them: a shadow is drawn at each.
function markEdges (region) {
  const end = region.scrollWidth - region.clientWidth
  region.classList.toggle('app-table-scroll--more-left', region.scrollLeft > 1)
  region.classList.toggle('app-table-scroll--more-right', region.scrollLeft < end - 1)
}

function update (region) {
  region.style.setProperty('--app-table-scroll-width', `${region.clientWidth}px`)
  const more = region.scrollWidth > region.clientWidth + 1
  region.classList.toggle('app-table-scroll--more', more)
  markEdges(region)
  if (more || region.previousElementSibling?.classList.contains(HINT_CLASS)) {
    hintFor(region).hidden = !more
  }
}

export function markScrollingTables (root = document) {
  const regions = root.querySelectorAll('.app-table-scroll')
  if (!regions.length || !('ResizeObserver' in window)) {
    return
  }
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      update(entry.target.closest('.app-table-scroll'))
    }
  })
  for (const region of regions) {
    region.classList.add('app-table-scroll--watched')
    region.addEventListener('scroll', () => markEdges(region), { passive: true })
    observer.observe(region)
    const table = region.querySelector('table')
    if (table) {
      observer.observe(table)
    }
  }
}
