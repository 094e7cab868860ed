#!/usr/bin/env python3
"""A real SMTP peer for SchedulerKit's mail tests, built on aiosmtpd.

Listens on 127.0.0.1 on an ephemeral port and prints one line, ``PORT <n>``, on
stdout once it accepts connections. Every accepted message is parsed with the
standard library's ``email`` package (an implementation independent of ours)
and written to ``<dir>/message-<n>.json`` *before* the server answers 250 to
the final dot, so a client that got 250 can read the file at once.

It stops when stdin reaches end-of-file (the test closed its pipe or died) or
after ``--max-lifetime`` seconds, whichever comes first, so it never outlives
the test that started it.

Usage:
  smtp_server.py --dir DIR [--tls implicit|starttls] [--cert PEM --key PEM]
                 [--user NAME --password PW] [--exclude-auth PLAIN]
                 [--reject-rcpt ADDR]... [--tempfail-rcpt ADDR]...
                 [--helo-only] [--max-lifetime SECONDS]
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class RecordingHandler:
    """Accepts every message and records it as JSON; refuses listed recipients."""

    def __init__(self, directory, reject, tempfail):
        self.directory = directory
        self.reject = {a.lower() for a in reject}
        self.tempfail = {a.lower() for a in tempfail}
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address.lower() in self.tempfail:
            return "450 4.2.1 <%s>: Mailbox temporarily unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": _auth_user(session),
            # session.ssl is set after STARTTLS only; implicit TLS shows on the transport.
            "tls": session.ssl is not None or _transport_tls(server),
            "headers": {k: str(v) for k, v in parsed.items()},
            "subject": str(parsed["subject"]) if parsed["subject"] is not None else None,
            "body": body.get_content() if body is not None else None,
            "raw": raw.decode("utf-8", errors="replace"),
            "max_raw_line_length": max((len(l) for l in raw.split(b"\r\n")), default=0),
        }
        path = os.path.join(self.directory, "message-%d.json" % self.count)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic: readers never see a half-written file
        return "250 2.0.0 Message accepted for delivery"


def _transport_tls(server):
    transport = getattr(server, "transport", None)
    return transport is not None and transport.get_extra_info("ssl_object") is not None


def _auth_user(session):
    data = getattr(session, "auth_data", None)
    if isinstance(data, LoginPassword):
        return data.login.decode("utf-8", errors="replace")
    return None


class HeloOnlySMTP(SMTP):
    """A server that predates ESMTP: refuses EHLO so clients must fall back to HELO."""

    async def smtp_EHLO(self, hostname):
        await self.push("502 5.5.1 EHLO not supported")


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode("utf-8") == user
              and auth_data.password.decode("utf-8") == password)
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False makes aiosmtpd answer "535 5.7.8 Authentication credentials invalid".
        return AuthResult(success=False, handled=False)
    return authenticate


def watch_stdin(loop, stop):
    """Blocks a helper thread on stdin; EOF means the test is gone."""
    try:
        while sys.stdin.buffer.read(1024):
            pass
    except Exception:
        pass
    loop.call_soon_threadsafe(stop.set)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", choices=["implicit", "starttls"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--exclude-auth", action="append", default=[])
    p.add_argument("--reject-rcpt", action="append", default=[])
    p.add_argument("--tempfail-rcpt", action="append", default=[])
    p.add_argument("--helo-only", action="store_true")
    p.add_argument("--max-lifetime", type=float, default=120.0)
    args = p.parse_args()

    tls_context = None
    if args.tls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)

    handler = RecordingHandler(args.dir, args.reject_rcpt, args.tempfail_rcpt)
    loop = asyncio.get_running_loop()

    def factory():
        kwargs = dict(
            hostname="peer.test",
            decode_data=False,
            timeout=30,
            auth_exclude_mechanism=args.exclude_auth,
            loop=loop,
        )
        if args.tls == "starttls":
            kwargs.update(tls_context=tls_context, require_starttls=True)
        if args.user is not None:
            kwargs.update(
                authenticator=make_authenticator(args.user, args.password or ""),
                auth_required=True,
                # Plain-text AUTH is allowed only so the "security none" AUTH
                # path can be exercised on loopback.
                auth_require_tls=False,
            )
        server_class = HeloOnlySMTP if args.helo_only else SMTP
        return server_class(handler, **kwargs)

    server = await loop.create_server(
        factory,
        host="127.0.0.1",
        port=0,
        ssl=tls_context if args.tls == "implicit" else None,
    )
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)

    stop = asyncio.Event()
    threading.Thread(target=watch_stdin, args=(loop, stop), daemon=True).start()
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_lifetime)
    except asyncio.TimeoutError:
        print("max lifetime reached", file=sys.stderr, flush=True)
    server.close()


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")  # aiosmtpd warns about AUTH without TLS
    asyncio.run(main())
