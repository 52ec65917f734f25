"""Face-to-face training: sessions, bookings and waiting lists, the register on the day,
and the completions and certificates attendance records."""
