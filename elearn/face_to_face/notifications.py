"""The emails about face-to-face sessions, each with its calendar event (.ics)."""

from __future__ import annotations

from elearn.models import Booking, TrainingSession


def tell_booked(booking: Booking) -> None:
    """A place confirmed (booked by the person, or by their manager)."""


def tell_waiting(booking: Booking) -> None:
    """On the waiting list: no calendar event yet."""


def tell_promoted(booking: Booking) -> None:
    """A place freed went to this person, first on the waiting list."""


def tell_booking_cancelled(booking: Booking) -> None:
    """Their place (or place on the waiting list) is cancelled."""


def tell_changed(session: TrainingSession, changes: list[str], before: dict) -> None:
    """The session changed: everyone booked or waiting is told what changed."""


def tell_cancelled(session: TrainingSession, bookings: list[Booking]) -> None:
    """The session is cancelled: everyone who was booked or waiting is told."""
