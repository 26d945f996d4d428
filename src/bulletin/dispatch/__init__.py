"""Dispatch: send plan, transports (SendGrid, outbox), retries and the send run over the ledger.

Modules: ``plan`` (who gets it and why not), ``transport`` (what a
transport is, how requests fail), ``sendgrid`` and ``outbox`` (transports), ``retry`` (backoff),
``run`` (send/plan: gather, then plan into the ledger), ``deliver`` (one request per batch, state
committed before and after), ``scheduled`` (send at a time: plan now, hand over when due),
``handover`` (to SendGrid's scheduler, batch id, --safe recovery), ``status`` (what the ledger says),
``show`` (terminal output). The public entry points are ``bulletin.send``, ``bulletin.plan`` and
``bulletin.status``; scheduling is ``bulletin.schedule`` (times: ``bulletin.sendtime``).
"""
