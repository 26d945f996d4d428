"""The SendGrid transport against the fake: how each failure is classified."""

from __future__ import annotations

import logging

import pytest

from bulletin.dispatch.sendgrid import SendGridTransport, error_messages
from bulletin.dispatch.transport import OutcomeUnknown, Refused, Retryable
from bulletin.errors import ConfigError
from fakes.sendgrid_server import FakeSendGrid, Reply

BODY = {
    "personalizations": [{"to": [{"email": "a@x.example"}]}],
    "from": {"email": "sender@x.example"},
    "subject": "Hello",
    "content": [{"type": "text/plain", "value": "Hi"}, {"type": "text/html", "value": "<p>Hi</p>"}],
}


@pytest.fixture
def transport(fake_sendgrid: FakeSendGrid) -> SendGridTransport:
    return SendGridTransport(fake_sendgrid.api_key, base_url=fake_sendgrid.url, timeout=0.5)


def test_accepted_returns_the_message_id(transport: SendGridTransport, fake_sendgrid: FakeSendGrid) -> None:
    message_id = transport.post(BODY)
    assert message_id == fake_sendgrid.accepted[0].message_id
    assert fake_sendgrid.recipients() == {"a@x.example": 1}


def test_429_is_retryable_after_retry_after(transport: SendGridTransport, fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.fail(1, "429", retry_after=7)
    with pytest.raises(Retryable) as caught:
        transport.post(BODY)
    assert caught.value.retry_after == 7
    assert not fake_sendgrid.accepted


@pytest.mark.parametrize("status", ["500", "503"])
def test_server_errors_are_retryable(transport: SendGridTransport, fake_sendgrid: FakeSendGrid, status: str) -> None:
    fake_sendgrid.fail(1, status)
    with pytest.raises(Retryable, match=status):
        transport.post(BODY)


@pytest.mark.parametrize(("status", "hint"), [("401", "check SENDGRID_API_KEY"), ("403", "Mail Send"), ("400", "not valid"),
                                              ("413", "too large")])
def test_client_errors_are_refused_with_sendgrids_message(transport: SendGridTransport, fake_sendgrid: FakeSendGrid,
                                                          status: str, hint: str) -> None:
    fake_sendgrid.fail(1, status, message="what SendGrid said")
    with pytest.raises(Refused) as caught:
        transport.post(BODY)
    assert caught.value.status == int(status)
    assert f"SendGrid refused the request ({status}): what SendGrid said" in str(caught.value)
    assert hint in str(caught.value)
    assert fake_sendgrid.api_key not in str(caught.value)


def test_a_wrong_key_is_refused(fake_sendgrid: FakeSendGrid) -> None:
    wrong = SendGridTransport("SG.wrong", base_url=fake_sendgrid.url, timeout=2)
    with pytest.raises(Refused, match="401"):
        wrong.post(BODY)


def test_a_request_the_server_never_read_is_retryable(transport: SendGridTransport, fake_sendgrid: FakeSendGrid) -> None:
    # a body larger than the socket buffers: the reset hits while the request is still being written
    big = {**BODY, "content": [{"type": "text/plain", "value": "x" * 32_000_000}]}
    fake_sendgrid.fail(1, "reset-before-body")
    with pytest.raises(Retryable, match="cannot reach SendGrid"):
        transport.post(big)
    assert not fake_sendgrid.accepted


def test_a_reset_after_the_request_was_sent_is_unknown(transport: SendGridTransport, fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.fail(1, "reset-after-body")
    with pytest.raises(OutcomeUnknown):
        transport.post(BODY)
    assert fake_sendgrid.recipients() == {"a@x.example": 1}  # it did arrive: this is why it must not be retried


def test_a_stalled_answer_is_unknown(transport: SendGridTransport, fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.fail(1, "stall", seconds=1.0)
    with pytest.raises(OutcomeUnknown, match="timed out|no complete answer within 0.5 s"):  # the read or the deadline, whichever ends first
        transport.post(BODY)


def test_no_server_is_retryable() -> None:
    transport = SendGridTransport("SG.x", base_url="http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(Retryable, match="cannot reach SendGrid at http://127.0.0.1:9"):
        transport.post(BODY)


@pytest.mark.parametrize("env", [{}, {"SENDGRID_API_KEY": ""}, {"SENDGRID_API_KEY": "   "}])
def test_a_missing_key_is_a_clear_error(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="SENDGRID_API_KEY is not set"):
        SendGridTransport.from_env(env)


def test_the_url_and_timeout_come_from_the_environment() -> None:
    transport = SendGridTransport.from_env({"SENDGRID_API_KEY": "SG.k", "BULLETIN_SENDGRID_URL": "http://127.0.0.1:5/",
                                            "BULLETIN_SENDGRID_TIMEOUT": "2.5"})
    assert (transport.base_url, transport.timeout) == ("http://127.0.0.1:5", 2.5)
    assert "SG.k" not in repr(transport)
    for wrong in ("soon", "0", "-1", "nan", "inf"):
        with pytest.raises(ConfigError, match=f"BULLETIN_SENDGRID_TIMEOUT must be a number of seconds above 0, got '{wrong}'"):
            SendGridTransport.from_env({"SENDGRID_API_KEY": "SG.k", "BULLETIN_SENDGRID_TIMEOUT": wrong})


def test_debug_logs_never_show_the_key(transport: SendGridTransport, fake_sendgrid: FakeSendGrid,
                                       caplog: pytest.LogCaptureFixture) -> None:
    fake_sendgrid.fail(2, "400", message="bad")
    with caplog.at_level(logging.DEBUG):
        transport.post(BODY)
        with pytest.raises(Refused):
            transport.post(BODY)
    assert fake_sendgrid.api_key not in caplog.text


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_refusal_and_is_not_followed(transport: SendGridTransport, fake_sendgrid: FakeSendGrid, status: int) -> None:
    with FakeSendGrid(validate=False) as elsewhere:
        fake_sendgrid.fail(1, "redirect", status=status, location=f"{elsewhere.url}/v3/mail/send")
        with pytest.raises(Refused, match=f"answered {status} .*never follows a redirect") as caught:
            transport.post(BODY)
        assert elsewhere.requests == []
    assert caught.value.status == status
    assert not fake_sendgrid.accepted


def test_a_gateway_page_after_acceptance_is_unknown(transport: SendGridTransport, fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.fail(1, "504-html")
    with pytest.raises(OutcomeUnknown, match="504 Gateway Timeout with a web page"):
        transport.post(BODY)
    assert fake_sendgrid.recipients() == {"a@x.example": 1}  # it had been accepted: retrying would mail twice


def test_sendgrids_own_json_5xx_is_retryable_but_not_a_json_body_of_another_shape(transport: SendGridTransport,
                                                                                   fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.routes[("POST", "/v3/mail/send")] = lambda request: Reply(503, {"message": "upstream down"})
    with pytest.raises(OutcomeUnknown, match="503 Service Unavailable"):
        transport.post(BODY)


def test_a_trickling_answer_ends_at_the_deadline(fake_sendgrid: FakeSendGrid) -> None:
    transport = SendGridTransport(fake_sendgrid.api_key, base_url=fake_sendgrid.url, timeout=1.5)
    fake_sendgrid.fail(1, "trickle", length=100_000, seconds=60)
    with pytest.raises(OutcomeUnknown, match=r"no complete answer within 1.5 s"):
        transport.post(BODY)
    assert fake_sendgrid.wait_trickles() == ["client left"]  # cut at the deadline, not when the server stopped


def test_an_answer_that_is_not_sendgrids_202_is_unknown_not_accepted(transport: SendGridTransport,
                                                                     fake_sendgrid: FakeSendGrid) -> None:
    # a proxy or captive portal answering 200 with a web page: the mail did not necessarily reach SendGrid
    fake_sendgrid.routes[("POST", "/v3/mail/send")] = lambda request: Reply(200, "<html>Please log in</html>")
    with pytest.raises(OutcomeUnknown, match=r"answered 200 instead of 202 Accepted.*Please log in"):
        transport.post(BODY)


def test_a_202_without_a_message_id_is_accepted(transport: SendGridTransport, fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.routes[("POST", "/v3/mail/send")] = lambda request: Reply(202)
    assert transport.post(BODY) is None


def test_a_cancel_answered_by_something_else_is_not_taken_as_done(transport: SendGridTransport,
                                                                 fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.routes[("POST", "/v3/user/scheduled_sends")] = lambda request: Reply(200, "<html>Please log in</html>")
    with pytest.raises(OutcomeUnknown, match="instead of 201"):
        transport.cancel_batch("b-1")


@pytest.mark.parametrize("key", ["SG.abc\ndef", "SG.abc def", "SG.abc\u201d", "SG.\u00e9abc"])
def test_a_key_no_api_key_can_be_is_a_clear_error_that_does_not_show_it(key: str) -> None:
    # pasted from a document: a line break or a typographic quote would break (and show) the Authorization header
    with pytest.raises(ConfigError, match="SENDGRID_API_KEY holds") as caught:
        SendGridTransport.from_env({"SENDGRID_API_KEY": key})
    assert "abc" not in str(caught.value)


def test_a_refused_recipient_is_named_by_its_address(transport: SendGridTransport, fake_sendgrid: FakeSendGrid) -> None:
    # SendGrid names a bad recipient by its place in the request; the user needs the address to fix the file
    error = {"errors": [{"message": "Does not contain a valid address.", "field": "personalizations.1.to.0.email", "help": None}]}
    fake_sendgrid.routes[("POST", "/v3/mail/send")] = lambda request: Reply(400, error)
    two = {**BODY, "personalizations": [{"to": [{"email": "a@x.example"}]}, {"to": [{"email": "b@x.example"}]}]}
    with pytest.raises(Refused) as caught:
        transport.post(two)
    assert ("SendGrid refused the request (400): personalizations.1.to.0.email (b@x.example): Does not contain a valid address."
            in str(caught.value))
    assert "Fix or remove b@x.example in the subscribers file" in str(caught.value)


@pytest.mark.parametrize("url", ["api.sendgrid.com", "https://", "ftp://api.sendgrid.com", "http://exa mple.com",
                                 "http://127.0.0.1:99999"])
def test_a_url_that_cannot_be_sendgrid_is_a_clear_error(url: str) -> None:
    # not an internal error, nor a batch left 'unknown' that never left
    with pytest.raises(ConfigError, match=f"BULLETIN_SENDGRID_URL must be a web address like https://api.sendgrid.com, got '{url}'"):
        SendGridTransport.from_env({"SENDGRID_API_KEY": "SG.k", "BULLETIN_SENDGRID_URL": url})


@pytest.mark.parametrize(("body", "messages"), [
    (b'{"errors": [{"message": "does not contain a valid address", "field": "personalizations.0.to.0.email"}, '
     b'{"message": "authorization required", "field": null}, {"field": "x"}]}',
     ["personalizations.0.to.0.email: does not contain a valid address", "authorization required"]),
    (b"<html>Bad Gateway</html>\n", ["<html>Bad Gateway</html>"]),
    (b"x" * 400, ["x" * 300]),
    (b"", []), (None, []), (b'{"errors": "no list"}', []),
])
def test_sendgrids_error_messages_for_the_mail_and_the_suppression_apis(body: bytes | None, messages: list[str]) -> None:
    assert error_messages(body) == messages
