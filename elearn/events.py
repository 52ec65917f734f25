"""Signals between domains, so that a lower one need not import a higher one."""

from blinker import Namespace

signals = Namespace()

# Sent by courses when a learner completes a course by e-learning, inside the transaction
# that records it: certificates answers by issuing the certificate.
completion_recorded = signals.signal("completion-recorded")

# Sent by organisations when a person joins one (an invitation accepted, a join code),
# inside the transaction: face-to-face sessions give them the walk-in bookings made for
# their address before they had an account.
member_joined = signals.signal("member-joined")
