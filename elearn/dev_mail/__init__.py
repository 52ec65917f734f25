"""The development mail viewer: the emails elearn wrote to files, shown at /dev/mail.

views.py registers its routes only in development with no mail server; files.py reads
the files back.
"""
