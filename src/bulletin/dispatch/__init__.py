"""Dispatch: send plan, transports (SendGrid, outbox), retries and the send run over the ledger.

Modules: ``plan`` (who gets it and why not), ``message`` (request bodies), ``sendgrid`` and
``outbox`` (transports), ``retry`` (backoff), ``run`` (send/plan), ``status`` (what the ledger says),
``show`` (terminal output). The public entry points are ``bulletin.send``, ``bulletin.plan`` and
``bulletin.status``.
"""
