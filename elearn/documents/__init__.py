"""The documents elearn hands on (certificates, the committee paper), typeset by Typst as
tagged PDF, from the templates and fonts in this folder."""
