"""Community events: creation, announcement, RSVP with a waiting list, reminders, calendar
files and the feedback round after the event.

Modules: ``models`` (what the store returns), ``rsvp`` (the capacity rule), ``times`` (local
times and reminder due times), ``calendar`` (.ics files), ``notices`` (what residents are told;
the outbox purposes are in :mod:`surveys.purposes`), ``board`` (the use cases), ``clock``
(announcements, reminders and feedback when their time comes), ``results`` (attendance and
satisfaction per event and partner). Import the module you need; this package imports nothing,
so the store can use ``models`` without a cycle.
"""
