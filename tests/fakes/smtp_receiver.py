#!/usr/bin/python3
"""SMTP receiver for the notify tests (Debian's python3-aiosmtpd).

Listens on 127.0.0.1:PORT and stores each message as DIR/msg-NNNN.eml (the raw DATA)
plus DIR/msg-NNNN.json (envelope sender, recipients, authenticated user, whether the
session used TLS). --cert/--key offer STARTTLS; --auth USER:PASS requires AUTH (only over
TLS) with that login. --drop-first N: the first N messages are received whole and the
connection is then dropped instead of answering the end of DATA (the client cannot know
whether the message was taken: it was not, and nothing is stored). Writes DIR/ready once
it listens.
"""
import argparse
import json
import os
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--auth")
    ap.add_argument("--drop-first", type=int, default=0)
    args = ap.parse_args()
    state = {"n": 0, "dropped": 0}

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            if state["dropped"] < args.drop_first:
                state["dropped"] += 1
                open(os.path.join(args.dir, "dropped-%04d" % state["dropped"]), "w").close()
                server.transport.abort()  # no reply to the final "."
                return None
            state["n"] += 1
            base = os.path.join(args.dir, "msg-%04d" % state["n"])
            with open(base + ".eml.tmp", "wb") as f:
                f.write(envelope.original_content or envelope.content)
            meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                    "auth_user": (session.auth_data.login.decode()
                                  if isinstance(session.auth_data, LoginPassword) else None),
                    "tls": session.ssl is not None}
            with open(base + ".json", "w") as f:
                json.dump(meta, f)
            os.rename(base + ".eml.tmp", base + ".eml")
            return "250 OK stored"

    kwargs = {}
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        kwargs.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
    controller = Controller(Handler(), hostname="127.0.0.1", port=args.port, **kwargs)
    controller.start()
    open(os.path.join(args.dir, "ready"), "w").close()
    threading.Event().wait()


if __name__ == "__main__":
    main()
