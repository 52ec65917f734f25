"""The learner's journey: catalogue, My training, course and module pages, quizzes."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from elearn.certificates.codes import display_code
from elearn.courses import operations
from elearn.courses.catalogue import Course, Module
from elearn.courses.catalogue import current_catalogue as catalogue
from elearn.courses.contacts import by_topic
from elearn.courses.feedback import attempt_feedback
from elearn.courses.forms import quiz_form
from elearn.courses.grading import AnswersRejected
from elearn.courses.progress import course_progress, learner_progress
from elearn.courses.quiz_markup import answers_html, questions_html
from elearn.courses.review import course_is_due, review_due_on
from elearn.database import writing
from elearn.dates import london_today
from elearn.extensions import db
from elearn.models import QuizAttempt, utcnow
from elearn.models.certificate import current_certificates
from elearn.models.organisation import required_courses
from elearn.permissions import own_attempt
from elearn.web.security import keeps_input_on_csrf_failure
from elearn.web.shared_pages import render_shared

bp = Blueprint("courses", __name__)


def find_course(course_slug: str) -> Course:
    course = catalogue().get(course_slug)
    if course is None:
        abort(404)
    return course


def find_module(course: Course, module_slug: str) -> Module:
    module = course.module(module_slug)
    if module is None:
        abort(404)
    return module


@bp.get("/courses")
def catalogue_page():
    return render_shared(("catalogue",), "courses/catalogue.html", courses=list(catalogue()))


@bp.get("/my-training")
@login_required
def my_training():
    now = utcnow()
    progress = learner_progress(current_user.id, catalogue(), now)
    required = required_courses(current_user.id)
    progress.sort(
        key=lambda item: (
            item.course.slug not in required,
            required.get(item.course.slug) or london_today(),
        )
    )
    return render_template(
        "courses/my_training.html",
        progress=progress,
        required=required,
        today=london_today(),
        certificates=current_certificates(current_user.id, now),
    )


@bp.get("/courses/<course_slug>")
def course_page(course_slug: str):
    course = find_course(course_slug)
    progress = None
    if current_user.is_authenticated:
        progress = course_progress(current_user.id, course, utcnow())
    overdue = course_is_due(course, london_today())
    review_due = review_due_on(course.reviewed) if overdue else None
    return render_template(
        "courses/course.html", course=course, progress=progress, review_due=review_due
    )


@bp.get("/contacts")
def contacts_page():
    """Every local contact the courses name, with when its details were last confirmed."""
    return render_shared(
        ("contacts",),
        "courses/contacts.html",
        topics=by_topic(catalogue().contacts),
    )


@bp.get("/courses/<course_slug>/images/<path:filename>")
def course_image(course_slug: str, filename: str):
    course = find_course(course_slug)
    folder = current_app.config["ELEARN_CONTENT_DIR"] / course.slug / "images"
    return send_from_directory(folder, filename, max_age=3600)


@bp.get("/courses/<course_slug>/<module_slug>")
@login_required
def module_page(course_slug: str, module_slug: str):
    course = find_course(course_slug)
    module = find_module(course, module_slug)
    progress = course_progress(current_user.id, course, utcnow())
    if not progress.step(module).available:
        waiting = progress.next_module
        flash(f"Finish ‘{waiting.title}’ before you open ‘{module.title}’.", "info")
        return redirect(url_for(".course_page", course_slug=course.slug))
    if module.is_quiz:
        attempt, best = operations.open_attempt(current_user.id, course, module)
        return render_quiz(course, module, attempt, best)
    if not progress.step(module).done:
        # A first view in this cycle is recorded; re-reading a done module writes nothing.
        with writing():
            operations.record_view(current_user.id, course, module)
            operations.complete_if_done(current_user.id, course, utcnow())
            db.session.commit()
    previous, following = course.neighbours(module)
    return render_shared(
        ("module", course.slug, course.version, module.slug),
        "courses/module.html",
        course=course,
        module=module,
        previous=previous,
        following=following,
    )


def render_quiz(course: Course, module: Module, attempt: QuizAttempt, best, form=None, status=200):
    """The quiz as the attempt asks it. Shown afresh, the page is the module's shared copy
    (elearn/web/shared_pages.py) with this attempt's questions, link and best score filled in;
    sent back with errors, it is rendered whole with what was chosen."""
    action = url_for(
        ".submit_quiz",
        course_slug=course.slug,
        module_slug=module.slug,
        public_id=attempt.public_id,
    )
    slots = {
        "questions": questions_html(attempt.questions, form),
        "action": escape(action),
        "best_score": (
            Markup('<p class="govuk-body">Your best score so far: {}%.</p>').format(best)
            if best is not None
            else Markup()
        ),
    }
    context = {"course": course, "module": module, "attempt": attempt}
    if form is not None and form.errors:
        return render_template("courses/quiz.html", form=form, **context, **slots), status
    key = (
        "quiz",
        course.slug,
        course.version,
        module.slug,
        attempt.question_count,
        attempt.pass_mark,
    )
    return render_shared(key, "courses/quiz.html", slots=slots, form=None, **context)


@bp.post("/courses/<course_slug>/<module_slug>/attempts/<public_id>")
@login_required
@keeps_input_on_csrf_failure
def submit_quiz(course_slug: str, module_slug: str, public_id: str):
    course = find_course(course_slug)
    module = find_module(course, module_slug)
    attempt = own_attempt(current_user, course.slug, module.slug, public_id)
    result_url = url_for(
        ".attempt_result",
        course_slug=course.slug,
        module_slug=module.slug,
        public_id=attempt.public_id,
    )
    if attempt.is_submitted:
        flash("You had already submitted these answers. They were recorded once.", "info")
        return redirect(result_url)
    form = quiz_form(attempt.questions, formdata=request.form)
    if not form.validate():
        return render_quiz(
            course,
            module,
            attempt,
            operations.best_score(current_user.id, course, module),
            form,
            status=400,
        )
    chosen = {key: request.form.getlist(key) for key in request.form if key.startswith("q")}
    try:
        grade = operations.submit_attempt(attempt, chosen, course)
    except AnswersRejected as rejected:
        for question_id, message in rejected.problems.items():
            field = form[question_id] if question_id in form else form.question_fields()[0]
            field.errors = [message]
        return render_quiz(
            course,
            module,
            attempt,
            operations.best_score(current_user.id, course, module),
            form,
            status=400,
        )
    if grade is None:
        flash("You had already submitted these answers. They were recorded once.", "info")
    db.session.commit()
    return redirect(result_url)


@bp.get("/courses/<course_slug>/<module_slug>/attempts/<public_id>")
@login_required
def attempt_result(course_slug: str, module_slug: str, public_id: str):
    course = find_course(course_slug)
    module = find_module(course, module_slug)
    attempt = own_attempt(current_user, course.slug, module.slug, public_id)
    if not attempt.is_submitted:
        return redirect(url_for(".module_page", course_slug=course.slug, module_slug=module.slug))
    feedback = attempt_feedback(attempt, course, module, current_app.config["QUIZ_ANSWERS_AFTER"])
    progress = certificate = None
    if attempt.passed:  # what comes next: the certificate, or the rest of the course
        progress = course_progress(current_user.id, course, utcnow())
        if progress.completion is not None:
            certificate = current_certificates(current_user.id, utcnow()).get(course.slug)
    answers = answers_html(
        attempt.questions,
        attempt.answers or {},
        feedback,
        lambda slug: url_for(".module_page", course_slug=course.slug, module_slug=slug),
        url_for(".course_page", course_slug=course.slug),
    )
    return render_template(
        "courses/result.html",
        course=course,
        module=module,
        attempt=attempt,
        progress=progress,
        feedback=feedback,
        answers=answers,
        certificate=certificate,
        certificate_code=display_code(certificate.code) if certificate else None,
    )
