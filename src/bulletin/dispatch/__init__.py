"""Dispatch: the send plan, transports (SendGrid, outbox), retries and the send run over the ledger.

The send path, top down: ``run.send`` (checks what the person asked, builds the issue, picks the
transport: ``transports``) -> ``planner.Planner`` (the whole dispatch written into the ledger in one
transaction: ``plan`` figures who gets it and why not, from ``..audience``) -> ``deliver`` (one request
per batch of 1000, ``sending`` committed before it and the outcome after; bodies from ``..mail``) ->
a ``transport`` (``sendgrid``, ``outbox``; ``retry`` says when to try again). A send with a time goes
through ``schedule`` (all of scheduling: times, planning ahead, the hand-over to SendGrid, dispatch-due,
cancel). ``status`` and ``show`` read the ledger for people. Public entry points: ``bulletin.send``,
``bulletin.plan``, ``bulletin.status``, ``bulletin.dispatch_due``, ``bulletin.cancel``, ``bulletin.upcoming``.
"""
