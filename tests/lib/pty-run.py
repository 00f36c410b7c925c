#!/usr/bin/env python3
"""Run a command on a new pseudo-terminal and answer its prompts, for the tests.

Usage:
    pty-run.py [--timeout S] [--report-echo]
               [--expect TEXT (--send LINE | --send-env NAME | --send-file FILE |
                               --hangup)]...
               -- CMD [ARGS...]

CMD runs in a new session with the pty slave as its standard input, output
and error and as its controlling terminal.  For each --expect, in order,
pty-run waits until TEXT has appeared in what CMD wrote to the terminal
(after the previous match), then writes the answer and a newline:

    --send LINE      LINE itself (visible in argv: never use it for a secret)
    --send-env NAME  the value of the environment variable NAME
    --send-file FILE the contents of FILE, without one trailing newline
    --hangup         nothing: close the terminal's master side instead (a
                     hangup: the kernel sends CMD, the session leader, SIGHUP)

Then it waits for CMD to exit.  Everything CMD wrote to the terminal goes to
pty-run's standard output as received (CR LF line ends, as a terminal sees
them).  With echo on, the line discipline echoes what pty-run typed, so a
secret typed with echo on shows up in that output and one typed with echo
off does not.

--report-echo: when CMD has exited, print "pty-run: echo on" or
"pty-run: echo off" on standard error: the terminal's ECHO flag as CMD left
it (a program that turns echo off must turn it back on).

Exit status: CMD's (128+N if killed by signal N); 124 on timeout (default
30 s, a bound that a loaded machine stays within; CMD's process group is
killed); 125 on a usage error, or when an expected TEXT never appears
before CMD closes the terminal.
"""

import errno
import os
import select
import signal
import sys
import termios
import time

HANGUP = object()       # the answer of --hangup


def usage(msg):
    sys.stderr.write("pty-run: %s\n" % msg)
    sys.exit(125)


def parse(argv):
    timeout = 30.0
    report_echo = False
    steps = []          # [(expect bytes, answer bytes or None)]
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg == "--report-echo":
            report_echo = True
            i += 1
            continue
        if arg == "--hangup":
            if not steps or steps[-1][1] is not None:
                usage("--hangup must follow an --expect")
            steps[-1][1] = HANGUP
            i += 1
            continue
        if i + 1 >= len(argv):
            usage("%s needs a value" % arg)
        val = argv[i + 1]
        if arg == "--timeout":
            try:
                timeout = float(val)
            except ValueError:
                usage("--timeout: not a number")
        elif arg == "--expect":
            steps.append([os.fsencode(val), None])
        elif arg in ("--send", "--send-env", "--send-file"):
            if not steps or steps[-1][1] is not None:
                usage("%s must follow an --expect" % arg)
            if arg == "--send":
                data = os.fsencode(val)
            elif arg == "--send-env":
                if val not in os.environ:
                    usage("--send-env: %s is not set" % val)
                data = os.environb[os.fsencode(val)]
            else:
                with open(val, "rb") as f:
                    data = f.read()
                if data.endswith(b"\n"):
                    data = data[:-1]
            steps[-1][1] = data
        else:
            usage("unknown option %s" % arg)
        i += 2
    cmd = argv[i:]
    if not cmd:
        usage("no command (pty-run.py [OPTIONS] -- CMD [ARGS...])")
    for expect, answer in steps:
        if answer is None:
            usage("--expect %r has no --send" % expect.decode(errors="replace"))
    return timeout, report_echo, steps, cmd


def wait_hung_up(pid, deadline):
    """After --hangup: wait for CMD until the deadline; exit with its status."""
    while time.monotonic() < deadline:
        wpid, wstatus = os.waitpid(pid, os.WNOHANG)
        if wpid == pid:
            if os.WIFSIGNALED(wstatus):
                sys.exit(128 + os.WTERMSIG(wstatus))
            sys.exit(os.WEXITSTATUS(wstatus))
        time.sleep(0.02)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    os.waitpid(pid, 0)
    sys.stderr.write("pty-run: timed out after the hangup\n")
    sys.exit(124)


def main():
    timeout, report_echo, steps, cmd = parse(sys.argv[1:])
    master, slave = os.openpty()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(master)
            os.setsid()
            import fcntl
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            if slave > 2:
                os.close(slave)
            # A terminal's session starts with the keyboard's signals at
            # their defaults, whatever ours inherited: a background job
            # of a non-interactive shell (nohup ... &, some CI runners)
            # ignores SIGINT and SIGQUIT, and an ignored signal cannot be
            # caught after exec, so ^C would never reach CMD.
            for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP,
                        signal.SIGTTIN, signal.SIGTTOU):
                signal.signal(sig, signal.SIG_DFL)
            os.execvp(cmd[0], cmd)
        except OSError as e:
            os.write(2, ("pty-run: %s: %s\n" % (cmd[0], e.strerror)).encode())
        os._exit(127)
    # Keep our copy of the slave open: reads on the master then never fail
    # with EIO before we have seen everything, and --report-echo can read
    # the terminal's flags after CMD has gone.  EOF is CMD's exit instead.
    deadline = time.monotonic() + timeout
    out = sys.stdout.buffer
    seen = b""          # output not yet matched by an --expect
    step = 0
    status = None
    timed_out = False

    def drain(wait):
        nonlocal seen
        r, _, _ = select.select([master], [], [], wait)
        if not r:
            return
        try:
            data = os.read(master, 65536)
        except OSError as e:
            if e.errno == errno.EIO:
                return
            raise
        out.write(data)
        out.flush()
        seen += data

    while True:
        while step < len(steps):
            expect, answer = steps[step]
            k = seen.find(expect)
            if k < 0:
                break
            seen = seen[k + len(expect):]
            step += 1
            if answer is HANGUP:
                os.close(master)
                os.close(slave)
                return wait_hung_up(pid, deadline)
            os.write(master, answer + b"\n")
        if status is None:
            wpid, wstatus = os.waitpid(pid, os.WNOHANG)
            if wpid == pid:
                status = wstatus
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        if status is not None:
            # CMD is gone: read what is left.  The kernel moves the last
            # output to the master asynchronously, so stop only after a
            # quiet 0.2 s, not at the first empty poll.
            r, _, _ = select.select([master], [], [], min(left, 0.2))
            if not r:
                break
            drain(0)
            continue
        drain(min(left, 0.05))

    if timed_out:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        if status is None:
            os.waitpid(pid, 0)
        sys.stderr.write("pty-run: timed out after %g s\n" % timeout)
        sys.exit(124)
    if report_echo:
        echo = termios.tcgetattr(slave)[3] & termios.ECHO
        sys.stderr.write("pty-run: echo %s\n" % ("on" if echo else "off"))
    if step < len(steps):
        sys.stderr.write("pty-run: never saw %r (the command exited with status %d)\n" % (
            steps[step][0].decode(errors="replace"), os.waitstatus_to_exitcode(status)))
        sys.exit(125)
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
