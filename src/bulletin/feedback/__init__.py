"""What happened after sending: SendGrid's suppressions (sync), the per-issue report and the Event Webhook.

``sync.py`` fetches the suppression lists into the state database (``suppressions.py`` holds them);
``stats.py`` reads the issue's category statistics; ``report.py`` joins them with the ledger and the
webhook's events; ``webhook.py`` receives signed events; ``export.py`` writes the suppressed list as CSV.
``api.py`` is the small read-only SendGrid client they share.
"""
