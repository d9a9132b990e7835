#!/usr/bin/env python3
"""bench/tui_relay.py — a slow link between a terminal and a program.

    tui_relay.py RATE LOG -- COMMAND [ARG...]

Runs COMMAND on a pseudo-terminal of this terminal's size and passes what
it writes on to our stdout at no more than RATE bytes per second, reading
the pty no faster than that, so the program meets the back-pressure a slow
SSH link gives it: its tty's buffer fills and its writes would block.
Keys typed here go to the program at once.  Every delivery is logged to LOG
as "TIME BYTES" (time.time() seconds), so a script can tell when the
output stopped arriving.  Standard library only.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
import tty

TICK = 0.01          # seconds between refills of the allowance
BURST_TICKS = 5      # the allowance never holds more than this many ticks


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.stderr.write(__doc__)
        return 1
    rate = float(sys.argv[1])
    log = open(sys.argv[2], "a", buffering=1)
    size = fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8)
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[4], sys.argv[4:])
    fcntl.ioctl(master, termios.TIOCSWINSZ, size)
    os.kill(pid, signal.SIGWINCH)
    old = termios.tcgetattr(0)
    tty.setraw(0)
    allowance, last = 0.0, time.time()
    try:
        while True:
            now = time.time()
            allowance = min(allowance + rate * (now - last), rate * TICK * BURST_TICKS)
            last = now
            want = [0]
            if allowance >= 1:
                want.append(master)
            r, _, _ = select.select(want, [], [], TICK)
            if 0 in r:
                data = os.read(0, 4096)
                if not data:
                    break
                os.write(master, data)
            if master in r:
                try:
                    data = os.read(master, int(allowance))
                except OSError:
                    break
                if not data:
                    break
                allowance -= len(data)
                os.write(1, data)
                log.write("%.6f %d\n" % (time.time(), len(data)))
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, old)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
