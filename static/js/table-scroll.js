// Wide tables (and the dashboard's chart, whose region gives its own words for the hint
// in data-hint) scroll sideways inside their own region (.app-table-scroll, see
// frontend/scss/components/_table-scroll.scss). When a table is wider than its region,
// mark the region, the edges with more table beyond them (a shadow is drawn there) and
// say so above it: under the table's caption when it shows one (the caption names the
// table, so the hint belongs after it), otherwise just before the region. The region's
// width is given to CSS, which keeps the table's caption within it.
// Watched for size changes, so turning a phone or zooming updates the hint.

const HINT_CLASS = 'app-table-scroll__hint'

function visibleCaption (region) {
  const caption = region.querySelector(':scope > table > caption')
  return caption && !caption.classList.contains('govuk-visually-hidden') ? caption : null
}

function existingHint (region) {
  const caption = visibleCaption(region)
  if (caption) {
    return caption.querySelector(`.${HINT_CLASS}`)
  }
  const previous = region.previousElementSibling
  return previous && previous.classList.contains(HINT_CLASS) ? previous : null
}

function hintFor (region) {
  const existing = existingHint(region)
  if (existing) {
    return existing
  }
  const caption = visibleCaption(region)
  // In a caption, the hint is for the eye only: it is not part of the table's name. Before
  // a region inside a paragraph (a diagram), it is a span too.
  const hint = document.createElement(caption || region.tagName === 'SPAN' ? 'span' : 'p')
  hint.className = HINT_CLASS
  hint.textContent = region.dataset.hint || 'Scroll sideways to see the whole table'
  hint.hidden = true
  if (caption) {
    hint.setAttribute('aria-hidden', 'true')
    caption.append(hint)
  } else {
    region.before(hint)
  }
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
  if (more || existingHint(region)) {
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
    const content = region.querySelector('table, img')
    if (content) {
      observer.observe(content)
    }
  }
}
