"""What every request goes through, whatever its domain: the web plumbing.

- security.py: security headers and the CSP nonce, CSRF failures, error pages, control
  characters refused, the per-address limit on requests that send email
- sessions.py: the signed session cookie, re-signed at most once a minute
- request_log.py: the request id, and logs kept free of tokens and addresses
- shared_pages.py: pages the same for everyone, rendered once per menu
- filters.py: how values are shown (dates in London time, numbers, counts)
- links.py: absolute links to the site, for emails and certificates
- forms.py: the base forms and fields every package's forms build on
- paging.py: pages of a long list, for GOV.UK's pagination
- csv_export.py: CSV downloads that are safe to open in a spreadsheet
"""
