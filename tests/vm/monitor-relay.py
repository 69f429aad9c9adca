#!/usr/bin/env python3
"""monitor-relay.py SOCKET DIR: let the guest drive QEMU's human monitor.

Started by tests/vm/run.sh next to QEMU.  The guest writes one HMP command
per line to DIR/monitor.req (the results directory it shares with the host);
this loop sends each line to the monitor on the unix socket SOCKET and writes
what the monitor printed to DIR/monitor.reply (renamed into place, so the
guest never reads half of it), then removes the request.  Runs until QEMU
closes the socket.
"""
import os
import socket
import sys
import time

PROMPT = b"(qemu) "


def read_to_prompt(s):
    buf = b""
    while not buf.endswith(PROMPT):
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError
        buf += chunk
    return buf[: -len(PROMPT)]


def connect(path):
    # QEMU creates the socket a moment after it starts
    for _ in range(600):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    sys.exit("monitor-relay: no monitor at " + path)


def main():
    path, d = sys.argv[1], sys.argv[2]
    req, reply = os.path.join(d, "monitor.req"), os.path.join(d, "monitor.reply")
    s = connect(path)
    try:
        read_to_prompt(s)  # the banner
        while True:
            if not os.path.exists(req):
                time.sleep(0.2)
                # a closed socket (QEMU gone) reads empty without blocking
                s.setblocking(False)
                try:
                    if s.recv(1, socket.MSG_PEEK) == b"":
                        return
                except BlockingIOError:
                    pass
                finally:
                    s.setblocking(True)
                continue
            with open(req) as f:
                cmds = [l.strip() for l in f if l.strip()]
            out = b""
            for c in cmds:
                s.sendall(c.encode() + b"\n")
                text = read_to_prompt(s)
                # the monitor echoes the command line first
                out += text.replace(b"\r", b"").split(b"\n", 1)[-1]
            with open(reply + ".tmp", "wb") as f:
                f.write(out)
            os.remove(req)
            os.rename(reply + ".tmp", reply)
    except (EOFError, ConnectionError):
        return


if __name__ == "__main__":
    main()
