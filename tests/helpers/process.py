"""A server the tests start as a child process (unbound, etcd): stopped by
its PID with SIGTERM, then SIGKILL after a bounded wait; usable with `with`."""

import subprocess

STOP_TIMEOUT = 10.0


class ChildServer:
    proc = None

    def start(self):
        raise NotImplementedError

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
