"""Signals between domains, so that a lower one need not import a higher one."""

from blinker import Namespace

signals = Namespace()

# Sent by courses when a learner completes a course by e-learning, inside the transaction
# that records it: certificates answers by issuing the certificate.
completion_recorded = signals.signal("completion-recorded")
