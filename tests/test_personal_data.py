"""Personal data: every table's personal columns declared in one place
(elearn/auth/personal_data.py), the download and erasure both made from that declaration,
and nothing left after an erasure: not in any column, not in the SQLite file or its WAL,
not in the log."""

from __future__ import annotations

import ast
import base64
import io
import json
import logging
import re
import smtplib
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    event,
    select,
)
from sqlalchemy.orm import Session

from elearn import audit, create_app
from elearn.auth import personal_data
from elearn.auth.holdings import KEEP, Holding, Person
from elearn.auth.personal_data import HOLDINGS, NOT_PERSONAL
from elearn.config import TestConfig
from elearn.extensions import db
from elearn.models import (
    AuditEvent,
    Booking,
    CertificateArchive,
    CertificateArchiveChunk,
    Completion,
    ExternalRecord,
    Facilitator,
    Finding,
    FindingEvent,
    FindingPhoto,
    Invitation,
    InvitationBatch,
    Membership,
    ModuleView,
    Organisation,
    QuizAttempt,
    ReminderLog,
    TrainingSession,
    User,
    utcnow,
)
from tests.conftest import FIXTURES, Browser, Factory

NAME = "Zéphyrine Quaxworthy-Ñandú"  # as she writes it now
FORMER = "Zephy Quaxworthy"  # her name before she changed it
EMAIL = "zephyrine.quax@example.org"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"

# --- the declaration covers every column that looks personal -----------------------------

PERSONAL_WORDS = {
    "name",
    "email",
    "phone",
    "ip",
    "address",
    "note",
    "reason",
    "text",
    "evidence",
    "comment",
    "message",
    "user",
    "actor",
    "contact",
    "birth",
    "postcode",
}
TEXT_TYPES = (String, Text, JSON, LargeBinary)


def looks_personal(column) -> bool:
    """Named like personal data, a reference to a person, or any text, JSON or file."""
    if set(column.name.lower().split("_")) & PERSONAL_WORDS:
        return True
    if any(key.column.table.name == "user_account" for key in column.foreign_keys):
        return True
    return isinstance(column.type, TEXT_TYPES) and not column.primary_key


def declared(holdings=HOLDINGS, not_personal=NOT_PERSONAL) -> dict[str, set[str]]:
    covered: dict[str, set[str]] = {}
    for holding in holdings:
        covered.setdefault(holding.table, set()).update(holding.fields)
    for table, columns in not_personal.items():
        covered.setdefault(table, set()).update(columns)
    return covered


def undeclared(tables, holdings=HOLDINGS, not_personal=NOT_PERSONAL) -> list[str]:
    covered = declared(holdings, not_personal)
    return sorted(
        f"{table.name}.{column.name}"
        for table in tables
        for column in table.columns
        if looks_personal(column) and column.name not in covered.get(table.name, set())
    )


def test_every_column_that_looks_personal_is_declared():
    assert undeclared(db.metadata.sorted_tables) == []


def test_a_new_column_that_looks_personal_and_is_not_declared_fails_the_check():
    metadata = MetaData()
    Table("user_account", metadata, Column("id", Integer, primary_key=True))
    notes = Table(
        "case_note",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("written_by_id", ForeignKey("user_account.id")),
        Column("body", Text),
        Column("attachment", LargeBinary),
        Column("pages", Integer),
    )
    organisation = Table(
        "organisation",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(200)),
        Column("contact_name", String(200)),
        Column("fax_number", String(40)),
        Column("founder_ip", Integer),
    )
    assert undeclared([notes, organisation]) == [
        "case_note.attachment",
        "case_note.body",
        "case_note.written_by_id",
        "organisation.fax_number",
        "organisation.founder_ip",
    ]


def test_the_declaration_names_only_columns_that_exist_each_once_per_table():
    tables = db.metadata.tables
    for table, columns in declared().items():
        assert table in tables, table
        assert columns <= set(tables[table].columns.keys()), (table, columns)
    for holding in HOLDINGS:
        assert not set(holding.fields) & set(NOT_PERSONAL.get(holding.table, {})), holding.section
        for field in holding.fields.values():
            assert callable(field.export), holding.section
            assert field.erase is KEEP or field.erase.value is not None, holding.section
    sections = [holding.section for holding in HOLDINGS]
    assert len(sections) == len(set(sections))


def audit_detail_keys() -> dict[str, set[str]]:
    """Every key of a literal detail given to audit.record(), with where it is used."""
    keys: dict[str, set[str]] = {}
    for path in Path("elearn").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                continue
            detail = node.args[2] if len(node.args) > 2 else None
            for keyword in node.keywords:
                if keyword.arg == "detail":
                    detail = keyword.value
            if detail is None:
                continue
            assert isinstance(detail, ast.Dict), f"{path}:{node.lineno}: a detail written out"
            for key in detail.keys:
                assert isinstance(key, ast.Constant), f"{path}:{node.lineno}: a key written out"
                keys.setdefault(key.value, set()).add(f"{path}:{node.lineno}")
    return keys


def test_every_audit_detail_key_is_declared_typed_words_or_facts():
    keys = audit_detail_keys()
    assert {"reason", "note", "from", "to", "name"} <= set(keys), "the walk finds them"
    assert not audit.TYPED_WORDS & audit.FACTS
    unknown = {
        key: where for key, where in keys.items() if key not in audit.TYPED_WORDS | audit.FACTS
    }
    assert unknown == {}


# --- a person with something in every holding --------------------------------------------


def everything(make: Factory, browser: Browser) -> dict:
    """A learner (NAME, formerly FORMER) with a row in every holding, and others whose
    records mention her. Her change of name and a sign-in go through the pages."""
    session = make.session
    org = make.organisation("Gresham Works")
    manager = make.user(email="boss@example.com", full_name="Bea Boss", org=org, role="manager")
    learner = make.user(email=EMAIL, full_name=FORMER, org=org, team="Research")
    other = make.user(email="olu@example.com", full_name="Olu Other", org=org)
    browser.sign_in(learner)
    browser.get("/account")
    browser.post("/account", {"full_name": NAME})
    now = utcnow()

    completion = make.completion(learner)
    first = make.certificate(completion, "Q" * 28, name_printed=FORMER)
    second = make.certificate(completion, "R" * 28, name_printed=NAME)
    first.replaced_by_id = second.id
    second.revoked_at = now
    second.revoked_reason = f"Printed for {NAME} by mistake"
    theirs = make.certificate(make.completion(other), "S" * 28, name_printed="Olu Other")
    theirs.revoked_at = now
    theirs.revoked_reason = f"Copied from {NAME}'s certificate"
    archive = CertificateArchive(
        organisation_id=org.id, requested_by_id=manager.id, status="ready", certificates=2
    )
    session.add(archive)
    session.flush()
    record = ExternalRecord(
        user_id=learner.id,
        course_slug="basics",
        provider="St John Ambulance",
        course_name=f"First aid for {NAME}",
        completed_on=now.date(),
        reference=f"REF {FORMER}",
        evidence_name=f"{NAME}.pdf",
        evidence_type="application/pdf",
        evidence=PDF + NAME.encode(),
        status="rejected",
        decided_by_id=manager.id,
        decided_at=now,
        decision_note=f"{FORMER}: the date is missing",
    )
    others_record = ExternalRecord(
        user_id=other.id,
        course_slug="basics",
        provider="Red Cross",
        course_name="First aid",
        completed_on=now.date(),
        status="rejected",
        decision_note=f"The same certificate as {EMAIL} sent",
    )
    registered = make.organisation(
        "Quax Consulting",
        status="declined",
        contact_name=NAME,
        contact_email=EMAIL,
        contact_phone="020 7946 0123",
        decision_note=f"Sorry {NAME}: not in the City",
    )
    declined = make.organisation("Duplicate Ltd", status="declined")
    declined.decision_note = f"The same as {NAME}'s request"
    session.add_all(
        [
            record,
            others_record,
            CertificateArchiveChunk(archive_id=archive.id, number=0, data=NAME.encode()),
            ModuleView(user_id=learner.id, course_slug="basics", module_slug="one"),
            QuizAttempt(
                public_id="a" * 32,
                user_id=learner.id,
                course_slug="basics",
                module_slug="one",
                course_version="1.0",
                status="submitted",
                questions=[{"id": "q1", "text": "Who to call?"}],
                answers={"q1": ["a"]},
                correct_count=1,
                question_count=1,
                score=100,
                pass_mark=80,
                passed=True,
                submitted_at=now,
            ),
            ReminderLog(user_id=learner.id, key=f"due:basics:{completion.id}:30"),
            Invitation(
                organisation_id=org.id,
                email=EMAIL,
                full_name=FORMER,
                team="Research",
                token_hash="1" * 64,
                created_by_id=manager.id,
                expires_at=now + timedelta(days=14),
                last_sent_at=now,
                accepted_at=now,
                accepted_by_id=learner.id,
            ),
            Invitation(
                organisation_id=org.id,
                email="someone@example.com",
                full_name="Sam One",
                token_hash="2" * 64,
                expires_at=now + timedelta(days=14),
            ),
            InvitationBatch(
                public_id="b" * 32,
                organisation_id=org.id,
                created_by_id=manager.id,
                source="csv",
                rows=[
                    {"line": 2, "email": EMAIL, "name": NAME, "team": "Research"},
                    {"line": 3, "email": "someone@example.com", "name": "Sam One", "team": ""},
                ],
            ),
        ]
    )
    session.flush()
    session.add_all(
        [
            AuditEvent(
                actor_id=manager.id,
                action="certificate_reissued",
                subject_type="certificate",
                subject_id=str(first.id),
                detail={"replacement": second.id, "name": NAME},
                ip_address="192.0.2.10",
            ),
            AuditEvent(
                actor_id=manager.id,
                action="external_training_rejected",
                subject_type="externalrecord",
                subject_id=str(record.id),
                detail={"note": "Zephy's date is missing"},
                ip_address="192.0.2.10",
            ),
            AuditEvent(
                action="registration_declined",
                subject_type="organisation",
                subject_id=str(registered.id),
                detail={"reason": "Zephy's firm is outside the City"},
            ),
            AuditEvent(
                actor_id=manager.id,
                action="organisation_updated",
                subject_type="organisation",
                subject_id=str(declined.id),
                detail={"before": {"name": f"{NAME} Ltd"}, "name": "Duplicate Ltd"},
                ip_address="192.0.2.10",
            ),
        ]
    )
    training = TrainingSession(
        public_id="b" * 16,
        course_slug="basics",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
        venue="Guildhall",
        capacity=10,
    )
    session.add(training)
    session.flush()
    session.add_all(
        [
            Booking(
                session_id=training.id,
                user_id=learner.id,
                organisation_id=org.id,
                attendance="attended",
                booked_by_id=manager.id,
            ),
            Facilitator(user_id=learner.id, organisation_id=org.id),
        ]
    )
    finding = Finding(
        public_id="c" * 32,
        form_id="d" * 32,
        reporter_id=learner.id,
        kind="graffiti",
        strand="antisemitic",
        description=f"A swastika on the wall by {NAME}'s office",
        place=f"Cheapside, outside {NAME}'s office",
        postcode="EC2V 6DN",
        latitude=51.514,
        longitude=-0.094,
        seen_at=now,
        police_reference="CAD 1234/05DEC",
        status="closed",
        close_reason=f"Removed; {FORMER} thanked",
    )
    session.add(finding)
    session.flush()
    session.add_all(
        [
            FindingPhoto(
                public_id="e" * 32,
                finding_id=finding.id,
                position=1,
                data=b"\xff\xd8\xff" + NAME.encode(),
                thumbnail=b"\xff\xd8\xff",
                width=1,
                height=1,
                taken_at=now,
            ),
            FindingEvent(
                finding_id=finding.id,
                step="closed",
                actor_id=manager.id,
                note=f"Told {NAME} it is gone",
                reference="CAD 1234/05DEC",
            ),
        ]
    )
    session.get(User, learner.id).failed_sign_ins = 2
    session.commit()
    return {"learner": learner, "manager": manager, "other": other, "org": org}


def test_the_download_holds_every_declared_section_with_every_field(browser, make):
    people = everything(make, browser)
    response = browser.client.get("/account/data.json")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data())

    assert set(data) == {"about"} | {holding.section for holding in HOLDINGS}
    assert set(data["about"]) == {holding.section for holding in HOLDINGS}
    about = " ".join(data["about"].values())
    assert "kept for 90 days" in about and not re.search(r"[A-Z]{3,}_|[{}]", about), (
        "plain words, with the settings' values in them"
    )
    for holding in HOLDINGS:
        rows = [data[holding.section]] if holding.single else data[holding.section]
        assert rows and rows[0] is not None, f"{holding.section} is empty"
        for row in rows:
            assert set(row) == set(holding.fields) | set(holding.also), holding.section

    assert data["account"]["full_name"] == NAME
    assert data["account"]["password_hash"] == "held, not shown"
    assert data["sign_in_failures"]["failed_sign_ins"] == 2
    evidence = data["training_done_elsewhere"][0]
    assert base64.b64decode(evidence["evidence"]) == PDF + NAME.encode()
    assert (evidence["evidence_type"], evidence["evidence_name"]) == (
        "application/pdf",
        f"{NAME}.pdf",
    )
    assert [(i["email"], i["organisation"]) for i in data["invitations"]] == [
        (EMAIL, "Gresham Works")
    ]
    assert data["invitation_lists"][0]["rows"] == [
        {"line": 2, "email": EMAIL, "name": NAME, "team": "Research"}
    ]
    assert data["organisations_registered"][0]["contact_phone"] == "020 7946 0123"
    assert [n["revoked_reason"] for n in data["certificate_notes_mentioning_you"]] == [
        f"Copied from {NAME}'s certificate"
    ]
    events = {event["action"]: event for event in data["actions_recorded"]}
    assert events["name_changed"]["detail"] == {"from": FORMER, "to": NAME}
    assert events["signed_in"]["ip_address"] == "127.0.0.1", "her own address"
    assert events["certificate_reissued"]["ip_address"] is None, "the manager's, not hers"
    assert events["organisation_updated"]["detail"]["before"] == {"name": f"{NAME} Ltd"}
    assert people["learner"].id == data["memberships"][0]["user_id"]


def test_an_empty_account_downloads_with_every_section(browser, make):
    learner = make.user()
    browser.sign_in(learner)
    data = json.loads(browser.client.get("/account/data.json").get_data())
    assert data["certificates"] == [] and data["invitations"] == []
    assert data["account"]["email"] == learner.email


# --- erasure does what the declaration says, and leaves nothing --------------------------


def snapshot(app, user_id: int) -> dict[str, dict]:
    """Each holding's rows for the person, by primary key, with their declared fields."""
    with app.app_context():
        person = personal_data.person_of(db.session.get(User, user_id))
        taken = {
            holding.section: {
                db.inspect(row).identity: {name: getattr(row, name) for name in holding.fields}
                for row in holding.rows(person)
            }
            for holding in HOLDINGS
        }
        db.session.remove()
    return taken


def needles() -> list[str]:
    return [NAME, FORMER, EMAIL, "Quaxworthy", json.dumps(NAME)[1:-1]]


def traces(session) -> list[str]:
    """Every value in every text, JSON and file column that still holds her names or
    address, as table.column."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, TEXT_TYPES)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(value, bytes):
                    text = value.decode("utf-8", "replace")
                elif isinstance(value, str):
                    text = value
                else:
                    text = json.dumps(value, ensure_ascii=False)
                if any(needle.lower() in text.lower() for needle in needles()):
                    found.append(f"{table.name}.{column.name}")
    return found


def erase_through_the_admin_page(make, other_browser, learner, reason="Her request") -> None:
    other_browser.sign_in(make.user(admin=True))
    other_browser.get(f"/admin/users/{learner.id}")
    other_browser.post(f"/admin/users/{learner.id}", {"reason": reason})


def test_erasure_does_what_the_declaration_says_row_by_row(app, browser, other_browser, make):
    people = everything(make, browser)
    learner = people["learner"]
    before = snapshot(app, learner.id)
    erase_through_the_admin_page(make, other_browser, learner)

    with app.app_context():
        for holding in HOLDINGS:
            for key, values in before[holding.section].items():
                row = db.session.get(holding.model, key)
                if holding.delete_rows:
                    assert row is None, f"{holding.section} {key} is still there"
                    continue
                for name, field in holding.fields.items():
                    now = getattr(row, name)
                    if field.erase is KEEP:
                        assert now == values[name], f"{holding.section}.{name} changed"
                    elif field.erase.constant:
                        assert now == field.erase.value(None, None, None), (holding.section, name)
        db.session.remove()


def test_erasure_leaves_her_names_and_address_in_no_column(
    app, browser, other_browser, make, session
):
    people = everything(make, browser)
    assert set(traces(session)) >= {
        "user_account.email",
        "audit_event.detail",
        "invitation_batch.rows",
        "external_record.evidence",
        "organisation.decision_note",
    }, "the search finds them before"
    erase_through_the_admin_page(
        make, other_browser, people["learner"], reason=f"{NAME} asked by phone"
    )
    assert traces(session) == []

    other_rows = session.scalar(select(InvitationBatch.rows))
    assert [row["email"] for row in other_rows] == ["someone@example.com"], "others' rows stay"
    assert session.scalar(select(Invitation.email)) == "someone@example.com"
    erased = session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "user_erased"))
    assert erased == {"reason": "(removed) asked by phone"}
    reissued = session.scalar(
        select(AuditEvent.detail).where(AuditEvent.action == "certificate_reissued")
    )
    assert set(reissued) == {"replacement", "name"} and reissued["name"] == "(removed)"
    typed = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action.in_(["external_training_rejected", "registration_declined"])
        )
    ).all()
    assert typed == [{}, {}], "what a manager or CST typed about her has gone"
    assert (
        session.scalar(select(AuditEvent.ip_address).where(AuditEvent.action == "signed_in"))
        is None
    )
    assert (
        session.scalar(
            select(AuditEvent.ip_address).where(AuditEvent.action == "certificate_reissued")
        )
        == "192.0.2.10"
    ), "the manager's own address stays for its period"
    assert session.scalar(select(CertificateArchive.id)) is None, "the zip held her certificate"
    learner_id = people["learner"].id
    assert (
        session.scalar(select(Completion.user_id).where(Completion.user_id == learner_id))
        == learner_id
    ), "her completion still counts, anonymously"
    assert session.scalar(select(Membership.team).where(Membership.user_id == learner_id)) == (
        "Research"
    )


# --- the SQLite file and its WAL ----------------------------------------------------------


def secure_delete_off(dbapi_connection, connection_record) -> None:
    """As on a SQLite built without SECURE_DELETE (Debian's is built with it on)."""
    dbapi_connection.execute("PRAGMA secure_delete = OFF")


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a SQLite file of its own, whatever DATABASE_URL says, which every write
    of the test goes through (the suite's own engine is not the app's), each of its
    connections opened with secure_delete off before elearn's settings."""
    config = TestConfig(tmp_path)
    config.ELEARN_CONTENT_DIR = FIXTURES / "content"
    app = create_app(config)
    with app.app_context():
        event.listen(db.engine, "connect", secure_delete_off, insert=True)
        db.engine.dispose()
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_every_sqlite_connection_overwrites_what_it_deletes(sqlite_app):
    with sqlite_app.app_context():
        for _ in range(3):
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        db.engine.dispose()


def test_the_database_file_and_its_wal_hold_nothing_of_her_after_erasure(sqlite_app):
    path = Path(sqlite_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    with sqlite_app.app_context():
        engine = db.engine
    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        learner = everything(make, Browser(sqlite_app.test_client()))["learner"]
        admin = make.user(admin=True)
    raw = path.read_bytes() + Path(f"{path}-wal").read_bytes()
    assert NAME.encode() in raw and EMAIL.encode() in raw, "the search finds them before"

    cst = Browser(sqlite_app.test_client())
    cst.sign_in(admin)
    cst.get(f"/admin/users/{learner.id}")
    cst.post(f"/admin/users/{learner.id}", {"reason": "Her request"})

    wal = Path(f"{path}-wal")
    raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for needle in needles():
        for form in {needle.encode(), needle.lower().encode()}:
            assert form not in raw, f"{needle!r} is still in the file or its WAL"


# --- retention ----------------------------------------------------------------------------


def test_retention_clears_audit_ip_addresses_after_their_period(app, make, session):
    user = make.user()
    now = utcnow()
    for days, address in ((91, "192.0.2.1"), (89, "192.0.2.2")):
        session.add(
            AuditEvent(
                actor_id=user.id,
                action="signed_in",
                ip_address=address,
                created_at=now - timedelta(days=days),
            )
        )
    session.commit()
    output = app.test_cli_runner().invoke(args=["retention", "apply"]).output
    assert "Cleared the IP address of 1 audit event over 90 days old." in output
    session.expire_all()
    assert session.scalars(select(AuditEvent.ip_address).order_by(AuditEvent.id)).all() == [
        None,
        "192.0.2.2",
    ]
    app.config["AUDIT_IP_DAYS"] = 30
    try:
        output = app.test_cli_runner().invoke(args=["retention", "apply"]).output
    finally:
        app.config["AUDIT_IP_DAYS"] = 90
    assert "Cleared the IP address of 1 audit event over 30 days old." in output
    session.expire_all()
    assert session.scalars(select(AuditEvent.ip_address)).all() == [None, None]


def test_retention_deletes_lists_of_people_to_invite_after_a_month(app, make, session):
    org = make.organisation()
    manager = make.user(org=org, role="manager")
    for public_id, days in (("old", 31), ("new", 29)):
        session.add(
            InvitationBatch(
                public_id=public_id,
                organisation_id=org.id,
                created_by_id=manager.id,
                created_at=utcnow() - timedelta(days=days),
                source="pasted",
                rows=[{"email": f"{public_id}@example.com", "name": "Someone"}],
            )
        )
    session.commit()
    output = app.test_cli_runner().invoke(args=["retention", "apply", "--dry-run"]).output
    assert "Nothing was changed" in output
    assert len(session.scalars(select(InvitationBatch.public_id)).all()) == 2
    output = app.test_cli_runner().invoke(args=["retention", "apply"]).output
    assert "Deleted 1 list of people to invite over 30 days old." in output
    assert session.scalars(select(InvitationBatch.public_id)).all() == ["new"]


# --- the log --------------------------------------------------------------------------------


@pytest.fixture
def app_log(app):
    """What elearn writes to its log during the test, through its own handler. (Alembic's
    logging set-up turns off the loggers that exist when a test migrates a database.)"""
    handler = app.logger.handlers[0]
    written = io.StringIO()
    kept = handler.setStream(written)
    loggers = [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("elearn") and isinstance(logger, logging.Logger) and logger.disabled
    ]
    for logger in loggers:
        logger.disabled = False
    yield written
    for logger in loggers:
        logger.disabled = True
    handler.setStream(kept)


def test_the_log_names_people_by_id_not_by_address(app, make, session, app_log, monkeypatch):
    from elearn import mail

    with app.test_request_context():
        assert mail.send_mail_or_log(EMAIL, "Hello", "account_exists", link="https://x/")

        def refuse(message):
            raise smtplib.SMTPRecipientsRefused({EMAIL: (550, f"5.1.1 <{EMAIL}>: no".encode())})

        monkeypatch.setattr(mail, "deliver", refuse)
        assert not mail.send_mail_or_log(EMAIL, "Hello", "account_exists", link="https://x/")
        logging.getLogger("elearn.test").info("searched ?q=%s", "zephyrine.quax%40example.org")
    written = app_log.getvalue()
    assert "mail written to" in written and "could not be sent" in written
    assert "SMTPRecipientsRefused" in written, "the traceback is kept"
    assert "zephyrine" not in written.lower()


def test_the_access_log_keeps_no_search_or_address():
    from elearn.web.request_log import redact_tokens

    line = '"GET /admin/users?q=Zephy+Quaxworthy&kind=learners HTTP/1.1" 200 "/x?to=a.b%40ex.org"'
    assert redact_tokens(line) == (
        '"GET /admin/users?q=[search]&kind=learners HTTP/1.1" 200 "/x?to=[address]"'
    )


def test_a_person_found_by_every_name_they_went_by(app, browser, make):
    learner = everything(make, browser)["learner"]
    with app.app_context():
        person = personal_data.person_of(db.session.get(User, learner.id))
        db.session.remove()
    assert person.names == {NAME, FORMER}
    assert person.emails == {EMAIL}
    assert person.scrub({"a": [f"to {NAME.upper()}, cc {EMAIL}"]}) == {
        "a": ["to (removed), cc (removed)"]
    }
    assert person.scrub(f"{FORMER}son") == f"{FORMER}son", "a whole name only"


def test_a_holding_is_found_and_erased_through_its_declaration(app, make, session):
    """The machinery on its own: a holding of one column, found and cleared."""
    org = make.organisation(contact_email=EMAIL, contact_name="Kim", decision_note="No")
    holding = next(h for h in HOLDINGS if h.section == "organisations_registered")
    assert isinstance(holding, Holding)
    with app.app_context():
        person = Person(id=0, emails=frozenset({EMAIL}), names=frozenset({"Kim"}))
        assert holding.export(person)[0]["contact_name"] == "Kim"
        holding.erase(person)
        db.session.commit()
        db.session.remove()
    session.expire_all()
    found = session.get(Organisation, org.id)
    assert (found.contact_name, found.contact_email, found.decision_note) == (None, None, None)


def test_the_privacy_notice_says_how_long_network_addresses_are_kept(browser, session):
    page = browser.get("/privacy")
    assert "The network address in the log of actions is kept for 90 days." in page.text()


def test_the_privacy_notice_says_what_the_hub_holds_and_for_how_long(app, browser, session):
    text = browser.get("/privacy").text()
    assert "what you report to the reporting hub" in text
    months = (app.config["HUB_PHOTO_MONTHS"], app.config["HUB_DETAIL_MONTHS"])
    assert (
        f"The photos of a report to the reporting hub are deleted {months[0]} months after "
        f"the report is finished (removed or closed); {months[1]} months after, the report "
        "keeps only what the figures need"
    ) in text
    assert "never who reported it or the photos" in text
