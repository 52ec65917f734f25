"""Face-to-face sessions: the list and a session's page, booking and cancelling, managers
booking their members, scheduling (CST and facilitators), the register on the day, the
sign-in sheet, and the facilitators CST names."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from elearn.courses.catalogue import current_catalogue
from elearn.dates import LONDON, london_moment
from elearn.extensions import db
from elearn.face_to_face import bookings, register, scheduling, sessions
from elearn.face_to_face.facilitators import (
    FacilitatorRefused,
    facilitators,
    name_facilitator,
    remove_facilitator,
)
from elearn.face_to_face.forms import (
    BookMembersForm,
    CancelSessionForm,
    FacilitatorForm,
    MarkForm,
    SessionForm,
    WalkInForm,
)
from elearn.models import (
    Attendance,
    Audience,
    Booking,
    BookingStatus,
    Facilitator,
    Membership,
    Organisation,
    OrganisationStatus,
    SessionStatus,
    TrainingSession,
    User,
    utcnow,
)
from elearn.organisations.notifications import send_waiting
from elearn.permissions import (
    can_cancel_booking,
    can_close_register,
    can_mark,
    can_run_session,
    can_schedule_sessions,
    can_see_session,
    cst_admin_required,
    managed_organisations,
)
from elearn.web.forms import ConfirmForm, choices

bp = Blueprint("face_to_face", __name__, url_prefix="/sessions")


def _session(reference: str) -> TrainingSession:
    session = db.session.scalar(
        select(TrainingSession).where(TrainingSession.public_id == reference)
    )
    if session is None:
        abort(404)
    return session


def _visible(reference: str) -> TrainingSession:
    """A session the person may see; one they may not is 'not found'."""
    session = _session(reference)
    if not can_see_session(current_user, session):
        abort(404)
    return session


def _run(reference: str) -> TrainingSession:
    """A session the person runs (CST or its facilitator), or 403/404."""
    session = _session(reference)
    if not can_run_session(current_user, session):
        abort(404 if not can_see_session(current_user, session) else 403)
    return session


def _course_title(slug: str) -> str:
    course = current_catalogue().get(slug)
    return course.title if course else slug


@bp.app_context_processor
def _sessions_for_templates():
    """What course pages and My training show of sessions, asked from their templates
    (courses knows nothing of sessions)."""
    return {
        "course_title": _course_title,
        # Signed in only: a visitor's course page reads nothing from the database.
        "sessions_of_course": lambda slug: (
            sessions.upcoming(current_user, slug) if current_user.is_authenticated else []
        ),
        "my_bookings": lambda: (
            bookings.bookings_of(current_user.id) if current_user.is_authenticated else []
        ),
    }


def _with_places(found: list[TrainingSession]) -> list[tuple[TrainingSession, int, int]]:
    """Each session with its places left and people waiting (one statement for all)."""
    taken = sessions.taken_by_session([session.id for session in found])
    return [
        (
            session,
            max(session.capacity - taken.get(session.id, (0, 0))[0], 0),
            taken.get(session.id, (0, 0))[1],
        )
        for session in found
    ]


# --- learners ----------------------------------------------------------------------------


@bp.get("")
def index():
    found = sessions.upcoming(current_user)
    return render_template(
        "face_to_face/index.html",
        sessions=found,
        titles={row[0].course_slug: _course_title(row[0].course_slug) for row in found},
        can_schedule=can_schedule_sessions(current_user),
    )


@bp.get("/<reference>")
def session(reference: str):
    training = _visible(reference)
    booked, waiting = sessions.taken_by_session([training.id]).get(training.id, (0, 0))
    mine = bookings.booking_of(training, current_user.id) if current_user.is_authenticated else None
    position = None
    if mine is not None and mine.status == BookingStatus.WAITING:
        position = db.session.scalar(
            select(db.func.count()).where(
                Booking.session_id == training.id,
                Booking.status == BookingStatus.WAITING,
                Booking.waiting_since <= mine.waiting_since,
            )
        )
    runs = can_run_session(current_user, training)
    manages = (
        managed_organisations(current_user)
        if current_user.is_authenticated and not current_user.is_cst_admin
        else []
    )
    return render_template(
        "face_to_face/session.html",
        training=training,
        course_title=_course_title(training.course_slug),
        places_left=max(training.capacity - booked, 0),
        booked=booked,
        waiting=waiting,
        mine=mine if mine is not None and mine.status != BookingStatus.CANCELLED else None,
        position=position,
        open=sessions.booking_open(training),
        closes_at=sessions.closes_at(training),
        runs=runs,
        attendees=list(sessions.active_bookings(training)) if runs else [],
        manages=manages,
        form=ConfirmForm(),
    )


@bp.post("/<reference>/book")
@login_required
def book(reference: str):
    training = _visible(reference)
    if not ConfirmForm().validate():
        flash("This page had been open too long, so nothing was saved. Try again.")
        return redirect(url_for(".session", reference=reference))
    try:
        booking = bookings.book(training, current_user, current_user)
    except bookings.BookingRefused as refused:
        flash(str(refused))
        return redirect(url_for(".session", reference=reference))
    if booking.status == BookingStatus.BOOKED:
        flash("Your place is booked. We have emailed you the details and a calendar invitation.")
    else:
        flash(
            "The session is full: you are on the waiting list. "
            "We will email you if a place frees up."
        )
    return redirect(url_for(".session", reference=reference))


@bp.post("/<reference>/bookings/<int:booking_id>/cancel")
@login_required
def cancel_booking(reference: str, booking_id: int):
    training = _session(reference)
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.session_id != training.id:
        abort(404)
    if not can_cancel_booking(current_user, booking):
        abort(404)
    if not ConfirmForm().validate():
        flash("This page had been open too long, so nothing was saved. Try again.")
        return redirect(url_for(".session", reference=reference))
    own = booking.user_id == current_user.id
    try:
        bookings.cancel(booking, current_user, late=can_run_session(current_user, training))
    except bookings.BookingRefused as refused:
        flash(str(refused))
    else:
        flash(
            "Your booking is cancelled."
            if own
            else f"{booking.display_name}'s booking is cancelled."
        )
    runs = can_run_session(current_user, training)
    back = ".session" if own or runs else ".book_members"  # a manager, from their list
    return redirect(url_for(back, reference=reference))


# --- managers ----------------------------------------------------------------------------


def _bookable_members(training: TrainingSession, organisations: list[Organisation]):
    """Members of the manager's organisations the session is open to, with any booking."""
    organisation_ids = [organisation.id for organisation in organisations]
    if training.audience == Audience.ORGANISATION:
        organisation_ids = [i for i in organisation_ids if i == training.organisation_id]
    elif training.audience == Audience.SECTORS:
        organisation_ids = [
            organisation.id
            for organisation in organisations
            if organisation.sector in training.sectors
        ]
    if not organisation_ids:
        return []
    people = db.session.execute(
        select(User, Organisation.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.organisation_id.in_(organisation_ids),
            Membership.left_at.is_(None),
            User.active.is_(True),
        )
        .order_by(User.full_name, User.id)
    ).all()
    booked = {
        row.user_id: row
        for row in db.session.execute(
            select(Booking.user_id, Booking.status, Booking.id, Booking.attendance).where(
                Booking.session_id == training.id,
                Booking.user_id.in_([person.id for person, _ in people]),
                Booking.status != BookingStatus.CANCELLED,
            )
        )
    }
    seen: set[int] = set()
    members = []
    for person, organisation_name in people:
        if person.id not in seen:
            seen.add(person.id)
            members.append((person, organisation_name, booked.get(person.id)))
    return members


@bp.route("/<reference>/book-members", methods=["GET", "POST"])
@login_required
def book_members(reference: str):
    training = _visible(reference)
    organisations = (
        list(
            db.session.scalars(
                select(Organisation).where(Organisation.status == OrganisationStatus.APPROVED)
            )
        )
        if current_user.is_cst_admin
        else managed_organisations(current_user)
    )
    if not organisations:
        abort(403)
    members = _bookable_members(training, organisations)
    form = BookMembersForm()
    form.members.choices = choices(
        (person.id, f"{person.full_name} ({organisation_name})")
        for person, organisation_name, booking in members
        if booking is None
    )
    if form.validate_on_submit():
        allowed = {person.id: person for person, _, booking in members if booking is None}
        places = waiting = 0
        try:
            for person_id in form.members.data:
                if person_id not in allowed:
                    continue
                made = bookings.book(training, allowed[person_id], current_user)
                if made.status == BookingStatus.BOOKED:
                    places += 1
                else:
                    waiting += 1
        except bookings.BookingRefused as refused:
            flash(str(refused))
            return redirect(url_for(".session", reference=reference))
        flash(
            f"Booked {places} {'person' if places == 1 else 'people'}"
            + (f"; {waiting} on the waiting list" if waiting else "")
            + ". Each of them has been emailed."
        )
        return redirect(url_for(".book_members", reference=reference))
    return render_template(
        "face_to_face/book_members.html",
        training=training,
        course_title=_course_title(training.course_slug),
        members=members,
        form=form,
        open=sessions.booking_open(training),
    )


# --- scheduling (CST and facilitators) ----------------------------------------------------


def _session_form(form: SessionForm) -> SessionForm:
    form.course.choices = choices(
        [("", "Select a course")] + [(course.slug, course.title) for course in current_catalogue()]
    )
    form.organisation.choices = choices(
        [(0, "Select an organisation")]
        + [
            (organisation.id, organisation.name)
            for organisation in db.session.scalars(
                select(Organisation)
                .where(Organisation.status == OrganisationStatus.APPROVED)
                .order_by(Organisation.name)
            )
        ]
    )
    named = facilitators()
    form.facilitators.choices = choices(
        (
            facilitator.user_id,
            facilitator.user.full_name
            + (f" ({facilitator.organisation.name})" if facilitator.organisation else ""),
        )
        for facilitator in named
    )
    return form


def _details(form: SessionForm) -> scheduling.SessionDetails:
    return scheduling.SessionDetails(
        course_slug=form.course.data,
        title=(form.title.data or "").strip() or None,
        starts_at=london_moment(form.day.data, form.starts.time),
        ends_at=london_moment(form.day.data, form.ends.time),
        capacity=form.capacity.data,
        venue=(form.venue.data or "").strip() or None,
        address=(form.address.data or "").strip() or None,
        access_notes=(form.access_notes.data or "").strip() or None,
        online_url=(form.online_url.data or "").strip() or None,
        audience=form.audience.data,
        organisation_id=form.organisation.data or None,
        sectors=list(form.sectors.data or []),
        closes_hours_before=form.closes_hours_before.data,
        facilitator_ids=list(form.facilitators.data or []),
    )


@bp.get("/manage")
@login_required
def manage():
    if not can_schedule_sessions(current_user) and not current_user.is_cst_admin:
        abort(403)
    statement = select(TrainingSession).order_by(TrainingSession.starts_at.desc())
    if not current_user.is_cst_admin:
        statement = statement.where(TrainingSession.facilitators.any(User.id == current_user.id))
    found = list(db.session.scalars(statement.limit(200)))
    marks = register.attendance_by_session([session.id for session in found])
    return render_template(
        "face_to_face/manage.html",
        sessions=_with_places(found),
        marks=marks,
        titles={session.course_slug: _course_title(session.course_slug) for session in found},
        now=utcnow(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_schedule_sessions(current_user):
        abort(403)
    form = _session_form(SessionForm())
    if request.method == "GET" and not current_user.is_cst_admin:
        form.facilitators.data = [current_user.id]
    if form.validate_on_submit():
        try:
            training = scheduling.create_session(_details(form), current_user)
        except scheduling.SessionRefused as refused:
            _refused(form, refused)
        else:
            flash("The session is scheduled and open for booking.")
            return redirect(url_for(".session", reference=training.public_id))
    return render_template("face_to_face/edit.html", form=form, training=None)


@bp.route("/<reference>/edit", methods=["GET", "POST"])
@login_required
def edit(reference: str):
    training = _run(reference)
    if training.is_cancelled:
        abort(404)
    form = _session_form(SessionForm(obj=None))
    if request.method == "GET":
        _fill(form, training)
    if form.validate_on_submit():
        try:
            changes = scheduling.edit_session(training, _details(form), current_user)
        except scheduling.SessionRefused as refused:
            _refused(form, refused)
        else:
            flash(
                "Saved. Everyone booked has been told what changed: " + ", ".join(changes).lower()
                if changes
                else "Saved."
            )
            return redirect(url_for(".session", reference=reference))
    return render_template("face_to_face/edit.html", form=form, training=training)


def _refused(form: SessionForm, refused: scheduling.SessionRefused) -> None:
    """The reason shown on the answer it is about, and in the error summary."""
    field = form[refused.field]
    field.errors = [*field.errors, str(refused)]


def _fill(form: SessionForm, training: TrainingSession) -> None:
    starts = training.starts_at.astimezone(LONDON)
    ends = training.ends_at.astimezone(LONDON)
    form.course.data = training.course_slug
    form.title.data = training.title
    form.day.data = starts.date()
    form.starts.data = f"{starts:%H:%M}"
    form.ends.data = f"{ends:%H:%M}"
    form.venue.data = training.venue
    form.address.data = training.address
    form.access_notes.data = training.access_notes
    form.online_url.data = training.online_url
    form.capacity.data = training.capacity
    form.closes_hours_before.data = training.closes_hours_before
    form.audience.data = training.audience
    form.organisation.data = training.organisation_id or 0
    form.sectors.data = list(training.sectors or [])
    form.facilitators.data = [person.id for person in training.facilitators]


@bp.route("/<reference>/cancel", methods=["GET", "POST"])
@login_required
def cancel(reference: str):
    training = _run(reference)
    if training.status == SessionStatus.CANCELLED:
        return redirect(url_for(".session", reference=reference))
    form = CancelSessionForm()
    if form.validate_on_submit():
        told = scheduling.cancel_session(training, form.reason.data or "", current_user)
        flash(
            f"The session is cancelled. {told} {'person was' if told == 1 else 'people were'} told."
        )
        return redirect(url_for(".session", reference=reference))
    return render_template(
        "face_to_face/cancel.html",
        training=training,
        course_title=_course_title(training.course_slug),
        form=form,
        told=len(list(sessions.active_bookings(training))),
    )


# --- the register on the day ---------------------------------------------------------------


def _walk_in_form(form: WalkInForm, training: TrainingSession) -> WalkInForm:
    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.APPROVED)
        .order_by(Organisation.name)
    )
    if training.organisation_id is not None:
        organisations = [training.organisation]
    form.organisation.choices = choices(
        [(0, "Select their organisation")]
        + [(organisation.id, organisation.name) for organisation in organisations]
    )
    return form


@bp.get("/<reference>/register")
@login_required
def register_page(reference: str):
    training = _run(reference)
    people = register.register_of(training)
    counts = {mark: 0 for mark in Attendance}
    for booking in people:
        if booking.attendance:
            counts[booking.attendance] += 1
    return render_template(
        "face_to_face/register.html",
        training=training,
        course_title=_course_title(training.course_slug),
        people=people,
        counts=counts,
        unmarked=sum(1 for booking in people if booking.attendance is None),
        walk_in=_walk_in_form(WalkInForm(formdata=None), training),
        can_close=can_close_register(current_user, training),
        me=current_user.id,
        form=ConfirmForm(),
    )


@bp.post("/<reference>/register/<int:booking_id>")
@login_required
def mark(reference: str, booking_id: int):
    training = _run(reference)
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.session_id != training.id:
        abort(404)
    if not can_mark(current_user, booking):
        abort(403)
    form = MarkForm()
    if not form.validate():
        flash(form.error_list()[0]["text"] if form.error_list() else "Try again.")
    else:
        try:
            register.mark(booking, form.attendance.data, current_user)
        except register.RegisterRefused as refused:
            flash(str(refused))
    return redirect(url_for(".register_page", reference=reference) + f"#person-{booking.id}")


@bp.post("/<reference>/register/walk-in")
@login_required
def walk_in(reference: str):
    training = _run(reference)
    form = _walk_in_form(WalkInForm(), training)
    if form.validate():
        organisation = (
            db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        )
        try:
            booking, invitation = register.add_walk_in(
                training,
                current_user,
                email=(form.email.data or "").strip() or None,
                name=(form.name.data or "").strip() or None,
                organisation=organisation,
            )
        except register.RegisterRefused as refused:
            flash(str(refused))
        else:
            if invitation is not None:
                send_waiting(only=invitation.id)
                flash(
                    f"{booking.email} is on the register and has been invited to create an "
                    "account: their training is theirs once they do."
                )
            else:
                flash(f"{booking.display_name} is on the register.")
            return redirect(url_for(".register_page", reference=reference))
    else:
        flash(form.error_list()[0]["text"])
    return redirect(url_for(".register_page", reference=reference) + "#walk-in")


@bp.post("/<reference>/register/close")
@login_required
def close_register(reference: str):
    training = _run(reference)
    if not can_close_register(current_user, training):
        abort(403)
    if ConfirmForm().validate():
        if request.form.get("reopen"):
            register.reopen_register(training, current_user)
            flash("The register is open again: marks can be corrected.")
        else:
            register.close_register(training, current_user)
            flash("The register is closed: the marks are final.")
    return redirect(url_for(".register_page", reference=reference))


@bp.get("/<reference>/sign-in-sheet.pdf")
@login_required
def sign_in_sheet(reference: str):
    from elearn.certificates.views import file_response
    from elearn.face_to_face.sheet import sign_in_sheet_pdf

    training = _run(reference)
    response = file_response(
        sign_in_sheet_pdf(training, _course_title(training.course_slug)), "application/pdf"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="sign-in-sheet-{training.public_id}.pdf"'
    )
    return response


# --- facilitators (CST) --------------------------------------------------------------------


@bp.route("/facilitators", methods=["GET", "POST"])
@cst_admin_required
def facilitators_page():
    form = FacilitatorForm()
    form.organisation.choices = choices(
        [(0, "None: they facilitate for CST")]
        + [
            (organisation.id, organisation.name)
            for organisation in db.session.scalars(
                select(Organisation)
                .where(Organisation.status == OrganisationStatus.APPROVED)
                .order_by(Organisation.name)
            )
        ]
    )
    if form.validate_on_submit():
        organisation = (
            db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        )
        try:
            named = name_facilitator(form.email.data, organisation, current_user)
        except FacilitatorRefused as refused:
            form.email.errors = [*form.email.errors, str(refused)]
        else:
            flash(f"{named.user.full_name} can now run face-to-face sessions.")
            return redirect(url_for(".facilitators_page"))
    return render_template(
        "face_to_face/facilitators.html",
        form=form,
        facilitators=facilitators(),
        confirm=ConfirmForm(),
    )


@bp.post("/facilitators/<int:facilitator_id>/remove")
@cst_admin_required
def remove_facilitator_page(facilitator_id: int):
    facilitator = db.session.get(Facilitator, facilitator_id)
    if facilitator is None:
        abort(404)
    if ConfirmForm().validate():
        name = facilitator.user.full_name
        remove_facilitator(facilitator, current_user)
        flash(f"{name} is no longer a facilitator.")
    return redirect(url_for(".facilitators_page"))
