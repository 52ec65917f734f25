"""An organisation's certificates as one zip, prepared by the task consumer when there are many.

A zip of a few hundred certificates is made while the manager waits (about 6 ms a
certificate); each file in it is named by the person and the course (`entry_name`). The
City's largest employers have five thousand members and more than ten thousand current
certificates: made in one request, that zip took 96 s and 620 MB, past
any worker's time limit. Above CERTIFICATE_ZIP_DIRECT_LIMIT certificates the manager asks
for the zip to be prepared: a task (elearn/tasks.py) writes it to a temporary file, a
batch of certificates at a time (so memory stays flat), recording how far it has got,
then keeps it in the database in chunks of a megabyte, since elearn keeps no state
outside the database and any instance may be asked for it. The manager downloads it when
it is ready, streamed a chunk at a time. A zip is kept for a day.

A consumer stopped while it prepares a zip (a deploy, a machine restarted) leaves it
"preparing": when a consumer starts again it prepares it afresh (`resume_archives`). One
archive is prepared by one task at a time (a Huey lock on its id).
"""

from __future__ import annotations

import logging
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Container, Iterator
from contextlib import suppress
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import current_app
from huey.exceptions import TaskLockedException
from sqlalchemy import Select, delete, func, select, update
from werkzeug.http import dump_options_header

from elearn.certificates.codes import display_code
from elearn.certificates.operations import verify_url
from elearn.certificates.pdf import certificate_pdf
from elearn.database import reading, writing
from elearn.dates import LONDON
from elearn.extensions import db
from elearn.models import (
    ArchiveStatus,
    Certificate,
    CertificateArchive,
    CertificateArchiveChunk,
    Membership,
    Organisation,
    User,
    utcnow,
)
from elearn.tasks import huey, on_resume, task

log = logging.getLogger(__name__)

DIRECT_LIMIT = 500  # certificates a zip made while the manager waits may hold (about 3 s)
KEPT_FOR = timedelta(days=1)  # offered for download this long
# then deleted once this much older, so that a download begun just in time is not cut off
DELETED_AFTER = KEPT_FOR + timedelta(hours=1)
BATCH = 200
CHUNK = 1 << 20  # bytes of the zip in each row of certificate_archive_chunk


class Superseded(Exception):
    """The archive is no longer being prepared: it was deleted (kept a day, then forgotten)."""


def current_certificates(organisation_id: int, *columns) -> Select:
    """Every current certificate of the organisation's active members, in name order (or
    just these columns of them, unordered)."""
    statement = (
        select(*columns or (Certificate,))
        .join(Membership, Membership.user_id == Certificate.user_id)
        .where(
            Membership.organisation_id == organisation_id,
            Membership.left_at.is_(None),
            Certificate.replaced_by_id.is_(None),
            Certificate.revoked_at.is_(None),
        )
    )
    if columns:
        return statement
    return statement.order_by(Certificate.name_printed, Certificate.completed_at, Certificate.id)


def count_current(organisation_id: int) -> int:
    return db.session.scalar(current_certificates(organisation_id, func.count(Certificate.id)))


def direct_limit() -> int:
    return current_app.config.get("CERTIFICATE_ZIP_DIRECT_LIMIT", DIRECT_LIMIT)


# What no file name may hold on Windows, macOS or Linux: path separators, the characters
# Windows reserves, control characters, line and paragraph separators, and the bidirectional
# controls that can make "fdp.exe" read as "exe.pdf".
UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]')
PART_BYTES = 80  # of a name or a course title: an entry's name stays far under 255 bytes


def entry_name(certificate: Certificate, taken: Container[str] = ()) -> str:
    """The certificate's file in a zip, by person and course, such as
    "Lea Learner - WRAP - ABCD-1234.pdf": safe on every file system (no path, no control
    character, at most about 180 bytes) and, with "(2)" added where needed, not one of
    `taken`."""
    stem = " - ".join(
        (
            file_name_part(certificate.name_printed) or "Certificate",
            file_name_part(certificate.course_title) or file_name_part(certificate.course_slug),
            display_code(certificate.code)[:9],
        )
    )
    name, number = f"{stem}.pdf", 1
    while name in taken:
        number += 1
        name = f"{stem} ({number}).pdf"
    return name


def file_name_part(text: str) -> str:
    """Text as part of a file name: unsafe characters as spaces, spaces collapsed, cut to
    PART_BYTES of UTF-8 on a character boundary, no dot or space at either end."""
    text = " ".join(UNSAFE.sub(" ", unicodedata.normalize("NFC", text)).split())
    return text.encode()[:PART_BYTES].decode(errors="ignore").strip(" .")


def zip_name(organisation_name: str, made: datetime, ascii_only: bool = False) -> str:
    """The zip's file name: the organisation's name made safe as each certificate's is,
    and the day in London it was made, such as
    "Demo Insurance Brokers Ltd - certificates - 2026-12-04.zip" (or, `ascii_only`, with
    letters such as "é" as "e" and others left out, for clients that read only ASCII)."""
    if ascii_only:
        organisation_name = (
            unicodedata.normalize("NFKD", organisation_name).encode("ascii", "ignore").decode()
        )
    stem = file_name_part(organisation_name) or "Organisation"
    return f"{stem} - certificates - {made.astimezone(LONDON):%Y-%m-%d}.zip"


def zip_attachment(organisation_name: str, made: datetime) -> str:
    """The Content-Disposition header that downloads the zip under `zip_name()`: in UTF-8
    (RFC 6266), with the ASCII name beside it."""
    name, plain = zip_name(organisation_name, made), zip_name(organisation_name, made, True)
    options = {"filename": plain}
    if plain != name:
        options["filename*"] = "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")
    return dump_options_header("attachment", options)


def write_zip(archive: zipfile.ZipFile, certificates) -> None:
    for certificate in certificates:
        pdf = certificate_pdf(certificate, verify_url(certificate))
        archive.writestr(entry_name(certificate, archive.NameToInfo), pdf)


def chunks(archive: CertificateArchive) -> Iterator[bytes]:
    """The archive's zip, a megabyte at a time (one row in memory at once)."""
    numbers = db.session.scalars(
        select(CertificateArchiveChunk.number)
        .where(CertificateArchiveChunk.archive_id == archive.id)
        .order_by(CertificateArchiveChunk.number)
    ).all()
    for number in numbers:
        yield db.session.scalar(
            select(CertificateArchiveChunk.data).where(
                CertificateArchiveChunk.archive_id == archive.id,
                CertificateArchiveChunk.number == number,
            )
        )


def latest(organisation_id: int) -> CertificateArchive | None:
    """The organisation's newest archive still kept."""
    return db.session.scalar(
        select(CertificateArchive)
        .where(
            CertificateArchive.organisation_id == organisation_id,
            CertificateArchive.requested_at > utcnow() - KEPT_FOR,
        )
        .order_by(CertificateArchive.id.desc())
        .limit(1)
    )


def find(organisation_id: int, archive_id: int) -> CertificateArchive | None:
    """One of the organisation's archives still kept (another's is not found)."""
    archive = db.session.get(CertificateArchive, archive_id)
    if archive is None or archive.organisation_id != organisation_id:
        return None
    if archive.requested_at <= utcnow() - KEPT_FOR:
        return None
    return archive


def request_archive(organisation: Organisation, user: User) -> tuple[int, bool]:
    """Queue the organisation's zip unless one is already being prepared: its id, and
    whether it was asked for now. Leaves no transaction open (on SQLite the caller would
    otherwise hold the write lock the preparation needs)."""
    with writing():
        # Two managers asking at once: the second waits here, then finds the first's.
        # (FOR NO KEY UPDATE: new members and invitations of the organisation go on.)
        db.session.execute(
            select(Organisation.id)
            .where(Organisation.id == organisation.id)
            .with_for_update(key_share=True)
        )
        under_way = latest(organisation.id)
        if under_way is not None and under_way.status == ArchiveStatus.PREPARING:
            archive_id = under_way.id
            db.session.commit()
            return archive_id, False
        archive = CertificateArchive(
            organisation_id=organisation.id,
            requested_by_id=user.id,
            requested_at=utcnow(),
            certificates=count_current(organisation.id),
        )
        db.session.add(archive)
        db.session.flush()
        archive_id = archive.id
        db.session.commit()
    forget_old_archives()
    prepare_archive(archive_id)
    return archive_id, True


def _lock_name(archive_id: int) -> str:
    return f"certificate-archive-{archive_id}"


@task()
def prepare_archive(archive_id: int) -> None:
    """The task: prepare the archive, unless another task is preparing it now."""
    try:
        with huey.lock_task(_lock_name(archive_id)):
            prepare(archive_id)
    except TaskLockedException:
        log.info("Certificate archive %s is being prepared by another task", archive_id)


@on_resume
def resume_archives() -> None:
    """Queue again every archive not yet prepared: when a consumer starts none is being
    prepared, and one a stopped consumer had begun, or had taken from the queue, would
    otherwise wait for ever (a copy still queued finds it prepared, and does nothing)."""
    unfinished = db.session.scalars(
        select(CertificateArchive.id).where(
            CertificateArchive.status == ArchiveStatus.PREPARING,
            CertificateArchive.requested_at > utcnow() - KEPT_FOR,
        )
    ).all()
    db.session.commit()
    if unfinished:
        huey.flush_locks(*(_lock_name(archive_id) for archive_id in unfinished))
        log.info("Queued again %d certificate archives not yet prepared", len(unfinished))
    for archive_id in unfinished:
        prepare_archive(archive_id)


def prepare(archive_id: int) -> None:
    """Write the archive's zip, a batch at a time, keep it, then mark it ready (or failed).
    What an earlier, stopped attempt kept of it is deleted first."""
    with reading():
        archive = db.session.get(CertificateArchive, archive_id)
        if archive is None or archive.status != ArchiveStatus.PREPARING:
            db.session.commit()
            return  # prepared by an earlier copy of the task, or forgotten
        ids = db.session.scalars(
            current_certificates(archive.organisation_id).with_only_columns(Certificate.id)
        ).all()
        db.session.commit()  # no connection held while the PDFs are made
    _discard(archive_id)
    try:
        _record(archive_id, done=0, certificates=len(ids))
        with tempfile.TemporaryFile() as made:
            with zipfile.ZipFile(made, "w", zipfile.ZIP_DEFLATED) as archive_file:
                for done, batch in _batches(ids):
                    write_zip(archive_file, batch)
                    _record(archive_id, done=done)
            size = made.tell()
            made.seek(0)
            _keep(archive_id, made)
        _record(archive_id, status=ArchiveStatus.READY, finished_at=utcnow(), size=size)
    except Superseded:
        log.info("Certificate archive %s was forgotten while it was prepared", archive_id)
        db.session.rollback()
        _discard(archive_id)
    except Exception:
        log.exception("Preparing certificate archive %s failed", archive_id)
        db.session.rollback()
        _discard(archive_id)
        with suppress(Superseded):
            _record(archive_id, status=ArchiveStatus.FAILED)


def _keep(archive_id: int, made) -> None:
    """The zip into the database, a few chunks to a transaction (each a short write)."""
    number = 0
    while True:
        with writing():
            for _ in range(8):
                data = made.read(CHUNK)
                if not data:
                    break
                db.session.add(
                    CertificateArchiveChunk(archive_id=archive_id, number=number, data=data)
                )
                number += 1
            db.session.commit()
        if not data:
            return


def _chunks_of(archive_id: int):
    return delete(CertificateArchiveChunk).where(CertificateArchiveChunk.archive_id == archive_id)


def _discard(archive_id: int) -> None:
    with writing():
        db.session.execute(_chunks_of(archive_id))
        db.session.commit()


def _batches(ids: list[int]) -> Iterator[tuple[int, list[Certificate]]]:
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with reading():
            by_id = {
                c.id: c
                for c in db.session.scalars(select(Certificate).where(Certificate.id.in_(chunk)))
            }
            db.session.expunge_all()
            db.session.commit()
        yield start + len(chunk), [by_id[i] for i in chunk if i in by_id]


def _record(archive_id: int, **values) -> None:
    """How far the archive has got, while it is still being prepared (else Superseded)."""
    with writing():
        recorded = db.session.execute(
            update(CertificateArchive)
            .where(
                CertificateArchive.id == archive_id,
                CertificateArchive.status == ArchiveStatus.PREPARING,
            )
            .values(**values)
        ).rowcount
        db.session.commit()
    if not recorded:
        raise Superseded(archive_id)


def forget_old_archives() -> int:
    """Delete archives (and their zips) no longer offered: they hold names. Run whenever a
    zip is asked for, and every hour by the consumer (elearn/schedule.py)."""
    old = select(CertificateArchive.id).where(
        CertificateArchive.requested_at <= utcnow() - DELETED_AFTER
    )
    with writing():
        db.session.execute(
            delete(CertificateArchiveChunk).where(CertificateArchiveChunk.archive_id.in_(old))
        )
        forgotten = db.session.execute(
            delete(CertificateArchive).where(CertificateArchive.id.in_(old))
        ).rowcount
        db.session.commit()
    return forgotten


def expires_at(archive: CertificateArchive) -> datetime:
    return archive.requested_at + KEPT_FOR
