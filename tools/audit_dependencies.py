"""Run pip-audit on the installed dependencies; say clearly when it cannot run.

Exit 1 when a dependency has a known vulnerability. When the vulnerability database
cannot be reached (no network to PyPI's JSON API), print one line saying the audit was
skipped and why, and exit 0: never a silent pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess  # nosec B404
import sys


def main() -> int:
    executable = shutil.which("pip-audit", path=sys.prefix + "/bin") or shutil.which("pip-audit")
    if executable is None:
        print("dependency audit: skipped: pip-audit is not installed")
        return 0
    try:
        result = subprocess.run(  # noqa: S603  # nosec B603
            [executable, "--format", "json", "--progress-spinner", "off", "--skip-editable"],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print("dependency audit: skipped: the vulnerability database did not answer in 180 s")
        return 0
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"dependency audit: skipped: pip-audit could not run ({reason})")
        return 0
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        print(
            f"dependency audit: skipped: the vulnerability database could not be reached "
            f"(none of {len(dependencies)} dependencies could be looked up)"
        )
        return 0
    vulnerable = [d for d in audited if d.get("vulns")]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"dependency audit: {dependency['name']} {dependency['version']}: {ids}")
    print(f"dependency audit: {len(audited)} dependencies checked, {len(vulnerable)} vulnerable")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
