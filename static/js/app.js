// elearn's only script. Loaded as an ES module:
//   <script type="module" src="/static/js/app.js" nonce="{{ csp_nonce }}"></script>
// Browsers that do not support modules never run it, and GOV.UK Frontend's
// template only adds `govuk-frontend-supported` to <body> where they do, so
// components fall back to their no-JavaScript behaviour.
import { initAll } from '../vendor/govuk-frontend/govuk-frontend.min.js'
import { markScrollingTables } from './table-scroll.js'

initAll()
markScrollingTables()
