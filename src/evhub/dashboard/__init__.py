"""The evhub dashboard: a Streamlit app to edit a scenario's key assumptions, run and compare.

``evhub dashboard --port P`` calls :func:`serve`, which runs ``app.py`` with
Streamlit in the foreground, offline (no usage statistics, no file watcher,
no development mode). The app's logic, testable without Streamlit, is in
:mod:`evhub.dashboard.logic`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from evhub.errors import InputError
from evhub.readable import exact

__all__ = [
    "APP",
    "DATASET_OPTION",
    "background",
    "command",
    "dataset_argument",
    "free_port",
    "serve",
]


def dataset_argument(argv: list[str]) -> Path | None:
    """The dataset folder given to the app script (``--dataset PATH``), if any.

    >>> dataset_argument(["app.py", "--dataset", "data/other"])
    PosixPath('data/other')
    >>> dataset_argument(["app.py"]) is None
    True
    """
    if DATASET_OPTION in argv[:-1]:
        return Path(argv[argv.index(DATASET_OPTION) + 1])
    return None


#: The Streamlit script.
APP: Path = Path(__file__).with_name("app.py")
#: The script's option naming the dataset folder it runs (after Streamlit's ``--``).
DATASET_OPTION = "--dataset"

#: Valid TCP port numbers.
_PORTS = range(1, 2**16)
#: Addresses that listen on every interface.
_WILDCARDS = ("0.0.0.0", "::")
#: Seconds to wait for Streamlit to stop after Ctrl+C before killing it.
_STOP_TIMEOUT = 10.0


def command(port: int = 8501, address: str = "127.0.0.1", dataset: Path | None = None) -> list[str]:
    """The command line that serves the app.

    Parameters
    ----------
    port
        TCP port to listen on.
    address
        Address to listen on (``127.0.0.1``: this machine only).
    dataset
        The dataset folder the app runs (the script's ``--dataset``); ``None``
        for the shipped one.

    Returns
    -------
    list of str
        ``python -m streamlit run app.py`` with the server headless and
        offline: no usage statistics, no development mode, no file watcher,
        no rerun on save, a minimal toolbar (no "Deploy" button).

    Examples
    --------
    >>> command(8502)[5:9]
    ['--server.port', '8502', '--server.address', '127.0.0.1']
    """
    # on a wildcard address Streamlit would look up the machine's external IP online
    wildcard = ["--browser.serverAddress", "localhost"] if address in _WILDCARDS else []
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(int(port)),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--client.toolbarMode",
        "minimal",
        *wildcard,
        *(["--", DATASET_OPTION, str(dataset)] if dataset is not None else []),
    ]


def _check(port: int, address: str) -> None:
    if importlib.util.find_spec("streamlit") is None:
        msg = "the dashboard needs streamlit: pip install 'evhub[dashboard]'"
        raise InputError(msg)
    if isinstance(port, bool) or not isinstance(port, int) or port not in _PORTS:
        msg = f"--port {port!r}: expected a port number from {_PORTS[0]} to {_PORTS[-1]}"
        raise InputError(msg)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, port))
        except OSError as exc:
            msg = (
                f"--port {port}: cannot listen on {address}:{port} ({exc.strerror}); "
                "is another server using it? Pick another port with --port"
            )
            raise InputError(msg) from None


@contextlib.contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into ``SystemExit`` (so ``finally`` blocks run), in the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the Streamlit server if it still runs (terminate, then kill after a timeout)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve(port: int = 8501, address: str = "127.0.0.1", dataset: Path | None = None) -> int:
    """Run the dashboard in the foreground until it stops (Ctrl+C); return its exit code.

    If this process is stopped (SIGTERM) or fails, the Streamlit server is
    stopped too, rather than left running on the port.

    Parameters
    ----------
    port
        TCP port to listen on.
    address
        Address to listen on.
    dataset
        The dataset folder to run (checked first); ``None`` for the shipped one.

    Returns
    -------
    int
        Streamlit's exit code (0 after Ctrl+C).

    Raises
    ------
    InputError
        If streamlit is not installed, the port is out of range or in use, or
        the dataset is not a valid dataset folder.
    """
    _check(port, address)
    if dataset is not None:
        from evhub.dataset import validate_dataset

        dataset = validate_dataset(dataset).path  # a bad folder fails here, with its message
    with _exit_on_sigterm(), subprocess.Popen(command(port, address, dataset)) as proc:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            # the terminal sent Ctrl+C to Streamlit too; let it shut down cleanly
            try:
                proc.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait()
            return 0
        finally:
            _stop(proc)


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port free on ``address`` now (for tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def background(
    port: int | None = None, log: Path | None = None, timeout: float = 90.0
) -> Iterator[str]:
    """Serve the dashboard in the background on loopback; yield its URL once it answers.

    For tests, benchmarks and screenshots. The server is stopped on leaving.

    Parameters
    ----------
    port
        TCP port (default: a free one).
    log
        File for the server's output (default: discarded).
    timeout
        Seconds to wait for the server's health check [s].

    Raises
    ------
    RuntimeError
        If the server exits or does not answer within ``timeout``; the message
        holds its log when there is one.
    """
    import time
    import urllib.error
    import urllib.request

    port = free_port() if port is None else port
    url = f"http://127.0.0.1:{port}"
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log.open("wb")) if log is not None else subprocess.DEVNULL
        proc = subprocess.Popen(command(port), stdout=out, stderr=subprocess.STDOUT)
        stack.callback(_stop, proc)
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                why = (
                    f"it exited with {proc.returncode}"
                    if proc.poll() is not None
                    else f"no answer within {exact(timeout)} s"
                )
                text = log.read_text(errors="replace") if log is not None else ""
                msg = f"the dashboard on {url} did not start: {why}\n{text}"
                raise RuntimeError(msg)
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        yield url
