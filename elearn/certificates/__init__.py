"""Evidence of training: PDF certificates anyone can verify, training done elsewhere,
and reminders before training expires."""
